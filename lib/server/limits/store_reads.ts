/**
 * Searches and unread counts: reads whose cost is the store's time, not the size of their
 * answer (a search of two frequent words that rarely meet examines every message holding
 * one of them: ~150 ms at 200,000 messages for a 100-byte reply), so the read budget, which
 * charges reply bytes, does not bound them. On SQLite the store is one thread: one account
 * looping such searches on 19 connections held every other user's `say` back by 3 s.
 *
 * Each account runs one such read at a time (its other connections wait their turn), and
 * the server at most {@linkcode STORE_READ_SLOTS} at once: whatever one account asks for,
 * the store keeps most of its time for everyone else's messages.
 */
import { TaskGate } from "../../common/task_gate.ts";

/** Costly reads under way at once, all accounts together. */
export const STORE_READ_SLOTS = 2;

/** The queue of costly store reads: per account, then server-wide. */
export class StoreReads {
  #gate: TaskGate;
  /** Per account, the end of its queue (resolves when its last read ends). */
  #tails = new Map<number, Promise<void>>();

  constructor(slots = STORE_READ_SLOTS) {
    this.#gate = new TaskGate(slots);
  }

  /** Reads under way now. */
  get running(): number {
    return this.#gate.running;
  }

  /** Accounts with a read under way or waiting. */
  get accounts(): number {
    return this.#tails.size;
  }

  /** Runs `read` once the account's earlier reads are done and a slot is free. */
  async run<T>(accountId: number, read: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(accountId);
    const { promise: done, resolve: finish } = Promise.withResolvers<void>();
    const tail = before ? before.then(() => done) : done;
    this.#tails.set(accountId, tail);
    try {
      await before;
      return await this.#gate.run(read);
    } finally {
      finish();
      if (this.#tails.get(accountId) === tail) this.#tails.delete(accountId);
    }
  }
}
