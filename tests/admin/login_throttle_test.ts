import assert from "node:assert/strict";
import { type Attempt, LoginThrottle, throttleKey } from "../../lib/admin/login_throttle.ts";

function started(value: ReturnType<LoginThrottle["begin"]>): Attempt {
  if ("reason" in value) throw new Error(`attempt refused: ${JSON.stringify(value)}`);
  return value;
}

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

Deno.test("LoginThrottle: a flood from a local process delays the real admin 30 s at most, never locks", () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  let last = 0;
  for (let i = 0; i < 1_000; i++) last = throttle.fail("127.0.0.1");
  assert.deepEqual(last, 30_000);
  now += 30_000;
  const attempt = started(throttle.begin("127.0.0.1"));
  attempt.succeed();
  assert.deepEqual(throttle.wait("127.0.0.1"), 0, "a success forgets the failures");
});

Deno.test("LoginThrottle forgets an address an hour after its last failure", () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  for (let i = 0; i < 6; i++) throttle.fail("h");
  now += 3_600_000;
  assert.deepEqual(throttle.fail("h"), 0, "an hour later the count starts again");
});

Deno.test("LoginThrottle counts an attempt when it starts: one verification per address at a time", () => {
  const throttle = new LoginThrottle(() => 0);
  const first = started(throttle.begin("h"));
  assert.deepEqual(throttle.begin("h"), { reason: "busy" }, "a concurrent guess is refused");
  assert.ok(!("reason" in throttle.begin("other")), "another address may try");
  first.fail();
  assert.ok(!("reason" in throttle.begin("h")), "after the first settles, the next may start");
});

Deno.test("LoginThrottle bounds verifications in flight over all addresses", () => {
  const throttle = new LoginThrottle(() => 0, { maxInFlight: 2 });
  started(throttle.begin("a"));
  started(throttle.begin("b"));
  assert.deepEqual(throttle.begin("c"), { reason: "busy" });
});

Deno.test("LoginThrottle refuses to start while the address must wait", () => {
  let now = 0;
  const throttle = new LoginThrottle(() => now);
  for (let i = 0; i < 6; i++) started(throttle.begin("h")).fail();
  assert.deepEqual(throttle.begin("h"), { reason: "wait", waitMs: 1_000 });
  now += 1_000;
  assert.ok(!("reason" in throttle.begin("h")));
});

Deno.test("throttleKey keys IPv6 addresses by their /64, IPv4 whole, and all of 127.0.0.0/8 as one", () => {
  assert.equal(throttleKey("2001:db8:1:2:3:4:5:6"), throttleKey("2001:db8:1:2:ffff::1"));
  assert.notEqual(throttleKey("2001:db8:1:2::1"), throttleKey("2001:db8:1:3::1"));
  assert.equal(throttleKey("192.0.2.1"), "192.0.2.1");
  assert.equal(
    throttleKey("127.0.0.1"),
    throttleKey("127.9.8.7"),
    "spreading over 127/8 gains nothing",
  );
  assert.equal(throttleKey("::1"), "0:0:0:0::/64");
  // Bad input: a dual-stack listener's IPv4 clients, as IPv4-mapped IPv6 addresses.
  assert.equal(throttleKey("::ffff:127.0.0.3"), "127.0.0.0/8");
  assert.equal(throttleKey("::FFFF:127.0.0.2"), throttleKey("127.0.0.1"));
  assert.equal(throttleKey("::ffff:192.0.2.1"), "192.0.2.1");
});

Deno.test("LoginThrottle.beginDevice: a device key is throttled on its own, outside the address's wait and the in-flight cap", () => {
  const throttle = new LoginThrottle(() => 0, { maxInFlight: 1 });
  for (let i = 0; i < 20; i++) throttle.fail("127.0.0.1");
  assert.ok(throttle.wait("127.0.0.1") > 0, "the address is held by the flood");
  const hog = started(throttle.begin("192.0.2.1"));
  assert.deepEqual(throttle.begin("192.0.2.2"), { reason: "busy" }, "the in-flight cap is full");
  const device = started(throttle.beginDevice("nonce-1"));
  assert.deepEqual(throttle.beginDevice("nonce-1"), { reason: "busy" }, "one at a time per device");
  device.fail();
  hog.succeed();
  for (let i = 0; i < 5; i++) started(throttle.beginDevice("nonce-1")).fail();
  assert.equal((throttle.beginDevice("nonce-1") as { reason: string }).reason, "wait");
  assert.ok(!("reason" in throttle.beginDevice("nonce-2")), "another device is not held");
});
