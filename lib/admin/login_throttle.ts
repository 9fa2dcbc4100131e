/**
 * Throttles failed admin logins per client address: the first five failures cost nothing,
 * then each further failure locks the address out for a delay that doubles (1 s, 2 s,
 * 4 s … up to 15 minutes). A success clears the address's record.
 */
import type { Clock } from "../server/rate_limit.ts";

/** Throttle parameters. */
export interface ThrottleOptions {
  /** Failures allowed before delays start (default 5). */
  freeFailures?: number;
  /** The first delay, in ms (default 1 s). */
  baseDelayMs?: number;
  /** The longest delay, in ms (default 15 minutes). */
  maxDelayMs?: number;
  /** A record with no failure for this long is forgotten (default 1 hour). */
  forgetAfterMs?: number;
}

interface Record {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/** Failed-login bookkeeping per client address (host only, without the port). */
export class LoginThrottle {
  #records = new Map<string, Record>();
  #clock: Clock;
  #free: number;
  #base: number;
  #max: number;
  #forget: number;

  constructor(clock: Clock = Date.now, options: ThrottleOptions = {}) {
    this.#clock = clock;
    this.#free = options.freeFailures ?? 5;
    this.#base = options.baseDelayMs ?? 1_000;
    this.#max = options.maxDelayMs ?? 15 * 60_000;
    this.#forget = options.forgetAfterMs ?? 3_600_000;
  }

  /** Milliseconds the host must still wait before trying again; 0 when it may try now. */
  wait(host: string): number {
    const record = this.#live(host);
    return record ? Math.max(0, record.lockedUntil - this.#clock()) : 0;
  }

  /** Records a failure; returns the delay (ms) now imposed, 0 while failures are free. */
  fail(host: string): number {
    const now = this.#clock();
    this.#sweep(now);
    const record = this.#live(host) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    record.failures += 1;
    record.lastFailure = now;
    const over = record.failures - this.#free;
    const delay = over > 0 ? Math.min(this.#max, this.#base * 2 ** Math.min(over - 1, 30)) : 0;
    record.lockedUntil = now + delay;
    this.#records.set(host, record);
    return delay;
  }

  /** Forgets the host's failures after a successful login. */
  succeed(host: string): void {
    this.#records.delete(host);
  }

  #live(host: string): Record | null {
    const record = this.#records.get(host);
    if (!record) return null;
    const now = this.#clock();
    if (now - record.lastFailure >= this.#forget && now >= record.lockedUntil) {
      this.#records.delete(host);
      return null;
    }
    return record;
  }

  #sweep(now: number): void {
    if (this.#records.size < 1024) return;
    for (const [host, record] of [...this.#records]) {
      if (now - record.lastFailure >= this.#forget && now >= record.lockedUntil) {
        this.#records.delete(host);
      }
    }
  }
}
