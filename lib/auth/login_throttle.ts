/**
 * Growing delays after failed logins, counted in one sliding window (10 minutes) by three
 * keys: the client's address (its /64 for IPv6), the (account, address) pair, and the
 * account from every address together. The first two allow a few free failures; the
 * account-wide one allows many more, and counts at most a few failures of each address, so
 * that someone guessing from one address slows down only there, while the account's owner
 * logging in from a fresh address is not delayed unless the account is attacked from many
 * addresses at once.
 */
import { backoffDelay } from "../common/backoff.ts";
import type { WindowCounter } from "../common/rate_limit.ts";
import { addressKey } from "./address_key.ts";

/** Failed logins from one address, or for one account from one address, before delays. */
export const FREE_FAILURES = 5;

/** Failed logins for one account from all addresses together before delays. */
export const FREE_ACCOUNT_FAILURES = 100;

/**
 * Failures one address adds at most to its account's count within the window. Past it,
 * that address is slowed down on its own (its own keys), but cannot delay the account's
 * owner elsewhere: that takes failures from at least
 * `FREE_ACCOUNT_FAILURES / ACCOUNT_SHARE_PER_ADDRESS` (10) addresses.
 */
export const ACCOUNT_SHARE_PER_ADDRESS = 10;

/** The longest delay. */
export const MAX_DELAY_MS = 8_000;

/** The first delay, doubled with each further failure. */
const BASE_DELAY_MS = 250;

function _keys(host: string, nameKey: string): { address: string; pair: string; account: string } {
  const address = addressKey(host);
  return { address, pair: `pair:${nameKey}@${address}`, account: `user:${nameKey}` };
}

/** How long to wait before checking a login for `nameKey` from `host` (0: at once). */
export function loginDelay(failures: WindowCounter, host: string, nameKey: string): number {
  const keys = _keys(host, nameKey);
  const excess = Math.max(
    failures.count(keys.address) - FREE_FAILURES,
    failures.count(keys.pair) - FREE_FAILURES,
    failures.count(keys.account) - FREE_ACCOUNT_FAILURES,
  );
  if (excess < 0) return 0;
  return backoffDelay(excess, { baseMs: BASE_DELAY_MS, maxMs: MAX_DELAY_MS });
}

/** Counts a failed login; `accountExists` false counts the address only. */
export function recordLoginFailure(
  failures: WindowCounter,
  host: string,
  nameKey: string,
  accountExists: boolean,
): void {
  const keys = _keys(host, nameKey);
  failures.record(keys.address);
  if (!accountExists) return;
  failures.record(keys.pair);
  if (failures.count(keys.pair) <= ACCOUNT_SHARE_PER_ADDRESS) failures.record(keys.account);
}

/** Forgets the failures of this account from this address after a success. */
export function recordLoginSuccess(failures: WindowCounter, host: string, nameKey: string): void {
  failures.reset(_keys(host, nameKey).pair);
}
