/**
 * A minimal FastChat protocol connection for scripts (the release smoke run): sends
 * requests as JSON lines and waits, with a deadline, for frames matching a predicate.
 */

import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";
import { MAX_SERVER_FRAME } from "../../lib/protocol/limits.ts";

/** A frame received from the server. */
export type WireFrame = Record<string, unknown> & { type: string };

const encoder = new TextEncoder();

/** One TCP connection speaking FastChat frames. */
export class WireConnection {
  readonly #conn: Deno.TcpConn;
  readonly #frames: WireFrame[] = [];
  #wake: () => void = () => {};
  #ended = false;
  #nextId = 1;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    void this.#read();
  }

  /** Connects to `host:port`. */
  static async connect(host: string, port: number): Promise<WireConnection> {
    const conn = await Deno.connect({ hostname: host, port });
    conn.setNoDelay(true);
    return new WireConnection(conn);
  }

  async #read(): Promise<void> {
    const text = new TextDecoder();
    const lines = new FrameDecoder(MAX_SERVER_FRAME);
    try {
      for await (const chunk of this.#conn.readable) {
        for (const line of lines.push(chunk)) {
          if (line.kind === "too_large") throw new Error("The server sent an oversized frame");
          const frame: unknown = JSON.parse(text.decode(line.bytes));
          if (typeof frame === "object" && frame !== null && "type" in frame) {
            this.#frames.push(frame as WireFrame);
          }
        }
        this.#wake();
      }
    } catch {
      // A reset connection (or a frame breaking the contract) ends the stream like a close.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  /**
   * Waits for the first frame (received so far or later) matching `match`, removing it.
   *
   * @throws {Error} when `timeoutMs` passes or the connection closes first.
   */
  async next(match: (frame: WireFrame) => boolean, timeoutMs = 10_000): Promise<WireFrame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.#frames.findIndex(match);
      if (index >= 0) return this.#frames.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (this.#ended || left <= 0) {
        const seen = this.#frames.map((f) => JSON.stringify(f)).join("\n  ") || "none";
        const why = this.#ended ? "the connection closed" : `${timeoutMs} ms passed`;
        throw new Error(`Expected frame not received: ${why}; unmatched frames:\n  ${seen}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /**
   * Sends a request with a fresh `id` and returns its `ok` reply.
   *
   * @throws {Error} when the server answers with an `error` frame.
   */
  async request(frame: Record<string, unknown>): Promise<WireFrame> {
    const id = this.#nextId++;
    await this.#conn.write(encoder.encode(JSON.stringify({ ...frame, id }) + "\n"));
    const reply = await this.next((f) => f.id === id);
    if (reply.type !== "ok") {
      throw new Error(`${String(frame.type)} failed: ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  /** Closes the connection (idempotent). */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}
