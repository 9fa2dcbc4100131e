/**
 * Conformance, rooms: `rooms`, `create_room`, `join`, `leave`, `who`, room name rules and
 * presence (a user online in several sessions counts once).
 */
import assert from "node:assert/strict";
import {
  anotherSession,
  closeAll,
  expectError,
  freshRoom,
  loggedIn,
  startServer,
  uniqueName,
} from "./support.ts";

interface RoomInfo {
  name: string;
  topic: string | null;
  members: string[];
}

Deno.test("rooms conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    await t.step("the server starts with the room general", async () => {
      const reply = await alice.ok({ type: "rooms" });
      const rooms = reply.rooms as RoomInfo[];
      assert.ok(rooms.some((r) => r.name === "general"));
      for (const room of rooms) {
        assert.equal(typeof room.name, "string");
        assert.ok(room.topic === null || typeof room.topic === "string");
        assert.ok(Array.isArray(room.members));
      }
    });

    await t.step(
      "create_room replies with the room; rooms lists it with its topic or null",
      async () => {
        const withTopic = uniqueName("topical");
        const plain = uniqueName("plain");
        const a = await alice.ok({ type: "create_room", room: withTopic, topic: "All about tea" });
        assert.equal(a.room, withTopic);
        const b = await alice.ok({ type: "create_room", room: plain });
        assert.equal(b.room, plain);
        const rooms = (await bob.ok({ type: "rooms" })).rooms as RoomInfo[];
        assert.deepEqual(rooms.find((r) => r.name === withTopic), {
          name: withTopic,
          topic: "All about tea",
          members: [],
          slowmode: 0,
        });
        assert.deepEqual(rooms.find((r) => r.name === plain), {
          name: plain,
          topic: null,
          members: [],
          slowmode: 0,
        });
      },
    );

    await t.step(
      "room names: Général, 1 char, 64 chars, 64 emoji, inner spaces are valid",
      async () => {
        const tag = uniqueName("").slice(1);
        const names = [
          `Général ${tag}`,
          "Q",
          `${tag}${"r".repeat(64)}`.slice(0, 64),
          "🚀".repeat(64),
          `tea & biscuits / ${tag}`,
          `Ελληνικά-${tag}`,
        ];
        for (const room of names) {
          const reply = await alice.request({ type: "create_room", room });
          assert.equal(reply.type, "ok", `${JSON.stringify(room)}: ${JSON.stringify(reply)}`);
          assert.equal(reply.room, room);
        }
      },
    );

    await t.step(
      "bad input room names: empty, 65 chars, 65 emoji, control chars, leading/trailing space → invalid_room",
      async () => {
        const bad = [
          "",
          "r".repeat(65),
          "🚀".repeat(65),
          "bell\u0007",
          "new\nline",
          "tab\there",
          "nul\u0000",
          "del\u007f",
          "c1\u0085",
          " leading",
          "trailing ",
          " ",
        ];
        for (const room of bad) {
          const reply = await alice.request({ type: "create_room", room });
          assert.equal(reply.type, "error", `${JSON.stringify(room)}: ${JSON.stringify(reply)}`);
          assert.equal(reply.code, "invalid_room", JSON.stringify(room));
        }
      },
    );

    await t.step(
      "bad input create_room of an existing name in any case → room_exists",
      async () => {
        await expectError(alice, { type: "create_room", room: "general" }, "room_exists");
        await expectError(alice, { type: "create_room", room: "GENERAL" }, "room_exists");
        const tag = uniqueName("").slice(1);
        await alice.ok({ type: "create_room", room: `Général-${tag}` });
        await expectError(alice, { type: "create_room", room: `GÉNÉRAL-${tag}` }, "room_exists");
        await expectError(bob, { type: "create_room", room: `général-${tag}` }, "room_exists");
        await alice.ok({ type: "create_room", room: `Straße-${tag}` });
        await expectError(alice, { type: "create_room", room: `STRASSE-${tag}` }, "room_exists");
      },
    );

    await t.step("join replies room, topic, members with the joiner, history", async () => {
      const room = uniqueName("joinme");
      await alice.ok({ type: "create_room", room, topic: "hello" });
      const a = await alice.ok({ type: "join", room });
      assert.equal(a.room, room);
      assert.equal(a.topic, "hello");
      assert.deepEqual(a.members, [alice.user]);
      assert.deepEqual(a.history, []);
      const b = await bob.ok({ type: "join", room });
      assert.deepEqual([...(b.members as string[])].sort(), [alice.user, bob.user].sort());
      const rooms = (await alice.ok({ type: "rooms" })).rooms as RoomInfo[];
      const info = rooms.find((r) => r.name === room)!;
      assert.deepEqual([...info.members].sort(), [alice.user, bob.user].sort());
    });

    await t.step("join matches the room name in any case", async () => {
      const room = uniqueName("CaseRoom");
      await alice.ok({ type: "create_room", room });
      const reply = await bob.ok({ type: "join", room: room.toUpperCase() });
      assert.equal(reply.room, room);
      const who = await alice.ok({ type: "who", room });
      assert.ok((who.users as string[]).includes(bob.user));
    });

    await t.step("bad input join of an unknown room → no_such_room", async () => {
      await expectError(alice, { type: "join", room: uniqueName("nowhere") }, "no_such_room");
    });

    await t.step("leave replies ok and removes the user from who and rooms", async () => {
      const room = await freshRoom(alice, "leaving");
      await bob.ok({ type: "join", room });
      await bob.ok({ type: "leave", room });
      const who = await alice.ok({ type: "who", room });
      assert.deepEqual(who.users, [alice.user]);
      const rooms = (await alice.ok({ type: "rooms" })).rooms as RoomInfo[];
      assert.deepEqual(rooms.find((r) => r.name === room)!.members, [alice.user]);
    });

    await t.step(
      "bad input leave of a room not joined, left twice, or unknown → not_in_room",
      async () => {
        const room = await freshRoom(alice, "notin");
        await expectError(bob, { type: "leave", room }, "not_in_room");
        await bob.ok({ type: "join", room });
        await bob.ok({ type: "leave", room });
        await expectError(bob, { type: "leave", room }, "not_in_room");
        await expectError(bob, { type: "leave", room: uniqueName("nowhere") }, "not_in_room");
      },
    );

    await t.step("who lists the users online in a room, without having joined it", async () => {
      const room = await freshRoom(alice, "whoroom");
      const reply = await bob.ok({ type: "who", room });
      assert.deepEqual(reply.users, [alice.user]);
      const general = await bob.ok({ type: "who", room: "general" });
      assert.ok(Array.isArray(general.users));
    });

    await t.step("bad input who of an unknown room → no_such_room", async () => {
      await expectError(alice, { type: "who", room: uniqueName("nowhere") }, "no_such_room");
    });

    await t.step(
      "a user joined from two sessions is listed once in who, rooms and join members",
      async () => {
        const room = await freshRoom(alice, "twice");
        const alice2 = await anotherSession(port, alice.user);
        try {
          const reply = await alice2.ok({ type: "join", room });
          assert.deepEqual(reply.members, [alice.user]);
          assert.deepEqual((await bob.ok({ type: "who", room })).users, [alice.user]);
          const rooms = (await bob.ok({ type: "rooms" })).rooms as RoomInfo[];
          assert.deepEqual(rooms.find((r) => r.name === room)!.members, [alice.user]);
          // Leaving from one session keeps the user present through the other.
          await alice.ok({ type: "leave", room });
          assert.deepEqual((await bob.ok({ type: "who", room })).users, [alice.user]);
          await alice2.ok({ type: "leave", room });
          assert.deepEqual((await bob.ok({ type: "who", room })).users, []);
        } finally {
          alice2.close();
        }
      },
    );

    await t.step("membership is per session: a disconnected user leaves who", async () => {
      const carol = await loggedIn(port, uniqueName("carol"));
      const room = await freshRoom(carol, "gone");
      carol.close();
      await carol.closed;
      // The server notices the close; `who` eventually stops listing carol.
      let users: string[] = [carol.user];
      for (let i = 0; i < 250 && users.includes(carol.user); i++) {
        users = (await alice.ok({ type: "who", room })).users as string[];
        if (users.includes(carol.user)) await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(users, []);
    });
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
