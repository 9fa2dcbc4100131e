/** `rooms`, `create_room`, `join`, `leave`, `who`. */
import { RequestError } from "../../protocol/error_codes.ts";
import { JOIN_AFTER_MAX, JOIN_HISTORY, MAX_TOPIC } from "../../protocol/limits.ts";
import { parseMsgid } from "../../protocol/msgid.ts";
import { checkRoomName, codePoints, foldName } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import { wireMessage } from "../core.ts";
import { checkRoomCapacity, checkRoomSpace } from "../guards.ts";
import {
  accountOf,
  existingRoom,
  type HandlerResult,
  joinedRoom,
  REPLY_LATER,
  type RequestContext,
} from "./context.ts";

/** A msgid field's sequence number; a malformed one is a bad frame. */
export function msgidField(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seq = parseMsgid(value);
  if (seq === null) {
    throw new RequestError("bad_frame", `Invalid field ${name}: not a msgid.`);
  }
  return seq;
}

export function rooms(ctx: RequestContext): HandlerResult {
  return { rooms: ctx.core.rooms.list().map((r) => r.summary()) };
}

export async function createRoom(
  ctx: RequestContext,
  { room, topic }: RequestFields<"create_room">,
): Promise<HandlerResult> {
  const name = checkRoomName(room);
  if (name === null) {
    throw new RequestError(
      "invalid_room",
      room === ""
        ? "The room name is empty."
        : "Room names are 1 to 64 characters, without control characters or surrounding spaces.",
    );
  }
  if (topic !== undefined && codePoints(topic) > MAX_TOPIC) {
    throw new RequestError("invalid_room", `The topic is longer than ${MAX_TOPIC} characters.`);
  }
  if (ctx.core.rooms.get(name)) {
    throw new RequestError("room_exists", `A room named ${name} exists already.`);
  }
  checkRoomCapacity(ctx.core);
  const record = await ctx.core.store.createRoom({
    name,
    nameKey: foldName(name),
    topic: topic?.trim() || null,
    createdAt: ctx.core.clock(),
  });
  if (!record || ctx.core.rooms.get(name)) {
    throw new RequestError("room_exists", `A room named ${name} exists already.`);
  }
  ctx.core.rooms.add(record);
  ctx.core.emit({ type: "rooms" });
  ctx.core.log.log("info", "room_created", { room: name, by: accountOf(ctx).name });
  return { room: record.name };
}

export async function join(
  ctx: RequestContext,
  { room: name, after }: RequestFields<"join">,
): Promise<HandlerResult> {
  const room = existingRoom(ctx, name);
  const afterSeq = msgidField("after", after);
  const { core, session } = ctx;
  const wasIn = session.rooms.has(room.id);
  if (!wasIn) checkRoomSpace(core, room);
  // Messages up to `bound` were broadcast before this session was in the room: they come
  // from the store. Later ones reach it as events, held until this reply is sent.
  const bound = core.lastBroadcastSeq;
  session.holdRoom(room.id);
  core.enterRoom(session, room);
  try {
    let page;
    if (afterSeq === undefined) {
      page = await core.store.roomHistory(room.id, { before: bound + 1, limit: JOIN_HISTORY });
    } else {
      page = await core.store.roomHistory(room.id, { after: afterSeq, limit: JOIN_AFTER_MAX });
      const kept = page.messages.filter((m) => m.seq <= bound);
      if (kept.length < page.messages.length) page = { messages: kept, more: false };
    }
    session.reply(ctx.id, {
      room: room.name,
      topic: room.topic,
      members: room.members(),
      history: page.messages.map(wireMessage),
      more: page.more,
    });
    session.releaseRoom(room.id, true);
    return REPLY_LATER;
  } catch (error) {
    session.releaseRoom(room.id, false);
    if (!wasIn) core.leaveRoom(session, room);
    throw error;
  }
}

export function leave(ctx: RequestContext, { room: name }: RequestFields<"leave">): HandlerResult {
  const room = joinedRoom(ctx, name);
  ctx.core.leaveRoom(ctx.session, room);
  return { room: room.name };
}

export function who(ctx: RequestContext, { room: name }: RequestFields<"who">): HandlerResult {
  const room = existingRoom(ctx, name);
  return { room: room.name, users: room.members() };
}
