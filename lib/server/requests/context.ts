/** What a request handler receives and may return. */
import { RequestError } from "../../protocol/error_codes.ts";
import type { RequestId } from "../../protocol/requests.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import type { Account, Session } from "../net/session.ts";

/** The request being handled. */
export interface RequestContext {
  core: ChatCore;
  session: Session;
  id: RequestId;
}

/** Fields added to the `ok` reply. */
export type Reply = Record<string, unknown>;

/** Returned by a handler whose reply is sent later by someone else (after a commit). */
export const REPLY_LATER: unique symbol = Symbol("reply later");

/** What a handler returns. */
export type HandlerResult = Reply | typeof REPLY_LATER;

/** The account of a session that the command table has checked is logged in. */
export function accountOf(ctx: RequestContext): Account {
  return ctx.session.account!;
}

/** The room named `name`: `invalid_room` when empty, `no_such_room` when unknown. */
export function existingRoom(ctx: RequestContext, name: string): Room {
  if (name === "") throw new RequestError("invalid_room", "The room name is empty.");
  const room = ctx.core.rooms.get(name);
  if (!room) {
    throw new RequestError("no_such_room", `There is no room named ${JSON.stringify(name)}.`);
  }
  return room;
}

/** A room this session has joined: `not_in_room` otherwise. */
export function joinedRoom(ctx: RequestContext, name: string): Room {
  if (name === "") throw new RequestError("invalid_room", "The room name is empty.");
  const room = ctx.core.rooms.get(name);
  if (!room || !ctx.session.rooms.has(room.id)) {
    throw new RequestError("not_in_room", `You are not in room ${JSON.stringify(name)}.`);
  }
  return room;
}
