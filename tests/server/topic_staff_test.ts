/**
 * Protocol 1.1 `topic` (creator or staff only, `invalid_topic`, event `topic`), staff roles
 * loaded from the store at start, and `room_deleted` for the members of a room an admin
 * deleted. Bad input gets its code, the connection stays usable and nothing is stored.
 */
import assert from "node:assert/strict";
import { hashPassword } from "../../lib/auth/password.ts";
import { foldName } from "../../lib/protocol/names.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { FrameClient } from "../support/frame_client.ts";
import { freshDatabase } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  closeAll,
  expectError,
  loggedIn,
  PASSWORD,
  startServer,
  uniqueName,
} from "./support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

/** A fresh database holding one account with a staff role, before any server starts. */
async function databaseWithStaff(
  role: "moderator" | "admin",
): Promise<{ db: string; user: string; drop(): Promise<void> }> {
  const fresh = await freshDatabase();
  const user = uniqueName("staff");
  const store = await openStore(fresh.db);
  try {
    const record = await store.createUser({
      name: user,
      nameKey: foldName(user),
      passwordHash: await hashPassword(PASSWORD),
      createdAt: Date.now(),
    });
    assert.ok(record);
    assert.equal(
      await store.setStaffRole({ userId: record.id, role, since: Date.now(), by: "admin" }),
      true,
    );
  } finally {
    await store.close();
  }
  return { ...fresh, user };
}

/** The topic `rooms` shows for `room`. */
async function listedTopic(client: FrameClient, room: string): Promise<string | null> {
  const reply = await client.ok({ type: "rooms" });
  const entry = (reply.rooms as { name: string; topic: string | null }[]).find((r) =>
    r.name === room
  );
  assert.ok(entry, `room ${room} listed`);
  return entry.topic;
}

Deno.test("topic: the creator sets and clears it; members get the event; rooms and join show it", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  try {
    const welcome = ann.received[0]!;
    for (const feature of ["topic", "read_markers", "report"]) {
      assert.ok((welcome.features as string[]).includes(feature), `welcome lists ${feature}`);
    }
    const room = uniqueName("topic");
    await ann.ok({ type: "create_room", room });
    await bob.ok({ type: "join", room });
    const set = await ann.ok({ type: "topic", room, topic: "  Plans for the week  " });
    assert.deepEqual([set.room, set.topic], [room, "Plans for the week"]);
    const event = await bob.next((f) => f.type === "topic");
    assert.deepEqual(event, { type: "topic", room, topic: "Plans for the week", user: ann.user });
    assert.equal(await listedTopic(bob, room), "Plans for the week");
    const carol = await loggedIn(server.port);
    try {
      assert.equal((await carol.ok({ type: "join", room })).topic, "Plans for the week");
    } finally {
      closeAll(carol);
    }
    const exactly300 = "é".repeat(300);
    assert.equal((await ann.ok({ type: "topic", room, topic: exactly300 })).topic, exactly300);
    const cleared = await ann.ok({ type: "topic", room, topic: "" });
    assert.equal(cleared.topic, null);
    const clearedEvent = await bob.next((f) => f.type === "topic" && f.topic === null);
    assert.equal(clearedEvent.user, ann.user);
    assert.equal(await listedTopic(bob, room), null);
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
  }
});

Deno.test("topic: bad input (control characters, 301 characters, unknown room, not the creator, general) is refused and nothing is stored", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  try {
    const room = uniqueName("topic");
    await ann.ok({ type: "create_room", room, topic: "original" });
    await bob.ok({ type: "join", room });
    for (const topic of ["bell \u0007 here", "line\nbreak", "tab\there", "x".repeat(301)]) {
      await expectError(ann, { type: "topic", room, topic }, "invalid_topic");
    }
    await expectError(
      ann,
      { type: "topic", room: uniqueName("nowhere"), topic: "t" },
      "no_such_room",
    );
    await expectError(bob, { type: "topic", room, topic: "mine now" }, "not_allowed");
    await expectError(bob, { type: "topic", room: "general", topic: "hello" }, "not_allowed");
    await expectError(ann, { type: "topic", room: "general", topic: "hello" }, "not_allowed");
    await expectError(ann, { type: "topic", room }, "bad_frame");
    // Both connections still work, the topic is unchanged, and nobody was told anything.
    await ann.ok({ type: "ping" });
    await bob.ok({ type: "ping" });
    assert.equal(await listedTopic(bob, room), "original");
    assert.equal(await listedTopic(bob, "general"), null);
    assert.deepEqual(bob.events("topic"), []);
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
  }
});

