/** Reconnect delays: exponential backoff with jitter, so clients of a restarted server spread out. */

/** Settings of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. Default 250 ms. */
  baseMs?: number;
  /** Largest delay, before jitter. Default 10 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): the capped exponential
 * delay, of which a random half is kept ("equal jitter").
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 10_000;
  const random = options.random ?? Math.random;
  const capped = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/**
 * Reconnect attempts of one client, counted across short-lived connections: the count (and
 * so the delay) only goes back to the start once a connection proved healthy, so a server
 * that accepts and then drops every connection is retried ever more slowly, not in a loop.
 */
export class Backoff {
  #options: BackoffOptions;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#options = options;
  }

  /** Attempts made since the last healthy connection. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    return backoffDelay(this.#attempt++, this.#options);
  }

  /** A connection stayed healthy: the next outage starts with the shortest delay again. */
  reset(): void {
    this.#attempt = 0;
  }
}
