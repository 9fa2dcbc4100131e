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
  JoinedEvent,
  LeftEvent,
  NoticeEvent,
  KickedEvent,
  BannedEvent,
  ShutdownEvent,
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** A frame answering a request: `ok` or `error`. */
export type ReplyFrame = OkReply | ErrorReply;
