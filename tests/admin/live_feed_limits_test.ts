/**
 * What one person's live feeds (`/api/events`, lib/admin/live_feed.ts) can hold of the
 * server: a stream whose reader never reads buffers a bounded amount and is closed once
 * stalled; a person's streams beyond the limit close their oldest; past the total, a new
 * one is refused with 503.
 */
import assert from "node:assert/strict";
import { LiveFeed } from "../../lib/admin/live_feed.ts";
import { HttpError } from "../../lib/admin/http.ts";
import { MemoryControl, roomMessage } from "./memory_control.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads what a stream has buffered now: chunks until none comes within 100 ms. */
async function drainBuffered(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<number> {
  let bytes = 0;
  for (;;) {
    const next = await Promise.race([reader.read(), tick(100).then(() => null)]);
    if (next === null || next.done) return bytes;
    bytes += next.value.byteLength;
  }
}

Deno.test("live feed: bad input a reader that never reads buffers a bounded amount and is closed once stalled", async () => {
  let now = 0;
  const clock = () => now;
  const control = new MemoryControl(clock);
  const feed = new LiveFeed({
    control,
    clock,
    flushMs: 5,
    bufferBytes: 64 * 1024,
    stalledMs: 30_000,
  });
  const res = feed.open("mod", () => true);
  const reader = res.body!.getReader();
  await reader.read(); // what the page reads first; then it stops reading
  // 2,000 messages of 4,000 characters (~8 MB of events) while nothing is read.
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 50; i++) {
      control.emit({ type: "message", message: roomMessage(round * 50 + i, "x".repeat(4_000)) });
    }
    await tick(10);
  }
  await tick(20);
  // The buffer (64 KiB) and at most one flush (50 messages, ~205 KB) past it.
  const buffered = await drainBuffered(reader);
  assert.ok(buffered < 512 * 1024, `${buffered} bytes buffered for a reader that never read`);
  // Full again and left so past the stall limit: the stream closes and unsubscribes.
  for (let i = 0; i < 200; i++) {
    control.emit({ type: "message", message: roomMessage(10_000 + i, "y".repeat(4_000)) });
    if (i % 50 === 49) await tick(10);
  }
  await tick(20);
  now += 31_000;
  await tick(30);
  assert.equal(feed.size, 0, "the stalled stream was closed");
  assert.equal(control.subscribers, 0);
  await reader.cancel().catch(() => {});
});

Deno.test("live feed: bad input a fifth stream of one person closes their oldest; past the total, 503", async () => {
  const clock = () => 0;
  const control = new MemoryControl(clock);
  const feed = new LiveFeed({ control, clock, flushMs: 5, maxStreamsPerPerson: 4, maxStreams: 6 });
  const mine = Array.from({ length: 4 }, () => feed.open("mod", () => true).body!.getReader());
  const fifth = feed.open("mod", () => true).body!.getReader();
  assert.equal(feed.size, 4);
  // The first one ended: after what it had queued, its reader is done.
  while (!(await mine[0]!.read()).done) {
    // Drain.
  }
  // Others fill the rest; the total is then reached for everyone, the person's own
  // streams included (a fifth of theirs frees a place first).
  const others = [feed.open("admin", () => true), feed.open("token", () => true)];
  assert.equal(feed.size, 6);
  assert.throws(() => feed.open("admin2", () => true), (error: unknown) => {
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 503);
    return true;
  });
  feed.closeAll();
  for (const reader of [...mine.slice(1), fifth]) await reader.cancel().catch(() => {});
  for (const res of others) await res.body?.cancel().catch(() => {});
  assert.equal(control.subscribers, 0);
});
