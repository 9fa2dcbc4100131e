/**
 * How far the cluster's log has been written into the database (the last entry applied),
 * as this instance knows it: the applier's notices on NATS, and the database itself when a
 * reader has waited a little. A read of messages (history, search, a message's check)
 * waits until the database holds every entry this instance has delivered, so that what a
 * client saw as an event is in what it reads back.
 */
import { StoreUnavailableError } from "../store/store.ts";

/** How long a read waits for the database to catch up before answering `unavailable`. */
const WAIT_MS = 10_000;

/** How often a waiting reader asks the database itself. */
const POLL_MS = 100;

/** The applied position and the readers waiting for it. */
export class AppliedPosition {
  #applied: number;
  #read: () => Promise<number>;
  #waiters: { entry: number; wake: () => void }[] = [];
  #polling = false;

  /** `read` gets the position from the database. */
  constructor(initial: number, read: () => Promise<number>) {
    this.#applied = initial;
    this.#read = read;
  }

  /** The last entry known to be applied. */
  get applied(): number {
    return this.#applied;
  }

  /** Records a position heard of (it only moves forward). */
  update(entry: number): void {
    if (!(entry > this.#applied)) return;
    this.#applied = entry;
    const ready = this.#waiters.filter((w) => w.entry <= entry);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.entry > entry);
    for (const waiter of ready) waiter.wake();
  }

  /**
   * Resolves once entry `entry` is applied; rejects with StoreUnavailableError after
   * {@linkcode WAIT_MS} (the database is down or far behind).
   */
  async waitFor(entry: number, timeoutMs = WAIT_MS): Promise<void> {
    if (entry <= this.#applied) return;
    const { promise, resolve } = Promise.withResolvers<void>();
    const waiter = { entry, wake: resolve };
    this.#waiters.push(waiter);
    void this.#poll();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new StoreUnavailableError("the database has not caught up with the cluster's log"),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks the database now and then while someone waits (a notice may have been missed). */
  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      while (this.#waiters.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        if (this.#waiters.length === 0) break;
        try {
          this.update(await this.#read());
        } catch {
          // The database is down: the waiters time out.
        }
      }
    } finally {
      this.#polling = false;
    }
  }
}
