/** `rooms`, `create_room`, `join`, `leave`, `who`, `topic`. */
import { RequestError } from "../../protocol/error_codes.ts";
import {
  HISTORY_BYTES,
  JOIN_AFTER_MAX,
  JOIN_HISTORY,
  MEMBERS_BYTES,
} from "../../protocol/limits.ts";
import { parseMsgid } from "../../protocol/msgid.ts";
import { codePoints, foldName } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import { createRoom as createRoomChecked } from "../moderation/room_creation.ts";
import { checkTopic, maySetTopic, setRoomTopic } from "../moderation/room_topic.ts";
import { mutedError } from "../moderation/sanctions.ts";
import { checkRoomSpace } from "../limits/guards.ts";
import { takeJoinLeave } from "../limits/room_limiter.ts";
import { fitHistory, type PageReader } from "../chat/history_fit.ts";
import { roomsPage } from "../chat/room_pages.ts";
import { accountOf, existingRoom, joinedRoom, type RequestContext } from "./context.ts";

/**
 * `topic` changes an account may make per window: each one is stored, audited and sent to
 * every member, so a loop of them filled the audit table and cut slow readers off as slow
 * consumers. Off with `--msg-rate off`.
 */
export const TOPIC_CHANGES_PER_WINDOW = 10;
export const TOPIC_WINDOW_MS = 60_000;

/** A msgid field's sequence number; a malformed one is a bad frame. */
export function msgidField(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seq = parseMsgid(value);
  if (seq === null) {
    throw new RequestError("bad_frame", `Invalid field ${name}: not a msgid.`);
  }
  return seq;
}

/**
 * The room key a `rooms` page starts after. The name need not exist (it may have been
 * deleted since the previous page); one that no room could have is `invalid_room`.
 */
function _afterKey(ctx: RequestContext, after: string): string {
  if (after === "") throw new RequestError("invalid_room", "The room name in after is empty.");
  if (codePoints(after) > 64 || /\p{Cc}/u.test(after)) {
    throw new RequestError("invalid_room", "The room name in after is not a room name.");
  }
  return ctx.core.rooms.get(after)?.key ?? foldName(after);
}

/** `rooms`: one page of the room list, in case-folded name order, with `more`. */
export async function rooms(
  ctx: RequestContext,
  { after }: RequestFields<"rooms">,
): Promise<void> {
  await ctx.core.cluster?.presenceBarrier();
  const page = roomsPage(ctx.core.rooms, after === undefined ? null : _afterKey(ctx, after));
  ctx.okWith({ more: page.more }, { rooms: page.json });
}

/** `create_room`: the rules live in lib/moderation/room_creation.ts (shared with the admin API). */
export async function createRoom(
  ctx: RequestContext,
  { room, topic }: RequestFields<"create_room">,
): Promise<void> {
  const { session } = ctx;
  const created = await createRoomChecked(ctx.core, { name: room, topic }, {
    kind: "user",
    account: accountOf(ctx),
    host: session.host,
    address: session.address,
  });
  ctx.ok({ room: created.name });
}

/**
 * Refuses a `join`/`leave` past the session's rate (each one is an event to every member);
 * on with `--msg-rate`, like the other anti-abuse rates.
 */
function checkJoinLeaveRate(ctx: RequestContext): void {
  if (ctx.core.limits.newBucket === null) return;
  const wait = takeJoinLeave(ctx.session, ctx.core.clock);
  if (wait > 0) {
    throw new RequestError(
      "rate_limited",
      `Too many joins and leaves; try again in ${Math.ceil(wait / 1000)} s.`,
      { retry_after: Math.ceil(wait / 1000), retryAfterMs: wait },
    );
  }
}

