/** Rate limiting primitives: a token bucket and a sliding-window counter per key. */
import type { Clock } from "./clock.ts";

// Re-exported while importers move to `clock.ts` (its one home); remove once none is left.
export type { Clock };

/** Token bucket: `burst` tokens, refilled at `ratePerSecond`. */
export class TokenBucket {
  #rate: number;
  #burst: number;
  #tokens: number;
  #at: number;
  #clock: Clock;

  constructor(ratePerSecond: number, burst: number, clock: Clock = Date.now) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#tokens = burst;
    this.#clock = clock;
    this.#at = clock();
  }

  /** Takes one token; returns 0 when taken, else the milliseconds until one is available. */
  take(): number {
    const now = this.#clock();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }
}

/**
 * Counts events per key within a sliding window; `hit` refuses past `max`. Keys with no
 * recent events are forgotten, so memory follows the active keys only.
 */
export class WindowCounter {
  #max: number;
  #windowMs: number;
  #clock: Clock;
  #hits = new Map<string, number[]>();

  constructor(max: number, windowMs: number, clock: Clock = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  /** Records an event for `key`; returns 0 when allowed, else ms until one would be. */
  hit(key: string): number {
    const now = this.#clock();
    const recent = this.#recent(key, now);
    if (recent.length >= this.#max) return recent[0]! + this.#windowMs - now;
    recent.push(now);
    this.#hits.set(key, recent);
    return 0;
  }

  /** Milliseconds until an event for `key` would be allowed; 0 now. Records nothing. */
  wait(key: string): number {
    const now = this.#clock();
    const recent = this.#recent(key, now);
    return recent.length >= this.#max ? recent[0]! + this.#windowMs - now : 0;
  }

  /** Events recorded for `key` within the window. */
  count(key: string): number {
    return this.#recent(key, this.#clock()).length;
  }

  /** Forgets `key` (e.g. after a successful login). */
  reset(key: string): void {
    this.#hits.delete(key);
  }

  /**
   * Takes back one event of `key` within the window: a `hit` that reserved a place for an
   * action that then failed or did nothing. Reserving before an `await` and releasing on
   * failure keeps concurrent requests from all passing a `wait` check at once.
   */
  release(key: string): void {
    const hits = this.#hits.get(key);
    if (!hits) return;
    hits.pop();
    if (hits.length === 0) this.#hits.delete(key);
  }

  /** Records an event without checking the limit. */
  record(key: string): void {
    const now = this.#clock();
    const recent = this.#recent(key, now);
    recent.push(now);
    this.#hits.set(key, recent);
  }

  #recent(key: string, now: number): number[] {
    const hits = this.#hits.get(key);
    if (!hits) return [];
    let drop = 0;
    while (drop < hits.length && hits[drop]! <= now - this.#windowMs) drop++;
    if (drop > 0) hits.splice(0, drop);
    if (hits.length === 0) this.#hits.delete(key);
    return hits;
  }

  /** Keys with events in memory (swept or not). */
  get size(): number {
    return this.#hits.size;
  }

  /** Drops every key whose events are all outside the window (call now and then). */
  sweep(): void {
    const now = this.#clock();
    for (const key of [...this.#hits.keys()]) this.#recent(key, now);
  }
}
