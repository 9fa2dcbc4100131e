/**
 * Conformance, history: `join`'s last 50 messages and `after` (every message after, capped
 * at 500 with `more: true`), and `history` of a room or a conversation (`with`) with
 * `before`/`after` paging, `limit` (default 50), oldest first, `more` always a boolean.
 */
import assert from "node:assert/strict";
import type { Frame } from "../support/frame_client.ts";
import {
  assertSortedMsgids,
  closeAll,
  expectError,
  freshRoom,
  fullHistory,
  ISO_MS,
  loggedIn,
  sayPipelined,
  startServer,
  uniqueName,
} from "./support.ts";

/** The texts of messages, in order. */
function texts(messages: unknown): string[] {
  return (messages as Frame[]).map((m) => m.text as string);
}

/** `label0`…: the texts `sayPipelined` used, from `from` (inclusive) to `to` (exclusive). */
function range(label: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${label}${from + i}`);
}

Deno.test("history conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    const room = await freshRoom(alice, "hist");
    const ids = await sayPipelined(alice, room, 60, "h");

    await t.step(
      "join returns the last 50 messages, oldest first, as message objects",
      async () => {
        const reply = await bob.ok({ type: "join", room });
        assert.deepEqual(texts(reply.history), range("h", 10, 60));
        const first = (reply.history as Frame[])[0]!;
        assert.deepEqual(Object.keys(first).sort(), ["msgid", "room", "text", "ts", "user"]);
        assert.equal(first.msgid, ids[10]);
        assert.equal(first.room, room);
        assert.equal(first.user, alice.user);
        assert.match(first.ts as string, ISO_MS);
      },
    );

    await t.step("join with after returns every message after that msgid", async () => {
      const reply = await bob.ok({ type: "join", room, after: ids[4] });
      assert.deepEqual(texts(reply.history), range("h", 5, 60));
      assert.notEqual(reply.more, true);
      const none = await bob.ok({ type: "join", room, after: ids[59] });
      assert.deepEqual(none.history, []);
    });

    await t.step("join with after caps at 500 messages with more: true", async () => {
      const big = await freshRoom(alice, "big");
      const bigIds = await sayPipelined(alice, big, 520, "b");
      const page = await bob.ok({ type: "join", room: big, after: bigIds[0] });
      assert.deepEqual(texts(page.history), range("b", 1, 501));
      assert.equal(page.more, true);
      const rest = await bob.ok({ type: "join", room: big, after: bigIds[500] });
      assert.deepEqual(texts(rest.history), range("b", 501, 520));
      assert.notEqual(rest.more, true);
      const all = await fullHistory(bob, { room: big });
      assert.deepEqual(texts(all), range("b", 0, 520));
      assertSortedMsgids(all.map((m) => m.msgid as string));
    });

    await t.step(
      "history of a room defaults to the latest 50, oldest first, more true",
      async () => {
        const reply = await bob.ok({ type: "history", room });
        assert.deepEqual(texts(reply.messages), range("h", 10, 60));
        assert.equal(reply.more, true);
      },
    );

    await t.step("history of a room needs no join (rooms are public)", async () => {
      const carol = await loggedIn(port, uniqueName("carol"));
      try {
        const reply = await carol.ok({ type: "history", room, limit: 3 });
        assert.deepEqual(texts(reply.messages), range("h", 57, 60));
      } finally {
        carol.close();
      }
    });

    await t.step("history before pages backwards; more is false at the start", async () => {
      const a = await bob.ok({ type: "history", room, before: ids[30], limit: 20 });
      assert.deepEqual(texts(a.messages), range("h", 10, 30));
      assert.equal(a.more, true);
      const b = await bob.ok({ type: "history", room, before: ids[10], limit: 20 });
      assert.deepEqual(texts(b.messages), range("h", 0, 10));
      assert.equal(b.more, false);
      const c = await bob.ok({ type: "history", room, before: ids[0] });
      assert.deepEqual(c.messages, []);
      assert.equal(c.more, false);
    });

    await t.step("history after pages forwards; more is false at the end", async () => {
      const a = await bob.ok({ type: "history", room, after: ids[9], limit: 25 });
      assert.deepEqual(texts(a.messages), range("h", 10, 35));
      assert.equal(a.more, true);
      const b = await bob.ok({ type: "history", room, after: ids[34], limit: 25 });
      assert.deepEqual(texts(b.messages), range("h", 35, 60));
      assert.equal(b.more, false);
      const c = await bob.ok({ type: "history", room, after: ids[59] });
      assert.deepEqual(c.messages, []);
      assert.equal(c.more, false);
      const all = await bob.ok({ type: "history", room, limit: 200 });
      assert.deepEqual(texts(all.messages), range("h", 0, 60));
      assert.equal(all.more, false);
    });

    await t.step("history of an empty room: no messages, more false", async () => {
      const empty = await freshRoom(alice, "empty");
      const reply = await bob.ok({ type: "history", room: empty });
      assert.deepEqual(reply.messages, []);
      assert.equal(reply.more, false);
    });

    await t.step("history with a user returns the direct messages of both ways", async () => {
      const carol = await loggedIn(port, uniqueName("carol"));
      try {
        const sent: string[] = [];
        for (let i = 0; i < 6; i++) {
          const [from, to] = i % 2 === 0 ? [alice, carol] : [carol, alice];
          const reply = await from.ok({ type: "dm", to: to.user, text: `d${i}` });
          sent.push(reply.msgid as string);
        }
        await bob.ok({ type: "dm", to: alice.user, text: "not between them" });
        const a = await alice.ok({ type: "history", with: carol.user });
        assert.deepEqual(texts(a.messages), range("d", 0, 6));
        assert.equal(a.more, false);
        const first = (a.messages as Frame[])[0]!;
        assert.deepEqual(Object.keys(first).sort(), ["msgid", "text", "to", "ts", "user"]);
        assert.equal(first.user, alice.user);
        assert.equal(first.to, carol.user);
        const c = await carol.ok({ type: "history", with: alice.user, after: sent[2], limit: 2 });
        assert.deepEqual(texts(c.messages), ["d3", "d4"]);
        assert.equal(c.more, true);
        const d = await carol.ok({ type: "history", with: alice.user, before: sent[2] });
        assert.deepEqual(texts(d.messages), ["d0", "d1"]);
        assert.equal(d.more, false);
      } finally {
        carol.close();
      }
    });

    await t.step(
      "bad input history of an unknown room → no_such_room, unknown user → no_such_user",
      async () => {
        await expectError(bob, { type: "history", room: uniqueName("nowhere") }, "no_such_room");
        await expectError(bob, { type: "history", with: uniqueName("nobody") }, "no_such_user");
      },
    );

    await t.step("bad input history with neither room nor with → bad_frame", async () => {
      await expectError(bob, { type: "history", limit: 5 }, "bad_frame");
    });
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
