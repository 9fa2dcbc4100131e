import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { type ByteSink, Outbound } from "../../lib/server/outbound.ts";

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
