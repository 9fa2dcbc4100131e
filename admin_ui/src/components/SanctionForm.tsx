/** The form that kicks, mutes or bans one user. */
import { useSignal } from "@preact/signals";
import { api } from "../api.ts";
import { act } from "../state.ts";

/** A moderation measure the form can impose. */
export type SanctionAction = "kick" | "mute" | "ban";

const PRESETS = ["30s", "5m", "1h", "1d"];
const VERB: Record<SanctionAction, string> = { kick: "Kick", mute: "Mute", ban: "Ban" };
const PAST: Record<SanctionAction, string> = { kick: "Kicked", mute: "Muted", ban: "Banned" };

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
    busy.value = true;
    const body = timed
      ? { user: target, duration: duration.value.trim(), reason: reason.value }
      : { user: target, reason: reason.value };
    const done = `${PAST[action]} ${target}${timed ? ` for ${duration.value.trim()}` : ""}.`;
    const ok = await act(() => api("POST", `/api/${action}`, body), done);
    busy.value = false;
    if (ok) onDone?.();
  };
  return (
    <form class="sanction" onSubmit={submit} data-testid={`${action}-form`}>
      {user === undefined && (
        <input
          aria-label="User name"
          placeholder="user name"
          value={name}
          onInput={(e) => (name.value = e.currentTarget.value)}
        />
      )}
      {timed && (
        <div class="presets" role="group" aria-label="Duration">
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
            aria-label="Duration"
            placeholder="90s, 15m, 2h, 3d"
            value={duration}
            onInput={(e) => (duration.value = e.currentTarget.value)}
          />
        </div>
      )}
      <input
        aria-label="Reason"
        placeholder="reason (optional)"
        value={reason}
        onInput={(e) => (reason.value = e.currentTarget.value)}
      />
      <button type="submit" class={action === "ban" ? "danger" : ""} disabled={busy}>
        {VERB[action]}
        {user === undefined ? "" : ` ${user}`}
      </button>
    </form>
  );
}
