/**
 * Per-account and per-address limits on room creation: at most N new rooms per account
 * and M per client address (IPv6 by /64) within an hour, so that one account, or one
 * machine with many accounts, cannot fill the server's room cap.
 */
import { addressKey } from "../../auth/address_key.ts";
import type { Clock } from "../../common/clock.ts";
import { WindowCounter } from "../../common/rate_limit.ts";

/** Rooms per hour allowed to one account and to one address; null disables one. */
export interface RoomRateSettings {
  perAccount: number | null;
  perAddress: number | null;
}

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
    const address = addressKey(host);
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
