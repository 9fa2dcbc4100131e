/**
 * Group commit: operations submitted while a commit is running are written together in
 * the next one, in one transaction, so throughput follows the batch size rather than the
 * number of fsyncs. An operation is a new message (`say`, `dm`) or a change to a stored
 * one (`edit`, `delete`). Each new message gets its sequence number and time when
 * submitted, so the order of submission is the order of the ids, of the commits and of the
 * callbacks; changes keep their place in that order too.
 *
 * Batches of new messages only may overlap (`maxInFlight`); a batch holding a change runs
 * alone, so two transactions never change the same row in an order other than the
 * submission order. Changes are rare: the `say` path is as before.
 */
import type {
  InsertOutcome,
  MessageChange,
  MessageOp,
  NewMessage,
  OpOutcome,
  Store,
} from "../../store/store.ts";
import type { Draft, MessageLog } from "./message_log.ts";

export type { Draft };

/** What became of a change: applied, or the message is gone (unknown or deleted). */
export type ChangeOutcome = "stored" | "missing";

/**
 * What the writer calls back, synchronously and in submission order, for each operation:
 * `T` is what a new message is submitted with, `C` what a change is submitted with.
 */
export interface WriterCallbacks<T, C = T> {
  /** The message is durable (or was a duplicate of a durable one: `outcome.status`). */
  stored(item: T, message: NewMessage, outcome: InsertOutcome): void;
  /** The change is durable, or changed nothing because the message is gone. */
  changed(item: C, change: MessageChange, outcome: ChangeOutcome): void;
  /** The batch could not be stored: nothing of it was kept. */
  failed(item: T | C, op: NewMessage | MessageChange, error: unknown): void;
  /**
   * Optional brackets around the callbacks of one settled batch (called synchronously:
   * nothing else runs between them), so that the delivery can send a run of messages to
   * the same room as one buffer instead of one frame per message per member.
   */
  batchStart?(): void;
  batchEnd?(): void;
}

interface InsertEntry<T> {
  item: T;
  message: NewMessage;
  change?: undefined;
  /** Resends of the same (sender, cid) submitted while this one was pending. */
  followers: InsertEntry<T>[];
}

interface ChangeEntry<C> {
  item: C;
  change: MessageChange;
  message?: undefined;
}

type Entry<T, C> = InsertEntry<T> | ChangeEntry<C>;

/** A batch given to the store and what became of it. */
interface Flight<T, C> {
  batch: Entry<T, C>[];
  /** Holds a change: no other batch runs beside it. */
  exclusive: boolean;
  /** The highest sequence number of its new messages (0 when none). */
  lastSeq: number;
  done: boolean;
  outcomes: readonly OpOutcome[] | null;
  failure: unknown;
}

/** Options of a {@linkcode MessageWriter}. */
export interface WriterOptions {
  /** The first sequence number to hand out (last stored + 1). */
  nextSeq: number;
  /** Largest number of operations in one transaction. */
  maxBatch?: number;
  /**
   * Transactions that may be under way at once (default 2): with a networked database
   * the next batch is sent while the previous one commits. Callbacks keep the
   * submission order whatever order the commits finish in.
   */
  maxInFlight?: number;
  clock?: () => number;
}

/** Batches message operations into transactions; see the module doc. */
export class MessageWriter<T, C = T> implements MessageLog<T, C> {
  #store: Store;
  #callbacks: WriterCallbacks<T, C>;
  #nextSeq: number;
  #maxBatch: number;
  #clock: () => number;
  #queue: Entry<T, C>[] = [];
  /** Changes in `#queue` (0 on the `say` path: no scan). */
  #queuedChanges = 0;
  /** Pending entries by sender and cid. */
  #byCid = new Map<string, InsertEntry<T>>();
  /** Batches being written, oldest first. */
  #inFlight: Flight<T, C>[] = [];
  #maxInFlight: number;
  #scheduled = false;
  /** Every message with a sequence number up to this one is settled (stored or failed). */
  #settledSeq: number;
  #seqWaiters: { seq: number; wake: () => void }[] = [];
  #idle: (() => void)[] = [];
  /** Commits done and their total time, for metrics. */
  commits = 0;
  commitMs = 0;

  constructor(store: Store, callbacks: WriterCallbacks<T, C>, options: WriterOptions) {
    this.#store = store;
    this.#callbacks = callbacks;
    this.#nextSeq = options.nextSeq;
    this.#settledSeq = options.nextSeq - 1;
    this.#maxBatch = options.maxBatch ?? 2_000;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#clock = options.clock ?? Date.now;
  }

