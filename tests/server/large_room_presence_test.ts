/**
 * Large rooms (`--large-room N`, feature `large_rooms`): above N users present, arrivals and
 * departures reach the members as `presence` batches instead of `joined`/`left`, and `join`
 * and the room list show a preview of the members with `memberCount`. Over real TCP, with a
 * threshold of 3; ordinary rooms keep the contract's events exactly.
 */
import assert from "node:assert/strict";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";
import { MEMBERS_BYTES } from "../../lib/protocol/limits.ts";
import {
  MEMBER_PREVIEW,
  PRESENCE_BATCH_BYTES,
  RoomDirectory,
} from "../../lib/server/chat/rooms.ts";
import type { Session } from "../../lib/server/net/session.ts";
import { roomsPage } from "../../lib/server/chat/room_pages.ts";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { assertError, closeAll, freshRoom, loggedIn, waitFor } from "./support.ts";

/** Round-trips a ping on each client, so every event sent before it has arrived. */
async function settle(...clients: FrameClient[]): Promise<void> {
  for (const client of clients) await client.ok({ type: "ping" });
}

/** The `presence` batches about `room` that `client` received so far. */
function batches(client: FrameClient, room: string): Frame[] {
  return client.received.filter((f) => f.type === "presence" && f.room === room);
}

/** `joined`/`left` events about `room` (and `user`, when given) received so far. */
function single(client: FrameClient, room: string, user?: string): Frame[] {
  return client.received.filter((f) =>
    (f.type === "joined" || f.type === "left") && f.room === room &&
    (user === undefined || f.user === user)
  );
}

/**
 * The member set a client following the protocol keeps: the join reply's members, then
 * every `joined`/`left` and `presence` batch after it, in order.
 */
