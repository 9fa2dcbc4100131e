/** The harness's own bookkeeping: what it calls loss, duplicates and reordering, and latency percentiles. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Histogram } from "../../bench/histogram.ts";
import { makePayload, readPayload } from "../../bench/payload.ts";
import { SequenceTracker } from "../../bench/sequence_tracker.ts";

Deno.test("sequence tracker: in-order arrivals are all distinct", () => {
  const t = new SequenceTracker();
  for (let seq = 0; seq < 5; seq++) assert(t.arrive(7, seq));
  assertEquals(t.counts, { distinct: 5, duplicates: 0, reordered: 0 });
});

Deno.test("sequence tracker: a repeated arrival counts as a duplicate", () => {
  const t = new SequenceTracker();
  t.arrive(1, 0);
  t.arrive(1, 1);
  assert(!t.arrive(1, 1));
  assertEquals(t.counts, { distinct: 2, duplicates: 1, reordered: 0 });
});

Deno.test("sequence tracker: a late arrival counts as reordered, a missing one is not counted", () => {
  const t = new SequenceTracker();
  t.arrive(1, 0);
  t.arrive(1, 3);
  assert(t.arrive(1, 1));
  // seq 2 never arrives: 3 distinct of 4 sent, which the coordinator reports as 1 lost.
  assertEquals(t.counts, { distinct: 3, duplicates: 0, reordered: 1 });
});

Deno.test("payload: reads back what was written, and ignores frames without one", () => {
  const text = makePayload(12, 345, 1_700_000_000_123_456, 64);
  assertEquals(text.length, 64);
  const line = new TextEncoder().encode(`{"type":"message","text":"${text}"}`);
  const out = { sender: 0, seq: 0, sentAt: 0 };
  assert(readPayload(line, out));
  assertEquals(out, { sender: 12, seq: 345, sentAt: 1_700_000_000_123_456 });
  assert(!readPayload(new TextEncoder().encode(`{"type":"ok","id":1}`), out));
});

Deno.test("histogram: percentiles are within 3% and never below the true value", () => {
  const h = new Histogram();
  for (let v = 1; v <= 10_000; v++) h.record(v);
  const p50 = h.percentile(50);
  const p99 = h.percentile(99);
  assert(p50 >= 5_000 && p50 <= 5_150, `p50 ${p50}`);
  assert(p99 >= 9_900 && p99 <= 10_000, `p99 ${p99}`);
  const merged = new Histogram();
  merged.merge(h.toJSON());
  assertEquals(merged.percentile(99), p99);
  assertEquals(merged.max, 10_000);
});
