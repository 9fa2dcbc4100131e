/**
 * `GET /api/events`: the page's live feed as Server-Sent Events. Each open stream
 * subscribes to `ChatControl`, and is flushed every `flushMs`: signals without data
 * (`presence`, `moderation`, `rooms`, `audit`) are coalesced into one event each, and only
 * the newest messages of a burst are sent (a `skipped` count tells how many were not), so a
 * busy server cannot flood the page. Edits and deletions go out as `edited` (the messages
 * with their new text) and `deleted` (msgids); more of them in one flush than a page should
 * apply one by one become one `feed-stale`, which the page answers by loading the feed
 * again. A `stats` event follows every `statsMs`.
 */
import type { ChatControl, ServerEvent } from "../server/control.ts";
import type { Clock } from "../common/clock.ts";
import { HttpError, SECURITY_HEADERS } from "./http.ts";
import type { MessageView } from "./api_types.ts";
import { messageView, statsView } from "./views.ts";

/** Live feed settings. */
export interface LiveFeedOptions {
  control: ChatControl;
  clock: Clock;
  /** How often queued events are sent, in ms (default 200). */
  flushMs?: number;
  /** How often counters are sent, in ms (default 1000). */
  statsMs?: number;
  /** Messages sent per flush at most (default 50). */
  maxMessagesPerFlush?: number;
  /** Streams per person, and in all (defaults {@linkcode MAX_STREAMS_PER_PERSON}, {@linkcode MAX_STREAMS}). */
  maxStreamsPerPerson?: number;
  maxStreams?: number;
  /** A stream's buffer and how long it may stay full (defaults below). */
  bufferBytes?: number;
  stalledMs?: number;
}

/**
 * Streams one person (by the audit name: a staff member, or the token) may have open: a
 * page per tab. A new one past this closes that person's oldest, so a moderator cannot hold
 * the admin port's connections with streams.
 */
export const MAX_STREAMS_PER_PERSON = 4;
/** Streams open at once in all (a quarter of the admin port's 64 connections). */
export const MAX_STREAMS = 16;
/**
 * Bytes a stream may have waiting for its reader. Past this, flushes send nothing (what
 * they would send is coalesced as usual), and a reader that has not taken anything for
 * {@linkcode STALLED_STREAM_MS} is closed: one that never reads cannot grow the server.
 */
export const STREAM_BUFFER_BYTES = 256 * 1024;
export const STALLED_STREAM_MS = 30_000;

/** A signal the page answers by reloading one list. */
export type FeedSignal = "presence" | "moderation" | "rooms" | "audit" | "staff" | "reports";

interface Stream {
  /** Whose stream it is (the audit name). */
  owner: string;
  queueSignal(signal: FeedSignal): void;
  close(): void;
}

/** The open live streams. */
export class LiveFeed {
  #options: Required<LiveFeedOptions>;
  #streams = new Set<Stream>();