export async function join(
  ctx: RequestContext,
  { room: name, after }: RequestFields<"join">,
): Promise<void> {
  checkJoinLeaveRate(ctx);
  const room = existingRoom(ctx, name);
  const afterSeq = msgidField("after", after);
  const { core, session } = ctx;
  const wasIn = core.rooms.isIn(session, room);
  if (!wasIn) checkRoomSpace(core, room);
  // Messages up to `bound` were broadcast before this session was in the room: they come
  // from the store. Later ones reach it as events, held until this reply is sent.
  const bound = core.delivery.lastSeq;
  session.holdRoom(room.id);
  core.enterRoom(session, room);
  try {
    const read: PageReader = (query) => core.store.roomHistory(room.id, query);
    // Bounded by bytes too: what does not fit is fetched with `history` (`more: true`).
    const history = await fitHistory(
      read,
      afterSeq === undefined
        ? { before: bound + 1, limit: JOIN_HISTORY }
        : { after: afterSeq, limit: JOIN_AFTER_MAX, upTo: bound },
      HISTORY_BYTES,
    );
    await core.cluster?.presenceBarrier();
    // A large room's reply shows the first arrivals and the joiner, with the count.
    const members = room.shownMembers(MEMBERS_BYTES, accountOf(ctx));
    const fields: Record<string, unknown> = {
      room: room.name,
      topic: room.topic,
      slowmode: room.slowmode,
    };
    if (!members.complete) fields.membersMore = true;
    if (members.count !== undefined) fields.memberCount = members.count;
    fields.more = history.more;
    ctx.okWith(fields, { members: members.json, history: history.json });
    session.releaseRoom(room.id, true);
  } catch (error) {
    session.releaseRoom(room.id, false);
    if (!wasIn) core.leaveRoom(session, room);
    throw error;
  }
}

export async function leave(
  ctx: RequestContext,
  { room: name }: RequestFields<"leave">,
): Promise<void> {
  checkJoinLeaveRate(ctx);
  const room = joinedRoom(ctx, name);
  ctx.core.leaveRoom(ctx.session, room);
  await ctx.core.cluster?.presenceBarrier();
  ctx.ok({ room: room.name });
}

/** `who`: the users in a room, as many as fit the byte budget (`more` when cut). */
export async function who(
  ctx: RequestContext,
  { room: name }: RequestFields<"who">,
): Promise<void> {
  const room = existingRoom(ctx, name);
  await ctx.core.cluster?.presenceBarrier();
  const members = room.memberList(MEMBERS_BYTES);
  ctx.okWith({ room: room.name, more: !members.complete }, { users: members.json });
}

/**
 * `topic`: sets (`""` clears) a room's topic; only its creator or a staff member may.
 * Checked in order: the room (`no_such_room`), the topic (`invalid_topic`), the right
 * (`not_allowed`); nothing is stored on a refusal.
 */
export async function setTopic(
  ctx: RequestContext,
  { room: name, topic }: RequestFields<"topic">,
): Promise<void> {
  const room = existingRoom(ctx, name);
  checkTopic(topic, "invalid_topic");
  const account = accountOf(ctx);
  if (!maySetTopic(ctx.core, room, account)) {
    throw new RequestError(
      "not_allowed",
      "Only the room's creator or a moderator may set its topic.",
    );
  }
  // A topic is shown to every member: a muted user may not change it either (staff
  // members may be muted too, and are refused alike). The contract lists no `muted` for
  // `topic`: `not_allowed`, whose sentence says why, with the mute's `until`.
  const mutedUntil = ctx.core.moderation.mutedUntil(account.id);
  if (mutedUntil !== null) {
    const muted = mutedError(mutedUntil);
    throw new RequestError("not_allowed", muted.message, muted.extra);
  }
  const changes = ctx.core.limits.topicChanges;
  const key = String(account.id);
  // Reserved before the store's await, so that requests on other connections of the same
  // account cannot all pass the check at once; given back when nothing was stored.
  const wait = changes?.hit(key) ?? 0;
  if (wait > 0) {
    throw new RequestError(
      "rate_limited",
      "You have changed topics too often lately; try again later.",
      { retry_after: Math.ceil(wait / 1000), retryAfterMs: wait },
    );
  }
  let stored: string | null;
  try {
    stored = await setRoomTopic(
      ctx.core,
      room,
      topic,
      { by: account.name, address: ctx.session.address },
      { code: "invalid_topic", notice: false },
    );
  } catch (error) {
    changes?.release(key);
    throw error;
  }
  ctx.ok({ room: room.name, topic: stored });
}
