/** The one back-off formula (lib/common/backoff.ts) and the counter built on it. */
import { equal } from "node:assert/strict";
import { Backoff, backoffDelay } from "../../lib/common/backoff.ts";

Deno.test("backoff: doubles from the base and stays capped, exactly without jitter", () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 10, maxMs: 400 }));
  equal(delays.join(","), "10,20,40,80,160,320,400");
  equal(backoffDelay(1_000, { baseMs: 500, maxMs: 10_000 }), 10_000);
});

Deno.test("backoff: bad input a negative, fractional or NaN attempt counts as attempt 0 (or its floor)", () => {
  const options = { baseMs: 100, maxMs: 5_000 };
  equal(backoffDelay(-3, options), 100);
  equal(backoffDelay(Number.NaN, options), 100);
  equal(backoffDelay(2.9, options), 400);
  equal(backoffDelay(Number.POSITIVE_INFINITY, options), 5_000);
});

Deno.test("backoff: jitter keeps a random upper half of the capped delay", () => {
  const low = () => 0;
  const high = () => 0.999999;
  equal(backoffDelay(0, { baseMs: 100, maxMs: 10_000, random: low }), 50);
  equal(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: low }), 400);
  equal(backoffDelay(40, { baseMs: 100, maxMs: 5_000, random: low }), 2_500);
  equal(backoffDelay(40, { baseMs: 100, maxMs: 5_000, random: high }), 5_000);
});

Deno.test("backoff: the counter grows across attempts and starts over after reset", () => {
  const retry = new Backoff({ baseMs: 10, maxMs: 1_000 });
  equal([retry.next(), retry.next(), retry.next()].join(","), "10,20,40");
  equal(retry.attempt, 3);
  retry.reset();
  equal(retry.next(), 10);
});

Deno.test("backoff: a cap passed to next() bounds that delay only; the count goes on", () => {
  const backoff = new Backoff({ baseMs: 100, maxMs: 10_000 });
  const capped = [0, 1, 2, 3, 4].map(() => backoff.next(1_000));
  equal(capped.join(","), "100,200,400,800,1000");
  equal(backoff.attempt, 5);
  equal(backoff.next(), 3_200, "without the cap the sixth attempt has its full delay");
  equal(backoff.next(50_000), 6_400, "a cap above maxMs changes nothing");
});
