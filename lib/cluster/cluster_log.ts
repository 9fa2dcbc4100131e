/**
 * The cluster's message path on one instance. As a {@linkcode MessageLog} it takes the
 * `say`, `dm`, `edit` and `delete` this instance accepts (and the control events it
 * announces), batches what arrives in one turn of the event loop into one entry of the
 * cluster's log (JetStream, file storage) and appends it. As the log's reader it reads
 * every entry of every instance, in the log's one order, and for each operation: answers
 * the sender when the entry is this instance's own (the `ok` comes before the sender's own
 * copy of the event, and only once the entry is durable in the stream), tells a resend
 * (same sender and cid) from a new message, fans the event out to this instance's sessions,
 * and applies other instances' control events.
 *
 * A failure to append (NATS down, no acknowledgement in time) answers `unavailable`: never
 * an `ok` for what the stream may not hold.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { follow } from "./follower.ts";
import type { Logger } from "../common/log.ts";
import type { MessageChange, NewMessage, StoredMessage } from "../store/store.ts";
import type { ClusterEvent } from "../server/chat/cluster_events.ts";
import type { PendingChange, PendingMessage } from "../server/chat/core.ts";
import type { Fanout } from "../server/chat/delivery.ts";
import type { Draft, MessageLog } from "../server/chat/message_log.ts";
import type { WriterCallbacks } from "../server/chat/message_writer.ts";
import type { Room } from "../server/chat/rooms.ts";
import type { AppliedPosition } from "./applied.ts";
import type { ClusterBus } from "./bus.ts";
import {
  decodeEntry,
  encodeEntry,
  type LogEntry,
  type LogOp,
  type MessageOp,
  opBytes,
} from "./log_entry.ts";
import { ENTRY_BYTES, entryTop, type LogStream, OPS_PER_ENTRY, opSeq } from "./log_stream.ts";
import { RecentCids, RecentSeqs } from "./recent_cids.ts";
import { noteRemoteSay } from "../server/moderation/slow_mode.ts";

/** How long an append may wait for JetStream's acknowledgement. */
const APPEND_TIMEOUT_MS = 5_000;

/** How long an acknowledged entry may take to come back through the reader. */
const READ_BACK_MS = 30_000;

/** How long the database may take to say whether resent cids are stored already. */
const FIRST_SENDS_MS = 1_000;

/** Looks up stored messages by (sender, cid); keys `${senderId}:${cid}`. */
export type FirstSendLookup = (
  sends: readonly { senderId: number; cid: string }[],
) => Promise<Map<string, { seq: number; ts: number }>>;

/** Control events an instance keeps while NATS is down. */
const MAX_OUTBOX = 10_000;

/** How long a stopping instance waits for its last appends (e.g. a cluster shutdown). */
const STOP_FLUSH_MS = 2_000;

/** Entries read before the join position only to learn recent cids (at most). */
const WARM_ENTRIES = 20_000;

/** One operation waiting for its entry to come back. */
type Waiting =
  | { kind: "message"; item: PendingMessage; message: NewMessage }
  | { kind: "change"; item: PendingChange; change: MessageChange }
  | { kind: "control"; event: ClusterEvent; done: (entry: number) => void };

