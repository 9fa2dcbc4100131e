/**
 * The room list, one page at a time: rooms in case-folded name order, at most
 * `ROOMS_PAGE_MAX` of them and `ROOMS_PAGE_BYTES` of JSON per page, each room's member list
 * bounded too. `rooms` replies with a page; `login` carries the first one.
 */
import { MEMBERS_BYTES, ROOMS_PAGE_BYTES, ROOMS_PAGE_MAX } from "../../protocol/limits.ts";
import { JsonList, objectJson } from "../../protocol/json_list.ts";
import type { Room, RoomDirectory } from "./rooms.ts";

/** One entry of a page, as sent. */
export interface RoomEntry {
  name: string;
  topic: string | null;
  members: string[];
  /** Present (true) only when the member list was cut to its byte budget. */
  membersMore?: true;
  /** Users present: only in a large room's entry, whose `members` is a preview. */
  memberCount?: number;
  /** Slow mode in seconds (0 when off). */
  slowmode: number;
}

/** One page of the room list. */
export interface RoomsPage {
  rooms: RoomEntry[];
  /** `rooms` as a JSON array (encoded once, measured exactly). */
  json: string;
  /** Whether rooms follow the last one of the page. */
  more: boolean;
}

/** A room's entry as built, and what it was built from. */
interface BuiltEntry {
  entry: RoomEntry;
  json: string;
  version: number;
  topic: string | null;
  slowmode: number;
  large: boolean;
}

/** A room's entry and its JSON text, rebuilt only when the room changed since the last one. */
function _entry(room: Room): { entry: RoomEntry; json: string } {
  const built = room.listEntry as BuiltEntry | null;
  if (
    built !== null && built.version === room.membersVersion && built.topic === room.topic &&
    built.slowmode === room.slowmode && built.large === room.large
  ) return built;
  const members = room.shownMembers(MEMBERS_BYTES);
  const fields: Record<string, unknown> = {
    name: room.name,
    topic: room.topic,
    slowmode: room.slowmode,
  };
  if (!members.complete) fields.membersMore = true;
  if (members.count !== undefined) fields.memberCount = members.count;
  const entry: RoomEntry = {
    name: room.name,
    topic: room.topic,
    members: members.names,
    slowmode: room.slowmode,
  };
  if (!members.complete) entry.membersMore = true;
  if (members.count !== undefined) entry.memberCount = members.count;
  const json = objectJson(fields, { members: members.json });
  room.listEntry = {
    entry,
    json,
    version: room.membersVersion,
    topic: room.topic,
    slowmode: room.slowmode,
    large: room.large,
  } satisfies BuiltEntry;
  return { entry, json };
}

/** The page of rooms after the room key `afterKey` (from the first when null). */
export function roomsPage(directory: RoomDirectory, afterKey: string | null): RoomsPage {
  const list = new JsonList(ROOMS_PAGE_BYTES, ROOMS_PAGE_MAX);
  const rooms: RoomEntry[] = [];
  let more = false;
  for (const room of directory.inKeyOrder(afterKey)) {
    const { entry, json } = _entry(room);
    if (!list.addJson(json, true)) {
      more = true;
      break;
    }
    rooms.push(entry);
  }
  return { rooms, json: list.toJson(), more };
}

/** The `rooms` and `roomsMore` fields of a `login` reply: the first page of the list. */
export function loginRooms(directory: RoomDirectory): { rooms: RoomEntry[]; roomsMore: boolean } {
  const page = roomsPage(directory, null);
  return { rooms: page.rooms, roomsMore: page.more };
}
