/**
 * Events of protocol version 1.1 that the client understands, parsed leniently: a server
 * that does not send them is fine, and one that sends them with unknown extra fields too.
 */
import { z } from "zod";
import { ChatMessage } from "../protocol/server_frames.ts";
import type { ClientEvent } from "./events.ts";

/** `room_deleted`: an admin deleted a room this session was in. */
export const RoomDeletedEvent = z.looseObject({
  type: z.literal("room_deleted"),
  room: z.string(),
});

/** `topic`: a room's topic changed. */
export const TopicEvent = z.looseObject({
  type: z.literal("topic"),
  room: z.string(),
  topic: z.string().nullable(),
  user: z.string().optional(),
});

/** `edited`: a message's new text. */
export const EditedEvent = ChatMessage.extend({ type: z.literal("edited") });

/** `deleted`: a message became a tombstone. */
export const DeletedEvent = z.looseObject({
  type: z.literal("deleted"),
  msgid: z.string(),
  room: z.string().optional(),
  to: z.string().optional(),
  by: z.string().optional(),
});

/** `read`: another session of this account read up to `msgid`. */
export const ReadEvent = z.looseObject({
  type: z.literal("read"),
  room: z.string().optional(),
  with: z.string().optional(),
  msgid: z.string(),
});

/**
 * `presence` (feature `large_rooms`): a large room's arrivals (`joined`) and departures
 * (`left`) since its previous batch, each user's last change only, and how many are present.
 */
export const PresenceEvent = z.looseObject({
  type: z.literal("presence"),
  room: z.string(),
  joined: z.array(z.string()).default([]),
  left: z.array(z.string()).default([]),
  members: z.number().int().nonnegative().optional(),
});

/** Any 1.1 event the client handles. */
export const ExtraEvent = z.discriminatedUnion("type", [
  PresenceEvent,
  RoomDeletedEvent,
  TopicEvent,
  EditedEvent,
  DeletedEvent,
  ReadEvent,
]);
/** Any 1.1 event the client handles. */
export type ExtraEvent = z.infer<typeof ExtraEvent>;

/** The client event of a 1.1 event that needs no session bookkeeping. */
export function toClientEvent(
  event: Exclude<ExtraEvent, { type: "room_deleted" }>,
): ClientEvent {
  switch (event.type) {
    case "topic":
      return { type: "topic", room: event.room, topic: event.topic, user: event.user ?? null };
    case "edited": {
      const { type: _type, ...message } = event;
      return { type: "edited", message };
    }
    case "read":
      return {
        type: "read",
        room: event.room ?? null,
        with: event.with ?? null,
        msgid: event.msgid,
      };
    case "presence":
      return {
        type: "presence",
        room: event.room,
        joined: event.joined,
        left: event.left,
        members: event.members ?? null,
      };
    case "deleted":
      return {
        type: "deleted",
        msgid: event.msgid,
        room: event.room ?? null,
        by: event.by ?? null,
      };
  }
}
