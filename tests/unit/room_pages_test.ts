import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { MEMBERS_BYTES, ROOMS_PAGE_BYTES, ROOMS_PAGE_MAX } from "../../lib/protocol/limits.ts";
import { foldName } from "../../lib/protocol/names.ts";
import { loginRooms, roomsPage } from "../../lib/server/chat/room_pages.ts";
import { RoomDirectory } from "../../lib/server/chat/rooms.ts";
import type { Session } from "../../lib/server/net/session.ts";

const enc = new TextEncoder();

function directory(names: string[], topic: string | null = null): RoomDirectory {
  const rooms = new RoomDirectory();
  names.forEach((name, i) => {
    rooms.add({ id: i + 1, name, nameKey: foldName(name), topic, createdAt: 0 });
  });
  return rooms;
}

/** Every page from the first, following `more` with the last name of each page. */
function allPages(rooms: RoomDirectory): string[][] {
  const pages: string[][] = [];
  let after: string | null = null;
  for (let n = 0; n < 1_000; n++) {
    const page = roomsPage(rooms, after);
    assertEquals(JSON.parse(page.json), page.rooms);
    pages.push(page.rooms.map((r) => r.name));
    if (!page.more) return pages;
    after = foldName(page.rooms.at(-1)!.name);
  }
  throw new Error("No end after 1,000 pages");
}

Deno.test("rooms pages: bad input 400 rooms with 500 control-character topics are paged under the byte budget", () => {
  const names = Array.from({ length: 400 }, (_, i) => `room ${String(i).padStart(3, "0")}`);
  const rooms = directory(names, "\u0001".repeat(500));
  let after: string | null = null;
  const seen: string[] = [];
  for (let n = 0; n < 100; n++) {
    const page = roomsPage(rooms, after);
    equal(enc.encode(page.json).length <= ROOMS_PAGE_BYTES, true);
    equal(page.rooms.length <= ROOMS_PAGE_MAX, true);
    seen.push(...page.rooms.map((r) => r.name));
    if (!page.more) break;
    after = foldName(page.rooms.at(-1)!.name);
  }
  assertEquals(seen, names);
  equal(loginRooms(rooms).roomsMore, true);
});

Deno.test("rooms pages: case-folded name order, at most 200 per page, each room once", () => {
  const names = Array.from({ length: 450 }, (_, i) => `${i % 2 ? "B" : "a"}-${i}`);
  const pages = allPages(directory(names));
  equal(pages.length, 3);
  assertEquals(pages.map((p) => p.length), [200, 200, 50]);
  const flat = pages.flat();
  assertEquals(flat, [...names].sort((x, y) => foldName(x) < foldName(y) ? -1 : 1));
  equal(new Set(flat).size, 450);
});

Deno.test("rooms pages: after a name that is no room starts after it; after the last is empty", () => {
  const rooms = directory(["alpha", "Charlie", "echo"]);
  assertEquals(roomsPage(rooms, foldName("Bravo")).rooms.map((r) => r.name), ["Charlie", "echo"]);
  const last = roomsPage(rooms, foldName("zulu"));
  assertEquals(last, { rooms: [], json: "[]", more: false });
  assertEquals(loginRooms(directory([])), { rooms: [], roomsMore: false });
});

Deno.test("rooms pages: bad input a room whose member names pass the budget lists those that fit", () => {
  const rooms = directory(["big"]);
  const room = rooms.get("big")!;
  // 4,000 users with 32-character names of 4-byte letters: ~530 KB of JSON in all.
  const letter = "\u{20000}";
  for (let id = 1; id <= 4_000; id++) {
    const name = `${letter.repeat(27)}${String(id).padStart(5, "0")}`;
    room.add({ account: { id, name, key: name } } as unknown as Session);
  }
  const members = room.memberList(MEMBERS_BYTES);
  equal(members.complete, false);
  equal(enc.encode(members.json).length <= MEMBERS_BYTES, true);
  assertEquals(JSON.parse(members.json), members.names);
  equal(members.names.length > 1_000, true);
  const [entry] = roomsPage(rooms, null).rooms;
  equal(entry?.membersMore, true);
  equal(entry?.members.length, members.names.length);
});
