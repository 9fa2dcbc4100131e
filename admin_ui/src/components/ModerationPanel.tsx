/** Current kicks, mutes and bans with lift buttons, and a form for any user by name. */
import { useSignal } from "@preact/signals";
import type { SanctionView } from "../../../lib/admin/api_types.ts";
import { api, seg } from "../api.ts";
import { act, moderation, now } from "../state.ts";
import { until } from "../format.ts";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";

/** The moderation panel. */
export function ModerationPanel() {
  const m = moderation.value;
  const action = useSignal<SanctionAction>("kick");
  return (
    <section class="panel moderation" aria-labelledby="moderation-title">
      <h2 id="moderation-title">Moderation</h2>
      <SanctionList title="Kicks" kind="kicks" items={m.kicks} />
      <SanctionList title="Mutes" kind="mutes" items={m.mutes} />
      <SanctionList title="Bans" kind="bans" items={m.bans} />
      <h3>Any user by name</h3>
      <div class="tabs" role="group" aria-label="Measure">
        {(["kick", "mute", "ban"] as const).map((a) => (
          <button
            type="button"
            key={a}
            class={action.value === a ? "small on" : "small"}
            onClick={() => (action.value = a)}
          >
            {a}
          </button>
        ))}
      </div>
      <SanctionForm key={action.value} action={action.value} />
    </section>
  );
}

function SanctionList(
  { title, kind, items }: { title: string; kind: string; items: SanctionView[] },
) {
  return (
    <>
      <h3>
        {title} <span class="count">{items.length}</span>
      </h3>
      {items.length === 0 ? <p class="empty">None.</p> : (
        <ul class="rows" data-testid={kind}>
          {items.map((s) => (
            <li class="row compact" key={s.user} data-user={s.user}>
              <strong class="name">{s.user}</strong>
              <span class="muted">
                {s.until ? `ends in ${until(s.until, now.value)}` : "until lifted"}
                {s.reason ? ` · ${s.reason}` : ""} · by {s.by}
              </span>
              <button
                type="button"
                class="small"
                onClick={() =>
                  act(
                    () => api("DELETE", `/api/${kind}/${seg(s.user)}`),
                    `Lifted the ${kind.slice(0, -1)} of ${s.user}.`,
                  )}
              >
                Lift
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
