/**
 * The queue of costly store reads (searches, unread counts; lib/server/limits/store_reads.ts)
 * and the event-loop turns a long SQLite search takes between its steps
 * (lib/common/loop_turns.ts).
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { StoreReads } from "../../lib/server/limits/store_reads.ts";
import { LoopTurns } from "../../lib/common/loop_turns.ts";

/** A read that runs until released, recording when it starts and ends. */
function controlledRead(log: string[], name: string) {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  return {
    release,
    read: async () => {
      log.push(`start ${name}`);
      await released;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("store reads: one account's reads run one after another, in order", async () => {
  const reads = new StoreReads(2);
  const log: string[] = [];
  const a1 = controlledRead(log, "a1");
  const a2 = controlledRead(log, "a2");
  const first = reads.run(1, a1.read);
  const second = reads.run(1, a2.read);
  await settle();
  deepEqual(log, ["start a1"], "the account's second read waits for its first");
  a1.release();
  equal(await first, "a1");
  await settle();
  deepEqual(log, ["start a1", "end a1", "start a2"]);
  a2.release();
  equal(await second, "a2");
  equal(reads.accounts, 0, "nothing kept once the account's reads are done");
});

Deno.test("store reads: at most `slots` run at once server-wide; other accounts wait in order", async () => {
  const reads = new StoreReads(2);
  const log: string[] = [];
  const [b, c, d] = ["b", "c", "d"].map((name) => controlledRead(log, name));
  const runs = [reads.run(2, b!.read), reads.run(3, c!.read), reads.run(4, d!.read)];
  await settle();
  deepEqual(log, ["start b", "start c"]);
  equal(reads.running, 2);
  c!.release();
  await runs[1];
  await settle();
  deepEqual(log, ["start b", "start c", "end c", "start d"]);
  b!.release();
  d!.release();
  deepEqual(await Promise.all(runs), ["b", "c", "d"]);
  equal(reads.running, 0);
});

Deno.test("store reads: bad input a failing read rejects its caller and frees its turn", async () => {
  const reads = new StoreReads(1);
  await rejects(reads.run(5, () => Promise.reject(new Error("store down"))), /store down/);
  equal(await reads.run(5, () => Promise.resolve("next")), "next");
  equal(await reads.run(6, () => Promise.resolve("other")), "other");
  equal(reads.accounts, 0);
  equal(reads.running, 0);
});

Deno.test("loop turns: a message waiting on the loop is handled between two steps", async () => {
  const turns = new LoopTurns();
  // Another channel stands for the worker's own messages (the next group commit).
  const other = new MessageChannel();
  try {
    let handled = false;
    other.port1.onmessage = () => handled = true;
    other.port2.postMessage("commit");
    // Work that never gives the loop a turn keeps the message waiting...
    for (let i = 0; i < 3; i++) await Promise.resolve();
    ok(!handled);
    // ...one turn lets it through.
    for (let i = 0; i < 5 && !handled; i++) await turns.next();
    ok(handled, "the message was handled between two turns");
  } finally {
    turns.close();
    other.port1.close();
    other.port2.close();
  }
});
