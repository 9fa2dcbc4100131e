/**
 * Room membership is the room directory's (lib/server/chat/rooms.ts): both indexes, room →
 * sessions and session → rooms, change together; presence is per user.
 */
import { deepStrictEqual as equal, strictEqual as same } from "node:assert/strict";
import { RoomDirectory } from "../../lib/server/chat/rooms.ts";
import type { Session } from "../../lib/server/net/session.ts";

const session = (id: number, user: number) =>
  ({ id, account: { id: user, name: `u${user}`, key: `u${user}` } }) as unknown as Session;

function room(rooms: RoomDirectory, id: number, name: string) {
  return rooms.add({ id, name, nameKey: name, topic: null, createdAt: 0 });
}

Deno.test("room directory: join and leave keep both indexes and per-user presence", () => {
  const rooms = new RoomDirectory();
  const a = room(rooms, 1, "a");
  const b = room(rooms, 2, "b");
  const s1 = session(1, 10);
  const s2 = session(2, 10);
  same(rooms.join(s1, a), "arrived");
  same(rooms.join(s1, a), "already");
  same(rooms.join(s2, a), "member", "a second session of a present user");
  same(rooms.join(s1, b), "arrived");
  equal([...rooms.roomsOf(s1)].map((r) => r.name), ["a", "b"]);
  equal([...a.sessions], [s1, s2]);
  same(rooms.isIn(s2, b), false);
  equal(a.members(), ["u10"]);
  same(rooms.leave(s1, a), "member", "the user is still there with s2");
  same(rooms.leave(s1, a), "absent");
  same(rooms.leave(s2, a), "departed");
  equal(a.members(), []);
  equal([...rooms.roomsOf(s1)].map((r) => r.name), ["b"]);
  same(rooms.leave(s1, b), "departed");
  same(rooms.roomsOf(s1).size, 0);
});
