/** Recent messages, live, filtered by room and user. */
import { loadMessages, messageFilter, messages, now, report, rooms } from "../state.ts";
import { clock } from "../format.ts";

/** The message feed panel. */
export function FeedPanel() {
  const filter = messageFilter.value;
  const setFilter = (change: Partial<typeof filter>) => {
    messageFilter.value = { ...messageFilter.value, ...change };
    loadMessages().catch((e) => report("error", e instanceof Error ? e.message : String(e)));
  };
  return (
    <section class="panel feed" aria-labelledby="feed-title">
      <h2 id="feed-title">Messages</h2>
      <div class="inline">
        <select
          aria-label="Room filter"
          value={filter.room}
          onChange={(e) => setFilter({ room: e.currentTarget.value })}
        >
          <option value="">all rooms and direct</option>
          {rooms.value.map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
        </select>
        <input
          aria-label="User filter"
          placeholder="user"
          value={filter.user}
          onChange={(e) => setFilter({ user: e.currentTarget.value.trim() })}
        />
      </div>
      {messages.value.length === 0
        ? <p class="empty">No messages.</p>
        : (
          <ol class="messages" data-testid="messages">
            {messages.value.map((m) => (
              <li key={m.msgid} class="message">
                <span class="muted">{clock(m.ts, now.value)}</span>{" "}
                <span class="where">{m.room ? `#${m.room}` : `→ ${m.to}`}</span>{" "}
                <strong>{m.user}</strong> <span class="text">{m.text}</span>
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}
