/**
 * A room's topic: the one home of its rule and of setting it. The rule, the same for
 * `create_room`, the protocol's `topic` and the admin API: at most `MAX_TOPIC` (300)
 * characters, no control characters, trimmed, empty or blank clears it. Only the error
 * code differs: the protocol's `create_room` and `topic` answer `invalid_topic`, the admin
 * API `invalid_room` (a 400). Setting stores it, tells the members (event `topic`,
 * and for the admin API also the `notice` it always sent), audits it and tells the admin
 * page.
 */
import { type ErrorCode, RequestError } from "../../protocol/error_codes.ts";
import { MAX_TOPIC } from "../../protocol/limits.ts";
import { codePoints } from "../../protocol/names.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import type { Account } from "../net/session.ts";
import { auditRoom } from "./room_removal.ts";
import type { Language } from "../../i18n/languages.ts";
import { serverTexts } from "../../i18n/server_texts.ts";

/**
 * The topic to store for what was asked: trimmed, null when absent or blank. Throws `code`
 * ({@linkcode RequestError}) for one longer than `MAX_TOPIC` characters or with control
 * characters.
 */
export function checkTopic(
  topic: string | null | undefined,
  code: ErrorCode = "invalid_room",
): string | null {
  if (topic === null || topic === undefined) return null;
  if (codePoints(topic) > MAX_TOPIC) {
    throw new RequestError(code, `The topic is longer than ${MAX_TOPIC} characters.`);
  }
  if (/\p{Cc}/u.test(topic)) {
    throw new RequestError(code, "The topic contains control characters.");
  }
  return topic.trim() || null;
}

/** Whether `account` may set `room`'s topic with `topic`: its creator or a staff member. */
export function maySetTopic(core: ChatCore, room: Room, account: Account): boolean {
  return room.createdBy === account.id || core.staff.isStaff(account.id);
}

/**
 * Sets (or with null/blank clears) `room`'s topic as done by `actor` (`user`: the name
 * shown in the `topic` event). `notice` also tells the members with a `notice` (the admin
 * API's behaviour since version 1), worded in `language` (the server's `--lang`, English by
 * default). Returns the stored topic.
 */
export async function setRoomTopic(
  core: ChatCore,
  room: Room,
  topic: string | null,
  actor: Actor,
  options: { code?: ErrorCode; notice?: boolean; language?: Language } = {},
): Promise<string | null> {
  const clean = checkTopic(topic, options.code);
  await core.store.setRoomTopic(room.id, clean);
  room.topic = clean;
  const event = { type: "topic", room: room.name, topic: clean, user: actor.by } as const;
  for (const session of room.sessions) session.send(event);
  if (options.notice ?? true) {
    const texts = serverTexts(options.language ?? "en");
    const text = clean
      ? texts.t("server.topicSet", { room: room.name, topic: clean })
      : texts.t("server.topicCleared", { room: room.name });
    for (const session of room.sessions) session.send({ type: "notice", text });
  }
  await auditRoom(core, actor, "set_topic", room.name, clean);
  core.emit({ type: "rooms" });
  return clean;
}
