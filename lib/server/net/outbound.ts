/**
 * The outbound side of one connection: a bounded queue of encoded frames and one pump that
 * merges everything queued into one buffer per write and loops on partial writes.
 *
 * Frames queued in the same tick go out in one `write` (the pump starts in a microtask), so
 * a broadcast of a batch costs each connection one system call, not one per message; a
 * large entry (a run of room messages shared by every member) is written without a copy.
 *
 * Replies and events are counted apart: the limit that makes a reader "slow" applies to
 * events only. Replies are bounded by the reader's side instead (the next request of a
 * connection is not handled while its queue holds more than a threshold, see
 * {@linkcode Outbound.whenBelow}), so a client that asks for large pages and reads them is
 * never cut, and one that stops reading holds at most about one reply plus its events.
 */

/** Where bytes go: a TCP or TLS connection, or anything with the same two methods. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

/** Largest buffer assembled for one write. */
const MAX_WRITE = 64 * 1024;

/**
 * A queued entry of at least this size is written as it is, never copied into a merge
 * buffer: the delivery hands a run of room messages to every member as one shared buffer
 * (`Fanout.begin`), and copying it once per member would undo that.
 */
const WRITE_AS_IS = 16 * 1024;

/**
 * How long the queue may stay over its limit before the reader counts as slow, and how
 * far over the limit it may grow meanwhile. One large burst (a big batch broadcast in one
 * tick) overshoots briefly even for a reader that keeps up; a stalled one stays over.
 */
const OVER_LIMIT_GRACE_MS = 1_000;
const HARD_LIMIT_FACTOR = 4;

/**
 * Past the grace period, a reader whose write under way has waited less than this is still
 * reading (a busy client on a loaded machine): it is cut only at the hard limit, while its
 * room's senders are slowed down (back-pressure on `say`). One that stopped reading has a
 * write waiting for ever and is cut once the grace period is over.
 */
const STILL_READING_MS = 500;

/**
 * A reader that reads, but too little to bring its backlog under the limit for this long, is
 * cut all the same: otherwise a client reading a trickle (a few hundred bytes a second) would
 * hold its room's senders back for as long as it likes.
 */
const SLOW_READER_GRACE_MS = 10_000;

/**
 * Write buffers, reused: assembling a batch in a fresh buffer for every connection on every
 * tick made most of the server's garbage (a 500-member room: 500 buffers per tick, each
 * counted as external memory, which forced a scavenge every few hundred ms and full
 * collections besides). A buffer is taken when a batch is assembled and given back once
 * written; the pool keeps at most {@linkcode POOL_MAX_BYTES}, so idle connections hold none.
 */
const POOL_MAX_BYTES = 8 * 1024 * 1024;
const pool = new Map<number, Uint8Array[]>();
let pooledBytes = 0;

/** The size class of a batch of `size` bytes: a power of two from 4 KiB. */
function sizeClass(size: number): number {
  let cls = 4096;
  while (cls < size) cls *= 2;
  return cls;
}

/** A buffer of at least `size` bytes (its contents are stale). */
function takeBuffer(size: number): Uint8Array {
  const cls = sizeClass(size);
  const free = pool.get(cls)?.pop();
  if (free === undefined) return new Uint8Array(cls);
  pooledBytes -= cls;
  return free;
}

/** Gives a buffer from {@linkcode takeBuffer} back, once nothing refers to it any more. */
function giveBuffer(buffer: Uint8Array): void {
  if (pooledBytes + buffer.length > POOL_MAX_BYTES) return;
  let free = pool.get(buffer.length);
  if (!free) pool.set(buffer.length, free = []);
  free.push(buffer);
  pooledBytes += buffer.length;
}

