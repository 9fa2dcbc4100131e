/**
 * `mark_read` and `unread`: read markers, per account and stored, shared by all its
 * sessions. A marker only moves forward; each move is told to the account's other
 * sessions (event `read`), so every device clears the same unread count; in a cluster
 * the move is announced and each other instance sends the event to the account's sessions
 * there (`lib/server/remote_events.ts`).
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { JsonList } from "../../protocol/json_list.ts";
import { MAX_SERVER_FRAME } from "../../protocol/limits.ts";
import { formatMsgid, parseMsgid } from "../../protocol/msgid.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import type { ReadEvent } from "../../protocol/server_frames.ts";
import type { MarkerTarget, StoredMessage } from "../../store/store.ts";
import { lookupUser } from "../chat/user_lookup.ts";
import { accountOf, existingRoom, type RequestContext } from "./context.ts";

/** Bytes each list of an `unread` reply may take (both together stay under a frame). */
const UNREAD_LIST_BYTES = MAX_SERVER_FRAME / 4;

/** `no_such_message` for a msgid outside the conversation. */
function _notHere(msgid: string): RequestError {
  return new RequestError(
    "no_such_message",
    `There is no message ${JSON.stringify(msgid)} in that conversation.`,
  );
}

/**
 * The conversation a `mark_read` names and the check its message must pass: a room
 * (`invalid_room` when empty, `no_such_room`), or the dms with a user (`no_such_user`).
 */
async function _conversation(
  ctx: RequestContext,
  fields: RequestFields<"mark_read">,
): Promise<
  { target: MarkerTarget; field: "room" | "with"; name: string; holds(m: StoredMessage): boolean }
> {
  const self = accountOf(ctx).id;
  if (fields.room !== undefined) {
    const room = existingRoom(ctx, fields.room);
    return {
      target: { roomId: room.id },
      field: "room",
      name: room.name,
      holds: (m) => m.roomId === room.id,
    };
  }
  const peer = await lookupUser(ctx.core, fields.with!);
  if (!peer) {
    throw new RequestError(
      "no_such_user",
      `There is no user named ${JSON.stringify(fields.with)}.`,
    );
  }
  return {
    target: { peerId: peer.id },
    field: "with",
    name: peer.name,
    holds: (m) =>
      m.recipientId !== null &&
      ((m.senderId === self && m.recipientId === peer.id) ||
        (m.senderId === peer.id && m.recipientId === self)),
  };
}

/**
 * Whether this connection has not yet marked `seq` in conversation `key` (and notes it):
 * the same `mark_read` asked again in a loop would otherwise send a `read` event to every
 * other session of the account each time (a flood of events to one's own clients).
 */
function _firstMark(ctx: RequestContext, key: string, seq: number): boolean {
  const marked = ctx.session.markedRead ??= new Map();
  const known = marked.get(key);
  // Most recently marked last (a Map keeps insertion order): the oldest is forgotten first.
  marked.delete(key);
  marked.set(key, seq);
  if (known === seq) return false;
  if (marked.size > MARKED_READ_KEPT) marked.delete(marked.keys().next().value!);
  return true;
}

/** Conversations whose last marker a connection remembers (see `Session.markedRead`). */
export const MARKED_READ_KEPT = 64;

/**
 * `mark_read`: moves the account's marker of a room or dm conversation forward to `msgid`,
 * a message of that conversation (else `no_such_message`); an older msgid keeps the stored
 * marker. Answers the stored marker.
 */
export async function markRead(
  ctx: RequestContext,
  fields: RequestFields<"mark_read">,
): Promise<void> {
  const conversation = await _conversation(ctx, fields);
  const seq = parseMsgid(fields.msgid);
  const message = seq === null ? null : await ctx.core.store.findMessage(seq);
  if (seq === null || !message || !conversation.holds(message)) throw _notHere(fields.msgid);
  const account = accountOf(ctx);
  const stored = await ctx.core.store.markRead(account.id, { ...conversation.target, seq });
  const msgid = formatMsgid(stored);
  ctx.ok({ [conversation.field]: conversation.name, msgid });
  if (stored !== seq || !_firstMark(ctx, `${conversation.field}:${conversation.name}`, seq)) {
    return;
  }
  const event = { type: "read", [conversation.field]: conversation.name, msgid } as ReadEvent;
  for (const session of ctx.core.sessions.ofUser(account.id)) {
    if (session !== ctx.session) session.send(event);
  }
  ctx.core.cluster?.announce({ type: "read", userId: account.id, event });
}

/**
 * `unread`: for each room the account has a marker in and each user it exchanged dms
 * with, the messages from others after the marker (deleted ones not counted). Each list
 * is bounded by bytes (`roomsMore`/`dmsMore` when cut; a room or user list that large is
 * not expected).
 */
export async function unread(ctx: RequestContext, _fields: RequestFields<"unread">): Promise<void> {
  const accountId = accountOf(ctx).id;
  const counts = await ctx.core.storeReads.run(
    accountId,
    // A connection that closed while it waited its turn costs the store nothing.
    () => ctx.session.closing ? Promise.resolve(null) : ctx.core.store.unreadCounts(accountId),
  );
  if (counts === null) return ctx.later();
  const rooms = new JsonList(UNREAD_LIST_BYTES);
  const dms = new JsonList(UNREAD_LIST_BYTES);
  let roomsMore = false;
  let dmsMore = false;
  for (const count of counts) {
    const lastRead = count.lastRead === null ? null : formatMsgid(count.lastRead);
    if (count.room !== undefined) {
      roomsMore ||= !rooms.add({ room: count.room, unread: count.unread, last_read: lastRead });
    } else {
      dmsMore ||= !dms.add({ with: count.peer, unread: count.unread, last_read: lastRead });
    }
  }
  const fields: Record<string, unknown> = {};
  if (roomsMore) fields.roomsMore = true;
  if (dmsMore) fields.dmsMore = true;
  ctx.okWith(fields, { rooms: rooms.toJson(), dms: dms.toJson() });
}
