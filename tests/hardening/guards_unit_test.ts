/**
 * Unit tests of the hardening pieces with an injected clock: the new flags and their
 * defaults, flood strikes, and the watchdog's three timeouts.
 */
import { deepStrictEqual as assertEquals, equal, throws } from "node:assert/strict";
import { ConfigError, DEFAULT_GUARDS, parseServerConfig } from "../../lib/app/config.ts";
import { FloodEscalation } from "../../lib/server/limits/flood_counter.ts";
import type { Session } from "../../lib/server/net/session.ts";
import { type Expiry, Watchdog } from "../../lib/server/net/watchdog.ts";

Deno.test("guards config: defaults are the documented ones", () => {
  assertEquals(parseServerConfig([], {}).guards, DEFAULT_GUARDS);
  equal(DEFAULT_GUARDS.loginTimeoutMs, 30_000);
});

Deno.test("guards config: flags and environment set each limit, off disables it", () => {
  const g = parseServerConfig([
    "--login-timeout=1.5",
    "--idle-timeout=off",
    "--max-rooms=7",
    "--flood=3:30s:2m",
  ], { FASTCHAT_MAX_CONNECTIONS: "off", FASTCHAT_FRAME_TIMEOUT: "4" }).guards;
  assertEquals(
    [g.loginTimeoutMs, g.idleTimeoutMs, g.frameTimeoutMs, g.maxConnections, g.maxRooms],
    [1_500, null, 4_000, null, 7],
  );
  assertEquals(g.flood, { strikes: 3, windowMs: 10_000, muteMs: 30_000, kickMs: 120_000 });
  equal(parseServerConfig(["--flood", "off"], {}).guards.flood, null);
});

Deno.test("guards config: bad input timeouts and flood settings give a ConfigError", () => {
  for (
    const args of [
      ["--login-timeout", "soon"],
      ["--idle-timeout", "0"],
      ["--frame-timeout", "-1"],
      ["--max-rooms", "0"],
      ["--flood", "20"],
      ["--flood", "0:1m:5m"],
      ["--flood", "20:1x:5m"],
      ["--flood", "20:1m:5m:9"],
    ]
  ) {
    throws(() => parseServerConfig(args, {}), ConfigError, args.join(" "));
  }
});

/** A stand-in for the few Session fields the watchdog and flood counter read. */
function fakeSession(since: number, loggedIn: boolean): Session {
  return {
    since,
    account: loggedIn ? { id: 1, name: "u", key: "u" } : null,
    closing: false,
  } as unknown as Session;
}

Deno.test("flood: refusals that honour the retry hint are not strikes; ignoring it escalates", () => {
  let now = 0;
  const flood = new FloodEscalation(
    { strikes: 3, windowMs: 10_000, muteMs: 60_000, kickMs: 300_000 },
    () => now,
  );
  const session = fakeSession(0, true);
  for (let i = 0; i < 10; i++) {
    equal(flood.strike(session, "rate_limited", 100), "none");
    now += 100; // Waited as told.
  }
  equal(flood.strike(session, "muted"), "none", "a mute by an admin is not a flood");
  const steps = [];
  for (let i = 0; i < 8; i++) steps.push(flood.strike(session, "rate_limited", 100));
  assertEquals(steps, ["none", "none", "none", "mute", "none", "none", "kick", "none"]);
});

Deno.test("watchdog: login, frame and idle timeouts expire in that order of priority", () => {
  let now = 0;
  const expired: [Session, Expiry][] = [];
  const dog = new Watchdog(
    { loginTimeoutMs: 1_000, idleTimeoutMs: 5_000, frameTimeoutMs: 500 },
    () => now,
    (s, e) => expired.push([s, e]),
  );
  const anonymous = fakeSession(0, false);
  const member = fakeSession(0, true);
  const slow = fakeSession(0, true);
  dog.watch(anonymous);
  dog.watch(member).read(1, 0);
  const slowWatch = dog.watch(slow);
  slowWatch.read(0, 10);
  now = 400;
  slowWatch.read(0, 11); // More bytes of the same frame do not restart its clock.
  equal(dog.sweep(), 0);
  now = 500;
  equal(dog.sweep(), 1);
  equal(expired[0]![1].reason, "frame timeout");
  now = 1_000;
  equal(dog.sweep(), 1);
  equal(expired[1]![1].reason, "login timeout");
  now = 5_000;
  equal(dog.sweep(), 1);
  equal(expired[2]![1].reason, "idle timeout");
  equal(expired[2]![0], member);
});