/** An entry appended by this process, waiting to be read back. */
interface Flight {
  ops: Waiting[];
  settled: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** What the log's reader needs from the chat server. */
export interface ReaderTarget {
  /** A room by id (null when this instance does not know it). */
  room(id: number): Room | null;
  /** Applies another instance's control event (in log order). */
  control(event: ClusterEvent): Promise<void>;
}

/** The cluster's message log on one instance; see the module doc. */
export class ClusterLog implements MessageLog<PendingMessage, PendingChange> {
  #bus: ClusterBus;
  #stream: LogStream;
  #callbacks: WriterCallbacks<PendingMessage, PendingChange>;
  #fanout: Fanout;
  #applied: AppliedPosition;
  #log: Logger;
  #clock: () => number;
  #cids = new RecentCids();
  #queue: { waiting: Waiting; op: LogOp }[] = [];
  #scheduled = false;
  #batch = 0;
  #flights = new Map<number, Flight>();
  /** Control events waiting for NATS to come back. */
  #outbox: Extract<Waiting, { kind: "control" }>[] = [];
  #readWaiters: { entry: number; wake: () => void }[] = [];
  /** Messages deleted lately (every instance knows the same ones: the log's order). */
  #deleted = new RecentSeqs();
  /** Appends waiting for JetStream's acknowledgement. */
  #appending = new Set<Promise<unknown>>();
  #pending = 0;
  #idle: (() => void)[] = [];
  /** The last entry read (the reader's position). */
  #readEntry: number;
  #target: ReaderTarget | null = null;
  #stopped = false;
  #stopReader: (() => Promise<void>) | null = null;
  #firstSends: FirstSendLookup | null;
  /** The flushes under way, in order (a lookup must not let a later batch overtake). */
  #flushing: Promise<void> = Promise.resolve();
  commits = 0;
  commitMs = 0;

  constructor(options: {
    bus: ClusterBus;
    stream: LogStream;
    callbacks: WriterCallbacks<PendingMessage, PendingChange>;
    fanout: Fanout;
    applied: AppliedPosition;
    log: Logger;
    clock: () => number;
    /** The database's (sender, cid) look-up, for resends older than the recent cids. */
    firstSends?: FirstSendLookup;
  }) {
    this.#firstSends = options.firstSends ?? null;
    this.#bus = options.bus;
    this.#stream = options.stream;
    this.#callbacks = options.callbacks;
    this.#fanout = options.fanout;
    this.#applied = options.applied;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#readEntry = options.stream.lastEntry;
    this.#bus.onReconnect(() => this.#sendOutbox());
  }

  get pending(): number {
    return this.#pending;
  }

  /** The highest sequence number this instance has delivered (or could have). */
  get lastSeq(): number {
    return entryTop(this.#stream, this.#readEntry);
  }

  /** The last entry read from the log. */
  get readEntry(): number {
    return this.#readEntry;
  }

  now(): number {
    return this.#clock();
  }

  submit(item: PendingMessage, draft: Draft): void {
    const message: NewMessage = { ...draft, seq: 0, ts: this.#clock() };
    this.#pending++;
    const first = draft.cid === null ? undefined : this.#cids.get(draft.senderId, draft.cid);
    if (first) {
      // A resend of a message already in the log: answered with the first one's msgid.
      queueMicrotask(() => this.#settleMessage(item, message, first));
      return;
    }
    const op: MessageOp = {
      t: "m",
      room: item.room?.id ?? null,
      roomName: item.room?.name ?? null,
      from: item.sender.id,
      user: item.sender.name,
      to: item.recipient?.id ?? null,
      toName: item.recipient?.name ?? null,
      text: draft.text,
      ts: message.ts,
      cid: draft.cid,
    };
    if (draft.kind === "action") op.kind = "action";
    this.#enqueue({ kind: "message", item, message }, op);
  }

  submitChange(item: PendingChange, change: MessageChange): void {
    this.#pending++;
    const op: LogOp = change.op === "edit"
      ? { t: "e", message: { ...item.target, text: change.text, editedAt: change.at } }
      : { t: "d", message: item.target, by: item.by.name, audit: change.audit };
    this.#enqueue({ kind: "change", item, change }, op);
  }

  /**
   * Appends a control event, after everything submitted before it; resolves with its entry
   * once read back. During a NATS outage it waits in an outbox (bounded) and goes out on
   * reconnection: a sanction made then still reaches the other instances.
   */
  announce(event: ClusterEvent): Promise<number> {
    const { promise, resolve } = Promise.withResolvers<number>();
    this.#enqueue({ kind: "control", event, done: resolve }, { t: "c", event });
    return promise;
  }

  /** Resolves true once this instance has read entry `entry`, false after `timeoutMs`. */
  readThrough(entry: number, timeoutMs: number): Promise<boolean> {
    if (this.#readEntry >= entry) return Promise.resolve(true);
    const { promise, resolve } = Promise.withResolvers<boolean>();
    const waiter = { entry, wake: () => resolve(true) };
    this.#readWaiters.push(waiter);
    setTimeout(() => {
      this.#readWaiters = this.#readWaiters.filter((w) => w !== waiter);
      resolve(false);
    }, timeoutMs);
    return promise;
  }

  /** Sends what the outbox holds (after a reconnection to NATS). */
  #sendOutbox(): void {
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const waiting of outbox) this.#enqueue(waiting, { t: "c", event: waiting.event });
  }

  #keep(waiting: Extract<Waiting, { kind: "control" }>): void {
    if (this.#outbox.length >= MAX_OUTBOX) {
      this.#log.log("warn", "cluster_announce_dropped", { type: this.#outbox[0]!.event.type });
      this.#outbox.shift();
    }
    this.#outbox.push(waiting);
  }

  settledThrough(seq: number): Promise<void> {
    return this.#applied.waitFor(Math.min(
      this.#readEntry,
      Math.floor(
        (seq - this.#stream.offset) / OPS_PER_ENTRY,
      ),
    ));
  }

