/**
 * Back-pressure on a room's senders (issue 13): a broadcast names the member with the most
 * events waiting; a member that lags but keeps reading holds its room's senders until it
 * caught up (never longer than a bound), a member that stopped reading holds nobody (the
 * slow-consumer limit deals with it); and reused write buffers never mix two batches' bytes.
 */
import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import { type ByteSink, Outbound } from "../../lib/server/net/outbound.ts";
import { Session } from "../../lib/server/net/session.ts";
import { Room } from "../../lib/server/chat/rooms.ts";

/** A sink whose writes wait until `release()`; records what was written. */
function gatedSink(): ByteSink & { release(): void; written: number } {
  let waiting: (() => void)[] = [];
  const s = {
    written: 0,
    write(bytes: Uint8Array): Promise<number> {
      return new Promise<number>((resolve) => {
        waiting.push(() => {
          s.written += bytes.length;
          resolve(bytes.length);
        });
      });
    },
    close() {},
    release() {
      const now = waiting;
      waiting = [];
      for (const wake of now) wake();
    },
  };
  return s;
}

function session(id: number, sink: ByteSink, limit = 64 * 1024): Session {
  const s = new Session({
    id,
    conn: sink,
    address: "127.0.0.1:1",
    host: "127.0.0.1",
    now: Date.now(),
    outboundLimit: limit,
    onSlowConsumer: () => {},
  });
  s.account = { id, name: `u${id}`, key: `u${id}` };
  return s;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("back-pressure: broadcast returns the member with the most events waiting", async () => {
  const fast = session(1, gatedSink());
  const slowSink = gatedSink();
  const slow = session(2, slowSink);
  const room = new Room(
    {
      id: 1,
      name: "r",
      nameKey: "r",
      topic: null,
      createdAt: 0,
    } as ConstructorParameters<typeof Room>[0],
  );
  room.add(fast);
  room.add(slow);
  slow.sendBytes(new Uint8Array(5_000));
  const laggard = room.broadcast(new Uint8Array(100));
  equal(laggard, slow);
  equal(room.broadcast(new Uint8Array(100), slow), fast);
  fast.abort("test");
  slow.abort("test");
  await tick();
});

Deno.test("back-pressure: a lagging reader that keeps reading is waited for until it caught up", async () => {
  const sink = gatedSink();
  const reader = session(1, sink);
  for (let i = 0; i < 40; i++) reader.sendBytes(new Uint8Array(1_000));
  await tick(); // the pump has started its write
  ok(reader.pendingEventBytes > reader.backPressureBytes);
  ok(reader.lagging, "over the threshold with a write just started");
  let caughtUp = false;
  const hold = reader.whenCaughtUp().then(() => caughtUp = true);
  await tick();
  equal(caughtUp, false);
  sink.release();
  await hold;
  ok(reader.pendingEventBytes <= reader.backPressureBytes / 2);
  equal(reader.lagging, false);
  reader.abort("test");
});

Deno.test("back-pressure: bad input a reader that stopped reading holds nobody, and a hold is bounded", async () => {
  const reader = session(1, gatedSink()); // never released: it stopped reading
  for (let i = 0; i < 40; i++) reader.sendBytes(new Uint8Array(1_000));
  await tick();
  // Bounded: resolves although the reader never drains (the test would hang otherwise).
  await reader.whenCaughtUp();
  equal(reader.lagging, false, "a write pending for longer than the stall bound");
  reader.abort("test");
});

Deno.test("back-pressure: a sender's reads wait for its hold, and the hold is cleared after", async () => {
  const sender = session(1, gatedSink());
  const { promise, resolve } = Promise.withResolvers<void>();
  sender.holdReadsUntil(promise);
  ok(sender.readHold !== null);
  resolve();
  await promise;
  await tick();
  equal(sender.readHold, null);
  sender.abort("test");
});

Deno.test("outbound: reused write buffers carry exactly each batch's bytes", async () => {
  const seen: number[][] = [];
  const out = new Outbound(
    {
      write(bytes) {
        seen.push([...bytes]);
        return Promise.resolve(bytes.length);
      },
      close() {},
    },
    1 << 20,
    () => {},
  );
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < 3; i++) out.send(new Uint8Array([round, i]));
    await out.flushed();
  }
  assertEquals(seen, [[1, 0, 1, 1, 1, 2], [2, 0, 2, 1, 2, 2], [3, 0, 3, 1, 3, 2]]);
});
