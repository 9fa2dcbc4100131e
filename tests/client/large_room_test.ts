/**
 * The client's protocol core in large rooms (`large_rooms`): a join whose reply is a preview
 * fetches the whole list with `who`, `presence` batches reach the views as events that keep
 * a member list right, and malformed batches are ignored. Against the real server over TCP
 * (`--large-room 3`) and a scripted one for bad input.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../../lib/client/chat_client.ts";
import type { ClientEvent } from "../../lib/client/events.ts";
import { formatPresenceBatch } from "../../lib/client/format.ts";
import { Style } from "../../lib/client/style.ts";
import { dial, type Endpoint } from "../../lib/client/transport.ts";
import { MEMBER_PREVIEW } from "../../lib/server/chat/rooms.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { waitFor } from "../support/wait.ts";
import { type FakeConnection, FakeServer } from "./fake_server.ts";
import { EventLog } from "./support.ts";

const PASSWORD = "correct horse";

async function chatClient(endpoint: Endpoint, user: string): Promise<ChatClient> {
  const client = await ChatClient.connect({ endpoint, dialer: dial });
  const registered = await client.register(user, PASSWORD);
  assert.ok(registered.ok || registered.error.code === "user_taken");
  assert.ok((await client.login(user, PASSWORD)).ok, "login failed");
  return client;
}

/** The member set a view keeps: the join's list, then each presence event of `room`. */
function follow(start: readonly string[], events: ClientEvent[], room: string): Set<string> {
  const members = new Set(start);
  for (const event of events) {
    if (event.type === "joined" && event.room === room) members.add(event.user);
    if (event.type === "left" && event.room === room) members.delete(event.user);
    if (event.type === "presence" && event.room === room) {
      for (const user of event.joined) members.add(user);
      for (const user of event.left) members.delete(user);
    }
  }
  return members;
}

Deno.test("client core, real server: a large room's full list and its batches", async () => {
  const server = await startServer({ args: ["--large-room", "3"] });
  const others: FrameClient[] = [];
  let alice: ChatClient | null = null;
  try {
    const tag = crypto.randomUUID().slice(0, 6);
    const room = `big_${tag}`;
    // More members than the join reply's preview shows.
    const count = MEMBER_PREVIEW + 2;
    others.push(
      ...await Promise.all(Array.from({ length: count }, async (_, i) => {
        const client = await FrameClient.connect(server.port);
        await client.registerAndLogin(`m${i}_${tag}`, PASSWORD);
        return client;
      })),
    );
    await others[0]!.ok({ type: "create_room", room });
    await Promise.all(others.map((client) => client.ok({ type: "join", room })));
    alice = await chatClient({ host: "127.0.0.1", port: server.port, tls: false }, `al_${tag}`);
    assert.ok(alice.supports("large_rooms"));
    const log = new EventLog(alice);
    const joined = await alice.join(room);
    assert.ok(joined.ok);
    assert.equal(joined.memberCount, count + 1);
    assert.equal(joined.members.length, count + 1, "who filled in past the preview");
    assert.ok(joined.members.includes(`al_${tag}`));

    await others[0]!.ok({ type: "leave", room });
    others[1]!.close();
    const late = await FrameClient.connect(server.port);
    others.push(late);
    await late.registerAndLogin(`late_${tag}`, PASSWORD);
    await late.ok({ type: "join", room });

    const who = await late.ok({ type: "who", room });
    const want = [...who.users as string[]].sort().join();
    await waitFor(
      "alice's list to follow the batches",
      () => [...follow(joined.members, log.events, room)].sort().join() === want,
    );
    assert.equal(
      log.events.some((e) => (e.type === "joined" || e.type === "left") && e.room === room),
      false,
      "no single joined/left in a large room",
    );
    const last = log.events.findLast((e) => e.type === "presence");
    assert.ok(last?.type === "presence" && last.members === (who.users as string[]).length);
  } finally {
    await alice?.close();
    for (const client of others) client.close();
    await server.cleanup();
  }
});

