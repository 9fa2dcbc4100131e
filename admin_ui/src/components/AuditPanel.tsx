/**
 * The audit log: every staff action, newest first, its name and details in words of the
 * page's language (see `audit_text.ts`).
 */
import { auditEntries, now } from "../state.ts";
import { clock } from "../format.ts";
import { auditAction, auditDetail, auditTarget } from "../audit_text.ts";
import { Section } from "./Section.tsx";
import { t } from "../i18n.ts";

/** The audit log panel. */
export function AuditPanel() {
  return (
    <Section id="audit" title={t("audit.title")}>
      {auditEntries.value.length === 0
        ? <p class="empty">{t("audit.empty")}</p>
        : (
          <ol class="rows" data-testid="audit">
            {auditEntries.value.map((e, i) => (
              <li class="row compact" key={`${e.at}-${i}`} data-action={e.action}>
                <span class="muted">{clock(e.at, now.value)}</span>
                <strong>{auditAction(e.action)}</strong>
                {e.target && <span class="name">{auditTarget(e)}</span>}
                {e.detail && <span>{auditDetail(e.detail, now.value)}</span>}
                <span class="muted">{t("audit.byFrom", { user: e.by, address: e.address })}</span>
              </li>
            ))}
          </ol>
        )}
    </Section>
  );
}
