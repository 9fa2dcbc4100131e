/**
 * Unread counts from the server's read markers (protocol 1.1, `read_markers`): asked with
 * `unread` when the chat opens and after each reconnect, so a room read on another device
 * does not count as unread here, and what arrived while this device was away does.
 */
import { sanitize } from "../format.ts";
import { t } from "../i18n.ts";
import type { ChatView } from "./chat_view.ts";

/** One row of the `unread` reply. */
interface UnreadRow {
  name: string;
  unread: number;
  /** The read marker (`last_read`), null when none. */
  lastRead: string | null;
}

/** Conversations whose unread direct messages are shown when the chat opens. */
const DM_CONVERSATIONS_SHOWN = 10;

/** The well-formed rows of an `unread` list, under the name field `key`. */
function _rows(list: unknown, key: "room" | "with"): UnreadRow[] {
  if (!Array.isArray(list)) return [];
  const rows: UnreadRow[] = [];
  for (const entry of list as Record<string, unknown>[]) {
    const name = entry?.[key];
    const unread = entry?.unread;
    if (typeof name === "string" && typeof unread === "number" && unread >= 0) {
      const lastRead = typeof entry.last_read === "string" ? entry.last_read : null;
      rows.push({ name, unread, lastRead });
    }
  }
  return rows;
}

/**
 * Asks the server for the unread counts and shows them: the joined rooms' counts follow the
 * server; the unread direct messages themselves are shown (the first
 * {@linkcode DM_CONVERSATIONS_SHOWN} conversations: they would otherwise be out of reach,
 * a dm has no room to join), which marks them read; and one line lists the other rooms, and
 * any conversations beyond those, with unread messages. Does nothing on a server without
 * read markers; a failure only leaves the local counts.
 */
export async function syncUnread(view: ChatView): Promise<void> {
  if (!view.client.supports("read_markers") || !view.client.online) return;
  const reply = await view.client.request({ type: "unread" }).catch(() => null);
  if (reply === null || !reply.ok) return;
  const rooms = _rows(reply.frame.rooms, "room");
  const elsewhere = view.applyUnread(rooms.map((r) => ({ room: r.name, unread: r.unread })));
  const dms = _rows(reply.frame.dms, "with").filter((r) => r.unread > 0);
  const shown = dms.slice(0, DM_CONVERSATIONS_SHOWN);
  await view.client.showUnreadDms(shown.map((r) => ({ with: r.name, after: r.lastRead })))
    .catch(() => {});
  const parts = [
    ...elsewhere,
    ...dms.slice(shown.length).map((r) => `${t("line.dm")} ${r.name} ${r.unread}`),
  ];
  if (parts.length === 0) return;
  view.info(t("chat.unreadElsewhere", { rooms: sanitize(parts.join(", ")) }));
}
