import assert from "node:assert/strict";
import { LoginThrottle } from "../../lib/admin/login_throttle.ts";

Deno.test("LoginThrottle lets five failures pass, then imposes doubling delays", () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  for (let i = 0; i < 5; i++) assert.deepEqual(throttle.fail("h"), 0);
  assert.deepEqual(throttle.wait("h"), 0);
  assert.deepEqual(throttle.fail("h"), 1_000);
  assert.deepEqual(throttle.wait("h"), 1_000);
  now += 1_000;
  assert.deepEqual(throttle.wait("h"), 0);
  assert.deepEqual(throttle.fail("h"), 2_000);
  now += 2_000;
  assert.deepEqual(throttle.fail("h"), 4_000);
  assert.deepEqual(throttle.wait("other"), 0, "another address is not affected");
});

Deno.test("LoginThrottle caps the delay and forgets after a success or an hour", () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  let last = 0;
  for (let i = 0; i < 40; i++) last = throttle.fail("h");
  assert.deepEqual(last, 15 * 60_000);
  throttle.succeed("h");
  assert.deepEqual(throttle.wait("h"), 0);
  for (let i = 0; i < 6; i++) throttle.fail("h");
  now += 3_600_000;
  assert.deepEqual(throttle.fail("h"), 0, "an hour later the count starts again");
});
