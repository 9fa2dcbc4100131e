/**
 * Messages sent but not yet acknowledged. Each carries a `cid`, so resending it after a
 * reconnect is safe: the server answers a repeated `cid` with the first message's `ok`
 * instead of storing it twice. The messages of one conversation (a room, or a dm partner)
 * go one at a time, each after the previous one's answer: a refusal to retry later
 * (`rate_limited`, slow mode, `unavailable`) holds the ones after it, so they are stored in
 * the order typed. Different conversations do not wait for each other.
 */
import { foldName } from "../protocol/names.ts";
import type { ClientRequest } from "../protocol/requests.ts";
import type { ErrorReply } from "../protocol/server_frames.ts";
import { ConnectionLostError, type Reply } from "./connection.ts";

/** Sends one request on the current connection, or returns null when offline. */
export type Sender = (request: ClientRequest) => Promise<Reply> | null;

/** Told when a message waits `delayMs` before it is sent again (the server said `error`). */
export type WaitListener = (message: OutgoingMessage, delayMs: number, error: ErrorReply) => void;

/** A message to send reliably: a `say` or a `dm`, without its `cid` (the outbox adds one). */
export type OutgoingMessage = Extract<ClientRequest, { type: "say" | "dm" }>;

/** Error codes after which the same message may simply be sent again later. */
const TRANSIENT = new Set(["rate_limited", "unavailable"]);

/** Wait before retrying a transient refusal that names no delay. */
const DEFAULT_RETRY_MS = 1_000;

interface Entry {
  request: OutgoingMessage;
  /** Its conversation: entries of one go one at a time, in order. */
  key: string;
  waiter: PromiseWithResolvers<Reply>;
  inFlight: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** The queue of unacknowledged `say`/`dm` requests of one client. */
export class Outbox {
  #send: Sender;
  #onWait: WaitListener | null;
  #entries: Entry[] = [];
  #drained: PromiseWithResolvers<void> | null = null;

  constructor(send: Sender, onWait: WaitListener | null = null) {
    this.#send = send;
    this.#onWait = onWait;
  }

  /** Messages not yet acknowledged (or refused). */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Queues a message with a fresh `cid` and sends it when online. Resolves with the `ok`,
   * or with an `error` that retrying cannot fix (`muted`, `not_in_room`, …).
   */
  submit(message: OutgoingMessage): Promise<Reply> {
    const entry: Entry = {
      request: { ...message, cid: crypto.randomUUID() },
      key: message.type === "say" ? `room:${foldName(message.room)}` : `dm:${foldName(message.to)}`,
      waiter: Promise.withResolvers<Reply>(),
      inFlight: false,
    };
    this.#entries.push(entry);
    if (this.#first(entry)) this.#attempt(entry);
    return entry.waiter.promise;
  }

  /**
   * Sends the first waiting message of each conversation (after a reconnect); the others
   * follow one by one as they are answered.
   */
  flush(): void {
    for (const entry of [...this.#entries]) {
      if (this.#first(entry) && !entry.inFlight && entry.timer === undefined) {
        this.#attempt(entry);
      }
    }
  }

  /** Whether `entry` is the oldest message of its conversation still queued. */
  #first(entry: Entry): boolean {
    return this.#entries.find((other) => other.key === entry.key) === entry;
  }

  /** Resolves when every queued message has its answer. */
  drained(): Promise<void> {
    if (this.#entries.length === 0) return Promise.resolve();
    this.#drained ??= Promise.withResolvers<void>();
    return this.#drained.promise;
  }

  /** Gives up on every queued message (the client stopped): they reject with `error`. */
  failAll(error: Error): void {
    const entries = this.#entries;
    this.#entries = [];
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.waiter.reject(error);
    }
    this.#checkDrained();
  }

  #attempt(entry: Entry): void {
    const reply = this.#send(entry.request);
    if (reply === null) return;
    entry.inFlight = true;
    reply.then(
      (answer) => {
        entry.inFlight = false;
        if (!this.#entries.includes(entry)) return;
        if (!answer.ok && TRANSIENT.has(answer.error.code)) {
          const wait = answer.error.retryAfterMs;
          const delay = typeof wait === "number" && wait > 0 ? wait : DEFAULT_RETRY_MS;
          this.#onWait?.(entry.request, delay, answer.error);
          entry.timer = setTimeout(() => {
            entry.timer = undefined;
            if (this.#entries.includes(entry)) this.#attempt(entry);
          }, delay);
          return;
        }
        this.#remove(entry);
        entry.waiter.resolve(answer);
      },
      (error) => {
        entry.inFlight = false;
        if (error instanceof ConnectionLostError) return; // resent by flush() once back
        this.#remove(entry);
        entry.waiter.reject(error);
      },
    );
  }

  /** Drops an answered entry and sends the next message of its conversation. */
  #remove(entry: Entry): void {
    const at = this.#entries.indexOf(entry);
    if (at >= 0) this.#entries.splice(at, 1);
    const next = this.#entries.find((other) => other.key === entry.key);
    if (next && !next.inFlight && next.timer === undefined) this.#attempt(next);
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#entries.length === 0 && this.#drained) {
      this.#drained.resolve();
      this.#drained = null;
    }
  }
}
