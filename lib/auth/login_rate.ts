/**
 * A rate on password logins (the argon2 check costs 10–25 ms of CPU; token logins are a MAC
 * check and are not counted): a token bucket per client address (IPv6 by /64) and one per
 * account. The address bucket is spent by every password login from it; the account bucket
 * only by successful ones, so that nobody who lacks the password can spend another's (wrong
 * passwords are slowed down by the failed-login delays of `login_throttle.ts`).
 */
import type { Clock } from "../common/clock.ts";
import { addressKey } from "./address_key.ts";

/** A bucket's size and refill. */
export interface BucketRate {
  /** Logins allowed at once. */
  burst: number;
  /** Logins per second once the burst is spent. */
  perSecond: number;
}

/** Password logins per address: a class of 40 behind one NAT logs in at once. */
export const ADDRESS_LOGIN_RATE: BucketRate = { burst: 60, perSecond: 1 };

/** Successful password logins per account: a few devices at once, then one per 6 s. */
export const ACCOUNT_LOGIN_RATE: BucketRate = { burst: 10, perSecond: 1 / 6 };

/** How often buckets that have filled up again are forgotten. */
const SWEEP_MS = 60_000;

/** Token buckets by key, kept only while not full. */
class KeyedBuckets {
  #rate: BucketRate;
  #clock: Clock;
  #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(rate: BucketRate, clock: Clock) {
    this.#rate = rate;
    this.#clock = clock;
  }

  /** Tokens of `key` now (may be below 0 after concurrent takes). */
  #level(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return this.#rate.burst;
    return Math.min(
      this.#rate.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.#rate.perSecond,
    );
  }

  /** Milliseconds until `key` has a token; 0 when it has one now. */
  wait(key: string): number {
    const level = this.#level(key, this.#clock());
    return level >= 1 ? 0 : Math.ceil(((1 - level) / this.#rate.perSecond) * 1000);
  }

  /** Takes a token of `key` (the level may go below 0). */
  take(key: string): void {
    const now = this.#clock();
    this.#buckets.set(key, { tokens: this.#level(key, now) - 1, at: now });
  }

  /** Forgets the buckets that are full again. */
  sweep(): void {
    const now = this.#clock();
    for (const key of [...this.#buckets.keys()]) {
      if (this.#level(key, now) >= this.#rate.burst) this.#buckets.delete(key);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/** The password-login rate of one server (see the module doc). */
export class PasswordLoginRate {
  #addresses: KeyedBuckets;
  #accounts: KeyedBuckets;
  #clock: Clock;
  #lastSweep: number;

  constructor(
    clock: Clock = Date.now,
    rates: { address: BucketRate; account: BucketRate } = {
      address: ADDRESS_LOGIN_RATE,
      account: ACCOUNT_LOGIN_RATE,
    },
  ) {
    this.#clock = clock;
    this.#addresses = new KeyedBuckets(rates.address, clock);
    this.#accounts = new KeyedBuckets(rates.account, clock);
    this.#lastSweep = clock();
  }

  /**
   * Before a password is checked: 0 when the login may go ahead (one token of the address
   * is taken), else the milliseconds to wait (nothing taken). `nameKey` is the folded name.
   */
  begin(host: string, nameKey: string): number {
    this.#maybeSweep();
    const address = addressKey(host);
    const wait = Math.max(this.#addresses.wait(address), this.#accounts.wait(nameKey));
    if (wait > 0) return wait;
    this.#addresses.take(address);
    return 0;
  }

  /** After a password was right: spends one token of the account. */
  succeeded(nameKey: string): void {
    this.#accounts.take(nameKey);
  }

  /** Addresses and accounts with a bucket in memory (not full). */
  get size(): number {
    return this.#addresses.size + this.#accounts.size;
  }

  #maybeSweep(): void {
    const now = this.#clock();
    if (now - this.#lastSweep < SWEEP_MS) return;
    this.#lastSweep = now;
    this.#addresses.sweep();
    this.#accounts.sweep();
  }
}