function followed(client: FrameClient, room: string, joinId: unknown): Set<string> {
  const start = client.received.findIndex((f) => f.type === "ok" && f.id === joinId);
  assert.ok(start >= 0, "the join reply was received");
  const members = new Set<string>(client.received[start]!.members as string[]);
  for (const frame of client.received.slice(start + 1)) {
    if (frame.room !== room) continue;
    if (frame.type === "joined") members.add(frame.user as string);
    if (frame.type === "left") members.delete(frame.user as string);
    if (frame.type === "presence") {
      for (const user of frame.joined as string[]) members.add(user);
      for (const user of frame.left as string[]) members.delete(user);
    }
  }
  return members;
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

Deno.test("large rooms over TCP: presence batches above --large-room 3", async (t) => {
  const server = await startServer({ args: ["--large-room", "3"] });
  const clients: FrameClient[] = [];
  try {
    const [a, b, c, d, e, f] = await Promise.all(
      Array.from({ length: 6 }, () => loggedIn(server.port)),
    ) as (FrameClient & { user: string })[];
    clients.push(a!, b!, c!, d!, e!, f!);

    await t.step("welcome lists large_rooms", () => {
      const welcome = a!.received[0]!;
      assert.equal(welcome.type, "welcome");
      assert.ok((welcome.features as string[]).includes("large_rooms"), JSON.stringify(welcome));
    });

    const room = await freshRoom(a!, "big");
    const aJoin = a!.received.findLast((fr) => fr.type === "ok" && fr.room === room)!.id;

    await t.step("up to the threshold: joined events as the contract says", async () => {
      const replyB = await b!.ok({ type: "join", room });
      assert.deepEqual(replyB.members, [a!.user, b!.user]);
      assert.equal("memberCount" in replyB, false, "no memberCount in an ordinary room");
      await c!.ok({ type: "join", room });
      await a!.next((fr) => fr.type === "joined" && fr.room === room && fr.user === c!.user);
      assert.deepEqual(single(a!, room).map((fr) => fr.user), [b!.user, c!.user]);
    });

    await t.step("the 4th user: a presence batch instead of joined", async () => {
      const reply = await d!.ok({ type: "join", room });
      assert.deepEqual(reply.members, [a!.user, b!.user, c!.user, d!.user]);
      assert.equal(reply.memberCount, 4);
      assert.equal("membersMore" in reply, false, "the preview holds all 4");
      for (const client of [a!, b!, c!, d!]) {
        const batch = await client.next((fr) => fr.type === "presence" && fr.room === room);
        assert.deepEqual(batch.joined, [d!.user]);
        assert.deepEqual(batch.left, []);
        assert.equal(batch.members, 4);
      }
      await settle(a!);
      assert.equal(single(a!, room, d!.user).length, 0, "no joined event for d");
    });

    await t.step("batches carry each user's last change; members follow them", async () => {
      await e!.ok({ type: "join", room });
      await f!.ok({ type: "join", room });
      await e!.ok({ type: "leave", room });
      const want = sorted([a!.user, b!.user, c!.user, d!.user, f!.user]);
      await waitFor("a's member set to follow the batches", () => {
        const last = batches(a!, room).at(-1);
        return last?.members === 5 && sorted(followed(a!, room, aJoin)).join() === want.join();
      });
      for (const batch of batches(a!, room)) {
        const named = [...batch.joined as string[], ...batch.left as string[]];
        assert.equal(new Set(named).size, named.length, `each user once: ${JSON.stringify(batch)}`);
      }
      assert.equal(single(a!, room, e!.user).length + single(a!, room, f!.user).length, 0);
      const who = await a!.ok({ type: "who", room });
      assert.deepEqual(sorted(who.users as string[]), want);
      assert.equal(who.more, false);
    });

    await t.step("the room list shows memberCount for a large room", async () => {
      const reply = await b!.ok({ type: "rooms" });
      const entry = (reply.rooms as Frame[]).find((r) => r.name === room)!;
      assert.equal(entry.memberCount, 5);
      assert.equal((entry.members as string[]).length, 5);
      const general = (reply.rooms as Frame[]).find((r) => r.name === "general")!;
      assert.equal("memberCount" in general, false);
    });

    await t.step("a member's disconnect goes out in a batch", async () => {
      f!.close();
      const want = sorted([a!.user, b!.user, c!.user, d!.user]);
      await waitFor("f's departure in a batch", () => {
        const last = batches(b!, room).at(-1);
        return last?.members === 4 && (last.left as string[]).includes(f!.user);
      });
      assert.deepEqual(sorted(followed(a!, room, aJoin)), want);
    });

    await t.step("shrinking: a waiting batch goes out before the next left", async () => {
      await d!.ok({ type: "leave", room }); // 4 → 3: still batched.
      await c!.ok({ type: "leave", room }); // 3 → 2: an ordinary left, after the batch.
      const left = await a!.next((fr) => fr.type === "left" && fr.room === room);
      assert.equal(left.user, c!.user);
      const at = a!.received.indexOf(left);
      const batch = a!.received.findLastIndex((fr, i) =>
        i < at && fr.type === "presence" && (fr.left as string[]).includes(d!.user)
      );
      assert.ok(batch >= 0, "d's departure came in a batch before c's left");
      assert.deepEqual(sorted(followed(a!, room, aJoin)), sorted([a!.user, b!.user]));
    });

    await t.step("ordinary again: joined events, no memberCount", async () => {
      const reply = await e!.ok({ type: "join", room });
      assert.equal("memberCount" in reply, false);
      const joined = await a!.next((fr) => fr.type === "joined" && fr.room === room);
      assert.equal(joined.user, e!.user);
    });

    await t.step("bad input: presence is an event, not a request", async () => {
      const reply = await a!.request({ type: "presence", room });
      assertError(reply, "unknown_type");
      assertError(await a!.request({ type: "who", room: "" }), "invalid_room");
    });
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

Deno.test("large rooms over TCP: --large-room off keeps joined events at any size", async () => {
  const server = await startServer({ args: ["--large-room", "off"] });
  const clients: (FrameClient & { user: string })[] = [];
  try {
    clients.push(
      ...await Promise.all(Array.from({ length: 5 }, () => loggedIn(server.port))),
    );
    const [a, ...others] = clients;
    assert.equal((a!.received[0]!.features as string[]).includes("large_rooms"), false);
    const room = await freshRoom(a!, "off");
    for (const other of others) {
      const reply = await other.ok({ type: "join", room });
      assert.equal("memberCount" in reply, false);
    }
    await waitFor("a joined event for each", () => single(a!, room).length === others.length);
    await settle(a!);
    assert.equal(batches(a!, room).length, 0);
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

Deno.test("large rooms: --large-room takes a count from 1 or off", () => {
  assert.equal(parseServerConfig([], {}).guards.largeRoom, 500);
  assert.equal(parseServerConfig(["--large-room", "off"], {}).guards.largeRoom, null);
  assert.equal(parseServerConfig([], { FASTCHAT_LARGE_ROOM: "40" }).guards.largeRoom, 40);
  for (const bad of ["0", "-3", "lots", "2.5", ""]) {
    assert.throws(
      () => parseServerConfig(["--large-room", bad], {}),
      (error: unknown) => error instanceof ConfigError && /--large-room/.test(error.message),
      `--large-room ${JSON.stringify(bad)}`,
    );
  }
});

/** A session stand-in that records the events it is sent. */
function fakeSession(id: number, name: string): Session & { got: string[] } {
  const got: string[] = [];
  const decoder = new TextDecoder();
  return {
    account: { id, name },
    got,
    pendingEventBytes: 0,
    sendEvent(bytes: Uint8Array) {
      got.push(decoder.decode(bytes));
    },
  } as unknown as Session & { got: string[] };
}

Deno.test("large rooms: the member preview and the batch byte bound", () => {
  const rooms = new RoomDirectory();
  rooms.presence.largeRoom = 3;
  const room = rooms.add({ id: 1, name: "Big", nameKey: "big", topic: null, createdAt: 0 });
  const sessions = Array.from({ length: 60 }, (_, i) => fakeSession(i + 1, `user${i + 1}`));
  for (const session of sessions) rooms.join(session, room);
  const preview = room.shownMembers(MEMBERS_BYTES);
  assert.equal(preview.names.length, MEMBER_PREVIEW);
  assert.equal(preview.names[0], "user1");
  assert.equal(preview.complete, false);
  assert.equal(preview.count, 60);
  assert.equal(JSON.parse(preview.json).length, MEMBER_PREVIEW);
  const withSelf = room.shownMembers(MEMBERS_BYTES, { id: 60, name: "user60" });
  assert.equal(withSelf.names.length, MEMBER_PREVIEW);
  assert.equal(withSelf.names.at(-1), "user60", "the joiner is shown");
  assert.equal(withSelf.names.at(-2), `user${MEMBER_PREVIEW - 1}`);
  assert.equal(room.memberList(MEMBERS_BYTES).names.length, 60, "who lists everyone");

  // A batch that reaches its byte bound goes out at once, whatever the timer.
  const long = (i: number) => `${"x".repeat(26)}${String(i).padStart(6, "0")}`;
  let sent = 0;
  for (let i = 0; sent === 0; i++) {
    rooms.announce(room, 1000 + i, long(i), true);
    sent = sessions[0]!.got.length;
    assert.ok(i < 10_000, "a batch went out");
  }
  const batch = JSON.parse(sessions[0]!.got[0]!);
  assert.equal(batch.type, "presence");
  assert.equal(batch.room, "Big");
  assert.ok(sessions[0]!.got[0]!.length >= PRESENCE_BATCH_BYTES);
  assert.ok(sessions[0]!.got[0]!.length < PRESENCE_BATCH_BYTES + 100);
  rooms.stopBatching(); // No timer is left behind.
});

Deno.test("room list entries (login's first page) follow members, topic and slow mode", () => {
  const rooms = new RoomDirectory();
  const room = rooms.add({ id: 1, name: "Cafe", nameKey: "cafe", topic: null, createdAt: 0 });
  const [ann, bob] = [fakeSession(1, "ann"), fakeSession(2, "bob")];
  const entry = () => roomsPage(rooms, null).rooms[0]!;
  const json = () => JSON.parse(roomsPage(rooms, null).json)[0];
  rooms.join(ann, room);
  assert.deepEqual(entry().members, ["ann"]);
  rooms.join(bob, room);
  assert.deepEqual(entry().members, ["ann", "bob"]);
  assert.deepEqual(json().members, ["ann", "bob"]);
  room.topic = "espresso";
  room.slowmode = 5;
  assert.equal(entry().topic, "espresso");
  assert.deepEqual(json(), {
    name: "Cafe",
    topic: "espresso",
    slowmode: 5,
    members: ["ann", "bob"],
  });
  rooms.leave(ann, room);
  assert.deepEqual(json().members, ["bob"]);
  rooms.presence.largeRoom = 0; // Now large: a preview with the count.
  assert.equal(json().memberCount, 1);
  rooms.stopBatching();
});
