/**
 * Schemas and types of the frames the server sends: `welcome`, replies (`ok`/`error`) and
 * events. The server builds them with these types; the client validates what it reads.
 * Schemas are loose (unknown fields kept) so a newer server stays readable.
 */
import { z } from "zod";
import { ERROR_MESSAGES, type ErrorCode } from "./error_codes.ts";

/** A room message or a direct message, as stored and sent. */
export const ChatMessage = z.looseObject({
  msgid: z.string(),
  room: z.string().optional(),
  to: z.string().optional(),
  user: z.string(),
  text: z.string(),
  ts: z.string(),
  /** Version 1.1: "action" for a `/me` line; absent for an ordinary message. */
  kind: z.literal("action").optional(),
  /** Version 1.1: the ISO time of the last edit; absent when never edited. */
  edited: z.string().optional(),
  /** Version 1.1: a deleted message (its `text` is then ""). */
  deleted: z.literal(true).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** One entry of the `rooms` list. */
export const RoomInfo = z.looseObject({
  name: z.string(),
  topic: z.string().nullable(),
  members: z.array(z.string()),
});
export type RoomInfo = z.infer<typeof RoomInfo>;

export const Welcome = z.looseObject({
  type: z.literal("welcome"),
  protocol: z.number(),
  server: z.string(),
  motd: z.string(),
  limits: z.looseObject({ maxFrame: z.number(), maxText: z.number() }),
  /** The largest frame the server sends (bytes); absent from older servers. */
  maxServerFrame: z.number().optional(),
  /** Version 1.1 additions the server supports (`resume`, `password`, …); absent = none. */
  features: z.array(z.string()).optional(),
});
export type Welcome = z.infer<typeof Welcome>;

const id = z.union([z.string(), z.number()]);

export const OkReply = z.looseObject({ type: z.literal("ok"), id });
export type OkReply = z.infer<typeof OkReply>;

export const ErrorReply = z.looseObject({
  type: z.literal("error"),
  id: id.optional(),
  code: z.string(),
  message: z.string(),
  until: z.string().optional(),
  reason: z.string().optional(),
});
export type ErrorReply = z.infer<typeof ErrorReply>;

/** Fields an `error` frame may carry beside its code and message (`until`, `reason`, …). */
export type ErrorExtra = Readonly<Record<string, unknown>>;

/**
 * Builds an `error` frame: the one place that does. Without `id` it answers a frame that
 * had no usable id, or is a connection's last frame. `message` defaults to the code's
 * sentence; `extra` fields follow it.
 */
export function errorFrame(
  code: ErrorCode,
  message: string = ERROR_MESSAGES[code],
  extra?: ErrorExtra,
  id?: string | number,
): ErrorReply {
  const frame: ErrorReply = id === undefined
    ? { type: "error", code, message }
    : { type: "error", id, code, message };
  return extra === undefined ? frame : Object.assign(frame, extra);
}

export const MessageEvent = ChatMessage.extend({ type: z.literal("message"), room: z.string() });
export const DmEvent = ChatMessage.extend({ type: z.literal("dm"), to: z.string() });
export type MessageEvent = z.infer<typeof MessageEvent>;
export type DmEvent = z.infer<typeof DmEvent>;
/** Version 1.1: a message's new text; the whole message object, with `edited`. */
export const EditedEvent = ChatMessage.extend({ type: z.literal("edited"), edited: z.string() });
export type EditedEvent = z.infer<typeof EditedEvent>;
/** Version 1.1: a message was deleted (by its author or a staff member, `by`). */
export const DeletedEvent = z.looseObject({
  type: z.literal("deleted"),
  msgid: z.string(),
  room: z.string().optional(),
  to: z.string().optional(),
  by: z.string(),
});
export type DeletedEvent = z.infer<typeof DeletedEvent>;
export const JoinedEvent = z.looseObject({
  type: z.literal("joined"),
  room: z.string(),
  user: z.string(),
});
export const LeftEvent = z.looseObject({
  type: z.literal("left"),
  room: z.string(),
  user: z.string(),
});
export type JoinedEvent = z.infer<typeof JoinedEvent>;
export type LeftEvent = z.infer<typeof LeftEvent>;
/** Version 1.1: a room's topic was set (null: cleared) by `user`. */
export const TopicEvent = z.looseObject({
  type: z.literal("topic"),
  room: z.string(),
  topic: z.string().nullable(),
  user: z.string(),
});
export type TopicEvent = z.infer<typeof TopicEvent>;
/** Version 1.1: the account read up to `msgid` in a room or the dms `with` a user (another session). */
export const ReadEvent = z.looseObject({
  type: z.literal("read"),
  room: z.string().optional(),
  with: z.string().optional(),
  msgid: z.string(),
});
export type ReadEvent = z.infer<typeof ReadEvent>;
/** Version 1.1: an admin deleted a room the session was in (it no longer is). */
export const RoomDeletedEvent = z.looseObject({
  type: z.literal("room_deleted"),
  room: z.string(),
});
export type RoomDeletedEvent = z.infer<typeof RoomDeletedEvent>;
export const NoticeEvent = z.looseObject({ type: z.literal("notice"), text: z.string() });
export type NoticeEvent = z.infer<typeof NoticeEvent>;
export const KickedEvent = z.looseObject({
  type: z.literal("kicked"),
  until: z.string(),
  reason: z.string(),
});
export type KickedEvent = z.infer<typeof KickedEvent>;
export const BannedEvent = z.looseObject({ type: z.literal("banned"), reason: z.string() });
export type BannedEvent = z.infer<typeof BannedEvent>;
export const ShutdownEvent = z.looseObject({
  type: z.literal("shutdown"),
  message: z.string(),
  in: z.number(),
});
export type ShutdownEvent = z.infer<typeof ShutdownEvent>;

/** Any frame the server may send. */
export const ServerFrame = z.discriminatedUnion("type", [
  Welcome,
  OkReply,
  ErrorReply,
  MessageEvent,
  DmEvent,
  EditedEvent,
  DeletedEvent,
  JoinedEvent,
  LeftEvent,
  TopicEvent,
  ReadEvent,
  RoomDeletedEvent,
  NoticeEvent,
  KickedEvent,
  BannedEvent,
  ShutdownEvent,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** A frame answering a request: `ok` or `error`. */
export type ReplyFrame = OkReply | ErrorReply;
