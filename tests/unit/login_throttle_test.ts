/**
 * Failed-login delays by (account, address) pair, by address and by account, and the
 * address key of per-address limits (IPv6 by /64).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { addressKey } from "../../lib/auth/address_key.ts";
import {
  ACCOUNT_SHARE_PER_ADDRESS,
  FREE_ACCOUNT_FAILURES,
  FREE_FAILURES,
  loginDelay,
  MAX_DELAY_MS,
  recordLoginFailure,
  recordLoginSuccess,
} from "../../lib/auth/login_throttle.ts";
import { WindowCounter } from "../../lib/common/rate_limit.ts";

const TEN_MINUTES = 10 * 60_000;

Deno.test("login throttle: the owner on a fresh address is not delayed by an attacker's failures", () => {
  const failures = new WindowCounter(1000, TEN_MINUTES, () => 0);
  for (let i = 0; i < 20; i++) recordLoginFailure(failures, "198.51.100.7", "ann", true);
  ok(loginDelay(failures, "198.51.100.7", "ann") > 0, "the guessing address is delayed");
  ok(loginDelay(failures, "198.51.100.7", "bob") > 0, "for every account it tries");
  assertEquals(loginDelay(failures, "203.0.113.9", "ann"), 0, "the owner elsewhere is not");
});

Deno.test("login throttle: bad input 600 failures from one address never delay the owner elsewhere", () => {
  // One address at the per-address rate makes ~600 attempts in 10 minutes: far past the
  // account's 100 free failures if each counted there.
  const failures = new WindowCounter(1000, TEN_MINUTES, () => 0);
  for (let i = 0; i < 600; i++) recordLoginFailure(failures, "198.51.100.7", "ann", true);
  assertEquals(failures.count("user:ann"), ACCOUNT_SHARE_PER_ADDRESS);
  ok(loginDelay(failures, "198.51.100.7", "ann") > 0, "the guessing address is delayed");
  assertEquals(loginDelay(failures, "203.0.113.9", "ann"), 0, "the owner elsewhere is not");
  // Ten addresses' shares reach the account-wide count.
  for (let a = 1; a < FREE_ACCOUNT_FAILURES / ACCOUNT_SHARE_PER_ADDRESS; a++) {
    for (let i = 0; i < 60; i++) recordLoginFailure(failures, `10.0.0.${a}`, "ann", true);
  }
  recordLoginFailure(failures, "10.0.1.1", "ann", true);
  ok(loginDelay(failures, "203.0.113.9", "ann") > 0, "many addresses do delay the account");
});

Deno.test("login throttle: many addresses against one account reach the account-wide limit", () => {
  const failures = new WindowCounter(10_000, TEN_MINUTES, () => 0);
  for (let i = 0; i < FREE_ACCOUNT_FAILURES; i++) {
    recordLoginFailure(failures, `10.0.${i >> 8}.${i & 255}`, "ann", true);
  }
  assertEquals(loginDelay(failures, "203.0.113.9", "ann"), 250, "first step of the delay");
  for (let i = 0; i < 40; i++) recordLoginFailure(failures, `10.1.0.${i}`, "ann", true);
  assertEquals(loginDelay(failures, "203.0.113.9", "ann"), MAX_DELAY_MS, "capped");
  assertEquals(loginDelay(failures, "203.0.113.9", "bob"), 0, "other accounts are not");
});

Deno.test("login throttle: free failures, then growing delays; a success clears the pair", () => {
  const failures = new WindowCounter(1000, TEN_MINUTES, () => 0);
  for (let i = 0; i < FREE_FAILURES - 1; i++) recordLoginFailure(failures, "::1", "ann", true);
  assertEquals(loginDelay(failures, "::1", "ann"), 0);
  recordLoginFailure(failures, "::1", "ann", true);
  assertEquals(loginDelay(failures, "::1", "ann"), 250);
  recordLoginSuccess(failures, "::1", "ann");
  assertEquals(loginDelay(failures, "::1", "ann") > 0, true, "the address itself still counts");
  assertEquals(loginDelay(failures, "192.0.2.1", "ann"), 0);
});

Deno.test("login throttle: an unknown account counts against the address only", () => {
  const failures = new WindowCounter(1000, TEN_MINUTES, () => 0);
  for (let i = 0; i < 10; i++) recordLoginFailure(failures, "192.0.2.1", "ghost", false);
  assertEquals(failures.size, 1);
});

Deno.test("address key: IPv4 as it is, IPv6 by /64, IPv4-mapped as IPv4", () => {
  assertEquals(addressKey("192.0.2.1"), "192.0.2.1");
  assertEquals(addressKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assertEquals(addressKey("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
  assertEquals(addressKey("2001:0DB8:0001:0002:aaaa::1"), "2001:db8:1:2::/64");
  assertEquals(addressKey("[2001:db8::1]"), "2001:db8:0:0::/64");
  assertEquals(addressKey("::1"), "0:0:0:0::/64");
  assertEquals(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assertEquals(addressKey("::ffff:198.51.100.7"), "198.51.100.7");
  assertEquals(addressKey("64:ff9b::198.51.100.7"), "64:ff9b:0:0::/64");
});

Deno.test("address key: bad input malformed addresses are kept as they are", () => {
  for (const bad of ["1:2:3", "1::2::3", "::ffff:1.2.3.999", "zz::1", "unknown", ""]) {
    assertEquals(addressKey(bad), bad, bad);
  }
});
