/**
 * Sanctions: current kicks, mutes and bans with lift buttons (names in the query, so `.`
 * and `..` work), a form for any user by name, and for admins the address bans.
 */
import { useSignal } from "@preact/signals";
import type { SanctionView } from "../../../lib/admin/api_types.ts";
import { api } from "../api.ts";
import { byName, isAdmin, moderation, now } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { t } from "../i18n.ts";
import { sanctionUntil } from "../user_sanctions.ts";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";
import { allowedActions } from "./SanctionButtons.tsx";
import { Section } from "./Section.tsx";
import { AddressBans } from "./AddressBans.tsx";

const KIND = { kicks: "kick", mutes: "mute", bans: "ban" } as const;
const LIFTED = {
  kicks: "sanctions.liftedKick",
  mutes: "sanctions.liftedMute",
  bans: "sanctions.liftedBan",
} as const;

/** The sanctions section. */
export function SanctionsPanel() {
  const m = moderation.value;
  const action = useSignal<SanctionAction>("kick");
  return (
    <Section id="sanctions" title={t("nav.sanctions")}>
      <SanctionList kind="kicks" items={m.kicks} />
      <SanctionList kind="mutes" items={m.mutes} />
      <SanctionList kind="bans" items={m.bans} />
      <h3>{t("sanctions.anyUser")}</h3>
      <div class="tabs" role="group" aria-label={t("measure.label")}>
        {allowedActions().map((a) => (
          <button
            type="button"
            key={a}
            class={action.value === a ? "small on" : "small"}
            aria-pressed={action.value === a}
            onClick={() => (action.value = a)}
          >
            {t(`measure.${a}`)}
          </button>
        ))}
      </div>
      <SanctionForm key={action.value} action={action.value} />
      {isAdmin.value && <AddressBans />}
    </Section>
  );
}

function SanctionList(
  { kind, items }: {
    kind: "kicks" | "mutes" | "bans";
    items: SanctionView[];
  },
) {
  const canLift = kind !== "bans" || isAdmin.value;
  return (
    <>
      <h3>
        {t(`sanctions.${kind}`)} <span class="count">{items.length}</span>
      </h3>
      {items.length === 0
        ? <p class="empty">{t("common.none")}</p>
        : (
          <ul class="rows" data-testid={kind}>
            {items.map((s) => (
              <li class="row compact" key={s.user} data-user={s.user}>
                <strong class="name">{s.user}</strong>
                <span class="muted">
                  {s.until
                    ? sanctionUntil(KIND[kind], s.until, now.value)
                    : t("sanctions.untilLifted")}
                  {s.reason ? ` · ${s.reason}` : ""} · {t("common.by", { user: s.by })}
                </span>
                {canLift && (
                  <button
                    type="button"
                    class="small"
                    onClick={(e) =>
                      act(
                        () => api("DELETE", byName(`/api/${kind}`, "user", s.user)),
                        t(LIFTED[kind], { user: s.user }),
                        anchorOf(e),
                      )}
                  >
                    {t("common.lift")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
    </>
  );
}