  /** Operations submitted and not yet committed or failed. */
  get pending(): number {
    let n = this.#queue.length;
    for (const flight of this.#inFlight) n += flight.batch.length;
    return n;
  }

  /** The sequence number the last submitted message received. */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** The writer's clock (edit times come from it too). */
  now(): number {
    return this.#clock();
  }

  /** Queues a message; the callbacks report its fate. */
  submit(item: T, draft: Draft): void {
    const message: NewMessage = { ...draft, seq: this.#nextSeq++, ts: this.#clock() };
    const entry: InsertEntry<T> = { item, message, followers: [] };
    if (draft.cid !== null) {
      const key = `${draft.senderId}\u0000${draft.cid}`;
      const first = this.#byCid.get(key);
      if (first) {
        first.followers.push(entry);
        return;
      }
      this.#byCid.set(key, entry);
    }
    this.#queue.push(entry);
    this.#schedule();
  }

  /** Queues an edit or a deletion, after everything submitted before it. */
  submitChange(item: C, change: MessageChange): void {
    this.#queue.push({ item, change });
    this.#queuedChanges++;
    this.#schedule();
  }

  /** Resolves once every message up to sequence number `seq` is committed or failed. */
  settledThrough(seq: number): Promise<void> {
    if (seq <= this.#settledSeq) return Promise.resolve();
    return new Promise((wake) => this.#seqWaiters.push({ seq, wake }));
  }

  /** Resolves once everything submitted so far is committed or failed. */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Starts the next batch after the event loop's next turn, so that it holds everything
   * already read: a synchronous store (SQLite) blocks the loop while committing, and
   * without the wait each batch would hold only the messages of one read.
   */
  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    if (this.#inFlight.length >= this.#maxInFlight) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      this.#start();
    }, 0);
  }

  /**
   * How many queued entries the next batch takes, and whether it runs alone; 0 when it
   * must wait for the batches under way (a change waits for them to finish).
   */
  #nextBatch(): { size: number; exclusive: boolean } {
    const size = Math.min(this.#queue.length, this.#maxBatch);
    if (this.#inFlight.some((flight) => flight.exclusive)) return { size: 0, exclusive: false };
    if (this.#queuedChanges === 0) return { size, exclusive: false };
    const firstChange = this.#queue.findIndex((entry) => entry.change !== undefined);
    if (firstChange === -1 || firstChange >= size) return { size, exclusive: false };
    if (this.#inFlight.length === 0) return { size, exclusive: true };
    // New messages before the change may still overlap the batches under way.
    return { size: firstChange, exclusive: false };
  }

  #start(): void {
    if (this.#queue.length === 0 || this.#inFlight.length >= this.#maxInFlight) return;
    const { size, exclusive } = this.#nextBatch();
    if (size === 0) return;
    const batch = this.#queue.splice(0, size);
    let lastSeq = 0;
    for (const entry of batch) {
      if (entry.change !== undefined) this.#queuedChanges--;
      else lastSeq = entry.message.seq;
    }
    const started = performance.now();
    const flight: Flight<T, C> = {
      batch,
      exclusive,
      lastSeq,
      done: false,
      outcomes: null,
      failure: null,
    };
    this.#inFlight.push(flight);
    const write: Promise<readonly OpOutcome[]> = exclusive
      ? this.#store.writeMessages(batch.map(toOp))
      : this.#store.insertMessages(batch.map((entry) => entry.message!));
    write.then(
      (outcomes) => flight.outcomes = outcomes,
      (error) => flight.failure = error ?? new Error("store failed"),
    ).finally(() => {
      flight.done = true;
      this.commits++;
      this.commitMs += performance.now() - started;
      this.#settleDone();
    });
    this.#schedule();
  }

  /**
   * Reports finished batches in submission order: a later batch waits for earlier ones.
   * The next batch is handed to the store first (it holds what arrived during the commit),
   * so that its commit runs while this one's messages are answered and fanned out.
   */
  #settleDone(): void {
    while (this.#inFlight[0]?.done) {
      const flight = this.#inFlight.shift()!;
      this.#start();
      this.#callbacks.batchStart?.();
      try {
        this.#settleBatch(flight);
      } finally {
        this.#callbacks.batchEnd?.();
      }
      this.#settledSeq = Math.max(this.#settledSeq, flight.lastSeq);
    }
    this.#schedule();
    const idle = this.#queue.length === 0 && this.#inFlight.length === 0;
    // Resends that only followed a pending original are settled with it.
    if (idle) this.#settledSeq = this.lastSeq;
    const ready = this.#seqWaiters.filter((w) => w.seq <= this.#settledSeq);
    this.#seqWaiters = this.#seqWaiters.filter((w) => w.seq > this.#settledSeq);
    for (const waiter of ready) waiter.wake();
    if (idle) {
      const idle = this.#idle;
      this.#idle = [];
      for (const wake of idle) wake();
    }
  }

  /** Calls back every operation of a finished batch, in submission order. */
  #settleBatch(flight: Flight<T, C>): void {
    flight.batch.forEach((entry, i) => {
      if (entry.change !== undefined) {
        this.#settleChange(entry, flight.outcomes?.[i], flight.failure);
        return;
      }
      if (entry.message.cid !== null) {
        this.#byCid.delete(`${entry.message.senderId}\u0000${entry.message.cid}`);
      }
      if (flight.outcomes) this.#settleStored(entry, flight.outcomes[i] as InsertOutcome);
      else this.#settleFailed(entry, flight.failure);
    });
  }

  #settleChange(entry: ChangeEntry<C>, outcome: OpOutcome | undefined, failure: unknown): void {
    if (outcome === undefined) {
      this.#callbacks.failed(entry.item, entry.change, failure);
      return;
    }
    const status = outcome.status === "missing" ? "missing" : "stored";
    this.#callbacks.changed(entry.item, entry.change, status);
  }

  #settleStored(entry: InsertEntry<T>, outcome: InsertOutcome): void {
    this.#callbacks.stored(entry.item, entry.message, outcome);
    const original = outcome.status === "stored"
      ? { seq: entry.message.seq, ts: entry.message.ts }
      : { seq: outcome.seq, ts: outcome.ts };
    for (const follower of entry.followers) {
      this.#callbacks.stored(follower.item, follower.message, {
        status: "duplicate",
        ...original,
      });
    }
  }

  #settleFailed(entry: InsertEntry<T>, error: unknown): void {
    this.#callbacks.failed(entry.item, entry.message, error);
    for (const follower of entry.followers) {
      this.#callbacks.failed(follower.item, follower.message, error);
    }
  }
}

/** An entry as the store's operation. */
function toOp<T, C>(entry: Entry<T, C>): MessageOp {
  return entry.change ?? { op: "insert", message: entry.message };
}
