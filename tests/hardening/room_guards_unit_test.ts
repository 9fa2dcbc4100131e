/**
 * Unit tests of the room-flood pieces with an injected clock: the `--room-rate` and
 * `--room-expiry` flags, the per-account/per-address limiter, and the in-memory room
 * activity that is flushed to the store now and then.
 */
import { deepStrictEqual as assertEquals, equal, rejects, throws } from "node:assert/strict";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";
import { RoomActivity } from "../../lib/server/chat/room_activity.ts";
import { ROOM_RATE_WINDOW_MS, RoomCreationLimiter } from "../../lib/server/limits/room_limiter.ts";
import type { Store } from "../../lib/store/store.ts";

Deno.test("room guards config: defaults 10:20 per hour, expiry off; flags and env set them", () => {
  const defaults = parseServerConfig([], {}).guards;
  assertEquals(defaults.roomRate, { perAccount: 10, perAddress: 20 });
  equal(defaults.roomExpiryMs, null);
  const set = parseServerConfig(["--room-rate", "3:off", "--room-expiry", "30d"], {}).guards;
  assertEquals(set.roomRate, { perAccount: 3, perAddress: null });
  equal(set.roomExpiryMs, 30 * 86_400_000);
  const env = parseServerConfig([], { FASTCHAT_ROOM_RATE: "off", FASTCHAT_ROOM_EXPIRY: "2s" });
  equal(env.guards.roomRate, null);
  equal(env.guards.roomExpiryMs, 2_000);
});

Deno.test("room guards config: bad input --room-rate and --room-expiry give a ConfigError", () => {
  for (
    const args of [
      ["--room-rate", "10"],
      ["--room-rate", "10:20:30"],
      ["--room-rate", "0:20"],
      ["--room-rate", "ten:20"],
      ["--room-rate", ""],
      ["--room-expiry", "30"],
      ["--room-expiry", "0d"],
      ["--room-expiry", "-1d"],
      ["--room-expiry", "forever"],
    ]
  ) {
    throws(() => parseServerConfig(args, {}), ConfigError, args.join(" "));
  }
});

Deno.test("room limiter: per account and per address, both counted or neither, per hour", () => {
  let now = 1_000_000;
  const limiter = new RoomCreationLimiter({ perAccount: 2, perAddress: 3 }, () => now);
  equal(limiter.take(1, "10.0.0.1"), 0);
  equal(limiter.take(1, "10.0.0.1"), 0);
  equal(limiter.take(1, "10.0.0.1"), ROOM_RATE_WINDOW_MS, "account 1 is at its limit");
  equal(limiter.take(2, "10.0.0.1"), 0, "a refusal of account 1 did not count for the address");
  equal(limiter.take(3, "10.0.0.1") > 0, true, "the address is at its limit");
  equal(limiter.take(3, "10.0.0.2"), 0, "account 3 was not counted when refused");
  // IPv6 addresses count by /64.
  equal(limiter.take(4, "2001:db8::1"), 0);
  equal(limiter.take(5, "2001:db8::2"), 0);
  equal(limiter.take(6, "2001:db8::3"), 0);
  equal(limiter.take(7, "2001:db8::4") > 0, true);
  now += ROOM_RATE_WINDOW_MS;
  equal(limiter.take(1, "10.0.0.1"), 0, "the window has passed");
  limiter.sweep();
});

Deno.test("room activity: only moves forward, flushes once, keeps changes when the store fails", async () => {
  const written: Map<number, number>[] = [];
  let fail = false;
  const store = {
    touchRooms(activity: ReadonlyMap<number, number>) {
      if (fail) return Promise.reject(new Error("database down"));
      written.push(new Map(activity));
      return Promise.resolve();
    },
  } as unknown as Store;
  const activity = new RoomActivity();
  activity.seed(1, 100);
  activity.touch(1, 50); // Older than the stored time: ignored.
  equal(activity.lastActive(1), 100);
  equal(activity.unsaved, 0);
  activity.touch(1, 200);
  activity.touch(2, 300);
  activity.seed(2, 10); // A stale stored time never hides a newer use.
  equal(activity.lastActive(2), 300);
  fail = true;
  await rejects(activity.flush(store), /database down/);
  equal(activity.unsaved, 2, "kept for the next flush");
  fail = false;
  await activity.flush(store);
  await activity.flush(store); // Nothing new: no write.
  assertEquals(written, [new Map([[1, 200], [2, 300]])]);
  activity.forget(2);
  equal(activity.lastActive(2), undefined);
});
