/**
 * Group commit: messages submitted while a commit is running are written together in the
 * next one, in one transaction, so throughput follows the batch size rather than the
 * number of fsyncs. Each message gets its sequence number and time when submitted, so the
 * order of submission is the order of the ids, of the commits and of the callbacks.
 */
import type { InsertOutcome, NewMessage, Store } from "../../store/store.ts";

/** A message as handed in: the writer adds `seq` and `ts`. */
export type Draft = Omit<NewMessage, "seq" | "ts">;

/** What the writer calls back, synchronously and in sequence order, for each submission. */
export interface WriterCallbacks<T> {
  /** The message is durable (or was a duplicate of a durable one: `outcome.status`). */
  stored(item: T, message: NewMessage, outcome: InsertOutcome): void;
  /** The batch could not be stored: nothing of it was kept. */
  failed(item: T, message: NewMessage, error: unknown): void;
}

interface Entry<T> {
  item: T;
  message: NewMessage;
  /** Resends of the same (sender, cid) submitted while this one was pending. */
  followers: Entry<T>[];
}

/** A batch given to the store and what became of it. */
interface Flight<T> {
  batch: Entry<T>[];
  done: boolean;
  outcomes: InsertOutcome[] | null;
  failure: unknown;
}

/** Options of a {@linkcode MessageWriter}. */
export interface WriterOptions {
  /** The first sequence number to hand out (last stored + 1). */
  nextSeq: number;
  /** Largest number of messages in one transaction. */
  maxBatch?: number;
  /**
   * Transactions that may be under way at once (default 2): with a networked database
   * the next batch is sent while the previous one commits. Callbacks keep the
   * submission order whatever order the commits finish in.
   */
  maxInFlight?: number;
  clock?: () => number;
}

/** Batches messages into transactions; see the module doc. */
export class MessageWriter<T> {
  #store: Store;
  #callbacks: WriterCallbacks<T>;
  #nextSeq: number;
  #maxBatch: number;
  #clock: () => number;
  #queue: Entry<T>[] = [];
  /** Pending entries by sender and cid. */
  #byCid = new Map<string, Entry<T>>();
  /** Batches being written, oldest first. */
  #inFlight: Flight<T>[] = [];
  #maxInFlight: number;
  #scheduled = false;
  /** Every message with a sequence number up to this one is settled (stored or failed). */
  #settledSeq: number;
  #seqWaiters: { seq: number; wake: () => void }[] = [];
  #idle: (() => void)[] = [];
  /** Commits done and their total time, for metrics. */
  commits = 0;
  commitMs = 0;

  constructor(store: Store, callbacks: WriterCallbacks<T>, options: WriterOptions) {
    this.#store = store;
    this.#callbacks = callbacks;
    this.#nextSeq = options.nextSeq;
    this.#settledSeq = options.nextSeq - 1;
    this.#maxBatch = options.maxBatch ?? 2_000;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#clock = options.clock ?? Date.now;
  }

  /** Messages submitted and not yet committed or failed. */
  get pending(): number {
    let n = this.#queue.length;
    for (const flight of this.#inFlight) n += flight.batch.length;
    return n;
  }

  /** The sequence number the last submitted message received. */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Queues a message; the callbacks report its fate. */
  submit(item: T, draft: Draft): void {
    const message: NewMessage = { ...draft, seq: this.#nextSeq++, ts: this.#clock() };
    const entry: Entry<T> = { item, message, followers: [] };
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

  #start(): void {
    if (this.#queue.length === 0 || this.#inFlight.length >= this.#maxInFlight) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    const started = performance.now();
    const flight: Flight<T> = { batch, done: false, outcomes: null, failure: null };
    this.#inFlight.push(flight);
    this.#store.insertMessages(batch.map((e) => e.message)).then(
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

  /** Reports finished batches in submission order: a later batch waits for earlier ones. */
  #settleDone(): void {
    while (this.#inFlight[0]?.done) {
      const flight = this.#inFlight.shift()!;
      flight.batch.forEach((entry, i) => {
        if (entry.message.cid !== null) {
          this.#byCid.delete(`${entry.message.senderId}\u0000${entry.message.cid}`);
        }
        if (flight.outcomes) this.#settleStored(entry, flight.outcomes[i]!);
        else this.#settleFailed(entry, flight.failure);
      });
      this.#settledSeq = Math.max(this.#settledSeq, flight.batch.at(-1)!.message.seq);
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

  #settleStored(entry: Entry<T>, outcome: InsertOutcome): void {
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

  #settleFailed(entry: Entry<T>, error: unknown): void {
    this.#callbacks.failed(entry.item, entry.message, error);
    for (const follower of entry.followers) {
      this.#callbacks.failed(follower.item, follower.message, error);
    }
  }
}
