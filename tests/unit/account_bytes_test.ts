/**
 * The per-account byte budget of message text (lib/server/limits/account_bytes.ts): the
 * bytes a text takes on the wire, and the bucket's spending, refill and sweeping.
 */
import assert from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import { AccountBytes, jsonTextBytes } from "../../lib/server/limits/account_bytes.ts";
import { encodeFrame } from "../../lib/protocol/frame.ts";

/** The bytes `text` adds to a frame as the server encodes it. */
function wireBytes(text: string): number {
  const frame = (t: string) => encodeFrame({ type: "notice", text: t });
  return frame(text).length - frame("").length;
}

Deno.test("property: jsonTextBytes is the text's size in an encoded frame (controls, quotes, lone surrogates)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
      assert.equal(jsonTextBytes(text), wireBytes(text), JSON.stringify(text));
    }),
    { numRuns: 1000 },
  );
  for (const text of ["\u0001", "\n\t\r\b\f", '"\\', "é€😀", "\ud800", "\udc00x", "a\ud83d"]) {
    assert.equal(jsonTextBytes(text), wireBytes(text), JSON.stringify(text));
  }
});

Deno.test("account bytes: bad input spending past the burst waits for the refill; accounts are apart; full buckets are swept", () => {
  let now = 0;
  const budget = new AccountBytes(1_000, 4_000, () => now);
  assert.equal(budget.take(1, 3_000), 0);
  assert.equal(budget.take(1, 2_000), 1_000, "1,000 bytes short: 1 s");
  assert.equal(budget.take(2, 4_000), 0, "another account has its own burst");
  now += 1_000;
  assert.equal(budget.take(1, 2_000), 0);
  assert.equal(budget.take(1, 10_000), 4_000, "a text over the burst waits for a full bucket");
  now += 4_000;
  assert.equal(budget.take(1, 10_000), 0, "and then goes, emptying it");
  assert.equal(budget.size, 2);
  now += 10_000;
  budget.sweep();
  assert.equal(budget.size, 0, "refilled buckets are forgotten");
});
