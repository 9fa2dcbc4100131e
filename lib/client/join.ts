/** The result of joining a room, read from the `join` reply. */
import type { OkReply } from "../protocol/server_frames.ts";
import type { RoomMessage } from "./events.ts";

/** The result of joining a room. */
export type JoinResult =
  | {
    ok: true;
    room: string;
    topic: string | null;
    members: string[];
    /**
     * Users present: `members.length`, or the server's `memberCount` for a large room
     * (`large_rooms`), whose `members` may be a preview.
     */
    memberCount: number;
    history: RoomMessage[];
    /** Older messages exist than those in `history` (page back with `history before`). */
    more: boolean;
  }
  | { ok: false; code: string; message: string };

/**
 * Whether a join reply lists only some members of a large room (`large_rooms`), so that the
 * whole list is worth a `who`.
 */
export function isMemberPreview(frame: OkReply): boolean {
  return frame.membersMore === true && typeof frame.memberCount === "number";
}

/** The room's name as the server spells it: the reply's `room`, else the name asked for. */
export function joinedName(frame: OkReply, asked: string): string {
  return typeof frame.room === "string" ? frame.room : asked;
}

/** A successful join from its reply, with `history` already read (each with its room). */
export function joinResult(
  frame: OkReply,
  room: string,
  history: RoomMessage[],
): Extract<JoinResult, { ok: true }> {
  const members = Array.isArray(frame.members) ? frame.members.map(String) : [];
  const count = frame.memberCount;
  return {
    ok: true,
    room,
    topic: typeof frame.topic === "string" ? frame.topic : null,
    members,
    memberCount: typeof count === "number" && Number.isSafeInteger(count) && count >= 0
      ? count
      : members.length,
    history,
    more: frame.more === true,
  };
}
