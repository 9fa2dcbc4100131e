/**
 * The moderation forms' duration field (`admin_ui/src/duration_input.ts`): what a teacher
 * types in English or French becomes the API's short form before it is sent, and what the
 * API would refuse (in English) is caught by the page.
 */
import assert from "node:assert/strict";
import { toApiDuration } from "../../admin_ui/src/duration_input.ts";

Deno.test("toApiDuration keeps the API's short form", () => {
  for (const text of ["30s", "5m", "1h", "1d", "3650d"]) assert.equal(toApiDuration(text), text);
  assert.equal(toApiDuration(" 15M "), "15m");
});

Deno.test("toApiDuration reads durations as people write them, in English and French", () => {
  assert.equal(toApiDuration("10 min"), "10m");
  assert.equal(toApiDuration("10min"), "10m");
  assert.equal(toApiDuration("10 mn"), "10m");
  assert.equal(toApiDuration("10 minutes"), "10m");
  assert.equal(toApiDuration("2 heures"), "2h");
  assert.equal(toApiDuration("2 hours"), "2h");
  assert.equal(toApiDuration("45 secondes"), "45s");
  assert.equal(toApiDuration("3j"), "3d");
  assert.equal(toApiDuration("1 jour"), "1d");
  assert.equal(toApiDuration("1 Day"), "1d");
  assert.equal(toApiDuration("5 min."), "5m");
});

Deno.test("toApiDuration refuses what is not a duration, zero, and more than 3650 days", () => {
  for (const bad of ["", "10", "min", "dix minutes", "1h30", "1.5h", "-5m", "0m", "3651d", "5x"]) {
    assert.equal(toApiDuration(bad), null, JSON.stringify(bad));
  }
});
