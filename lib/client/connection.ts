/**
 * One connection to a server: frames in and out, replies matched to requests by `id`,
 * everything else handed to an event callback. No reconnecting here (see `chat_client.ts`)
 * and no terminal code.
 */
import { encodeRequest } from "../protocol/frame.ts";
import { type DecodedLine, FrameDecoder } from "../protocol/frame_decoder.ts";
import type { ClientRequest } from "../protocol/requests.ts";
import { type ErrorReply, type OkReply, ServerFrame, Welcome } from "../protocol/server_frames.ts";
import { t } from "./i18n.ts";
import { ExtraEvent } from "./server_events.ts";
import {
  ConnectError,
  type Dialer,
  type Endpoint,
  formatAddress,
  openConnection,
} from "./transport.ts";

/** The answer to a request: its `ok` or its `error`, as a value. */
export type Reply = { ok: true; frame: OkReply } | { ok: false; error: ErrorReply };

/**
 * A server frame that is not a reply (events, and errors without an `id`), a 1.1 event, or
 * `frame_too_large`: a frame over the client's limit was skipped (and was no known reply).
 */
export type ServerEvent =
  | Exclude<ServerFrame, { type: "ok" } | { type: "welcome" }>
  | ExtraEvent
  | { type: "frame_too_large"; bytes: number; limit: number };

/**
 * Largest frame accepted before `welcome`, and from a server that does not announce
 * `limits.maxServerFrame`: 1 MiB, the default of the servers that announce it.
 */
export const DEFAULT_MAX_SERVER_FRAME = 1_048_576;

/** Largest `maxServerFrame` taken from a server: a bigger announcement is capped here. */
export const MAX_SERVER_FRAME_CAP = 64 * 1_048_576;

/**
 * The frame limit the client uses with a server that sent `welcome`: its `maxServerFrame`,
 * read from `limits` (the shared decision) or from the top level of `welcome` (where this
 * project's server puts it), within [1 MiB, 64 MiB].
 */
export function serverFrameLimit(welcome: Welcome): number {
  const announced = (welcome.limits as Record<string, unknown>).maxServerFrame ??
    (welcome as Record<string, unknown>).maxServerFrame;
  if (typeof announced !== "number" || !Number.isInteger(announced) || announced < 1) {
    return DEFAULT_MAX_SERVER_FRAME;
  }
  // Never below the default: a server announcing less still gets the usual room.
  return Math.min(Math.max(announced, DEFAULT_MAX_SERVER_FRAME), MAX_SERVER_FRAME_CAP);
}

/** Thrown by {@linkcode FrameConnection.request} when the connection ends before the reply. */
export class ConnectionLostError extends Error {
  constructor(message = t("connect.lost")) {
    super(message);
    this.name = "ConnectionLostError";
  }
}

/** How long to wait for `welcome` after connecting. */
export const WELCOME_TIMEOUT_MS = 5_000;

/**
 * A connection that has sent nothing for this long sends a `ping`, so that the server's
 * idle timeout (one hour by default) never closes a quiet but live client.
 */
export const KEEPALIVE_MS = 5 * 60_000;

/**
 * A keepalive `ping` unanswered for this long means the server is gone without a word (a
 * dead host, a lost route): the connection is closed, so the client moves on.
 */
export const PING_TIMEOUT_MS = 30_000;

/** Settings of {@linkcode FrameConnection.open}; each has a default. */
export interface ConnectionOptions {
  /** Opens the byte stream; default TCP/TLS. */
  dialer?: Dialer;
  /** Quiet time after which a keepalive `ping` is sent. Default {@linkcode KEEPALIVE_MS}. */
  keepaliveMs?: number;
  /** How long that `ping` may go unanswered. Default {@linkcode PING_TIMEOUT_MS}. */
  pingTimeoutMs?: number;
}

const decoder = new TextDecoder();

/** A live connection speaking the FastChat protocol. */
export class FrameConnection {
  readonly welcome: Welcome;
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  #conn: Deno.Conn;
  #decoder: FrameDecoder;
  #onEvent: (event: ServerEvent) => void;
  #pending = new Map<number, PromiseWithResolvers<Reply>>();
  #nextId = 1;
  #queue: Uint8Array[] = [];
  #pumping = false;
  #isClosed = false;
  #closedSignal = Promise.withResolvers<void>();
  #lastSent = Date.now();
  #keepalive: ReturnType<typeof setInterval>;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #shutdownAnnounced = false;

