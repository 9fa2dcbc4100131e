import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MessageWriter } from "../../lib/server/chat/message_writer.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";
import type { InsertOutcome, MessageOp, Store } from "../../lib/store/store.ts";

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
      changed: () => {},
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
      changed: () => {},
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
      changed: () => {},
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
      changed: () => {},
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
    const writer = new MessageWriter<number>(store, {
      stored: () => {},
      failed: () => {},
      changed: () => {},
    }, {
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

Deno.test("writer: edits and deletes keep submission order among messages, one transaction", async () => {
  await withStore(async (store, ids) => {
    const seen: string[] = [];
    const writer = new MessageWriter<string>(store, {
      stored: (item, _message, outcome) => seen.push(`${item}:${outcome.status}`),
      changed: (item, _change, outcome) => seen.push(`${item}:${outcome}`),
      failed: (item) => seen.push(`${item}:failed`),
    }, { nextSeq: 1, clock: () => 5 });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "a", cid: null };
    writer.submit("m1", draft);
    writer.submitChange("e1", { op: "edit", seq: 1, text: "b", at: 7 });
    writer.submit("m2", { ...draft, kind: "action" });
    writer.submitChange("d1", { op: "delete", seq: 1, audit: null });
    writer.submitChange("e2", { op: "edit", seq: 1, text: "c", at: 8 });
    writer.submitChange("d9", { op: "delete", seq: 99, audit: null });
    await writer.drained();
    assertEquals(seen, [
      "m1:stored",
      "e1:stored",
      "m2:stored",
      "d1:stored",
      "e2:missing",
      "d9:missing",
    ]);
    assertEquals(writer.commits, 1, "one transaction for the whole batch");
    const page = await store.roomHistory(ids.room, { limit: 10 });
    assertEquals(
      page.messages.map((m) => [m.seq, m.text, m.kind, m.deleted, m.editedAt]),
      [[1, "", "text", true, 7], [2, "a", "action", false, null]],
    );
  });
});

Deno.test("writer: a batch holding a change waits for the batches under way and runs alone", async () => {
  await withStore(async (store, ids) => {
    let running = 0;
    let overlappedChange = false;
    const slow: Store = Object.create(store);
    slow.insertMessages = async (batch) => {
      running++;
      const outcomes = await store.insertMessages(batch);
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
      return outcomes;
    };
    slow.writeMessages = async (ops: readonly MessageOp[]) => {
      if (running > 0) overlappedChange = true;
      running++;
      const outcomes = await store.writeMessages(ops);
      running--;
      return outcomes;
    };
    const seen: string[] = [];
    const writer = new MessageWriter<string>(slow, {
      stored: (item) => seen.push(item),
      changed: (item, _c, outcome) => seen.push(`${item}:${outcome}`),
      failed: (item) => seen.push(`${item}:failed`),
    }, { nextSeq: 1, maxInFlight: 2 });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "x", cid: null };
    writer.submit("m1", draft);
    await new Promise((resolve) => setTimeout(resolve, 5)); // m1's batch is under way.
    writer.submitChange("e1", { op: "edit", seq: 1, text: "y", at: 1 });
    writer.submit("m2", draft);
    await writer.drained();
    assertEquals(overlappedChange, false, "the change did not overlap another transaction");
    assertEquals(seen, ["m1", "e1:stored", "m2"]);
  });
});

Deno.test("writer: bad input a failed batch reports its changes as failed too", async () => {
  await withStore(async (store) => {
    const failed: string[] = [];
    const writer = new MessageWriter<string>(store, {
      stored: () => {},
      changed: () => {},
      failed: (item) => failed.push(item),
    }, { nextSeq: 1 });
    await store.close();
    writer.submitChange("e", { op: "edit", seq: 1, text: "x", at: 1 });
    writer.submitChange("d", { op: "delete", seq: 1, audit: null });
    await writer.drained();
    assertEquals(failed, ["e", "d"]);
  });
});

Deno.test("writer: the next batch goes to the store before the settled one is called back, bracketed", async () => {
  await withStore(async (store, ids) => {
    const events: string[] = [];
    const firstCommit = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    // A store whose first commit waits until the test lets it go, reporting each call.
    const gated = new Proxy(store, {
      get(target, key) {
        if (key !== "insertMessages") return Reflect.get(target, key);
        return async (messages: { seq: number }[]) => {
          events.push(`commit ${messages.map((m) => m.seq).join(",")}`);
          if (messages[0]!.seq === 1) {
            firstCommit.resolve();
            await gate.promise;
          }
          return await target.insertMessages(messages as never);
        };
      },
    });
    const writer = new MessageWriter<number>(gated, {
      stored: (item) => events.push(`stored ${item}`),
      failed: () => {},
      changed: () => {},
      batchStart: () => events.push("start"),
      batchEnd: () => events.push("end"),
    }, { nextSeq: 1, maxInFlight: 1 });
    const draft = { roomId: ids.room, senderId: ids.user, recipientId: null, text: "x", cid: null };
    writer.submit(1, draft);
    await firstCommit.promise;
    writer.submit(2, draft);
    writer.submit(3, draft);
    gate.resolve();
    await writer.drained();
    assertEquals(events, [
      "commit 1",
      "commit 2,3",
      "start",
      "stored 1",
      "end",
      "start",
      "stored 2",
      "stored 3",
      "end",
    ]);
  });
});