Deno.test("topic: create_room obeys the same rule (300 characters, no control characters), answering invalid_topic", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  try {
    for (const topic of ["x".repeat(301), "a\u0000b"]) {
      const room = uniqueName("ct");
      await expectError(ann, { type: "create_room", room, topic }, "invalid_topic");
      await expectError(ann, { type: "join", room }, "no_such_room");
    }
    const room = uniqueName("ct");
    await ann.ok({ type: "create_room", room, topic: "y".repeat(300) });
    assert.equal(await listedTopic(ann, room), "y".repeat(300));
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("topic: a moderator (a staff role stored before the start) may set any room's topic, general's too", async () => {
  const seeded = await databaseWithStaff("moderator");
  const server = await startServer({ db: seeded.db });
  const mod = await anotherSession(server.port, seeded.user);
  const ann = await loggedIn(server.port);
  try {
    const room = uniqueName("topic");
    await ann.ok({ type: "create_room", room });
    await ann.ok({ type: "join", room });
    await ann.ok({ type: "join", room: "general" });
    const set = await mod.ok({ type: "topic", room, topic: "moderated" });
    assert.equal(set.topic, "moderated");
    const event = await ann.next((f) => f.type === "topic" && f.room === room);
    assert.equal(event.user, seeded.user);
    await mod.ok({ type: "topic", room: "general", topic: "Welcome" });
    assert.equal(
      (await ann.next((f) => f.type === "topic" && f.room === "general")).topic,
      "Welcome",
    );
    assert.equal(await listedTopic(ann, "general"), "Welcome");
    // Still refused for bad input, whoever asks.
    await expectError(mod, { type: "topic", room, topic: "x".repeat(301) }, "invalid_topic");
  } finally {
    closeAll(mod, ann);
    await server.cleanup();
    await seeded.drop();
  }
});

Deno.test("topic: survives a restart; a room created before keeps its creator", async () => {
  const first = await startServer();
  let server = first;
  let ann = await loggedIn(server.port);
  const user = ann.user;
  try {
    const room = uniqueName("topic");
    await ann.ok({ type: "create_room", room });
    await ann.ok({ type: "topic", room, topic: "before" });
    await server.stop("SIGTERM");
    closeAll(ann);
    server = await startServer({ db: first.db });
    ann = await anotherSession(server.port, user);
    assert.equal(await listedTopic(ann, room), "before");
    assert.equal((await ann.ok({ type: "topic", room, topic: "after" })).topic, "after");
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("room_deleted: members of a room the admin deleted get the event and are no longer in it", async () => {
  const server = await startServer({ env: ENV });
  const ann = await loggedIn(server.port);
  const ann2 = await anotherSession(server.port, ann.user);
  const bob = await loggedIn(server.port);
  try {
    const room = uniqueName("doomed");
    await ann.ok({ type: "create_room", room });
    await ann.ok({ type: "join", room });
    await ann2.ok({ type: "join", room });
    await bob.ok({ type: "join", room: "general" });
    const deleted = await admin(
      server.adminPort,
      "DELETE",
      `/api/rooms/${encodeURIComponent(room)}`,
    );
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    for (const client of [ann, ann2]) {
      assert.deepEqual(await client.next((f) => f.type === "room_deleted"), {
        type: "room_deleted",
        room,
      });
      await expectError(client, { type: "say", room, text: "hello?" }, "not_in_room");
    }
    await bob.ok({ type: "ping" });
    assert.deepEqual(bob.events("room_deleted"), [], "only the members are told");
  } finally {
    closeAll(ann, ann2, bob);
    await server.cleanup();
  }
});
