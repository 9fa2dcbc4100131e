/**
 * The protocol client of the tests: sends frames (or raw bytes) over TCP, or in memory to an
 * in-process server (see `endpoints.ts`), and waits for frames matching a predicate, with a
 * timeout so a missing frame fails instead of hanging.
 */
import { connectTo, type TestConn } from "./endpoints.ts";
import { type Frame, FrameReader } from "./frame_reader.ts";

export type { Frame };

const encoder = new TextEncoder();

/** Default wait for an expected frame. */
const WAIT_MS = 5_000;

/** A test connection to a FastChat server. */
export class FrameClient {
  /** The connection (a `Deno.TcpConn` over TCP, a `MemoryConn` in memory). */
  readonly conn: TestConn;
  /** Every frame received, in order. */
  readonly received: Frame[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #closed = false;
  #nextId = 1;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
  /** What ended reading other than a close or reset (a bad frame from the server). */
  readError: Error | null = null;

  private constructor(conn: TestConn) {
    this.conn = conn;
    this.closed = this.#readLoop();
  }

  /**
   * Connects (in memory when `port` is an in-process server's) and waits for `welcome`.
   * `from` is the client address an in-process server sees (over TCP: the usual one).
   */
  static async connect(port: number, host = "127.0.0.1", from?: string): Promise<FrameClient> {
    const client = FrameClient.over(await connectTo(port, host, from));
    await client.next((f) => f.type === "welcome");
    return client;
  }

  /** A client over a connection already open (nothing awaited: no `welcome` wait). */
  static over(conn: TestConn): FrameClient {
    return new FrameClient(conn);
  }

  /** Whether the server closed the connection. */
  get isClosed(): boolean {
    return this.#closed;
  }

  async #readLoop(): Promise<void> {
    const frames = new FrameReader();
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.received.push(...frames.push(buffer.subarray(0, n)));
        this.#wake();
      }
    } catch (error) {
      // Reset or closed locally ends the stream; a frame that breaks the contract is
      // kept visible: the next wait reports it.
      if (
        !(error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted ||
          error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe)
      ) {
        this.readError = error as Error;
      }
    }
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Writes raw bytes (or a string) as they are. */
  async writeRaw(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Sends a frame object as one line. */
  send(frame: Record<string, unknown>): Promise<void> {
    return this.writeRaw(JSON.stringify(frame) + "\n");
  }

  /**
   * The next received frame (after the ones already taken) that matches; frames skipped
   * over stay in `received`. Throws after `timeoutMs`.
   */
  async next(match: (f: Frame) => boolean, timeoutMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      for (let i = this.#cursor; i < this.received.length; i++) {
        const frame = this.received[i]!;
        if (match(frame)) {
          this.#cursor = i + 1;
          return frame;
        }
      }
      if (this.#closed) {
        if (this.readError) throw this.readError;
        throw new Error(`Connection closed; received: ${JSON.stringify(this.received.slice(-5))}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `No matching frame within ${timeoutMs} ms; last received: ${
            JSON.stringify(this.received.slice(-5))
          }`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Sends a request with a fresh id and returns its reply (`ok` or `error`). */
  async request(frame: Record<string, unknown>): Promise<Frame> {
    const id = frame.id ?? this.#nextId++;
    await this.send({ ...frame, id });
    return await this.next((f) => (f.type === "ok" || f.type === "error") && f.id === id);
  }

  /** Like {@linkcode request}, but throws unless the reply is `ok`. */
  async ok(frame: Record<string, unknown>): Promise<Frame> {
    const reply = await this.request(frame);
    if (reply.type !== "ok") {
      throw new Error(`Expected ok for ${frame.type}: ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  /** Registers and logs in a user. */
  async registerAndLogin(user: string, password = "correct horse"): Promise<Frame> {
    await this.ok({ type: "register", user, password });
    return await this.ok({ type: "login", user, password });
  }

  /** Events received so far of a type (whether or not taken by `next`). */
  events(type: string): Frame[] {
    return this.received.filter((f) => f.type === type);
  }

  /** Closes the connection (idempotent). */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}
