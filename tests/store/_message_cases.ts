/** The Store contract's cases about messages: batches, cids, history pages. */
import assert from "node:assert/strict";
import { type NewMessage, StoreUnavailableError } from "../../lib/store/store.ts";
import { type Case, dm, range, say, seqs, T0 } from "./_contract_fixture.ts";

/** Message cases. */
export const MESSAGE_CASES: Case[] = [
  ["messages are stored with names and Unicode intact", async (f) => {
    const { store, lobby, alice, bob } = f;
    assert.equal(await store.lastMessageSeq(), 0);
    assert.equal(await store.countMessages(), 0);
    const long = "𝄞é🎉".repeat(1_333) + "x"; // 4,000 code points, astral ones included
    const outcomes = await store.insertMessages([
      { ...say(7, lobby, alice), text: "Général 🎉 — ça va ? 你好" },
      { ...dm(9, alice, bob), text: long },
    ]);
    assert.deepEqual(outcomes, [{ status: "stored" }, { status: "stored" }]);
    assert.equal(await store.lastMessageSeq(), 9);
    assert.equal(await store.countMessages(), 2);
    const [roomMessage] = (await store.roomHistory(lobby, { limit: 5 })).messages;
    assert.deepEqual(roomMessage, {
      seq: 7,
      roomId: lobby,
      room: "lobby",
      senderId: alice.id,
      user: "alice",
      recipientId: null,
      to: null,
      text: "Général 🎉 — ça va ? 你好",
      ts: T0 + 7,
      kind: "text",
      editedAt: null,
      deleted: false,
    });
    const [direct] = (await store.dmHistory(bob.id, alice.id, { limit: 5 })).messages;
    assert.deepEqual(direct, {
      seq: 9,
      roomId: null,
      room: null,
      senderId: alice.id,
      user: "alice",
      recipientId: bob.id,
      to: "bob",
      text: long,
      ts: T0 + 9,
      kind: "text",
      editedAt: null,
      deleted: false,
    });
  }],
  ["an empty batch stores nothing", async ({ store }) => {
    assert.deepEqual(await store.insertMessages([]), []);
    assert.equal(await store.countMessages(), 0);
  }],
  ["a resent cid (duplicate in a later batch) returns the stored seq and ts", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([say(1, lobby, alice, "c-1")]);
    const outcomes = await store.insertMessages([
      say(2, lobby, alice, "c-1"),
      say(3, lobby, alice, "c-2"),
    ]);
    assert.deepEqual(outcomes, [
      { status: "duplicate", seq: 1, ts: T0 + 1 },
      { status: "stored" },
    ]);
    assert.deepEqual(seqs(await store.roomHistory(lobby, { limit: 10 })), [1, 3]);
  }],
  ["a cid repeated within one batch is stored once", async ({ store, lobby, alice }) => {
    const outcomes = await store.insertMessages([
      say(1, lobby, alice, "same"),
      say(2, lobby, alice, "same"),
      say(3, lobby, alice, null),
      say(4, lobby, alice, null),
    ]);
    assert.deepEqual(outcomes, [
      { status: "stored" },
      { status: "duplicate", seq: 1, ts: T0 + 1 },
      { status: "stored" },
      { status: "stored" },
    ]);
    assert.equal(await store.countMessages(), 3);
  }],
  ["cids are unique per sender and compared exactly", async (f) => {
    const { store, lobby, alice, bob } = f;
    const outcomes = await store.insertMessages([
      say(1, lobby, alice, "x"),
      say(2, lobby, bob, "x"),
      say(3, lobby, alice, "X"),
      say(4, lobby, alice, "x "),
      say(5, lobby, alice, "é"),
      say(6, lobby, alice, "e\u0301"),
      dm(7, alice, bob, "🎉"),
    ]);
    assert.ok(outcomes.every((o) => o.status === "stored"), JSON.stringify(outcomes));
    const again = await store.insertMessages([dm(8, alice, bob, "🎉"), say(9, lobby, bob, "x")]);
    assert.deepEqual(again, [
      { status: "duplicate", seq: 7, ts: T0 + 7 },
      { status: "duplicate", seq: 2, ts: T0 + 2 },
    ]);
  }],
  ["a batch with a bad message (duplicate seq) is stored not at all", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([say(5, lobby, alice)]);
    await assert.rejects(
      store.insertMessages([say(6, lobby, alice, "a"), say(5, lobby, alice, "b")]),
      StoreUnavailableError,
    );
    assert.equal(await store.countMessages(), 1);
    assert.deepEqual(await store.insertMessages([say(6, lobby, alice, "a")]), [
      { status: "stored" },
    ]);
  }],
  ["a large batch (1,000 messages) is stored whole", async ({ store, lobby, alice }) => {
    const batch = range(1, 1_000).map((seq) => say(seq, lobby, alice, `cid-${seq}`));
    const outcomes = await store.insertMessages(batch);
    assert.equal(outcomes.length, 1_000);
    assert.ok(outcomes.every((o) => o.status === "stored"));
    assert.equal(await store.countMessages(), 1_000);
    assert.equal(await store.lastMessageSeq(), 1_000);
    const again = await store.insertMessages(batch.slice(500, 503));
    assert.deepEqual(again.map((o) => o.status === "duplicate" && o.seq), [501, 502, 503]);
  }],
  ["room history pages backwards with before and forwards with after", async (f) => {
    const { store, lobby, dev, alice, bob } = f;
    const batch: NewMessage[] = [];
    for (let seq = 1; seq <= 50; seq++) {
      batch.push(
        seq % 2 === 0 ? say(seq, lobby, seq % 4 === 0 ? alice : bob) : say(seq, dev, alice),
      );
    }
    await store.insertMessages(batch);
    const evens = (from: number, to: number) => range(from, to).filter((s) => s % 2 === 0);
    const newest = await store.roomHistory(lobby, { limit: 10 });
    assert.deepEqual(seqs(newest), evens(32, 50));
    assert.equal(newest.more, true);
    const older = await store.roomHistory(lobby, { before: 32, limit: 10 });
    assert.deepEqual(seqs(older), evens(12, 30));
    assert.equal(older.more, true);
    const oldest = await store.roomHistory(lobby, { before: 12, limit: 10 });
    assert.deepEqual(seqs(oldest), [2, 4, 6, 8, 10]);
    assert.equal(oldest.more, false);
    const exact = await store.roomHistory(lobby, { before: 22, limit: 10 });
    assert.deepEqual(seqs(exact), evens(2, 20));
    assert.equal(exact.more, false, "exactly limit messages left: no more");
    const after = await store.roomHistory(lobby, { after: 10, limit: 5 });
    assert.deepEqual(seqs(after), [12, 14, 16, 18, 20]);
    assert.equal(after.more, true);
    const tail = await store.roomHistory(lobby, { after: 41, limit: 5 });
    assert.deepEqual(seqs(tail), [42, 44, 46, 48, 50]);
    assert.equal(tail.more, false);
    const none = await store.roomHistory(lobby, { after: 50, limit: 5 });
    assert.deepEqual(none, { messages: [], more: false });
    const empty = await store.roomHistory(999_999, { limit: 5 });
    assert.deepEqual(empty, { messages: [], more: false });
  }],
  ["direct history holds both directions of one pair only", async (f) => {
    const { store, lobby, alice, bob, carol } = f;
    await store.insertMessages([
      dm(1, alice, bob),
      dm(2, bob, alice),
      dm(3, alice, carol),
      say(4, lobby, alice),
      dm(5, carol, bob),
      dm(6, alice, alice),
      dm(7, bob, alice),
    ]);
    const ab = await store.dmHistory(alice.id, bob.id, { limit: 10 });
    assert.deepEqual(seqs(ab), [1, 2, 7]);
    assert.deepEqual(await store.dmHistory(bob.id, alice.id, { limit: 10 }), ab);
    assert.deepEqual(seqs(await store.dmHistory(alice.id, alice.id, { limit: 10 })), [6]);
    const page = await store.dmHistory(alice.id, bob.id, { limit: 2 });
    assert.deepEqual(seqs(page), [2, 7]);
    assert.equal(page.more, true);
    const rest = await store.dmHistory(alice.id, bob.id, { before: 2, limit: 2 });
    assert.deepEqual(seqs(rest), [1]);
    assert.equal(rest.more, false);
    const after = await store.dmHistory(bob.id, alice.id, { after: 1, limit: 1 });
    assert.deepEqual(seqs(after), [2]);
    assert.equal(after.more, true);
  }],
  ["recent messages come newest first, filtered by room and sender", async (f) => {
    const { store, lobby, dev, alice, bob } = f;
    await store.insertMessages([
      say(1, lobby, alice),
      say(2, dev, bob),
      dm(3, bob, alice),
      say(4, lobby, bob),
      say(5, dev, alice),
    ]);
    assert.deepEqual((await store.recentMessages({ limit: 10 })).map((m) => m.seq), [
      5,
      4,
      3,
      2,
      1,
    ]);
    assert.deepEqual((await store.recentMessages({ limit: 2 })).map((m) => m.seq), [5, 4]);
    assert.deepEqual((await store.recentMessages({ limit: 10, roomId: lobby })).map((m) => m.seq), [
      4,
      1,
    ]);
    assert.deepEqual(
      (await store.recentMessages({ limit: 10, userId: bob.id })).map((m) => m.seq),
      [
        4,
        3,
        2,
      ],
    );
    const both = await store.recentMessages({ limit: 10, roomId: dev, userId: bob.id });
    assert.deepEqual(both.map((m) => [m.seq, m.room, m.user]), [[2, "dev", "bob"]]);
    const direct = (await store.recentMessages({ limit: 10 })).find((m) => m.seq === 3);
    assert.equal(direct?.to, "alice");
  }],
];
