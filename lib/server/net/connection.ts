/**
 * The read side of one connection: bytes → frames → the frame handler, in order, until it
 * closes. What a frame means is the handler's business (`requests/dispatch.ts`, passed in
 * by the server): this layer only frames, paces and closes.
 */
import { FrameDecoder } from "../../protocol/frame_decoder.ts";
import { ERROR_MESSAGES } from "../../protocol/error_codes.ts";
import { errorFrame } from "../../protocol/server_frames.ts";
import type { Logger } from "../../common/log.ts";
import type { Session } from "./session.ts";
import type { ReadWatch } from "./watchdog.ts";

/** Handles one received frame of a session; resolves when the next one may be handled. */
export type FrameHandler = (session: Session, frame: Uint8Array) => Promise<void>;

/** What a connection reports to (the chat core). */
export interface ConnectionHost {
  log: Logger;
  /** Counts an error sent, by code. */
  countError(code: string): void;
  /** Forgets a session whose connection ended. */
  drop(session: Session): void;
}

/** Something to read bytes from: a TCP or TLS connection. */
export interface ByteSource {
  read(buffer: Uint8Array): Promise<number | null>;
}

/**
 * Read buffer of a new connection, and the largest it grows to for a busy peer. A pending
 * read holds its buffer for as long as the peer stays silent, so every idle connection
 * holds one: 512 bytes fit a `login` with a token or any short request, and a peer that
 * fills it gets one 8 times bigger for its next read.
 */
const FIRST_READ_BUFFER = 512;
const READ_BUFFER = 64 * 1024;

/**
 * While more than this many bytes of replies wait to be written to a connection, its next
 * request is not handled: large replies are produced one at a time, as the client reads
 * them, so a connection that stops reading holds about one reply (at most
 * `MAX_SERVER_FRAME`) plus its events, whatever it asked for. Events do not pause it: a
 * sender in a busy room would otherwise wait behind the room's traffic to have its next
 * `say` read, and events are bounded by the slow-consumer limit (`--outbound-limit`).
 */
export const READ_PAUSE_BYTES = 256 * 1024;

/**
 * A connection that has handled frames for this long without giving way yields to the
 * event loop before its next one, so pipelined requests on one connection cannot delay the
 * others (a store answering synchronously, like SQLite, would never yield by itself).
 */
const SLICE_MS = 1;

/**
 * Lets other connections' I/O and timers run before continuing. A timer, because Deno runs
 * `setImmediate` callbacks and message-channel tasks before it polls sockets again: with
 * those, a ping waited behind every pipelined `history` (measured: p50 ~300 ms vs ~8 ms).
 */
function _yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Extras of {@linkcode serveConnection}. */
export interface ServeOptions {
  /** Told about every read, for the frame, login and idle timeouts. */
  watch?: ReadWatch;
  /** Whether the connection is TLS (a TLS hello on a plain one is logged as such). */
  tls?: boolean;
}

/** Whether a first chunk looks like a TLS record (handshake type, version 3.x). */
function looksLikeTls(chunk: Uint8Array): boolean {
  return chunk.length >= 3 && chunk[0] === 0x16 && chunk[1] === 0x03 && chunk[2]! <= 0x04;
}

/**
 * Reads frames and hands them to `handle` until the peer goes away or the session is
 * closed, then forgets the session. A peer that half-closes still gets the answers to
 * what it sent.
 */
export async function serveConnection(
  core: ConnectionHost,
  handle: FrameHandler,
  source: ByteSource,
  session: Session,
  maxFrame: number,
  options: ServeOptions = {},
): Promise<void> {
  const decoder = new FrameDecoder(maxFrame);
  // Idle connections keep a small buffer (20,000 of them at 64 KiB would be 1.3 GB of
  // RSS); one that fills its buffer gets a bigger one for its next read.
  let buffer = new Uint8Array(FIRST_READ_BUFFER);
  let peerClosed = false;
  let first = true;
  try {
    reading: while (!session.closing) {
      const n = await source.read(buffer);
      if (n === null) {
        peerClosed = true;
        break;
      }
      if (first && !options.tls && looksLikeTls(buffer.subarray(0, n))) {
        // Answered like any other bytes; logged so that the operator sees the mistake.
        core.log.log("warn", "tls_on_plain_port", {
          session: session.id,
          address: session.address,
        });
      }
      first = false;
      const chunk = buffer.subarray(0, n);
      if (n === buffer.length && buffer.length < READ_BUFFER) {
        buffer = new Uint8Array(Math.min(READ_BUFFER, buffer.length * 8));
      }
      const items = decoder.push(chunk);
      options.watch?.read(items.length, decoder.bufferedBytes);
      let sliceStart = performance.now();
      for (const item of items) {
        if (item.kind === "too_large") {
          core.countError("frame_too_large");
          await session.close(
            "frame too large",
            errorFrame(
              "frame_too_large",
              `${ERROR_MESSAGES.frame_too_large} The limit is ${maxFrame} bytes.`,
            ),
          );
          break reading;
        }
        if (session.readHold !== null) {
          // Back-pressure: a reader of this sender's room lags; wait until it catches up.
          await session.readHold;
          if (session.closing) break reading;
          sliceStart = performance.now();
        }
        if (session.pendingReplyBytes > READ_PAUSE_BYTES) {
          await session.whenRepliesBelow(READ_PAUSE_BYTES);
          if (session.closing) break reading;
          sliceStart = performance.now();
        } else if (performance.now() - sliceStart > SLICE_MS) {
          await _yieldToEventLoop();
          if (session.closing) break reading;
          sliceStart = performance.now();
        }
        await handle(session, item.bytes);
        if (session.closing) break reading;
      }
    }
  } catch (error) {
    session.closeReason ??= error instanceof Deno.errors.BadResource ||
        error instanceof Deno.errors.Interrupted
      ? "closed"
      : `read failed: ${(error as Error).message}`;
  }
  if (peerClosed && !session.closing) {
    // Closing answers what was sent before the end of input first.
    await session.close("peer closed");
  }
  core.drop(session);
  if (!session.closeStarted) session.abort("closed");
}
