/**
 * The search flood benchmark (bench/search_flood.ts) stays runnable: a tiny version (2,000
 * messages, 2 searching connections, 1 s) must finish with searches answered and another
 * user's messages acknowledged meanwhile. No timing is asserted.
 */
import assert from "node:assert/strict";
import { searchFlood } from "../../bench/search_flood.ts";

Deno.test("the search flood benchmark runs end to end (small sizes)", async () => {
  const result = await searchFlood(2_000, 2, 1);
  assert.equal(result.messages, 2_000);
  assert.ok(result.searches > 0, `${result.searches} searches`);
  assert.ok(result.says > 0, `${result.says} says`);
  assert.ok(result.sayP50Ms <= result.sayP90Ms && result.sayP90Ms <= result.sayMaxMs);
});
