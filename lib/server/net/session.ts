/**
 * One client connection and, once logged in, the account it speaks for.
 * Owns the outbound queue; knows nothing about commands.
 */
import { encodeFrame } from "../../protocol/frame.ts";
import { MAX_SERVER_FRAME } from "../../protocol/limits.ts";
import type { OkReply, ReplyFrame, ServerFrame } from "../../protocol/server_frames.ts";
import { encodeFrameWith } from "../../protocol/json_list.ts";
import { Outbound } from "./outbound.ts";
import { ReadBudget } from "../limits/read_budget.ts";
import type { TokenBucket } from "../../common/rate_limit.ts";

/** The account a session is logged in as. */
export interface Account {
  id: number;
  name: string;
  key: string;
}

/** Most event bytes waiting for one reader before its rooms' senders are slowed down. */
const BACK_PRESSURE_BYTES = 256 * 1024;

/** A reader whose write has waited this long (ms) has stopped reading: not waited for. */
const STALLED_WRITE_MS = 250;

/** Longest a sender's next request waits for a lagging reader of its room (ms). */
const MAX_HOLD_MS = 500;

/** How long a closing connection may take to flush its last frames. */
const CLOSE_FLUSH_MS = 2_000;

/** How long a closing connection waits for the commits of its `say`/`dm` to answer them. */
const CLOSE_SETTLE_MS = 10_000;

/** A connected client. */
export class Session {
  readonly id: number;
  /** `host:port` of the peer. */
  readonly address: string;
  /** The peer's host, the key of per-address limits. */
  readonly host: string;
  readonly since: number;
  account: Account | null = null;
  /** The last account this connection logged in as (kept after logout, for the log). */
  lastUser: string | null = null;
  lastActive: number;
  messagesSent = 0;
  /** Bad frames in a row. */
  badFrames = 0;
  /**
   * The markers this connection moved with `mark_read` (by conversation, a bounded few: see
   * `requests/markers.ts`): asking for the same one again is answered without telling the
   * account's other sessions again. Null until the first.
   */
  markedRead: Map<string, number> | null = null;
  bucket: TokenBucket | null = null;
  #readBudget: ReadBudget | null = null;
  /** Bytes of replies queued so far, all requests together (the cost of a read). */
  replyBytesSent = 0;
  #pendingWrites = 0;
  /** Waiters of {@linkcode Session.#settled}; null while none (most connections, always). */
  #settledWaiters: (() => void)[] | null = null;
  /** Set once the last frame is queued: nothing may follow it. */
  #sealed = false;
  /** Why the connection closed or is closing, for the log. */
  closeReason: string | null = null;

  #out: Outbound;
  /**
   * Events of rooms whose `join` reply is not sent yet, held to keep the order; null while
   * no join is under way (an idle connection holds no map: see docs/benchmarks.md).
   */
  #held: Map<number, Uint8Array[]> | null = null;
  #onSlowConsumer: (session: Session) => void;
  #closing: Promise<void> | null = null;

