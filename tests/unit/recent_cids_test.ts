/**
 * The cid memory every instance of a cluster keeps (`lib/cluster/recent_cids.ts`) and the
 * memory of deleted messages: bounded in number and in age, oldest out first, so that a user
 * sending many messages with distinct cids (the terminal client sends one with every
 * message) cannot grow them or slow them down. Eviction walks a ring, never the map from its
 * start (a Map iterated after many deletions walks every deleted slot: the attack that
 * review found); its cost is a benchmark matter, here only the behaviour.
 */
import assert from "node:assert/strict";
import { RecentCids, RecentSeqs } from "../../lib/cluster/recent_cids.ts";

Deno.test("RecentCids: bad input 250,000 distinct cids keep the newest 100 of a 100 bound", () => {
  const cids = new RecentCids(100, 60_000);
  const now = 1_000_000;
  for (let i = 0; i < 250_000; i++) cids.add(7, `c${i}`, { seq: i, ts: now }, now);
  assert.equal(cids.size, 100);
  assert.equal(cids.get(7, "c0"), undefined);
  assert.equal(cids.get(7, "c249899"), undefined);
  assert.deepEqual(cids.get(7, "c249900"), { seq: 249_900, ts: now });
  assert.deepEqual(cids.get(7, "c249999"), { seq: 249_999, ts: now });
  assert.equal(cids.get(8, "c249999"), undefined, "pairs are per sender");
});

Deno.test("RecentCids: pairs older than the window go at the next add; a repeat keeps the first", () => {
  const cids = new RecentCids(1_000, 60_000);
  cids.add(1, "old", { seq: 1, ts: 0 }, 0);
  cids.add(1, "mid", { seq: 2, ts: 30_000 }, 30_000);
  cids.add(1, "mid", { seq: 99, ts: 31_000 }, 31_000);
  assert.deepEqual(cids.get(1, "mid"), { seq: 2, ts: 30_000 }, "the first send stays");
  cids.add(1, "new", { seq: 3, ts: 70_000 }, 70_000);
  assert.equal(cids.get(1, "old"), undefined, "older than 60 s at the add");
  assert.deepEqual(cids.get(1, "mid"), { seq: 2, ts: 30_000 });
  assert.equal(cids.size, 2);
});

Deno.test("RecentSeqs: bad input 10,000 deletions keep the newest 50 of a 50 bound", () => {
  const seqs = new RecentSeqs(50);
  for (let seq = 1; seq <= 10_000; seq++) seqs.add(seq);
  seqs.add(10_000);
  assert.equal(seqs.has(9_950), false);
  assert.equal(seqs.has(9_951), true);
  assert.equal(seqs.has(10_000), true);
});
