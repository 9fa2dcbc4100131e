/**
 * The FULLTEXT cost benchmark (bench/fulltext_cost.ts) stays runnable: a tiny version (1,000
 * messages, one round) on its own throwaway MariaDB must report every variant with the
 * documents and words it stored. No timing is asserted.
 */
import assert from "node:assert/strict";
import { fulltextCost } from "../../bench/fulltext_cost.ts";

Deno.test("the FULLTEXT cost benchmark runs end to end (small sizes)", async () => {
  const costs = await fulltextCost(1_000, 1, 32);
  assert.deepEqual(costs.map((c) => c.variant), [
    "none",
    "unicode_ci",
    "general_ci",
    "bin",
    "doc16",
    "doc256",
  ]);
  const by = new Map(costs.map((c) => [c.variant, c]));
  assert.equal(by.get("none")!.wordsPerMessage, 0);
  assert.equal(by.get("unicode_ci")!.documents, 1_000);
  assert.equal(by.get("doc16")!.documents, 63);
  assert.equal(by.get("doc256")!.documents, 4);
  // Grouping keeps each document's distinct words only: fewer words than one row per message.
  const perMessage = by.get("unicode_ci")!.wordsPerMessage;
  assert.ok(perMessage > 3, `${perMessage} words per message`);
  assert.ok(by.get("doc16")!.wordsPerMessage < perMessage);
  assert.ok(by.get("doc256")!.wordsPerMessage < by.get("doc16")!.wordsPerMessage);
  for (const c of costs) {
    assert.equal(c.rounds.length, 1);
    assert.ok(c.wallUsPerMessage > 0 && c.mariadbCpuUsPerMessage >= 0, JSON.stringify(c));
  }
});
