/**
 * A room's topic: the one home of its rule and of setting it. The rule, the same for
 * `create_room`, the protocol's `topic` and the admin API: at most `MAX_TOPIC` (300)
 * characters, no control characters, trimmed, empty or blank clears it. Only the error
 * code differs: the protocol's `create_room` and `topic` answer `invalid_topic`, the admin
 * API `invalid_room` (a 400). Setting stores it, tells the members (event `topic`,
 * and for the admin API also the `notice` it always sent), audits it and tells the admin
 * page. In a cluster the stored topic is announced, and every other instance tells its own
 * members of the room the same way ({@linkcode applyRemoteTopic}).
 */
import { type ErrorCode, RequestError } from "../../protocol/error_codes.ts";
import { MAX_TOPIC, TOPIC_CONTROLS } from "../../protocol/limits.ts";
import { codePoints } from "../../protocol/names.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import type { Account } from "../net/session.ts";
import { auditRoom } from "./room_removal.ts";
import type { Language } from "../../i18n/languages.ts";
import { serverTexts } from "../../i18n/server_texts.ts";
import { noticeLanguage } from "./sanctions.ts";

/**
 * The topic to store for what was asked: trimmed, null when absent or blank. Throws `code`
 * ({@linkcode RequestError}) for one longer than `MAX_TOPIC` characters or holding one of
 * {@linkcode TOPIC_CONTROLS}.
 */
export function checkTopic(
  topic: string | null | undefined,
  code: ErrorCode = "invalid_room",
): string | null {
  if (topic === null || topic === undefined) return null;
  if (codePoints(topic) > MAX_TOPIC) {
    throw new RequestError(code, `The topic is longer than ${MAX_TOPIC} characters.`);
  }
  if (TOPIC_CONTROLS.test(topic)) {
    throw new RequestError(
      code,
      "The topic contains control characters (line breaks or text-direction controls).",
    );
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
  const notice = options.notice ?? true;
  await core.cluster?.announce({
    type: "topic",
    roomId: room.id,
    topic: clean,
    by: actor.by,
    notice,
  });
  _show(room, clean, actor.by, notice, options.language ?? noticeLanguage(core));
  await auditRoom(core, actor, "set_topic", room.name, clean);
  core.emit({ type: "rooms" });
  return clean;
}

/**
 * Applies a topic another instance stored for room `roomId` (`by` set it; `notice`: tell
 * the members by a notice too, worded in `language`): the members here are told as in
 * {@linkcode setRoomTopic}; nothing is stored. False when the room is not here.
 */
export function applyRemoteTopic(
  core: ChatCore,
  change: { roomId: number; topic: string | null; by: string; notice: boolean },
  language: Language = noticeLanguage(core),
): boolean {
  const room = core.rooms.byId(change.roomId);
  if (!room) return false;
  _show(room, change.topic, change.by, change.notice, language);
  core.emit({ type: "rooms" });
  return true;
}

/** Sets `room.topic` and tells its members (event `topic`, and a `notice` when asked). */
function _show(
  room: Room,
  topic: string | null,
  by: string,
  notice: boolean,
  language: Language,
): void {
  room.topic = topic;
  const event = { type: "topic", room: room.name, topic, user: by } as const;
  for (const session of room.sessions) session.send(event);
  if (notice) {
    const texts = serverTexts(language);
    const text = topic
      ? texts.t("server.topicSet", { room: room.name, topic })
      : texts.t("server.topicCleared", { room: room.name });
    for (const session of room.sessions) session.send({ type: "notice", text });
  }
}
