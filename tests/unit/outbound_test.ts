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
