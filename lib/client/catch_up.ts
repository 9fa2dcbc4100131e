/** Fetching what a session missed while it was disconnected. */
import { formatMsgid } from "../protocol/msgid.ts";
import type { ChatMessage } from "../protocol/server_frames.ts";
import type { FrameConnection } from "./connection.ts";
import type { RoomMessage } from "./events.ts";

/** Messages fetched at most per catch-up page. */
const PAGE = 200;

/** Room messages from a reply field, each with its room set. */
export function toRoomMessages(value: unknown, room: string): RoomMessage[] {
  if (!Array.isArray(value)) return [];
  return (value as ChatMessage[]).map((message) => ({ ...message, room: message.room ?? room }));
}

/**
 * Re-joins `room` on `conn` with `after` = the last msgid seen (or from the start when none
 * was) and pages through `history` until every message missed is fetched, oldest first.
 */
export async function fetchMissedRoomMessages(
  conn: FrameConnection,
  room: string,
  lastSeen: string | null,
): Promise<{ ok: true; room: string; messages: RoomMessage[] } | { ok: false; message: string }> {
  const reply = await conn.request("join", { room, after: lastSeen ?? formatMsgid(0) });
  if (!reply.ok) return { ok: false, message: reply.error.message };
  const name = typeof reply.frame.room === "string" ? reply.frame.room : room;
  const messages = toRoomMessages(reply.frame.history, name);
  let more = reply.frame.more === true;
  let page = messages;
  while (more && page.length > 0) {
    const after = page[page.length - 1]!.msgid;
    const next = await conn.request("history", { room: name, after, limit: PAGE });
    if (!next.ok) break;
    page = toRoomMessages(next.frame.messages, name);
    more = next.frame.more === true;
    messages.push(...page);
  }
  return { ok: true, room: name, messages };
}

/** Direct messages after msgid `after` exchanged with any of `partners`, oldest first. */
export async function fetchMissedDms(
  conn: FrameConnection,
  partners: string[],
  after: string,
): Promise<ChatMessage[]> {
  const missed: ChatMessage[] = [];
  for (const partner of partners) {
    const reply = await conn.request("history", { with: partner, after, limit: PAGE });
    if (reply.ok && Array.isArray(reply.frame.messages)) {
      missed.push(...(reply.frame.messages as ChatMessage[]));
    }
  }
  return missed.sort((a, b) => (a.msgid < b.msgid ? -1 : a.msgid > b.msgid ? 1 : 0));
}
