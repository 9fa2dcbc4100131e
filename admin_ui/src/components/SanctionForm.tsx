/** The form that kicks, mutes or bans one user. */
import { useSignal } from "@preact/signals";
import { api } from "../api.ts";
import { act, anchorOf, toast } from "../toasts.ts";
import { ask } from "../confirm.ts";
import { t } from "../i18n.ts";
import { durationText } from "../format.ts";
import { toApiDuration } from "../duration_input.ts";

/** A moderation measure the form can impose. */
export type SanctionAction = "kick" | "mute" | "ban";

const PRESETS = ["30s", "5m", "1h", "1d"];

/** The submit button's label when the user is fixed: "Kick mallory". */
const WITH_USER = {
  kick: "action.kickUser",
  mute: "action.muteUser",
  ban: "action.banUser",
} as const;

/** Props: a fixed `user` (else a name field is shown) and the measure. */
export interface SanctionFormProps {
  user?: string;
  action: SanctionAction;
  onDone?: () => void;
}

/** Duration (presets or typed), reason, and the button that applies the measure. */
export function SanctionForm({ user, action, onDone }: SanctionFormProps) {
  const name = useSignal(user ?? "");
  const duration = useSignal("30s");
  const reason = useSignal("");
  const busy = useSignal(false);
  const timed = action !== "ban";
  const submit = async (event: Event) => {
    event.preventDefault();
    const target = (user ?? name.value).trim();
    const anchor = anchorOf(event);
    // Checked here: the API reads `10m` only, and refuses `10 min` in English.
    const wire = toApiDuration(duration.value);
    if (timed && wire === null) {
      toast("error", t("error.duration"), anchor);
      return;
    }
    if (
      action === "ban" && !await ask({
        title: t("ban.title", { user: target || t("ban.thisUser") }),
        body: t("ban.body", { user: target }),
        confirm: t("action.banUser", { user: target }),
      })
    ) return;
    busy.value = true;
    const body = timed
      ? { user: target, duration: wire, reason: reason.value }
      : { user: target, reason: reason.value };
    const done = t(`done.${action}`, { user: target, duration: durationText(wire ?? "") });
    const ok = await act(() => api("POST", `/api/${action}`, body), done, anchor);
    busy.value = false;
    if (ok) onDone?.();
  };
  return (
    <form class="sanction" onSubmit={submit} data-testid={`${action}-form`}>
      {user === undefined && (
        <input
          aria-label={t("common.userName")}
          placeholder={t("common.userNamePlaceholder")}
          value={name}
          onInput={(e) => (name.value = e.currentTarget.value)}
        />
      )}
      {timed && (
        <div class="presets" role="group" aria-label={t("common.durationPresets")}>
          {PRESETS.map((p) => (
            <button
              type="button"
              key={p}
              class={duration.value === p ? "preset on" : "preset"}
              onClick={() => (duration.value = p)}
            >
              {p}
            </button>
          ))}
          <input
            class="duration"
            aria-label={t("common.duration")}
            placeholder={t("common.durationPlaceholder")}
            value={duration}
            onInput={(e) => (duration.value = e.currentTarget.value)}
          />
        </div>
      )}
      <input
        aria-label={t("common.reason")}
        placeholder={t("common.reasonOptional")}
        value={reason}
        onInput={(e) => (reason.value = e.currentTarget.value)}
      />
      <button type="submit" class={action === "ban" ? "danger" : ""} disabled={busy}>
        {user === undefined ? t(`action.${action}`) : t(WITH_USER[action], { user })}
      </button>
    </form>
  );
}
