/**
 * Attack on the cid memory every instance keeps (`lib/cluster/recent_cids.ts`): many
 * messages with distinct cids (the terminal client sends one with every message). Every
 * instance's log reader calls `RecentCids.add` for each message of the cluster, on its event
 * loop. At the bound (500,000 pairs, or in the steady state of the 15-minute window) each
 * `add` evicts the oldest pair and then iterates the `Map` from its start, which walks over
 * every pair deleted since V8 last compacted the table: the cost of one `add` grows with
 * the evictions, to around a millisecond, until the next compaction. One user from one
 * address reaches 300 cid messages a second over three instances with the default limits
 * (20 connections per instance, 5 messages per second each).
 *
 * Measured here without sockets, at a bound of 200,000 pairs to stay quick (the effect
 * grows with the bound): the same number of adds once the map is full, right away and after
 * 120,000 evictions. The second must not cost several times the first.
 */
import assert from "node:assert/strict";
import { RecentCids } from "../../lib/cluster/recent_cids.ts";

/** Milliseconds taken by `count` adds of new pairs. */
function timeAdds(cids: RecentCids, count: number, tag: string, now: number): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) cids.add(2, `${tag}-${i}`, { seq: i, ts: now }, now);
  return performance.now() - started;
}

Deno.test(
  "RecentCids: an add after 120,000 evictions at a 200,000-pair bound costs as one before",
  () => {
    const bound = 200_000;
    const cids = new RecentCids(bound);
    const now = Date.now();
    for (let i = 0; i < bound; i++) cids.add(1, `c${i}`, { seq: i, ts: now }, now);
    const fresh = timeAdds(cids, 10_000, "fresh", now);
    timeAdds(cids, 100_000, "filler", now);
    const later = timeAdds(cids, 10_000, "later", now);
    assert.equal(cids.size, bound);
    assert.ok(
      later < 4 * fresh,
      `10,000 adds at the bound: ${fresh.toFixed(0)} ms with few evictions behind, ` +
        `${later.toFixed(0)} ms after 120,000 evictions (${(later / 10).toFixed(0)} µs per add ` +
        "on every instance's event loop)",
    );
  },
);
