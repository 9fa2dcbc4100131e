import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  ACCOUNT_LOGIN_RATE,
  ADDRESS_LOGIN_RATE,
  PasswordLoginRate,
} from "../../lib/auth/login_rate.ts";

Deno.test("login rate: bad input a class of 40 behind one NAT logs in; the 61st login from it waits", () => {
  let now = 0;
  const rate = new PasswordLoginRate(() => now);
  for (let i = 0; i < ADDRESS_LOGIN_RATE.burst; i++) {
    assertEquals(rate.begin("203.0.113.9", `pupil${i % 40}`), 0, `login ${i}`);
    rate.succeeded(`pupil${i % 40}`);
  }
  const wait = rate.begin("203.0.113.9", "pupil0");
  assertEquals(wait > 0 && wait <= 1_000, true, `waits ${wait} ms`);
  // One /64 is one address; another address is not affected.
  assertEquals(rate.begin("2001:db8::1", "x") + rate.begin("2001:db8::2", "y"), 0);
  assertEquals(rate.begin("198.51.100.1", "pupil1"), 0);
  now += 1_000;
  assertEquals(rate.begin("203.0.113.9", "pupil2"), 0, "one more after a second");
});

Deno.test("login rate: bad input one account's successful logins are limited from any address", () => {
  let now = 0;
  const rate = new PasswordLoginRate(() => now);
  for (let i = 0; i < ACCOUNT_LOGIN_RATE.burst; i++) {
    assertEquals(rate.begin(`192.0.2.${i}`, "bob"), 0);
    rate.succeeded("bob");
  }
  const wait = rate.begin("192.0.2.200", "bob");
  assertEquals(wait > 0 && wait <= 6_000, true, `waits ${wait} ms`);
  // Attempts that never succeed (a wrong password) do not spend the account's tokens.
  assertEquals(rate.begin("192.0.2.1", "carol"), 0);
  for (let i = 0; i < 50; i++) rate.begin(`198.51.100.${i}`, "dave");
  assertEquals(rate.begin("192.0.2.2", "dave"), 0, "dave's owner is not locked out");
  now += 6_000;
  assertEquals(rate.begin("192.0.2.200", "bob"), 0);
});

Deno.test("login rate: memory follows the active keys (full buckets are forgotten)", () => {
  let now = 0;
  const rate = new PasswordLoginRate(() => now);
  for (let i = 0; i < 1_000; i++) {
    rate.begin(`10.0.${i >> 8}.${i & 255}`, `user${i}`);
    rate.succeeded(`user${i}`);
  }
  assertEquals(rate.size, 2_000);
  now += 3_600_000;
  rate.begin("10.9.9.9", "fresh");
  assertEquals(rate.size, 1);
});
