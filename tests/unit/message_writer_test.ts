import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MessageWriter } from "../../lib/server/chat/message_writer.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";
import type { InsertOutcome, Store } from "../../lib/store/store.ts";

async function withStore(fn: (store: Store, ids: { user: number; room: number }) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const store = await openSqliteStore(`${dir}/w.db`);
  try {
    const user = await store.createUser({
      name: "w",
      nameKey: "w",
      passwordHash: "h",
      createdAt: 0,
    });
    const room = await store.createRoom({ name: "r", nameKey: "r", topic: null, createdAt: 0 });
    await fn(store, { user: user!.id, room: room!.id });
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writer: messages submitted together are committed together, in order", async () => {
  await withStore(async (store, ids) => {
    const seen: [number, number, string][] = [];
    const writer = new MessageWriter<number>(store, {
      stored: (item, message, outcome) => seen.push([item, message.seq, outcome.status]),
      failed: () => {},
    }, { nextSeq: 1 });
    for (let i = 0; i < 500; i++) {
      writer.submit(i, {
        roomId: ids.room,
        senderId: ids.user,
        recipientId: null,
        text: `m${i}`,
        cid: null,
      });
    }
    await writer.drained();
    assertEquals(seen.length, 500);
    assertEquals(seen.map(([item]) => item), [...Array(500).keys()]);
    assertEquals(seen.map(([, seq]) => seq), [...Array(500).keys()].map((i) => i + 1));
    ok(writer.commits < 10, `500 messages took ${writer.commits} commits`);
    assertEquals(await store.countMessages(), 500);
  });
});

Deno.test("writer: a cid resent while the first is pending is stored once", async () => {
  await withStore(async (store, ids) => {
    const outcomes: InsertOutcome[] = [];
    const writer = new MessageWriter<number>(store, {
      stored: (_item, _message, outcome) => outcomes.push(outcome),
      failed: () => {},
    }, { nextSeq: 1, clock: () => 1234 });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "x", cid: "c" };
    writer.submit(1, draft);
    writer.submit(2, draft);
    await writer.drained();
    writer.submit(3, draft);
    await writer.drained();
    assertEquals(outcomes, [
      { status: "stored" },
      { status: "duplicate", seq: 1, ts: 1234 },
      { status: "duplicate", seq: 1, ts: 1234 },
    ]);
    assertEquals(await store.countMessages(), 1);
  });
});

Deno.test("writer: bad input a store that fails reports every message of the batch as failed", async () => {
  await withStore(async (store, ids) => {
    const failed: number[] = [];
    const writer = new MessageWriter<number>(store, {
      stored: () => {},
      failed: (item) => failed.push(item),
    }, { nextSeq: 1 });
    await store.close();
    writer.submit(1, {
      roomId: ids.room,
      senderId: ids.user,
      recipientId: null,
      text: "x",
      cid: null,
    });
    writer.submit(2, {
      roomId: ids.room,
      senderId: ids.user,
      recipientId: null,
      text: "y",
      cid: "c",
    });
    await writer.drained();
    assertEquals(failed, [1, 2]);
  });
});

Deno.test("writer: with two commits under way, callbacks keep submission order", async () => {
  await withStore(async (store, ids) => {
    // The first batch's commit is made to finish after the second's.
    let calls = 0;
    let overlapped = false;
    let firstDone = false;
    const slowFirst: Store = Object.create(store);
    slowFirst.insertMessages = async (batch) => {
      const first = calls++ === 0;
      if (!first && !firstDone) overlapped = true;
      const outcomes = await store.insertMessages(batch);
      await new Promise((resolve) => setTimeout(resolve, first ? 50 : 0));
      if (first) firstDone = true;
      return outcomes;
    };
    const seen: number[] = [];
    const writer = new MessageWriter<number>(slowFirst, {
      stored: (item) => seen.push(item),
      failed: () => {},
    }, { nextSeq: 1, maxInFlight: 2 });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "x", cid: null };
    writer.submit(1, draft);
    await new Promise((resolve) => setTimeout(resolve, 5)); // The first batch is under way.
    writer.submit(2, draft);
    writer.submit(3, draft);
    await writer.drained();
    assertEquals(calls, 2);
    assertEquals(overlapped, true, "the second commit started while the first was under way");
    assertEquals(seen, [1, 2, 3]);
  });
});

Deno.test("writer: settledThrough waits for the messages up to a sequence number", async () => {
  await withStore(async (store, ids) => {
    const writer = new MessageWriter<number>(store, { stored: () => {}, failed: () => {} }, {
      nextSeq: 1,
    });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "x", cid: "c" };
    writer.submit(1, draft);
    writer.submit(2, draft); // A resend: it follows the first and is never in a batch itself.
    let settled = false;
    const waiting = writer.settledThrough(writer.lastSeq).then(() => settled = true);
    assertEquals(settled, false);
    await waiting;
    assertEquals(await store.countMessages(), 1);
    await writer.settledThrough(0); // Already settled: resolves at once.
  });
});