/** Bounded, merging writer for one connection. */
export class Outbound {
  #sink: ByteSink;
  #limit: number;
  #queue: Uint8Array[] = [];
  /** Bytes queued or being written. */
  #bytes = 0;
  /** Frames of {@linkcode sendReply} still queued (by identity: each is encoded once). */
  #replies = new Set<Uint8Array>();
  /** Bytes of replies queued or being written. */
  #replyBytes = 0;
  /** Reply bytes of the batch being written. */
  #batchReplyBytes = 0;
  /** Waiters of {@linkcode whenBelow}. */
  #lowWaiters: { bytes: number; wake: () => void; kind?: "events" | "replies" }[] = [];
  #pumping = false;
  /** When (performance.now) the write under way started, or null. */
  #writingSince: number | null = null;
  #closed = false;
  /** Since when (performance.now) the queue has been over the limit, or null. */
  #overSince: number | null = null;
  #drained: (() => void)[] = [];
  #onError: (error: unknown) => void;

  /**
   * @param limit bytes that may wait; {@linkcode send} refuses more (a slow consumer).
   * @param onError called once when a write fails (the peer went away).
   */
  constructor(sink: ByteSink, limit: number, onError: (error: unknown) => void) {
    this.#sink = sink;
    this.#limit = limit;
    this.#onError = onError;
  }

  /** Bytes waiting to be written. */
  get pendingBytes(): number {
    return this.#bytes;
  }

