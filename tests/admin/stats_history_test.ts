import assert from "node:assert/strict";
import { StatsHistory } from "../../lib/admin/stats_history.ts";
import type { ServerStats } from "../../lib/server/control.ts";

function stats(accepted: number, sessions: number): ServerStats {
  return {
    connections: sessions + 1,
    sessions,
    messagesAccepted: accepted,
    messagesStored: accepted,
    storeCommits: 0,
    storeCommitMs: 0,
    storeFailures: 0,
    passwordHashes: 0,
    errors: {},
    uptime: 0,
  };
}

Deno.test("stats history: rates between samples, oldest first, users as sessions", () => {
  const h = new StatsHistory({ intervalMs: 10_000, capacity: 360 });
  const t0 = Date.parse("2030-01-01T00:00:00Z");
  h.record(stats(0, 1), t0);
  h.record(stats(50, 2), t0 + 10_000);
  h.record(stats(80, 3), t0 + 20_000);
  const view = h.view();
  assert.equal(view.intervalSeconds, 10);
  assert.deepEqual(view.points.map((p) => [p.messagesPerSecond, p.sessions]), [[5, 2], [3, 3]]);
  assert.equal(view.points[0]!.at, "2030-01-01T00:00:10.000Z");
});

Deno.test("stats history: the ring keeps one hour at most (memory bounded)", () => {
  const h = new StatsHistory({ intervalMs: 10_000, capacity: 360 });
  for (let i = 0; i < 5000; i++) h.record(stats(i, 1), i * 10_000);
  const points = h.view().points;
  assert.equal(points.length, 359);
  assert.equal(points.at(-1)!.at, new Date(4999 * 10_000).toISOString());
});

Deno.test("stats history: a counter going back (restart) gives 0, not a negative rate", () => {
  const h = new StatsHistory();
  h.record(stats(100, 1), 0);
  h.record(stats(10, 1), 10_000);
  assert.equal(h.view().points[0]!.messagesPerSecond, 0);
});

Deno.test("stats history: bad settings are refused", () => {
  assert.throws(() => new StatsHistory({ capacity: 1 }), RangeError);
  assert.throws(() => new StatsHistory({ intervalMs: 0 }), RangeError);
});

Deno.test("stats history: start samples at once and stop ends the timer", () => {
  const h = new StatsHistory({ intervalMs: 10_000 });
  let n = 0;
  h.start(() => stats(n++, 1), () => 1000 * n);
  h.stop();
  assert.equal(n, 1);
});
