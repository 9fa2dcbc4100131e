/**
 * The reply context of one request: what a handler receives, and the one way it answers.
 * A handler answers exactly once, now (`ok`, `okWith`, `fail`) or, after calling
 * {@linkcode RequestContext.later}, from elsewhere (the delivery, after the commit).
 */
import { type ErrorCode, RequestError } from "../../protocol/error_codes.ts";
import type { RequestId } from "../../protocol/requests.ts";
import { type ErrorExtra, errorFrame } from "../../protocol/server_frames.ts";
import type { ChatCore } from "../chat/core.ts";
import type { SenderReply } from "../chat/delivery.ts";
import type { Room } from "../chat/rooms.ts";
import type { Account, Session } from "../net/session.ts";

/** Fields of an `ok` reply besides `type` and `id`. */
export type OkFields = Record<string, unknown>;

/** The request being handled and its answer; see the module doc. */
export class RequestContext implements SenderReply {
  readonly core: ChatCore;
  readonly session: Session;
  readonly id: RequestId;
  #answered = false;
  #deferred = false;

  constructor(core: ChatCore, session: Session, id: RequestId) {
    this.core = core;
    this.session = session;
    this.id = id;
  }

  /** Whether the request has been answered. */
  get answered(): boolean {
    return this.#answered;
  }

  /** Whether the handler handed the answer on ({@linkcode later}). */
  get deferred(): boolean {
    return this.#deferred;
  }

  /**
   * Answers `ok` with `fields`. Throws a RangeError, sending nothing and leaving the
   * request unanswered, for a reply over the frame limit (handlers bound what they send).
   */
  ok(fields?: OkFields): void {
    if (!this.#begin()) return;
    this.session.sendReply({ type: "ok", id: this.id, ...fields });
    this.#answered = true;
  }

  /** Answers `ok` with `fields`, then `raw`: fields already encoded as JSON (lists). */
  okWith(fields: OkFields, raw: Record<string, string>): void {
    if (!this.#begin()) return;
    this.session.sendReplyWith({ type: "ok", id: this.id, ...fields }, raw);
    this.#answered = true;
  }

  /** Answers `error` with `code` (its sentence unless `message`), counted by code. */
  fail(code: ErrorCode, message?: string, extra?: ErrorExtra): void {
    if (!this.#begin()) return;
    this.#answered = true;
    this.core.countError(code);
    this.session.sendReply(errorFrame(code, message, extra, this.id));
  }

  /** Answers with an expected failure. */
  failWith(error: RequestError): void {
    this.fail(error.code, error.message, error.extra);
  }

  /** Says that the answer comes later, from whoever the request was handed to. */
  later(): void {
    this.#deferred = true;
  }

  /** Whether an answer may go out now; a second answer is a bug, logged and dropped. */
  #begin(): boolean {
    if (!this.#answered) return true;
    this.core.log.log("error", "reply_twice", { session: this.session.id });
    return false;
  }
}

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
  if (!room || !ctx.core.rooms.isIn(ctx.session, room)) {
    throw new RequestError("not_in_room", `You are not in room ${JSON.stringify(name)}.`);
  }
  return room;
}
