import { deepEqual, equal } from "node:assert/strict";
import { lastSeenWritten, recordLastSeen } from "../../lib/server/chat/last_seen.ts";
import type { ChatCore } from "../../lib/server/chat/core.ts";

/** A core whose store records each `touchLastSeenMany` batch; `fail` makes the next throw. */
function fakeCore() {
  let now = 1_000;
  const batches: { userId: number; at: number }[][] = [];
  const warnings: string[] = [];
  const state = { fail: false };
  const core = {
    clock: () => now,
    store: {
      touchLastSeenMany(entries: readonly { userId: number; at: number }[]) {
        if (state.fail) {
          state.fail = false;
          return Promise.reject(new Error("disk full"));
        }
        batches.push([...entries]);
        return Promise.resolve();
      },
    },
    log: { log: (_level: string, event: string) => warnings.push(event) },
  } as unknown as ChatCore;
  return { core, batches, warnings, state, advance: (ms: number) => now += ms };
}

Deno.test("last seen: a turn's logins and disconnects are written in one batch", async () => {
  const { core, batches } = fakeCore();
  for (let id = 1; id <= 500; id++) recordLastSeen(core, id);
  await lastSeenWritten(core);
  equal(batches.length, 1);
  equal(batches[0]!.length, 500);
});

Deno.test("last seen: the latest time of an account wins; later records get a new batch", async () => {
  const { core, batches, advance } = fakeCore();
  recordLastSeen(core, 7);
  advance(5);
  recordLastSeen(core, 7);
  await lastSeenWritten(core);
  deepEqual(batches, [[{ userId: 7, at: 1_005 }]]);
  recordLastSeen(core, 8);
  await lastSeenWritten(core);
  deepEqual(batches[1], [{ userId: 8, at: 1_005 }]);
});

Deno.test("last seen: bad input a store failure is logged, and later writes go on", async () => {
  const { core, batches, warnings, state } = fakeCore();
  state.fail = true;
  recordLastSeen(core, 1);
  await lastSeenWritten(core);
  deepEqual(warnings, ["last_seen_failed"]);
  recordLastSeen(core, 2);
  await lastSeenWritten(core);
  deepEqual(batches, [[{ userId: 2, at: 1_000 }]]);
});

Deno.test("last seen: records made while a batch is written wait for the next one", async () => {
  const { core, batches } = fakeCore();
  for (let id = 1; id <= 2_500; id++) recordLastSeen(core, id);
  await Promise.resolve();
  recordLastSeen(core, 9_999);
  await lastSeenWritten(core);
  equal(batches.flat().length, 2_501);
  equal(Math.max(...batches.map((b) => b.length)), 1_000, "at most 1,000 per transaction");
});
