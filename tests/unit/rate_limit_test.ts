import { equal } from "node:assert/strict";
import { TokenBucket, WindowCounter } from "../../lib/common/rate_limit.ts";

Deno.test("token bucket: a burst, then the rate, with the wait until the next token", () => {
  let now = 0;
  const bucket = new TokenBucket(5, 10, () => now);
  for (let i = 0; i < 10; i++) equal(bucket.take(), 0);
  equal(bucket.take(), 200);
  now += 200;
  equal(bucket.take(), 0);
});

Deno.test("window counter: bad input past the limit waits until the oldest event leaves", () => {
  let now = 0;
  const counter = new WindowCounter(2, 1_000, () => now);
  equal(counter.hit("a"), 0);
  now = 100;
  equal(counter.hit("a"), 0);
  equal(counter.hit("a"), 900);
  equal(counter.hit("b"), 0, "another key has its own window");
  now = 1_000;
  equal(counter.hit("a"), 0);
});

Deno.test("window counter: sweep forgets keys whose events all left the window", () => {
  let now = 0;
  const counter = new WindowCounter(5, 1_000, () => now);
  for (let i = 0; i < 1_000; i++) counter.record(`address-${i}`);
  equal(counter.size, 1_000);
  now = 2_000;
  counter.sweep();
  equal(counter.size, 0);
});
