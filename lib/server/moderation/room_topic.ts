/**
 * A room's topic: the one home of its rule (at most `MAX_TOPIC` characters, trimmed, empty
 * clears it) and of setting it (stored, members told by a `notice`, audited, admin page
 * told). Used by `create_room`, the admin API and, later, the protocol's `topic`.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { MAX_TOPIC } from "../../protocol/limits.ts";
import { codePoints } from "../../protocol/names.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import { auditRoom } from "./room_removal.ts";

/**
 * The topic to store for what was asked: trimmed, null when absent or blank. Throws
 * `invalid_room` ({@linkcode RequestError}) for one longer than `MAX_TOPIC` characters.
 */
export function checkTopic(topic: string | null | undefined): string | null {
  if (topic === null || topic === undefined) return null;
  if (codePoints(topic) > MAX_TOPIC) {
    throw new RequestError("invalid_room", `The topic is longer than ${MAX_TOPIC} characters.`);
  }
  return topic.trim() || null;
}

/** Sets (or with null/blank clears) `room`'s topic as done by `actor`. */
export async function setRoomTopic(
  core: ChatCore,
  room: Room,
  topic: string | null,
  actor: Actor,
): Promise<void> {
  const clean = checkTopic(topic);
  await core.store.setRoomTopic(room.id, clean);
  room.topic = clean;
  const text = clean ? `Topic of ${room.name}: ${clean}` : `Topic of ${room.name} cleared.`;
  for (const session of room.sessions) session.send({ type: "notice", text });
  await auditRoom(core, actor, "set_topic", room.name, clean);
  core.emit({ type: "rooms" });
}
