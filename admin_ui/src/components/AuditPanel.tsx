/**
 * The audit log: every admin action, newest first. Action names (`kick`, `unban`) are the
 * API's words and are shown as they are, in every language.
 */
import { auditEntries, now } from "../state.ts";
import { clock } from "../format.ts";
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
              <li class="row compact" key={`${e.at}-${i}`}>
                <span class="muted">{clock(e.at, now.value)}</span>
                <strong>{e.action}</strong>
                {e.target && <span class="name">{e.target}</span>}
                {e.detail && <span>{describeDetail(e.detail, now.value)}</span>}
                <span class="muted">{t("audit.byFrom", { user: e.by, address: e.address })}</span>
              </li>
            ))}
          </ol>
        )}
    </Section>
  );
}

/** Audit details are often JSON (`{"until","reason"}`): shown as words when they are. */
function describeDetail(detail: string, at: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return detail;
  return Object.entries(parsed as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) =>
      k === "until" && typeof v === "string"
        ? t("audit.until", { when: clock(v, at) })
        : `${k} ${String(v)}`
    )
    .join(" · ");
}
