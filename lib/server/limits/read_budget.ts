/**
 * The cost limit on a connection's reads (`history`, `join`, `rooms`, `who`): a bucket of
 * bytes that each read is charged after it is answered, by a fixed part plus the bytes of
 * its reply, and that refills at a steady rate. A connection in debt is not refused: its
 * next read waits until the debt is paid, so pipelining thousands of reads costs the server
 * a bounded share of its time instead of monopolising it.
 */

/** Refill rate, in cost bytes per second. */
export const READ_BUDGET_RATE = 1024 * 1024;

/** Bucket size: what a connection may spend at once (a client's start: login and joins). */
export const READ_BUDGET_BURST = 4 * 1024 * 1024;

/** What every read costs besides its reply (a store query that returns nothing still costs). */
export const READ_BASE_COST = 2 * 1024;

/** Options of a {@linkcode ReadBudget}; the defaults are the constants above. */
export interface ReadBudgetOptions {
  ratePerSecond?: number;
  burst?: number;
  /** Milliseconds, monotonic; `performance.now` by default. */
  clock?: () => number;
}

/** A per-connection token bucket that may go into debt. */
export class ReadBudget {
  #rate: number;
  #burst: number;
  #clock: () => number;
  #tokens: number;
  #at: number;

  constructor(options: ReadBudgetOptions = {}) {
    this.#rate = options.ratePerSecond ?? READ_BUDGET_RATE;
    this.#burst = options.burst ?? READ_BUDGET_BURST;
    this.#clock = options.clock ?? (() => performance.now());
    if (!(this.#rate > 0) || !(this.#burst > 0)) {
      throw new RangeError("Cannot create read budget: rate and burst must be positive");
    }
    this.#tokens = this.#burst;
    this.#at = this.#clock();
  }

  /** Charges a read that was answered with `replyBytes` bytes. */
  charge(replyBytes: number): void {
    this.#refill();
    this.#tokens -= READ_BASE_COST + replyBytes;
  }

  /** Milliseconds until the debt is paid: 0 when the next read may run now. */
  delayMs(): number {
    this.#refill();
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }

  #refill(): void {
    const now = this.#clock();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
  }
}
