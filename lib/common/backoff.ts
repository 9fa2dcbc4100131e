/**
 * The one exponential back-off formula: the delay doubles from `baseMs` with each attempt up
 * to `maxMs`; with `random`, a random half of it is kept ("equal jitter"), so that many
 * clients of a restarted server spread out. Used by reconnecting clients, the MySQL
 * open retry, login throttles and accept loops.
 */

/** Settings of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay of attempt 0, before jitter. */
  baseMs: number;
  /** Largest delay, before jitter. */
  maxMs: number;
  /** Source of randomness in [0, 1) for jitter; absent = no jitter (the exact delay). */
  random?: () => number;
}

/**
 * The delay before attempt `attempt` (0 for the first; negative counts as 0):
 * `min(maxMs, baseMs · 2^attempt)`, of which a random upper half is kept when `random` is
 * given (rounded to whole milliseconds).
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)) || 0, 30);
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  if (!options.random) return capped;
  return Math.round(capped / 2 + options.random() * (capped / 2));
}

/**
 * Attempts of one retrying party, counted across short-lived successes: the count (and so
 * the delay) only goes back to the start on {@linkcode Backoff.reset}, so a peer that
 * accepts and then drops every connection is retried ever more slowly, not in a loop.
 */
export class Backoff {
  #options: BackoffOptions;
  #attempt = 0;

  constructor(options: BackoffOptions) {
    this.#options = options;
  }

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * The delay before the next attempt, at most `capMs` (before jitter) when given; counts
   * the attempt either way, so the delays grow as before once the cap is dropped.
   */
  next(capMs?: number): number {
    const options = capMs === undefined
      ? this.#options
      : { ...this.#options, maxMs: Math.min(this.#options.maxMs, capMs) };
    return backoffDelay(this.#attempt++, options);
  }

  /** The last attempt succeeded for good: the next failure starts with the shortest delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