  constructor(options: LiveFeedOptions) {
    this.#options = {
      flushMs: 200,
      statsMs: 1000,
      maxMessagesPerFlush: 50,
      maxStreamsPerPerson: MAX_STREAMS_PER_PERSON,
      maxStreams: MAX_STREAMS,
      bufferBytes: STREAM_BUFFER_BYTES,
      stalledMs: STALLED_STREAM_MS,
      ...options,
    };
  }

  /** Number of open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /** Queues a signal on every open stream (the handler calls it after an admin action). */
  signal(signal: FeedSignal): void {
    for (const stream of this.#streams) stream.queueSignal(signal);
  }

  /** Ends every open stream (at shutdown, so the HTTP server can close). */
  closeAll(): void {
    for (const stream of [...this.#streams]) stream.close();
  }

  /**
   * Opens a stream for `owner` (the audit name). `alive` is asked at every flush; when it
   * turns false (the admin session ended) the stream sends `bye` and closes. Past
   * {@linkcode MAX_STREAMS_PER_PERSON} the owner's oldest stream closes; past
   * {@linkcode MAX_STREAMS} in all the request is refused (503).
   */
  open(owner: string, alive: () => boolean): Response {
    const { control, clock, flushMs, statsMs, maxMessagesPerFlush } = this.#options;
    const { maxStreamsPerPerson, maxStreams, bufferBytes, stalledMs } = this.#options;
    const mine = [...this.#streams].filter((s) => s.owner === owner);
    if (mine.length >= maxStreamsPerPerson) mine[0]!.close();
    if (this.#streams.size >= maxStreams) {
      throw new HttpError(503, "unavailable", "Too many live streams are open; try again shortly.");
    }
    const encoder = new TextEncoder();
    const signals = new Set<FeedSignal>();
    let messages: MessageView[] = [];
    let skipped = 0;
    /** Edits (by msgid: the latest wins) and deletions since the last flush. */
    const edits = new Map<string, MessageView>();
    const deletions = new Set<string>();
    let stale = false;
    let shutdown: { message: string; in: number } | null = null;
    let lastStats = -Infinity;
    let closed = false;
    let timer: ReturnType<typeof setInterval> | undefined;
    let unsubscribe = () => {};
    let ctrl: ReadableStreamDefaultController<Uint8Array> | undefined;

    /** Since when the reader has left the buffer full, or null. */
    let fullSince: number | null = null;
    const send = (event: string, data: unknown) => {
      ctrl?.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    };
    const stream: Stream = {
      owner,
      queueSignal: (signal) => signals.add(signal),
      close: () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        unsubscribe();
        this.#streams.delete(stream);
        try {
          ctrl?.close();
        } catch {
          // Already closed by the client.
        }
      },
    };
    const onEvent = (event: ServerEvent) => {
      if (event.type === "message") {
        messages.push(messageView(event.message));
        if (messages.length > maxMessagesPerFlush) {
          skipped += messages.length - maxMessagesPerFlush;
          messages = messages.slice(-maxMessagesPerFlush);
        }
      } else if (event.type === "edited" || event.type === "deleted") {
        if (stale) return;
        if (event.type === "edited") {
          const view = messageView(event.message);
          edits.set(view.msgid, view);
        } else {
          deletions.add(event.msgid);
          edits.delete(event.msgid);
        }
        if (edits.size + deletions.size > maxMessagesPerFlush) {
          // Past this, reloading the feed is cheaper for the page than applying each.
          stale = true;
          edits.clear();
          deletions.clear();
        }
      } else if (event.type === "shutdown") {
        shutdown = { message: event.message, in: event.in };
      } else {
        signals.add(event.type);
      }
    };
    const flush = () => {
      if (closed) return;
      if (!alive()) {
        send("bye", { reason: "session ended" });
        stream.close();
        return;
      }
      if ((ctrl?.desiredSize ?? 1) <= 0) {
        // The reader is not taking what was sent: keep coalescing, send nothing more.
        const now = clock();
        fullSince ??= now;
        if (now - fullSince >= stalledMs) stream.close();
        return;
      }
      fullSince = null;
      if (shutdown) send("shutdown", shutdown);
      shutdown = null;
      if (messages.length > 0) send("messages", { messages, skipped });
      messages = [];
      skipped = 0;
      if (stale) send("feed-stale", {});
      if (edits.size > 0) send("edited", { messages: [...edits.values()] });
      if (deletions.size > 0) send("deleted", { msgids: [...deletions] });
      stale = false;
      edits.clear();
      deletions.clear();
      for (const signal of signals) send(signal, {});
      signals.clear();
      const now = clock();
      if (now - lastStats >= statsMs) {
        lastStats = now;
        send("stats", statsView(control.stats(), now));
      }
    };

    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        ctrl = controller;
        this.#streams.add(stream);
        unsubscribe = control.subscribe(onEvent);
        controller.enqueue(encoder.encode(`retry: 3000\n\n`));
        send("hello", {});
        flush();
        timer = setInterval(flush, flushMs);
      },
      cancel: () => stream.close(),
    }, new ByteLengthQueuingStrategy({ highWaterMark: bufferBytes }));
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        "x-accel-buffering": "no",
      },
    });
  }
}