  /** Waits until the database holds every entry this instance has read. */
  caughtUp(): Promise<void> {
    return this.#applied.waitFor(this.#readEntry);
  }

  drained(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #enqueue(waiting: Waiting, op: LogOp): void {
    if (waiting.kind === "control" && !this.#stopped && !this.#bus.connected) {
      this.#keep(waiting);
      return;
    }
    if (this.#stopped || !this.#bus.connected) {
      // Refused at once: the NATS client would buffer it and acknowledge nothing.
      queueMicrotask(() => this.#fail(waiting, new Error("the cluster's message bus is down")));
      return;
    }
    this.#queue.push({ waiting, op });
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      const queue = this.#queue;
      this.#queue = [];
      this.#flushing = this.#flushing.then(() => this.#flush(queue)).catch((error) =>
        this.#log.log("error", "cluster_append_failed", { error: String(error) })
      );
    }, 0);
  }

  /**
   * Answers the resends of messages the database holds (older than the recent cids every
   * instance remembers: a client back after a long sleep), so that they get the first
   * msgid instead of a second message. When the database does not answer in time the
   * batch goes on: the store keeps the first copy anyway.
   */
  async #withoutStoredResends(
    queue: { waiting: Waiting; op: LogOp }[],
  ): Promise<{ waiting: Waiting; op: LogOp }[]> {
    if (this.#firstSends === null) return queue;
    const sends: { senderId: number; cid: string }[] = [];
    for (const { op } of queue) {
      if (op.t === "m" && op.cid !== null) sends.push({ senderId: op.from, cid: op.cid });
    }
    if (sends.length === 0) return queue;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let found: Map<string, { seq: number; ts: number }>;
    try {
      found = await Promise.race([
        this.#firstSends(sends),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), FIRST_SENDS_MS);
        }),
      ]);
    } catch (error) {
      this.#log.log("warn", "cluster_cid_lookup_failed", { error: String(error) });
      return queue;
    } finally {
      clearTimeout(timer);
    }
    if (found.size === 0) return queue;
    return queue.filter(({ waiting, op }) => {
      if (op.t !== "m" || op.cid === null || waiting.kind !== "message") return true;
      const first = found.get(`${op.from}:${op.cid}`);
      if (!first) return true;
      this.#settleMessage(waiting.item, waiting.message, first);
      return false;
    });
  }

  /** Appends what was queued, in entries under both bounds (operations and bytes). */
  async #flush(all: { waiting: Waiting; op: LogOp }[]): Promise<void> {
    const queue = await this.#withoutStoredResends(all);
    let start = 0;
    while (start < queue.length) {
      let end = start;
      let bytes = 0;
      while (end < queue.length && end - start < OPS_PER_ENTRY) {
        const size = opBytes(queue[end]!.op);
        if (end > start && bytes + size > ENTRY_BYTES) break;
        bytes += size;
        end++;
      }
      this.#append(queue.slice(start, end));
      start = end;
    }
  }

  #append(part: { waiting: Waiting; op: LogOp }[]): void {
    const n = ++this.#batch;
    const entry: LogEntry = { o: this.#bus.instance, b: this.#bus.boot, n, ops: [] };
    for (const { op } of part) entry.ops.push(op);
    const flight: Flight = { ops: part.map((p) => p.waiting), settled: false };
    this.#flights.set(n, flight);
    const started = performance.now();
    const appending = this.#stream.js.publish(this.#stream.subject, encodeEntry(entry), {
      timeout: APPEND_TIMEOUT_MS,
      msgID: `${this.#bus.boot}:${n}`,
    });
    this.#appending.add(appending);
    appending.finally(() => this.#appending.delete(appending)).catch(() => {});
    appending.then(
      () => {
        this.commits++;
        this.commitMs += performance.now() - started;
        if (flight.settled) return;
        // Durable; the reader answers. Should it never come back, the senders are told.
        flight.timer = setTimeout(
          () => this.#failFlight(n, new Error("the appended entry was not read back")),
          READ_BACK_MS,
        );
      },
      (error) => this.#failFlight(n, error),
    );
  }

  #failFlight(n: number, error: unknown): void {
    const flight = this.#flights.get(n);
    if (!flight || flight.settled) return;
    flight.settled = true;
    this.#flights.delete(n);
    for (const waiting of flight.ops) this.#fail(waiting, error);
  }

  #fail(waiting: Waiting, error: unknown): void {
    if (waiting.kind === "control") {
      this.#log.log("warn", "cluster_announce_failed", { error: String(error) });
      if (!this.#stopped) this.#keep(waiting);
      return;
    }
    if (waiting.kind === "message") this.#callbacks.failed(waiting.item, waiting.message, error);
    else this.#callbacks.failed(waiting.item, waiting.change, error);
    this.#done();
  }

  #done(): void {
    if (--this.#pending > 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const wake of idle) wake();
  }

  #settleMessage(
    item: PendingMessage,
    message: NewMessage,
    first: { seq: number; ts: number } | null,
  ): void {
    if (first) {
      this.#callbacks.stored(item, message, { status: "duplicate", seq: first.seq, ts: first.ts });
    } else this.#callbacks.stored(item, message, { status: "stored" });
    this.#done();
  }

  /**
   * Starts reading the log after the join position (and, before it, the last entries only
   * to learn their cids).
   */
  startReading(target: ReaderTarget): void {
    this.#target = target;
    const join = this.#stream.lastEntry;
    let next = Math.max(1, join - WARM_ENTRIES + 1);
    const follower = follow(this.#bus, this.#stream, this.#log, {
      name: "reader",
      from: () => next,
      onEntry: async (msg) => {
        await this.#read(msg, join);
        next = msg.seq + 1;
      },
    });
    this.#stopReader = () => follower.stop();
  }

  async #read(msg: JsMsg, join: number): Promise<void> {
    const entryNo = msg.seq;
    if (entryNo <= this.#readEntry && entryNo > join) return;
    const entry = decodeEntry(msg.data);
    if (entry === null) {
      this.#log.log("warn", "cluster_bad_entry", { entry: entryNo });
      if (entryNo > join) this.#readEntry = entryNo;
      return;
    }
    const warming = entryNo <= join;
    const own = entry.b === this.#bus.boot ? this.#flights.get(entry.n) : undefined;
    if (own) {
      own.settled = true;
      clearTimeout(own.timer);
      this.#flights.delete(entry.n);
    }
    const now = this.#clock();
    for (const [i, op] of entry.ops.entries()) {
      const seq = opSeq(this.#stream, entryNo, i);
      const waiting = own?.ops[i];
      try {
        const remote = entry.b !== this.#bus.boot;
        if (op.t === "m") this.#readMessage(op, seq, warming, waiting, now, remote);
        else if (op.t === "e" || op.t === "d") {
          // A change to a message deleted earlier in the log changes nothing (an edit
          // pipelined after a delete, or racing it from another instance).
          const gone = this.#deleted.has(op.message.seq);
          if (op.t === "d") this.#deleted.add(op.message.seq);
          if (warming) continue;
          if (waiting?.kind === "change") {
            this.#callbacks.changed(waiting.item, waiting.change, gone ? "missing" : "stored");
            this.#done();
          }
          if (gone) continue;
          const room = this.#roomOf(op.message.roomId);
          if (op.t === "e") this.#fanout.edited(op.message, room);
          else this.#fanout.deleted(op.message, op.by, room);
        } else if (warming) continue;
        else if (op.t === "c") {
          if (remote) await this.#target?.control(op.event);
          else if (waiting?.kind === "control") waiting.done(entryNo);
        }
      } catch (error) {
        this.#log.log("error", "cluster_entry_failed", { entry: entryNo, error: String(error) });
      }
    }
    if (!warming) {
      this.#readEntry = entryNo;
      if (this.#readWaiters.length > 0) {
        const ready = this.#readWaiters.filter((w) => w.entry <= entryNo);
        this.#readWaiters = this.#readWaiters.filter((w) => w.entry > entryNo);
        for (const waiter of ready) waiter.wake();
      }
    }
  }

  #readMessage(
    op: MessageOp,
    seq: number,
    warming: boolean,
    waiting: Waiting | undefined,
    now: number,
    remote: boolean,
  ): void {
    const first = op.cid === null ? undefined : this.#cids.get(op.from, op.cid);
    if (!first && op.cid !== null) this.#cids.add(op.from, op.cid, { seq, ts: op.ts }, now);
    if (warming) return;
    if (waiting?.kind === "message") {
      waiting.message.seq = seq;
      this.#settleMessage(waiting.item, waiting.message, first ?? null);
    }
    if (first) return; // A resend: its first copy was delivered already.
    const message: StoredMessage = {
      seq,
      roomId: op.room,
      room: op.roomName,
      senderId: op.from,
      user: op.user,
      recipientId: op.to,
      to: op.toName,
      text: op.text,
      ts: op.ts,
      kind: op.kind ?? "text",
    };
    const room = waiting?.kind === "message" ? waiting.item.room : this.#roomOf(op.room);
    if (op.room !== null && room === null) return; // A room this instance does not have.
    // Slow mode counts the says accepted by every instance.
    if (remote && room !== null && room.slowmode > 0) noteRemoteSay(room, op.from, op.ts, op.cid);
    const sender = waiting?.kind === "message" ? waiting.item.reply.session : null;
    this.#fanout.message(message, room, sender);
  }

  #roomOf(id: number | null): Room | null {
    if (id === null) return null;
    return this.#target?.room(id) ?? null;
  }

  /**
   * Stops appending and reading; what waits is answered `unavailable`. What was queued or
   * is being appended (a cluster shutdown announced just before) gets a moment to reach
   * the stream first.
   */
  async stop(): Promise<void> {
    if (this.#queue.length > 0) {
      const queue = this.#queue;
      this.#queue = [];
      this.#flushing = this.#flushing.then(() => this.#flush(queue));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#flushing.then(() => Promise.allSettled(this.#appending)),
      new Promise((resolve) => timer = setTimeout(resolve, STOP_FLUSH_MS)),
    ]);
    clearTimeout(timer);
    this.#stopped = true;
    for (const n of [...this.#flights.keys()]) {
      this.#failFlight(n, new Error("the server is stopping"));
    }
    await this.#stopReader?.().catch(() => {});
  }
}