  constructor(options: {
    id: number;
    conn: { write(b: Uint8Array): Promise<number>; close(): void };
    address: string;
    host: string;
    now: number;
    outboundLimit: number;
    onSlowConsumer: (session: Session) => void;
  }) {
    this.id = options.id;
    this.address = options.address;
    this.host = options.host;
    this.since = options.now;
    this.lastActive = options.now;
    this.#onSlowConsumer = options.onSlowConsumer;
    this.#out = new Outbound(options.conn, options.outboundLimit, () => {
      this.closeReason ??= "write failed";
    });
  }

  /**
   * What this connection's reads (`history`, `join`, `rooms`, `who`) may still cost; made
   * on first use (a connection that never reads holds none).
   */
  get readBudget(): ReadBudget {
    return this.#readBudget ??= new ReadBudget();
  }

  /** Whether the connection is closed or closing. */
  get closing(): boolean {
    return this.closeReason !== null || this.#out.closed;
  }

  /** Bytes queued for this client. */
  get pendingBytes(): number {
    return this.#out.pendingBytes;
  }

  /** Bytes waiting to be written, replies apart: what the slow-consumer limit applies to. */
  get pendingEventBytes(): number {
    return this.#out.pendingEventBytes;
  }

  /** Bytes of replies (answers to this client's own requests) waiting to be written. */
  get pendingReplyBytes(): number {
    return this.#out.pendingReplyBytes;
  }

  /** Resolves once at most `bytes` of replies wait to be written to this client (or it closed). */
  whenRepliesBelow(bytes: number): Promise<void> {
    return this.#out.whenRepliesBelow(bytes);
  }

  /**
   * Event bytes waiting for this reader above which the senders of its rooms are slowed
   * down (their next request waits: see {@linkcode holdReadsUntil}), well before the
   * slow-consumer limit would cut a reader that keeps up but lags behind a burst.
   */
  get backPressureBytes(): number {
    return Math.min(this.#out.limit / 4, BACK_PRESSURE_BYTES);
  }

  /**
   * Whether this reader lags behind its rooms' senders but keeps reading: over
   * {@linkcode backPressureBytes} of events wait, and its last write went through recently.
   * A reader that stopped reading is not waited for (the slow-consumer limit cuts it, which
   * needs the senders to keep going).
   */
  get lagging(): boolean {
    return this.#out.pendingEventBytes > this.backPressureBytes &&
      this.#out.writeWaitMs(performance.now()) < STALLED_WRITE_MS;
  }

  /**
   * Resolves once at most half of {@linkcode backPressureBytes} of events wait, the
   * connection closed, or after {@linkcode MAX_HOLD_MS} (a sender is never held for long).
   */
  whenCaughtUp(): Promise<void> {
    const caughtUp = this.#out.whenEventsBelow(this.backPressureBytes / 2);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, MAX_HOLD_MS));
    return Promise.race([caughtUp, late]).finally(() => clearTimeout(timer));
  }

  /**
   * Back-pressure on a sender: its next request is not read before `ready` resolves (the
   * lagging reader of its room caught up, or was closed). The latest hold replaces the
   * previous one (both wait for readers draining the same stream).
   */
  holdReadsUntil(ready: Promise<void>): void {
    this.readHold = ready;
    void ready.then(() => {
      if (this.readHold === ready) this.readHold = null;
    });
  }

  /** What the connection's read loop waits for before the next request, or null. */
  readHold: Promise<void> | null = null;

  /** Sends an event to this session only. */
  send(frame: ServerFrame): void {
    this.sendBytes(encodeFrame(frame));
  }

  /**
   * Sends a reply (`ok` or `error`): requests answer through their reply context, which
   * calls this once. Throws a RangeError, sending nothing, for a reply that would pass
   * {@linkcode MAX_SERVER_FRAME} (handlers bound what they send; this is the safety net).
   */
  sendReply(frame: ReplyFrame): void {
    this.#sendReply(encodeFrame(frame));
  }

  /** Sends an `ok` reply with fields already encoded as JSON (`raw`), after `frame`'s. */
  sendReplyWith(frame: OkReply, raw: Record<string, string>): void {
    this.#sendReply(encodeFrameWith(frame, raw));
  }

  #sendReply(bytes: Uint8Array): void {
    if (bytes.length > MAX_SERVER_FRAME) {
      throw new RangeError(
        `Cannot send reply: ${bytes.length} bytes is over the ${MAX_SERVER_FRAME}-byte frame limit`,
      );
    }
    if (this.#sealed || this.#out.closed) return;
    this.replyBytesSent += bytes.length;
    this.#out.sendReply(bytes);
  }

  /** `say`/`dm` of this session waiting for their commit. */
  get pendingWrites(): number {
    return this.#pendingWrites;
  }

  /** Counts a `say`/`dm` handed to the store. */
  beginWrite(): void {
    this.#pendingWrites++;
  }

  /** Counts a `say`/`dm` answered (stored or failed). */
  endWrite(): void {
    if (--this.#pendingWrites > 0) return;
    const waiters = this.#settledWaiters;
    this.#settledWaiters = null;
    for (const wake of waiters ?? []) wake();
  }

  /** Resolves when every `say`/`dm` of this session is answered, or after `timeoutMs`. */
  #settled(timeoutMs: number): Promise<void> {
    if (this.#pendingWrites === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      (this.#settledWaiters ??= []).push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends encoded bytes; a full queue makes this a slow consumer. */
  sendBytes(bytes: Uint8Array): void {
    if (this.#sealed || this.#out.closed) return;
    if (!this.#out.send(bytes)) this.#onSlowConsumer(this);
  }

  /** Sends a room event, holding it while this session's join of that room is answered. */
  sendEvent(bytes: Uint8Array, roomId?: number): void {
    const held = roomId === undefined ? undefined : this.#held?.get(roomId);
    if (held) held.push(bytes);
    else this.sendBytes(bytes);
  }

  /** Starts holding a room's events (before its join is answered). */
  holdRoom(roomId: number): void {
    this.#held ??= new Map();
    if (!this.#held.has(roomId)) this.#held.set(roomId, []);
  }

  /** Stops holding a room's events: sends them (after the join reply) or drops them. */
  releaseRoom(roomId: number, send: boolean): void {
    const held = this.#held?.get(roomId);
    this.#held?.delete(roomId);
    if (this.#held?.size === 0) this.#held = null;
    if (send) { for (const bytes of held ?? []) this.sendBytes(bytes); }
  }

  /**
   * Stops reading, answers the `say`/`dm` still waiting for their commit (every request
   * gets its answer), sends a last frame (if any), waits briefly for the queue to drain,
   * and closes. With `discard` (a slow consumer), nothing more is answered and frames not
   * yet started are dropped.
   */
  close(reason: string, last?: ServerFrame, discard = false): Promise<void> {
    this.#closing ??= this.#close(reason, last, discard);
    return this.#closing;
  }

  /** Whether a graceful close has started (it closes the socket itself). */
  get closeStarted(): boolean {
    return this.#closing !== null;
  }

  async #close(reason: string, last?: ServerFrame, discard = false): Promise<void> {
    this.closeReason ??= reason;
    if (!discard) await this.#settled(CLOSE_SETTLE_MS);
    this.#sealed = true;
    if (discard) this.#out.discardQueued();
    if (last) this.#out.sendAnyway(encodeFrame(last));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#out.flushed(),
      new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_FLUSH_MS)),
    ]);
    clearTimeout(timer);
    this.#out.close();
  }

  /** Closes at once, dropping anything queued. */
  abort(reason: string): void {
    this.closeReason ??= reason;
    this.#out.close();
  }
}
