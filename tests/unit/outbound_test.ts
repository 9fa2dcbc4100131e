import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { type ByteSink, Outbound } from "../../lib/server/net/outbound.ts";

/** A sink that records writes; `stalled` makes every write wait forever (a reader that stopped). */
function sink(stalled = false): ByteSink & { writes: number[] } {
  const writes: number[] = [];
  return {
    writes,
    write(bytes) {
      if (stalled) return new Promise(() => {});
      writes.push(bytes.length);
      return Promise.resolve(bytes.length);
    },
    close() {},
  };
}

const frame = (n: number) => new Uint8Array(n);

Deno.test("outbound: frames queued in one tick go out in one write", async () => {
  const s = sink();
  const out = new Outbound(s, 1 << 20, () => {});
  for (let i = 0; i < 100; i++) out.send(frame(100));
  await out.flushed();
  assertEquals(s.writes, [10_000]);
});

Deno.test("outbound: a large entry is written as it is (no copy); small frames around it merge", async () => {
  const writes: Uint8Array[] = [];
  const out = new Outbound(
    {
      write(bytes) {
        writes.push(bytes);
        return Promise.resolve(bytes.length);
      },
      close() {},
    },
    1 << 20,
    () => {},
  );
  const run = frame(40_000);
  out.send(frame(100));
  out.send(frame(100));
  out.send(run);
  out.send(frame(100));
  out.send(frame(100));
  await out.flushed();
  assertEquals(writes.map((w) => w.length), [200, 40_000, 200]);
  equal(writes[1]!.buffer, run.buffer, "a view of the shared buffer, not a copy");
});

Deno.test("outbound: one burst over the limit is accepted for a reader that keeps up", async () => {
  const s = sink();
  const out = new Outbound(s, 1_000, () => {});
  let accepted = 0;
  for (let i = 0; i < 30; i++) if (out.send(frame(100))) accepted++;
  equal(accepted, 30);
  await out.flushed();
  equal(out.pendingBytes, 0);
});

Deno.test("outbound: bad input a stalled reader is refused past four times the limit", () => {
  const out = new Outbound(sink(true), 1_000, () => {});
  let accepted = 0;
  for (let i = 0; i < 100; i++) if (out.send(frame(100))) accepted++;
  equal(accepted, 41);
  out.sendAnyway(frame(10));
  equal(out.pendingBytes, 4_110);
  out.discardQueued();
  out.close();
  equal(out.send(frame(1)), false);
});

Deno.test("outbound: bad input a reader taking a trickle is refused after ten seconds over the limit", async () => {
  // The clock is the test's: `performance.now` stands still between the steps below.
  let now = 0;
  const realNow = performance.now;
  performance.now = () => now;
  try {
    const reads: ((n: number) => void)[] = [];
    const out = new Outbound(
      { write: () => new Promise<number>((read) => reads.push(read)), close() {} },
      1_000,
      () => {},
    );
    equal(out.send(frame(2_000)), true);
    const step = async (t: number) => {
      now = t;
      reads.shift()?.(1); // the reader takes one byte: a write completes, the next one starts
      await new Promise((resolve) => setTimeout(resolve, 0));
      return out.send(frame(10));
    };
    // It keeps reading (a write never waits 0.5 s), so it is not cut after the first second…
    for (let t = 200; t <= 10_000; t += 200) equal(await step(t), true, `accepted at ${t} ms`);
    // …but its backlog never went under the limit: past ten seconds over it, it is too slow.
    equal(await step(10_400), false);
  } finally {
    performance.now = realNow;
  }
});

Deno.test("outbound: bad input replies never make a reader slow; events past the limit still do", () => {
  const out = new Outbound(sink(true), 1_000, () => {});
  for (let i = 0; i < 5; i++) out.sendReply(frame(100_000));
  equal(out.pendingBytes, 500_000);
  equal(out.pendingEventBytes, 0);
  let accepted = 0;
  for (let i = 0; i < 100; i++) if (out.send(frame(100))) accepted++;
  // The same rule as without replies queued: refused past four times the limit of events.
  equal(accepted, 41);
  equal(out.pendingEventBytes, 4_100);
  out.close();
  equal(out.pendingBytes, 0);
  equal(out.pendingEventBytes, 0);
});

Deno.test("outbound: reply bytes are counted out as they are written", async () => {
  const s = sink();
  const out = new Outbound(s, 1_000, () => {});
  out.sendReply(frame(300_000));
  out.send(frame(100));
  out.sendReply(frame(200));
  equal(out.pendingEventBytes, 100);
  await out.flushed();
  equal(out.pendingBytes, 0);
  equal(out.pendingEventBytes, 0);
  assertEquals(s.writes, [300_000, 300]);
});

Deno.test("outbound: whenBelow waits for the queue to drain below a threshold", async () => {
  let release: () => void = () => {};
  const writes: number[] = [];
  const gated: ByteSink = {
    write(bytes) {
      return new Promise((resolve) => {
        release = () => {
          writes.push(bytes.length);
          resolve(bytes.length);
        };
      });
    },
    close() {},
  };
  const out = new Outbound(gated, 1 << 20, () => {});
  out.sendReply(frame(400_000));
  await Promise.resolve(); // the pump starts in a microtask
  out.sendReply(frame(1_000));
  let below = false;
  const waiting = out.whenBelow(256 * 1024).then(() => below = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  equal(below, false);
  release();
  await waiting;
  equal(below, true);
  equal(out.pendingBytes, 1_000);
  await out.whenBelow(2_000); // already below: resolves at once
});

Deno.test("outbound: whenBelow resolves when the connection closes", async () => {
  const out = new Outbound(sink(true), 1_000, () => {});
  out.sendReply(frame(500_000));
  const waiting = out.whenBelow(0);
  out.close();
  await waiting;
  equal(out.closed, true);
});

Deno.test("outbound: whenRepliesBelow waits for replies only, not for events queued around them", async () => {
  const writes: (() => void)[] = [];
  const out = new Outbound(
    {
      write(bytes) {
        return new Promise((resolve) => writes.push(() => resolve(bytes.length)));
      },
      close() {},
    },
    1 << 20,
    () => {},
  );
  out.sendReply(frame(20_000));
  out.send(frame(20_000));
  out.send(frame(20_000));
  equal(out.pendingReplyBytes, 20_000);
  let woken = false;
  const below = out.whenRepliesBelow(1_000).then(() => woken = true);
  // The pump starts in a microtask; let it take the reply (written alone: it is large).
  await Promise.resolve();
  while (writes.length === 0) await Promise.resolve();
  equal(woken, false);
  writes.shift()!();
  await below;
  equal(out.pendingReplyBytes, 0);
  equal(out.pendingEventBytes, 40_000, "the events still wait; the waiter did not");
  out.close();
});