  private constructor(
    conn: Deno.Conn,
    welcome: Welcome,
    decoder: FrameDecoder,
    onEvent: (event: ServerEvent) => void,
    options: ConnectionOptions,
  ) {
    this.#conn = conn;
    this.welcome = welcome;
    this.#decoder = decoder;
    this.#onEvent = onEvent;
    this.closed = this.#closedSignal.promise;
    const keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
    const pingTimeoutMs = options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    this.#keepalive = setInterval(() => {
      if (this.#pingTimer !== undefined || Date.now() - this.#lastSent < keepaliveMs) return;
      this.#pingTimer = setTimeout(() => this.close(), pingTimeoutMs);
      Deno.unrefTimer(this.#pingTimer);
      this.request({ type: "ping" }).then(() => {
        clearTimeout(this.#pingTimer);
        this.#pingTimer = undefined;
      }, () => {});
    }, keepaliveMs / 5);
    Deno.unrefTimer(this.#keepalive);
  }

  /**
   * Connects and waits for `welcome`. Rejects with a {@linkcode ConnectError} whose message
   * says, in one sentence, why it failed (refused, timeout, TLS mismatch, not FastChat).
   */
  static async open(
    endpoint: Endpoint,
    onEvent: (event: ServerEvent) => void,
    options: ConnectionOptions = {},
  ): Promise<FrameConnection> {
    const conn = await openConnection(endpoint, options.dialer);
    // An oversize frame is skipped, not fatal: its first bytes tell whose reply it was.
    const frameDecoder = new FrameDecoder(DEFAULT_MAX_SERVER_FRAME, { oversize: "skip" });
    const reader = conn.readable.getReader();
    let welcome: Welcome;
    let leftover: DecodedLine[] = [];
    try {
      ({ welcome, leftover } = await _readWelcome(reader, frameDecoder, endpoint));
    } catch (error) {
      reader.releaseLock();
      try {
        conn.close();
      } catch {
        // Closed already.
      }
      throw error;
    }
    frameDecoder.maxFrame = serverFrameLimit(welcome);
    const connection = new FrameConnection(conn, welcome, frameDecoder, onEvent, options);
    connection.#startReading(reader, leftover);
    return connection;
  }

  /** Whether the connection has ended. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Whether the server sent `shutdown` on this connection: it is about to stop. */
  get shutdownAnnounced(): boolean {
    return this.#shutdownAnnounced;
  }

  /**
   * Sends a request and resolves with its reply. Rejects with
   * {@linkcode ConnectionLostError} if the connection ends first.
   */
  request(request: ClientRequest): Promise<Reply> {
    if (this.#isClosed) return Promise.reject(new ConnectionLostError());
    const id = this.#nextId++;
    const waiter = Promise.withResolvers<Reply>();
    this.#pending.set(id, waiter);
    this.#send(encodeRequest({ ...request, id }));
    return waiter.promise;
  }

  /** Closes the connection; pending requests fail with {@linkcode ConnectionLostError}. */
  close(): void {
    if (this.#isClosed) return;
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    this.#finish();
  }

  #send(bytes: Uint8Array): void {
    this.#lastSent = Date.now();
    this.#queue.push(bytes);
    if (!this.#pumping) this.#pump();
  }

  /** Writes everything queued, merged into one buffer per write, until the queue is empty. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0 && !this.#isClosed) {
        const parts = this.#queue;
        this.#queue = [];
        let buffer: Uint8Array;
        if (parts.length === 1) {
          buffer = parts[0]!;
        } else {
          buffer = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
          let at = 0;
          for (const part of parts) {
            buffer.set(part, at);
            at += part.length;
          }
        }
        let written = 0;
        while (written < buffer.length) {
          written += await this.#conn.write(buffer.subarray(written));
        }
      }
    } catch {
      this.close();
    } finally {
      this.#pumping = false;
    }
  }

  async #startReading(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    leftover: DecodedLine[],
  ): Promise<void> {
    try {
      this.#handleLines(leftover);
      while (!this.#isClosed) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#handleLines(this.#decoder.push(value));
      }
    } catch {
      // A reset or an unreadable stream ends the connection like an EOF does.
    } finally {
      reader.releaseLock();
      this.close();
    }
  }

  #handleLines(lines: DecodedLine[]): void {
    for (const line of lines) {
      if (line.kind === "too_large") this.#tooLarge(line.bytes, line.prefix);
      else this.#handleLine(line.bytes);
    }
  }

  /**
   * A frame over the limit was skipped: when its first bytes show it was the reply to a
   * request, that request gets a `frame_too_large` error; otherwise the listener is told.
   * The connection stays open either way.
   */
  #tooLarge(bytes: number, prefix: Uint8Array): void {
    const limit = this.#decoder.maxFrame;
    const id = replyIdOf(prefix);
    const waiter = id === null ? undefined : this.#pending.get(id);
    if (id === null || !waiter) {
      this.#onEvent({ type: "frame_too_large", bytes, limit });
      return;
    }
    this.#pending.delete(id);
    waiter.resolve({
      ok: false,
      error: {
        type: "error",
        id,
        code: "frame_too_large",
        message: t("connect.answerTooLarge", { bytes, limit }),
      },
    });
  }

  #handleLine(bytes: Uint8Array): void {
    const frame = _parseFrame(bytes);
    if (frame === null || frame.type === "welcome") return;
    if ((frame.type === "ok" || frame.type === "error") && frame.id !== undefined) {
      const waiter = typeof frame.id === "number" ? this.#pending.get(frame.id) : undefined;
      if (!waiter) return;
      this.#pending.delete(frame.id as number);
      waiter.resolve(frame.type === "ok" ? { ok: true, frame } : { ok: false, error: frame });
      return;
    }
    if (frame.type === "ok") return;
    if (frame.type === "shutdown") this.#shutdownAnnounced = true;
    this.#onEvent(frame);
  }

  #finish(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    clearInterval(this.#keepalive);
    clearTimeout(this.#pingTimer);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of pending) waiter.reject(new ConnectionLostError());
    this.#closedSignal.resolve();
  }
}

function _parseFrame(bytes: Uint8Array): ServerFrame | ExtraEvent | null {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  const result = ServerFrame.safeParse(json);
  if (result.success) return result.data;
  const extra = ExtraEvent.safeParse(json);
  return extra.success ? extra.data : null;
}

/** The numeric `id` of a reply, read from the first bytes of its frame, or null. */
export function replyIdOf(prefix: Uint8Array): number | null {
  const text = decoder.decode(prefix);
  if (!/^\{\s*"type"\s*:\s*"(ok|error)"/.test(text)) return null;
  const match = /[{,]\s*"id"\s*:\s*(\d{1,15})\s*[,}]/.exec(text);
  return match ? Number(match[1]) : null;
}

/** Reads until the `welcome` frame; any other first frame means this is not a FastChat server. */
async function _readWelcome(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  frameDecoder: FrameDecoder,
  endpoint: Endpoint,
): Promise<{ welcome: Welcome; leftover: DecodedLine[] }> {
  const where = formatAddress(endpoint);
  // Without TLS, the likely cause is a TLS server; with TLS, an untrusted certificate.
  const hint = endpoint.tls ? "" : t("connect.hintTls");
  const notFastChat = new ConnectError(t("connect.notFastChat", { where, hint }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ConnectError(
          t("connect.noGreeting", { where, seconds: WELCOME_TIMEOUT_MS / 1000, hint }),
        ),
      );
    }, WELCOME_TIMEOUT_MS);
  });
  try {
    while (true) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) {
        throw new ConnectError(t("connect.closedBeforeGreeting", { where, hint }));
      }
      const lines = frameDecoder.push(value);
      const first = lines[0];
      if (!first) {
        if (frameDecoder.bufferedBytes > 4096) throw notFastChat;
        continue;
      }
      if (first.kind !== "line") throw notFastChat;
      let json: unknown;
      try {
        json = JSON.parse(decoder.decode(first.bytes));
      } catch {
        throw notFastChat;
      }
      const welcome = Welcome.safeParse(json);
      if (!welcome.success) throw notFastChat;
      const leftover = lines.slice(1).map((line) =>
        line.kind === "line" ? { kind: "line" as const, bytes: line.bytes.slice() } : line
      );
      return { welcome: welcome.data, leftover };
    }
  } catch (error) {
    if (error instanceof ConnectError) throw error;
    const lostHint = endpoint.tls ? t("connect.hintCa") : hint;
    throw new ConnectError(t("connect.lostBeforeGreeting", { where, hint: lostHint }));
  } finally {
    clearTimeout(timer);
  }
}
