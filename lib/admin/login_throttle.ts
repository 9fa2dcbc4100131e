/**
 * Throttles failed admin credentials (passwords and bearer tokens) per client address
 * (IPv6 by its /64). The first five failures cost nothing; then each further failure makes
 * the address wait a delay that doubles (1 s, 2 s, 4 s …) up to 30 s — a growing delay,
 * never a lockout: every local process shares 127.0.0.1 with the real admin, so a hard
 * lock (or a long one) would let any of them keep the admin out. 30 s between guesses
 * still leaves an attacker under 3,000 guesses a day against a 144-bit password.
 *
 * An attempt is counted when it STARTS ({@linkcode LoginThrottle.begin}), and an address
 * has at most one verification in flight: concurrent guesses are refused before the slow
 * hash runs, instead of all being evaluated. A success clears the address's record.
 *
 * A login that presents a valid device cookie (`device_cookie.ts`) is throttled on the
 * cookie's own key instead of the address's ({@linkcode LoginThrottle.beginDevice}), and
 * outside the cap of verifications in flight: a flood from the same address (every local
 * process is 127.0.0.1) cannot hold back a browser that has logged in before. The whole
 * loopback range 127.0.0.0/8 is one key, so a local process gains nothing by spreading
 * its guesses over 127.x.y.z.
 */
import { backoffDelay } from "../common/backoff.ts";
import type { Clock } from "../common/clock.ts";

/** Throttle parameters. */
export interface ThrottleOptions {
  /** Failures allowed before delays start (default 5). */
  freeFailures?: number;
  /** The first delay, in ms (default 1 s). */
  baseDelayMs?: number;
  /** The longest delay, in ms (default 30 s). */
  maxDelayMs?: number;
  /** A record with no failure for this long is forgotten (default 1 hour). */
  forgetAfterMs?: number;
  /** Verifications in flight at once over all addresses (default 4). */
  maxInFlight?: number;
}

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
  inFlight: boolean;
}

/** Why an attempt may not start now. */
export type Refusal =
  | { reason: "wait"; waitMs: number }
  | { reason: "busy" };

/** A started attempt: settle it exactly once. */
export interface Attempt {
  /** The attempt failed: counts toward the delays. Returns the delay now imposed (ms). */
  fail(): number;
  /** The attempt succeeded: forgets the address's failures. */
  succeed(): void;
}

/**
 * The throttle key of a client host: the address, an IPv6 address's /64 prefix, or
 * `127.0.0.0/8` for any IPv4 loopback address; an IPv4-mapped IPv6 address as its IPv4.
 */
export function throttleKey(host: string): string {
  // An IPv4 client of a dual-stack listener (`--admin-host ::`) arrives as `::ffff:a.b.c.d`:
  // the same host, keyed as its IPv4 address.
  const mapped = /^\[?::ffff:(\d{1,3}(?:\.\d{1,3}){3})\]?$/i.exec(host);
  if (mapped) host = mapped[1]!;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return "127.0.0.0/8";
  if (!host.includes(":")) return host;
  const groups = expandIpv6(host);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : host;
}

/** Failed-credential bookkeeping per client address. */
export class LoginThrottle {
  #entries = new Map<string, Entry>();
  #clock: Clock;
  #free: number;
  #base: number;
  #max: number;
  #forget: number;
  #maxInFlight: number;
  #inFlight = 0;

  constructor(clock: Clock = Date.now, options: ThrottleOptions = {}) {
    this.#clock = clock;
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 1_000;
    this.#max = options.maxDelayMs ?? 30_000;
    this.#forget = options.forgetAfterMs ?? 3_600_000;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  /** Milliseconds the host must still wait before trying again; 0 when it may try now. */
  wait(host: string): number {
    const entry = this.#live(throttleKey(host));
    return entry ? Math.max(0, entry.lockedUntil - this.#clock()) : 0;
  }

  /** Starts an attempt from `host`, or says why it may not start now. */
  begin(host: string): Attempt | Refusal {
    return this.#begin(throttleKey(host), true);
  }

  /**
   * Starts an attempt that presented a valid device cookie, throttled on `deviceKey` (see
   * `DeviceCookies.keyOf`) alone and not counted in the cap of verifications in flight.
   */
  beginDevice(deviceKey: string): Attempt | Refusal {
    return this.#begin(`device:${deviceKey}`, false);
  }

  #begin(key: string, capped: boolean): Attempt | Refusal {
    const now = this.#clock();
    const entry = this.#live(key);
    if (entry && entry.lockedUntil > now) {
      return { reason: "wait", waitMs: entry.lockedUntil - now };
    }
    if (entry?.inFlight || (capped && this.#inFlight >= this.#maxInFlight)) {
      return { reason: "busy" };
    }
    this.#sweep(now);
    const record = entry ?? { failures: 0, lastFailure: now, lockedUntil: 0, inFlight: false };
    record.inFlight = true;
    this.#entries.set(key, record);
    if (capped) this.#inFlight++;
    let settled = false;
    const settle = () => {
      if (settled) throw new Error("attempt already settled");
      settled = true;
      record.inFlight = false;
      if (capped) this.#inFlight--;
    };
    return {
      fail: () => {
        settle();
        return this.#failed(key, record);
      },
      succeed: () => {
        settle();
        this.#entries.delete(key);
      },
    };
  }

  /** Records a failure that needed no verification (a bad bearer token); returns the delay. */
  fail(host: string): number {
    const key = throttleKey(host);
    const now = this.#clock();
    this.#sweep(now);
    const record = this.#live(key) ??
      { failures: 0, lastFailure: now, lockedUntil: 0, inFlight: false };
    this.#entries.set(key, record);
    return this.#failed(key, record);
  }

  #failed(key: string, record: Entry): number {
    const now = this.#clock();
    record.failures += 1;
    record.lastFailure = now;
    const over = record.failures - this.#free;
    const delay = over > 0 ? backoffDelay(over - 1, { baseMs: this.#base, maxMs: this.#max }) : 0;
    record.lockedUntil = now + delay;
    this.#entries.set(key, record);
    return delay;
  }

  #live(key: string): Entry | null {
    const entry = this.#entries.get(key);
    if (!entry) return null;
    if (!entry.inFlight && this.#stale(entry, this.#clock())) {
      this.#entries.delete(key);
      return null;
    }
    return entry;
  }

  #stale(entry: Entry, now: number): boolean {
    return now - entry.lastFailure >= this.#forget && now >= entry.lockedUntil;
  }

  #sweep(now: number): void {
    if (this.#entries.size < 1024) return;
    for (const [key, entry] of [...this.#entries]) {
      if (!entry.inFlight && this.#stale(entry, now)) this.#entries.delete(key);
    }
  }
}

function expandIpv6(host: string): string[] | null {
  const bare = host.replace(/^\[|\]$/g, "").split("%")[0]!;
  if (bare.includes(".")) return null; // IPv4-mapped: keep whole
  const [head, tail, extra] = bare.split("::");
  if (extra !== undefined) return null;
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...Array(missing).fill("0"), ...right].map((g) =>
    g.toLowerCase().replace(/^0+(?=.)/, "")
  );
}
