/** Connected users and their sessions, with the actions on each user. */
import { useSignal } from "@preact/signals";
import type { ConnectedUser } from "../../../lib/admin/api_types.ts";
import { now, users } from "../state.ts";
import { clock, span } from "../format.ts";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";

/** The connected users panel. */
export function UsersPanel() {
  const { list } = users.value;
  return (
    <section class="panel users" aria-labelledby="users-title">
      <h2 id="users-title">
        Connected users <span class="count">{list.length}</span>
      </h2>
      {list.length === 0
        ? <p class="empty">Nobody is connected.</p>
        : (
          <ul class="rows" data-testid="users">
            {list.map((u) => <UserRow key={u.user} user={u} />)}
          </ul>
        )}
    </section>
  );
}

function UserRow({ user }: { user: ConnectedUser }) {
  const open = useSignal<SanctionAction | null>(null);
  const elapsed = (now.value - users.value.at) / 1000;
  const toggle = (action: SanctionAction) => (open.value = open.value === action ? null : action);
  return (
    <li class="row" data-testid="user-row" data-user={user.user}>
      <div class="row-head">
        <strong class="name">{user.user}</strong>
        <span class="muted">
          {user.sessions.length} session{user.sessions.length === 1 ? "" : "s"}
        </span>
        <span class="actions">
          {(["kick", "mute", "ban"] as const).map((action) => (
            <button
              type="button"
              key={action}
              class={open.value === action ? "small on" : "small"}
              onClick={() => toggle(action)}
            >
              {action[0]!.toUpperCase() + action.slice(1)}
            </button>
          ))}
        </span>
      </div>
      <table class="sessions">
        <thead>
          <tr>
            <th>Address</th>
            <th>Rooms</th>
            <th>Since</th>
            <th>Idle</th>
            <th>Sent</th>
          </tr>
        </thead>
        <tbody>
          {user.sessions.map((s) => (
            <tr key={s.id}>
              <td data-label="Address">{s.address}</td>
              <td data-label="Rooms">{s.rooms.join(", ") || "–"}</td>
              <td data-label="Since">{clock(s.since, now.value)}</td>
              <td data-label="Idle">{span(s.idle + elapsed)}</td>
              <td data-label="Sent">{s.messagesSent}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open.value && (
        <SanctionForm
          key={open.value}
          user={user.user}
          action={open.value}
          onDone={() => (open.value = null)}
        />
      )}
    </li>
  );
}
