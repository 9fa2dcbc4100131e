/**
 * The client's reconnect delays: the one back-off formula of `lib/common/backoff.ts` with
 * the client's defaults and jitter always on, so clients of a restarted server spread out.
 */
import * as common from "../common/backoff.ts";

/** Settings of the client's back-off; each has the client's default. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. Default 250 ms. */
  baseMs?: number;
  /** Largest delay, before jitter. Default 10 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** The client's defaults filled in: the common formula's settings, with jitter. */
function _settings(options: BackoffOptions): common.BackoffOptions {
  return {
    baseMs: options.baseMs ?? 250,
    maxMs: options.maxMs ?? 10_000,
    random: options.random ?? Math.random,
  };
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): the capped exponential
 * delay, of which a random half is kept ("equal jitter").
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  return common.backoffDelay(attempt, _settings(options));
}

/**
 * Reconnect attempts of one client, counted across short-lived connections (see the common
 * {@linkcode common.Backoff}), with the client's defaults.
 */
export class Backoff extends common.Backoff {
  constructor(options: BackoffOptions = {}) {
    super(_settings(options));
  }
}
