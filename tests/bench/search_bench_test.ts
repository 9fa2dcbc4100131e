/**
 * The search benchmark (bench/search.ts) stays runnable: a tiny version on SQLite (2,000
 * messages, 4 chat clients, 20 queries) must finish and report every figure. No timing
 * is asserted.
 */
import assert from "node:assert/strict";
import { runSearchBench, vocabulary } from "../../bench/search.ts";

Deno.test("the vocabulary is Zipf-like: the most frequent word is drawn most", () => {
  const { words, pick } = vocabulary(1_000, 7);
  assert.equal(new Set(words).size, 1_000);
  const counts = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) {
    const w = pick();
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  assert.ok((counts.get(words[0]!) ?? 0) > (counts.get(words[500]!) ?? 0));
});

Deno.test("the search benchmark runs end to end (small sizes, SQLite)", async () => {
  const result = await runSearchBench({
    store: "sqlite",
    messages: 2_000,
    rooms: 10,
    clients: 4,
    interval: 50,
    queries: 20,
    rateMessages: 1_000,
    mysqlAdminUrl: "mysql://root@127.0.0.1:3306/",
  });
  assert.equal(result.queries, 20);
  assert.ok(Number.isFinite(result.p50Ms) && Number.isFinite(result.p95Ms));
  assert.ok(result.ratePerSecWithIndex > 0 && result.ratePerSecWithout > 0);
  assert.ok(result.ratio > 0);
});
