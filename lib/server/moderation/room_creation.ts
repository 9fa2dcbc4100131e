/**
 * Creating a room: the one home of the rules, shared by `create_room` and the admin API.
 * Both obey the server's room cap (`--max-rooms`); a user must also not be muted and must
 * be within the per-account and per-address rates (`--room-rate`); every creation is
 * audited. In a cluster the stored record is announced, and the other instances add it to
 * their directories with {@linkcode addRemoteRoom}.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { checkRoomName, foldName } from "../../protocol/names.ts";
import type { ChatCore } from "../chat/core.ts";
import { checkRoomCapacity } from "../limits/guards.ts";
import type { Room } from "../chat/rooms.ts";
import type { RoomRecord } from "../../store/store.ts";
import type { Account } from "../net/session.ts";
import { auditRoom } from "./room_removal.ts";
import { checkTopic } from "./room_topic.ts";
import { mutedError } from "./sanctions.ts";

/** Who creates a room: a logged-in user (from `host`), or an admin. */
export type RoomCreator =
  | { kind: "user"; account: Account; host: string; address: string }
  | { kind: "admin"; by: string; address: string };

/**
 * Creates a room after checking, in order: its name (`invalid_room`) and topic, that it
 * does not exist (`room_exists`), that a user creator is not muted (`muted` + `until`),
 * the room cap (`limit_reached`), and a user creator's rates (`rate_limited` with
 * `retry_after` in seconds and `retryAfterMs`). Throws those as {@linkcode RequestError};
 * a store failure as it comes.
 */
export async function createRoom(
  core: ChatCore,
  request: { name: string; topic: string | null | undefined },
  creator: RoomCreator,
): Promise<Room> {
  const name = checkRoomName(request.name);
  if (name === null) {
    throw new RequestError(
      "invalid_room",
      request.name === ""
        ? "The room name is empty."
        : "Room names are 1 to 64 characters, without control characters or surrounding spaces.",
    );
  }
  // A topic's own code over the protocol (version 1.1); the admin API keeps `invalid_room`.
  const topic = checkTopic(
    request.topic,
    creator.kind === "user" ? "invalid_topic" : "invalid_room",
  );
  if (core.rooms.get(name)) {
    throw new RequestError("room_exists", `A room named ${name} exists already.`);
  }
  if (creator.kind === "user") _checkUser(core, creator.account, creator.host);
  else checkRoomCapacity(core);
  const now = core.clock();
  const record = await core.store.createRoom({
    name,
    nameKey: foldName(name),
    topic,
    createdAt: now,
    createdBy: creator.kind === "user" ? creator.account.id : null,
  });
  if (!record || core.rooms.get(name)) {
    throw new RequestError("room_exists", `A room named ${name} exists already.`);
  }
  const room = core.rooms.add(record);
  core.roomActivity.touch(room.id, now);
  await core.cluster?.announce({ type: "room_created", room: { ...record } });
  core.emit({ type: "rooms" });
  const by = creator.kind === "user" ? creator.account.name : creator.by;
  core.log.log("info", "room_created", { room: room.name, by });
  await auditRoom(core, { by, address: creator.address }, "create_room", room.name, room.topic);
  return room;
}

/**
 * Adds a room another instance created and stored to this instance's directory. A room
 * already known (by id, or by name: a clash the store's unique key rules out) is left as
 * it is; returns the room added, or null.
 */
export function addRemoteRoom(core: ChatCore, record: RoomRecord): Room | null {
  const known = core.rooms.byId(record.id) ?? core.rooms.get(record.name);
  if (known) {
    if (known.id !== record.id) {
      core.log.log("warn", "remote_room_clash", { room: record.name, id: record.id });
    }
    return null;
  }
  const room = core.rooms.add(record);
  core.roomActivity.touch(room.id, core.clock());
  core.emit({ type: "rooms" });
  return room;
}

/** A user's checks: not muted, the room cap, then the rates (counted only when allowed). */
function _checkUser(core: ChatCore, account: Account, host: string): void {
  const until = core.moderation.mutedUntil(account.id);
  if (until !== null) throw mutedError(until);
  checkRoomCapacity(core);
  const wait = core.limits.roomCreation?.take(account.id, host) ?? 0;
  if (wait > 0) {
    throw new RequestError(
      "rate_limited",
      "You have created too many rooms lately; try again later.",
      { retry_after: Math.ceil(wait / 1000), retryAfterMs: wait },
    );
  }
}
