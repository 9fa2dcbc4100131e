/** Fetching what a session missed while it was disconnected. */
import { formatMsgid } from "../protocol/msgid.ts";
import { ChatMessage } from "../protocol/server_frames.ts";
import type { FrameConnection } from "./connection.ts";
import type { RoomMessage } from "./events.ts";
import { joinedName } from "./join.ts";
import type { RoomTracker } from "./room_tracker.ts";

/** Messages fetched at most per catch-up page. */
const PAGE = 200;

/**
 * The message objects of a reply field: those the protocol's shape allows (as live events
 * are checked); a malformed entry from a broken or hostile server is left out.
 */
export function messagesOf(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  const messages: ChatMessage[] = [];
  for (const entry of value) {
    const parsed = ChatMessage.safeParse(entry);
    if (parsed.success) messages.push(parsed.data);
  }
  return messages;
}

/** Room messages from a reply field, each with its room set. */
export function toRoomMessages(value: unknown, room: string): RoomMessage[] {
  return messagesOf(value).map((message) => ({ ...message, room: message.room ?? room }));
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
  const reply = await conn.request({ type: "join", room, after: lastSeen ?? formatMsgid(0) });
  if (!reply.ok) return { ok: false, message: reply.error.message };
  const name = joinedName(reply.frame, room);
  const messages = toRoomMessages(reply.frame.history, name);
  let more = reply.frame.more === true;
  let page = messages;
  while (more && page.length > 0) {
    const after = page[page.length - 1]!.msgid;
    const next = await conn.request({ type: "history", room: name, after, limit: PAGE });
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
    const reply = await conn.request({ type: "history", with: partner, after, limit: PAGE });
    if (reply.ok) missed.push(...messagesOf(reply.frame.messages));
  }
  return missed.sort((a, b) => (a.msgid < b.msgid ? -1 : a.msgid > b.msgid ? 1 : 0));
}

/**
 * Re-joins every room `rooms` has joined, on a new connection, and hands each room's missed
 * messages to `deliver`, then the live ones held meanwhile, so none overtakes a missed one.
 * A room that cannot be re-joined is forgotten and reported to `failed`.
 */
export async function rejoinRooms(
  conn: FrameConnection,
  rooms: RoomTracker,
  deliver: (message: RoomMessage) => void,
  failed: (room: string, message: string) => void,
): Promise<void> {
  const joined = rooms.joined();
  for (const { key } of joined) rooms.beginJoin(key);
  await Promise.all(joined.map(async ({ key, name, lastSeen }) => {
    const missed = await fetchMissedRoomMessages(conn, name, lastSeen);
    if (!missed.ok) {
      rooms.forget(key);
      return failed(name, missed.message);
    }
    const held = rooms.completeJoin(key, missed.room, []);
    for (const message of [...missed.messages, ...held]) deliver(message);
  }));
}
