/**
 * Every reply stays under `welcome.maxServerFrame`, whatever the data: the room list
 * is paged (`rooms` with `after`, `more`; `login` carries the first page and `roomsMore`),
 * and `join`/`history` are bounded by bytes with `more: true`, so that paging returns
 * everything exactly once. A reader that keeps up is never cut for its own large replies.
 */
import assert from "node:assert/strict";
import { foldName } from "../../lib/protocol/names.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { freshDatabase } from "../support/server_process.ts";
import {
  assertSortedMsgids,
  closeAll,
  expectError,
  loggedIn,
  startServer,
  uniqueName,
} from "./support.ts";

const MAX_SERVER_FRAME = 1_048_576;
const ROOMS = 400;
const encoder = new TextEncoder();

/** The size of a frame on the wire (the server encodes with JSON.stringify too), `\n` included. */
function wireSize(frame: Frame): number {
  return encoder.encode(JSON.stringify(frame)).length + 1;
}

interface RoomInfo {
  name: string;
  topic: string | null;
  members: string[];
}

/** Pages through `rooms` from `after`; returns every name, checking each page's bounds. */
async function allRooms(client: FrameClient, after?: string): Promise<string[]> {
  const names: string[] = [];
  for (let n = 0; n < 100; n++) {
    const page = await client.ok({ type: "rooms", after });
    assert.ok(wireSize(page) < MAX_SERVER_FRAME);
    assert.equal(typeof page.more, "boolean");
    const rooms = page.rooms as RoomInfo[];
    assert.ok(rooms.length <= 200);
    names.push(...rooms.map((r) => r.name));
    if (page.more !== true) return names;
    after = rooms.at(-1)!.name;
  }
  throw new Error("The room list did not end within 100 pages");
}

/** Every message of `room` paging backwards with `before` (or forwards from `after`). */
async function pageAll(
  client: FrameClient,
  room: string,
  direction: "before" | "after",
  from?: string,
): Promise<Frame[]> {
  const all: Frame[] = [];
  let cursor = from;
  for (let n = 0; n < 100; n++) {
    const page = await client.ok({ type: "history", room, [direction]: cursor, limit: 200 });
    assert.ok(wireSize(page) < MAX_SERVER_FRAME, `history page of ${wireSize(page)} bytes`);
    const messages = page.messages as Frame[];
    if (direction === "before") all.unshift(...messages);
    else all.push(...messages);
    if (page.more !== true) return all;
    assert.ok(messages.length > 0, "more: true with an empty page");
    cursor = (direction === "before" ? messages[0]! : messages.at(-1)!).msgid as string;
  }
  throw new Error("History did not end within 100 pages");
}

