/**
 * Per-account and per-address limits on room creation: at most N new rooms per account
 * and M per client address (IPv6 by /48) within an hour, so that one account, or one
 * machine with many accounts, cannot fill the server's room cap.
 */
import { addressKey } from "../../auth/address_key.ts";
import type { Clock } from "../../common/clock.ts";
import { TokenBucket, WindowCounter } from "../../common/rate_limit.ts";

/** Rooms per hour allowed to one account and to one address; null disables one. */
export interface RoomRateSettings {
  perAccount: number | null;
  perAddress: number | null;
}

/**
 * IPv6 addresses count for room creation by their /48: a /56 or /48 is cheap to hold, and
 * per /64 its 256+ networks would fill the server's room cap within the hour.
 */
export const ROOM_RATE_IPV6_PREFIX = 48;

/** The window both limits count in. */
export const ROOM_RATE_WINDOW_MS = 3_600_000;

/** Counts room creations per account and per address. */
export class RoomCreationLimiter {
  #accounts: WindowCounter | null;
  #addresses: WindowCounter | null;

  constructor(settings: RoomRateSettings, clock: Clock = Date.now) {
    this.#accounts = settings.perAccount === null
      ? null
      : new WindowCounter(settings.perAccount, ROOM_RATE_WINDOW_MS, clock);
    this.#addresses = settings.perAddress === null
      ? null
      : new WindowCounter(settings.perAddress, ROOM_RATE_WINDOW_MS, clock);
  }

  /**
   * Counts one creation by `accountId` from `host` and returns 0, or returns the
   * milliseconds until one would be allowed and counts nothing (both limits or neither).
   */
  take(accountId: number, host: string): number {
    const account = String(accountId);
    const address = addressKey(host, ROOM_RATE_IPV6_PREFIX);
    const wait = Math.max(this.#accounts?.wait(account) ?? 0, this.#addresses?.wait(address) ?? 0);
    if (wait > 0) return wait;
    this.#accounts?.record(account);
    this.#addresses?.record(address);
    return 0;
  }

  /** Forgets accounts and addresses with no creation in the window (call now and then). */
  sweep(): void {
    this.#accounts?.sweep();
    this.#addresses?.sweep();
  }
}

/** `join`/`leave` per session: a burst, then a steady rate (each pair is two events per member). */
export const JOIN_LEAVE_RATE = { burst: 20, perSecond: 2 } as const;

/** The `join`/`leave` bucket of each session (forgotten with the session). */
const _joinLeaveBuckets = new WeakMap<object, TokenBucket>();

/**
 * Takes one `join`/`leave` token of `session`: 0 when taken, else the milliseconds until
 * one is available (see {@linkcode JOIN_LEAVE_RATE}).
 */
export function takeJoinLeave(session: object, clock: Clock = Date.now): number {
  let bucket = _joinLeaveBuckets.get(session);
  if (!bucket) {
    bucket = new TokenBucket(JOIN_LEAVE_RATE.perSecond, JOIN_LEAVE_RATE.burst, clock);
    _joinLeaveBuckets.set(session, bucket);
  }
  return bucket.take();
}
