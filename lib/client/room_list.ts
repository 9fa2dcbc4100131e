/**
 * The room list, page by page: the login reply carries the first page (`roomsMore`), and
 * `rooms after=<last name>` the following ones (`more`), so no reply is ever too large.
 */
import type { ClientRequest } from "../protocol/requests.ts";
import type { RoomInfo } from "../protocol/server_frames.ts";
import type { Reply } from "./connection.ts";

/** A page of the room list: the rooms, and whether more follow. */
export interface RoomPage {
  rooms: RoomInfo[];
  more: boolean;
}

/** Pages of `rooms` fetched at most for one listing (a hang guard against a bad server). */
const MAX_ROOM_PAGES = 1_000;

/** A page from a reply's fields; malformed entries are left out. */
export function roomPage(rooms: unknown, more: unknown): RoomPage {
  const list = Array.isArray(rooms)
    ? rooms.filter((room): room is RoomInfo =>
      typeof room === "object" && room !== null && typeof room.name === "string"
    ).map((room) => ({
      ...room,
      topic: typeof room.topic === "string" ? room.topic : null,
      members: Array.isArray(room.members) ? room.members.map(String) : [],
    }))
    : [];
  return { rooms: list, more: more === true };
}

/**
 * The whole room list: `first` (a page already at hand, e.g. from login) or the server's
 * first page, then every following page while `more`.
 */
export async function listRooms(
  request: (request: ClientRequest) => Promise<Reply>,
  first: RoomPage | null,
): Promise<{ ok: true; rooms: RoomInfo[] } | { ok: false; message: string }> {
  let page = first;
  if (page === null) {
    const reply = await request({ type: "rooms" });
    if (!reply.ok) return { ok: false, message: reply.error.message };
    page = roomPage(reply.frame.rooms, reply.frame.more);
  }
  const rooms = [...page.rooms];
  for (let pages = 1; page.more && page.rooms.length > 0 && pages < MAX_ROOM_PAGES; pages++) {
    const after = page.rooms[page.rooms.length - 1]!.name;
    const reply = await request({ type: "rooms", after });
    if (!reply.ok) return { ok: false, message: reply.error.message };
    page = roomPage(reply.frame.rooms, reply.frame.more);
    // A server that answers the same page again would loop: stop there.
    if (page.rooms[0]?.name === after) break;
    rooms.push(...page.rooms);
  }
  return { ok: true, rooms };
}
