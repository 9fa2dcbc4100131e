/**
 * Deleting a room: the one path shared by the admin API and the expiry of idle rooms.
 * The room leaves the directory at once (no new message can name it), its members leave it
 * and are told (event `room_deleted`, and a `notice` for version 1 clients), the messages
 * already accepted for it settle, the msgid floor is raised (so a restart never hands the
 * deleted msgids out again, see `SEQ_FLOOR_SETTING`), and its rows go; then the deletion is
 * audited.
 *
 * In a cluster the deletion is announced as soon as the room has left this instance's
 * directory, so that every instance stops taking messages for it at once; the others only
 * detach it ({@linkcode applyRemoteRoomDeletion}). Should the store fail, the room comes
 * back here and is announced as created again. Deleting a room that another instance deleted
 * meanwhile (both expired it, say) is no error: the store says so and the other instance
 * audits its deletion.
 */
import type { AuditEntry } from "../../store/store.ts";
import type { Actor } from "../control.ts";
import { type ChatCore, SEQ_FLOOR_SETTING } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import type { Language } from "../../i18n/languages.ts";
import { serverTexts } from "../../i18n/server_texts.ts";
import { noticeLanguage } from "./sanctions.ts";

/**
 * Deletes `room` and audits it as done by `actor`; a store failure puts it back. The
 * version 1 `notice` is worded in `language` (the server's `--lang`). Returns false when
 * the store had no such room any more (another instance deleted it first).
 */
export async function removeRoom(
  core: ChatCore,
  room: Room,
  actor: Actor,
  language: Language = noticeLanguage(core),
): Promise<boolean> {
  const accepted = core.writer.lastSeq;
  _detach(core, room, language);
  await core.cluster?.announce({ type: "room_deleted", roomId: room.id });
  await core.writer.settledThrough(accepted);
  let deleted: boolean;
  try {
    // Deleting the newest messages must not let a restart hand their msgids out again.
    await core.store.setSetting(SEQ_FLOOR_SETTING, String(core.writer.lastSeq));
    deleted = await core.store.deleteRoom(room.id);
  } catch (error) {
    const record = {
      id: room.id,
      name: room.name,
      nameKey: room.key,
      topic: room.topic,
      createdAt: 0,
      createdBy: room.createdBy,
      slowmode: room.slowmode,
    };
    core.rooms.add(record);
    await core.cluster?.announce({ type: "room_created", room: record });
    core.emit({ type: "rooms" });
    throw error;
  }
  core.roomActivity.forget(room.id);
  if (!deleted) return false;
  await auditRoom(core, actor, "delete_room", room.name, null);
  return true;
}

/**
 * Takes a room another instance deleted out of this instance's directory, its members
 * here told as in {@linkcode removeRoom}; nothing is stored. False when it was not here.
 */
export function applyRemoteRoomDeletion(
  core: ChatCore,
  roomId: number,
  language: Language = noticeLanguage(core),
): boolean {
  const room = core.rooms.byId(roomId);
  if (!room) return false;
  _detach(core, room, language);
  core.roomActivity.forget(room.id);
  return true;
}

/** Takes `room` out of the directory; its members leave it and are told. */
function _detach(core: ChatCore, room: Room, language: Language): void {
  core.rooms.delete(room);
  for (const session of [...room.sessions]) {
    core.leaveRoom(session, room);
    // Version 1.1 clients move the session elsewhere; version 1 clients read the notice.
    session.send({ type: "room_deleted", room: room.name });
    session.send({
      type: "notice",
      text: serverTexts(language).t("server.roomDeleted", { room: room.name }),
    });
  }
  core.emit({ type: "rooms" });
}

/**
 * Appends a room action to the audit log. The action is done whatever happens here, so a
 * failed write is logged (with the entry) instead of failing the request.
 */
export async function auditRoom(
  core: ChatCore,
  actor: Actor,
  action: string,
  room: string,
  topic: string | null,
): Promise<void> {
  const entry: AuditEntry = {
    at: core.clock(),
    by: actor.by,
    address: actor.address,
    action,
    target: room,
    detail: topic === null ? null : JSON.stringify({ topic }),
  };
  try {
    await core.store.appendAudit(entry);
  } catch (error) {
    core.log.log("warn", "audit_write_failed", {
      ...entry,
      error: String((error as Error)?.message ?? error),
    });
  }
}