Deno.test("reply bounds conformance", async (t) => {
  // 400 rooms with 500 control characters of topic (each escapes to 6 bytes): the whole
  // list is ~1.2 MiB, over the frame limit. Stored before the server starts (quicker than
  // 400 create_room, and whatever create_room accepts today).
  const fresh = await freshDatabase();
  const tag = uniqueName("t").slice(2);
  const topic = "\u0001".repeat(500);
  const created = Array.from({ length: ROOMS }, (_, i) => `Topic ${tag} ${i}`);
  const store = await openStore(fresh.db);
  try {
    for (const name of created) {
      await store.createRoom({ name, nameKey: foldName(name), topic, createdAt: Date.now() });
    }
  } finally {
    await store.close();
  }
  const server = await startServer({ db: fresh.db, args: ["--outbound-limit", "65536"] });
  const clients: FrameClient[] = [];
  try {
    const alice = await loggedIn(server.port, uniqueName("alice"));
    clients.push(alice);

    await t.step("welcome announces maxServerFrame", () => {
      const welcome = alice.received[0]!;
      assert.equal(welcome.maxServerFrame, MAX_SERVER_FRAME);
      assert.deepEqual(
        welcome.limits,
        { maxFrame: 65536, maxText: 4000 },
        "limits as the contract",
      );
    });

    await t.step(
      "bad input 400 big rooms: login carries the first page and roomsMore",
      async () => {
        const login = alice.received.find((f) => f.type === "ok" && Array.isArray(f.rooms))!;
        assert.ok(wireSize(login) < MAX_SERVER_FRAME, `login reply of ${wireSize(login)} bytes`);
        assert.equal(login.roomsMore, true);
        const first = login.rooms as RoomInfo[];
        assert.ok(first.length > 0 && first.length <= 200);
        const page = await alice.ok({ type: "rooms" });
        assert.deepEqual(page.rooms, first, "login's rooms is the first page of rooms");
        assert.equal(page.more, true);
      },
    );

    await t.step(
      "paging rooms with after returns every room exactly once, in folded order",
      async () => {
        const names = await allRooms(alice);
        assert.equal(names.length, ROOMS + 1);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual(new Set(names), new Set([...created, "general"]));
        const keys = names.map(foldName);
        assert.deepEqual(keys, [...keys].sort());
      },
    );

    await t.step(
      "rooms after a name that is no room starts after it; after the last is empty",
      async () => {
        const names = await allRooms(alice);
        const page = await alice.ok({ type: "rooms", after: `${names[0]!} and then` });
        assert.equal((page.rooms as RoomInfo[])[0]!.name, names[1]);
        const end = await alice.ok({ type: "rooms", after: "\u{10FFFF}" });
        assert.deepEqual(end.rooms, []);
        assert.equal(end.more, false);
        const nulled = await alice.ok({ type: "rooms", after: null });
        assert.equal((nulled.rooms as RoomInfo[])[0]!.name, names[0]);
      },
    );

    await t.step(
      "bad input rooms after: not a string → bad_frame; empty, too long, control → invalid_room",
      async () => {
        await expectError(alice, { type: "rooms", after: 5 }, "bad_frame");
        await expectError(alice, { type: "rooms", after: ["general"] }, "bad_frame");
        await expectError(alice, { type: "rooms", after: "" }, "invalid_room");
        await expectError(alice, { type: "rooms", after: "r".repeat(65) }, "invalid_room");
        await expectError(alice, { type: "rooms", after: "a\u0001b" }, "invalid_room");
        await alice.ok({ type: "ping" });
      },
    );

    const room = uniqueName("ctl");
    const msgids: string[] = [];
    await t.step(
      "bad input 50 messages of 4,000 control characters: join is cut with more",
      async () => {
        await alice.ok({ type: "create_room", room });
        await alice.ok({ type: "join", room });
        const text = "\u0001".repeat(4_000);
        // Five at a time: alice is in the room, and the events of a whole batch of these
        // (~24 KB each) would pass four times this server's 64 KiB outbound limit at once.
        for (let i = 0; i < 50; i += 5) {
          let batch = "";
          for (let j = i; j < i + 5; j++) {
            batch += JSON.stringify({ type: "say", id: `c${j}`, room, text }) + "\n";
          }
          await alice.writeRaw(batch);
          for (let j = i; j < i + 5; j++) {
            const reply = await alice.next((f) => f.id === `c${j}`, 30_000);
            assert.equal(reply.type, "ok", JSON.stringify(reply));
            msgids.push(reply.msgid as string);
          }
        }
        const bob = await loggedIn(server.port, uniqueName("bob"));
        clients.push(bob);
        const join = await bob.ok({ type: "join", room });
        assert.ok(wireSize(join) < MAX_SERVER_FRAME, `join reply of ${wireSize(join)} bytes`);
        assert.equal(join.more, true);
        const history = join.history as Frame[];
        assert.ok(history.length > 0 && history.length < 50);
        // The newest ones that fit, oldest first.
        assert.deepEqual(history.map((m) => m.msgid), msgids.slice(50 - history.length));
        assert.ok(history.every((m) => m.text === text));
      },
    );

    await t.step("history before pages back over all of them, each once, in order", async () => {
      const all = await pageAll(alice, room, "before");
      assert.deepEqual(all.map((m) => m.msgid), msgids);
      assertSortedMsgids(msgids);
    });

    await t.step(
      "join and history with after give the oldest that fit, then page forwards",
      async () => {
        const carol = await loggedIn(server.port, uniqueName("carol"));
        clients.push(carol);
        const join = await carol.ok({ type: "join", room, after: msgids[0] });
        assert.ok(wireSize(join) < MAX_SERVER_FRAME);
        assert.equal(join.more, true);
        const history = join.history as Frame[];
        assert.deepEqual(history.map((m) => m.msgid), msgids.slice(1, 1 + history.length));
        const rest = await pageAll(carol, room, "after", history.at(-1)!.msgid as string);
        assert.deepEqual(
          [...history, ...rest].map((m) => m.msgid),
          msgids.slice(1),
        );
      },
    );

    await t.step(
      "a reader that pipelines 5 large history pages gets them all, not slow_consumer",
      async () => {
        // The server runs with --outbound-limit 65536: each reply is ~8 times that.
        const reader = await loggedIn(server.port, uniqueName("reader"));
        clients.push(reader);
        await reader.ok({ type: "join", room });
        let batch = "";
        for (let i = 0; i < 5; i++) {
          batch += JSON.stringify({ type: "history", id: `h${i}`, room, limit: 200 }) + "\n";
        }
        await reader.writeRaw(batch);
        for (let i = 0; i < 5; i++) {
          const reply = await reader.next((f) => f.id === `h${i}`, 30_000);
          assert.equal(reply.type, "ok", JSON.stringify(reply).slice(0, 300));
          assert.equal(reply.more, true);
        }
        const say = await alice.ok({ type: "say", room, text: "still reading" });
        await reader.next((f) => f.type === "message" && f.msgid === say.msgid);
        assert.equal(reader.isClosed, false);
      },
    );

    await t.step("who answers users and more: false", async () => {
      const who = await alice.ok({ type: "who", room });
      assert.equal(who.more, false);
      assert.ok((who.users as string[]).includes(alice.user));
    });
  } finally {
    closeAll(...clients);
    await server.cleanup();
    await fresh.drop();
  }
});

Deno.test("reply bounds: a direct-message history is bounded by bytes too", async () => {
  const server = await startServer();
  const alice = await loggedIn(server.port, uniqueName("alice"));
  const bob = await loggedIn(server.port, uniqueName("bob"));
  try {
    const text = "\\".repeat(4_000); // escapes to 2 bytes each
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push((await alice.ok({ type: "dm", to: bob.user, text })).msgid as string);
    }
    const page = await bob.ok({ type: "history", with: alice.user, limit: 200 });
    assert.ok(wireSize(page) < MAX_SERVER_FRAME);
    assert.equal(page.more, true);
    const messages = page.messages as Frame[];
    assert.deepEqual(messages.map((m) => m.msgid), ids.slice(200 - messages.length));
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