  /** Bytes of events (not replies) waiting to be written: what the limit applies to. */
  get pendingEventBytes(): number {
    return this.#bytes - this.#replyBytes;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * For how long (ms) the write under way has been waiting for the peer, 0 when none is:
   * a reader that stopped reading has one write pending for ever.
   */
  writeWaitMs(now: number): number {
    return this.#writingSince === null ? 0 : now - this.#writingSince;
  }

  /** Bytes of events that may wait before {@linkcode send} starts refusing. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Queues an event. Returns false, queuing nothing, when the connection is closed, or when
   * more than `limit` bytes of events have been waiting for over a second while the reader
   * does not read (its write under way waits), or for over ten seconds while it reads too
   * little, or more than four times `limit` are waiting: the reader is too slow.
   */
  send(frame: Uint8Array): boolean {
    if (this.#closed) return false;
    const events = this.#bytes - this.#replyBytes;
    if (events > this.#limit) {
      const now = performance.now();
      this.#overSince ??= now;
      if (events > this.#limit * HARD_LIMIT_FACTOR) return false;
      const over = now - this.#overSince;
      if (over > SLOW_READER_GRACE_MS) return false;
      if (over > OVER_LIMIT_GRACE_MS && this.writeWaitMs(now) >= STILL_READING_MS) return false;
    } else {
      this.#overSince = null;
    }
    this.#enqueue(frame);
    return true;
  }

  /**
   * Queues a reply to a request of this connection: never refused for size (the caller
   * bounds replies by not reading the next request while {@linkcode pendingReplyBytes} is high).
   */
  sendReply(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#replies.add(frame);
    this.#replyBytes += frame.length;
    this.#enqueue(frame);
  }

  /** Queues a frame even past the limit (the last word before closing). */
  sendAnyway(frame: Uint8Array): void {
    if (!this.#closed) this.#enqueue(frame);
  }

  /** Drops frames not yet started (the one being written, if any, is finished). */
  discardQueued(): void {
    for (const chunk of this.#queue) {
      this.#bytes -= chunk.length;
      if (this.#replies.delete(chunk)) this.#replyBytes -= chunk.length;
    }
    this.#queue = [];
    this.#wakeLow();
  }

  /** Resolves once at most `bytes` wait to be written (or the connection closed). */
  whenBelow(bytes: number): Promise<void> {
    if (this.#bytes <= bytes || this.#closed) return Promise.resolve();
    return new Promise((wake) => this.#lowWaiters.push({ bytes, wake }));
  }

  /** Resolves once at most `bytes` of events (replies apart) wait (or the connection closed). */
  whenEventsBelow(bytes: number): Promise<void> {
    if (this.pendingEventBytes <= bytes || this.#closed) return Promise.resolve();
    return new Promise((wake) => this.#lowWaiters.push({ bytes, wake, kind: "events" }));
  }

  /**
   * Resolves once at most `bytes` of replies (events apart) wait (or the connection closed):
   * what bounds a connection's replies without pausing its requests for its rooms' events.
   */
  whenRepliesBelow(bytes: number): Promise<void> {
    if (this.#replyBytes <= bytes || this.#closed) return Promise.resolve();
    return new Promise((wake) => this.#lowWaiters.push({ bytes, wake, kind: "replies" }));
  }

  /** Bytes of replies waiting to be written. */
  get pendingReplyBytes(): number {
    return this.#replyBytes;
  }

  /** Resolves when everything queued so far has been written (or the sink failed). */
  flushed(): Promise<void> {
    if (this.#bytes === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Closes the sink now; queued frames are dropped. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#bytes = 0;
    this.#replies.clear();
    this.#replyBytes = 0;
    try {
      this.#sink.close();
    } catch {
      // Already closed by the peer or by a failed write.
    }
    this.#wakeDrained();
    this.#wakeLow();
  }

  #enqueue(frame: Uint8Array): void {
    this.#queue.push(frame);
    this.#bytes += frame.length;
    if (!this.#pumping) {
      this.#pumping = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const { buffer, pooled } = this.#takeBatch();
        let offset = 0;
        try {
          while (offset < buffer.length) {
            this.#writingSince = performance.now();
            offset += await this.#sink.write(buffer.subarray(offset));
            this.#writingSince = null;
          }
        } finally {
          // Written or failed: the sink holds no reference to it any more.
          if (pooled) giveBuffer(pooled);
        }
        if (this.#closed) break; // close() already zeroed the counts.
        this.#bytes -= buffer.length;
        this.#replyBytes -= this.#batchReplyBytes;
        this.#wakeLow();
      }
    } catch (error) {
      if (!this.#closed) {
        this.close();
        this.#onError(error);
      }
    } finally {
      this.#pumping = false;
      if (this.#queue.length === 0) this.#wakeDrained();
    }
  }

  /**
   * Removes up to MAX_WRITE bytes of whole frames from the queue, as one buffer; `pooled`
   * is the pool's buffer it is a view of (to give back once written), if any.
   */
  #takeBatch(): { buffer: Uint8Array; pooled: Uint8Array | null } {
    const first = this.#queue[0]!;
    const second = this.#queue[1];
    if (second === undefined || first.length >= WRITE_AS_IS || second.length >= WRITE_AS_IS) {
      this.#queue.shift();
      this.#batchReplyBytes = this.#replies.delete(first) ? first.length : 0;
      return { buffer: first, pooled: null };
    }
    let count = 0;
    let size = 0;
    for (const chunk of this.#queue) {
      if (count > 0 && (chunk.length >= WRITE_AS_IS || size + chunk.length > MAX_WRITE)) break;
      size += chunk.length;
      count++;
    }
    const pooled = takeBuffer(size);
    const buffer = pooled.subarray(0, size);
    let at = 0;
    let replyBytes = 0;
    for (const chunk of this.#queue.splice(0, count)) {
      buffer.set(chunk, at);
      at += chunk.length;
      if (this.#replies.size > 0 && this.#replies.delete(chunk)) replyBytes += chunk.length;
    }
    this.#batchReplyBytes = replyBytes;
    return { buffer, pooled };
  }

  #wakeLow(): void {
    if (this.#lowWaiters.length === 0) return;
    const waiting = this.#lowWaiters;
    this.#lowWaiters = [];
    for (const waiter of waiting) {
      const waiting = waiter.kind === "events"
        ? this.pendingEventBytes
        : waiter.kind === "replies"
        ? this.#replyBytes
        : this.#bytes;
      if (this.#closed || waiting <= waiter.bytes) waiter.wake();
      else this.#lowWaiters.push(waiter);
    }
  }

  #wakeDrained(): void {
    const waiters = this.#drained;
    this.#drained = [];
    for (const wake of waiters) wake();
  }
}
