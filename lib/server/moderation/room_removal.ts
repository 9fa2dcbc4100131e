/**
 * Deleting a room: the one path shared by the admin API and the expiry of idle rooms.
 * The room leaves the directory at once (no new message can name it), its members leave it
 * and are told (event `room_deleted`, and a `notice` for version 1 clients), the messages already accepted for it settle, the msgid floor is raised (so a
 * restart never hands the deleted msgids out again, see `SEQ_FLOOR_SETTING`), and its
 * rows go; then the deletion is audited.
 */
import type { AuditEntry } from "../../store/store.ts";
import type { Actor } from "../control.ts";
import { type ChatCore, SEQ_FLOOR_SETTING } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import type { Language } from "../../i18n/languages.ts";
import { serverTexts } from "../../i18n/server_texts.ts";

/**
 * Deletes `room` and audits it as done by `actor`; a store failure puts it back. The
 * version 1 `notice` is worded in `language` (the server's `--lang`).
 */
export async function removeRoom(
  core: ChatCore,
  room: Room,
  actor: Actor,
  language: Language = "en",
): Promise<void> {
  const accepted = core.writer.lastSeq;
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
  await core.writer.settledThrough(accepted);
  try {
    // Deleting the newest messages must not let a restart hand their msgids out again.
    await core.store.setSetting(SEQ_FLOOR_SETTING, String(core.writer.lastSeq));
    await core.store.deleteRoom(room.id);
  } catch (error) {
    core.rooms.add({
      id: room.id,
      name: room.name,
      nameKey: room.key,
      topic: room.topic,
      createdAt: 0,
      createdBy: room.createdBy,
    });
    core.emit({ type: "rooms" });
    throw error;
  }
  core.roomActivity.forget(room.id);
  await auditRoom(core, actor, "delete_room", room.name, null);
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