/** A server with `large_rooms` that sends malformed `presence` events, then a good one. */
async function badPresence(conn: FakeConnection): Promise<void> {
  await conn.welcome({}, { features: ["large_rooms"] });
  const rooms = [{ name: "big", topic: null, members: ["ann"], memberCount: 900 }];
  for await (const request of conn.served()) {
    switch (request.type) {
      case "login":
        await conn.ok(request, { user: request.user, rooms, roomsMore: false, token: "t" });
        break;
      case "join":
        await conn.ok(request, {
          room: "big",
          topic: null,
          members: ["ann", "bob"],
          membersMore: true,
          memberCount: 900,
          history: [],
          more: false,
        });
        break;
      case "who":
        // A reply that is not a list keeps the preview.
        await conn.ok(request, { room: "big", users: "everyone", more: false });
        for (
          const bad of [
            { type: "presence", room: "big", joined: "carl" },
            { type: "presence", joined: ["carl"] },
            { type: "presence", room: "big", joined: [1, 2] },
            { type: "presence", room: "big", left: null },
            { type: "presence", room: "big", members: -1 },
            { type: "presence", room: 7, joined: [] },
          ]
        ) await conn.send(bad);
        await conn.send('{"type":"presence","room":"big","joined":["carl"\n');
        await conn.send({ type: "presence", room: "big", joined: ["dan"], members: 901 });
        break;
      default:
        await conn.ok(request);
    }
  }
}

Deno.test("client core: malformed presence batches are ignored, the connection goes on", async () => {
  const server = FakeServer.start(badPresence);
  let client: ChatClient | null = null;
  try {
    client = await chatClient({ host: "127.0.0.1", port: server.port, tls: false }, "ann");
    const log = new EventLog(client);
    const joined = await client.join("big");
    assert.ok(joined.ok);
    assert.deepEqual(joined.members, ["ann", "bob"]);
    assert.equal(joined.memberCount, 900);
    await log.until((events) => events.some((e) => e.type === "presence"), "the good batch");
    const batches = log.events.filter((e) => e.type === "presence");
    assert.deepEqual(batches, [
      { type: "presence", room: "big", joined: ["dan"], left: [], members: 901 },
    ]);
    assert.ok((await client.request({ type: "ping" })).ok, "still connected");
  } finally {
    await client?.close();
    await server.close();
  }
});

Deno.test("client format: a presence batch is one quiet line with its counts", () => {
  const plain = new Style(false);
  const line = formatPresenceBatch(
    { room: "big", joined: ["a", "b"], left: ["c"], members: 5000 },
    3,
    new Date("2026-11-30T10:00:00Z"),
    plain,
  );
  assert.match(line, /big: 2 joined, 1 left, 5000 online$/);
  const counted = formatPresenceBatch(
    { room: "big", joined: [], left: ["c"], members: null },
    41,
    new Date(),
    plain,
  );
  assert.match(counted, /0 joined, 1 left, 41 online$/);
});

Deno.test("client core: bad input malformed history entries in a join reply are left out; the client goes on", async () => {
  const good = {
    msgid: "0000000000000003",
    room: "big",
    user: "bob",
    text: "a good one",
    ts: "2026-12-01T00:00:00.000Z",
  };
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    for await (const request of conn.served()) {
      if (request.type === "login") {
        await conn.ok(request, { user: request.user, rooms: [], roomsMore: false, token: "t" });
      } else if (request.type === "join") {
        await conn.ok(request, {
          room: "big",
          topic: null,
          members: ["ann"],
          history: [
            { bogus: true },
            { msgid: "0000000000000001", room: "big", text: "no user", ts: good.ts },
            { ...good, msgid: "0000000000000002", text: 5 },
            "not an object",
            good,
          ],
          more: false,
        });
      } else {
        await conn.ok(request);
      }
    }
  });
  let client: ChatClient | null = null;
  try {
    client = await chatClient({ host: "127.0.0.1", port: server.port, tls: false }, "ann");
    const joined = await client.join("big");
    assert.ok(joined.ok);
    assert.deepEqual(joined.history.map((m) => m.text), ["a good one"]);
    assert.ok((await client.request({ type: "ping" })).ok, "still connected");
  } finally {
    await client?.close();
    await server.close();
  }
});
