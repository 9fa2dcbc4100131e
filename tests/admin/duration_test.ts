import assert from "node:assert/strict";
import { parseDuration } from "../../lib/common/duration.ts";

Deno.test("parseDuration reads seconds, minutes, hours and days", () => {
  assert.deepEqual(parseDuration("30s"), { ms: 30_000 });
  assert.deepEqual(parseDuration("90s"), { ms: 90_000 });
  assert.deepEqual(parseDuration("15m"), { ms: 900_000 });
  assert.deepEqual(parseDuration("2h"), { ms: 7_200_000 });
  assert.deepEqual(parseDuration("3d"), { ms: 259_200_000 });
  assert.deepEqual(parseDuration(" 5M "), { ms: 300_000 });
});

Deno.test("parseDuration refuses bad input: empty, no unit, unknown unit, negative, fraction, zero, too long", () => {
  for (const bad of ["", "30", "5x", "-5m", "1.5h", "m", "5 minutes", "0s", "4000d", "1h30m"]) {
    const result = parseDuration(bad);
    if (!("error" in result)) throw new Error(`${JSON.stringify(bad)} was accepted`);
    if (!/duration/.test(result.error)) throw new Error(`unclear message: ${result.error}`);
  }
});
