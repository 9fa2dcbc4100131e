/**
 * A tiny scripted FastChat server for client tests: real TCP on a free port; each
 * connection is handed to a script that sends frames (or raw bytes) and reads requests.
 * For behaviour a real server does not (or not yet) show: oversize frames, dropped
 * connections, resume tokens.
 */

/** A request frame received from the client. */
export type Request = Record<string, unknown> & { type: string; id: number | string };

const encoder = new TextEncoder();

/** Longest wait for an expected request (a hang guard, not a timing check). */
const WAIT_MS = 10_000;

/** One accepted connection, as the script sees it. */
export class FakeConnection {
  readonly index: number;
  /** Every request received, in order. */
  readonly requests: Request[] = [];
  #conn: Deno.Conn;
  #cursor = 0;
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(conn: Deno.Conn, index: number) {
    this.#conn = conn;
    this.index = index;
    this.#read();
  }

  /** Sends a frame (an object, JSON-encoded) or raw text, as it is. */
  async send(frame: Record<string, unknown> | string): Promise<void> {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame) + "\n";
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Sends the usual greeting; `limits` are merged into the default ones. */
  welcome(limits: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
    return this.send({
      type: "welcome",
      protocol: 1,
      server: "fake/0",
      motd: "",
      limits: { maxFrame: 65536, maxText: 4000, ...limits },
      ...extra,
    });
  }

  /** Waits for the next request (of `type`, when given, skipping others). */
  async next(type?: string): Promise<Request> {
    const deadline = Date.now() + WAIT_MS;
    while (true) {
      while (this.#cursor < this.requests.length) {
        const request = this.requests[this.#cursor++]!;
        if (type === undefined || request.type === type) return request;
      }
      if (this.#closed) throw new Error(`Connection ${this.index} closed before a ${type}`);
      if (Date.now() > deadline) throw new Error(`Timed out waiting for a ${type ?? "request"}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * Every request until the client goes, in order: a script's serving loop. Waiting idle
   * past {@linkcode next}'s guard is not an error here: the client may just be quiet.
   */
  async *served(): AsyncGenerator<Request> {
    while (!this.closed) {
      try {
        yield await this.next();
      } catch {
        continue;
      }
    }
  }

  /** Answers `request` with an `ok` carrying `fields`. */
  ok(request: Request, fields: Record<string, unknown> = {}): Promise<void> {
    return this.send({ type: "ok", id: request.id, ...fields });
  }

  /** Answers `request` with an `error`. */
  error(request: Request, code: string, message = code): Promise<void> {
    return this.send({ type: "error", id: request.id, code, message });
  }

  /** Whether the client closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of this.#conn.readable) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          this.requests.push(JSON.parse(buffered.slice(0, nl)) as Request);
          buffered = buffered.slice(nl + 1);
        }
        this.#wake?.();
      }
    } catch {
      // Reset by the client: same as closed.
    }
    this.#closed = true;
    this.#wake?.();
  }
}

/** A listening fake server. */
export class FakeServer {
  readonly port: number;
  /** Every connection accepted, in order. */
  readonly connections: FakeConnection[] = [];
  #listener: Deno.TcpListener;
  #scripts: Promise<void>[] = [];

  private constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
  }

  /** Listens on a free loopback port; `script` runs for each connection. */
  static start(script: (conn: FakeConnection) => Promise<void>): FakeServer {
    const server = new FakeServer(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
    server.#accept(script);
    return server;
  }

  async #accept(script: (conn: FakeConnection) => Promise<void>): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const connection = new FakeConnection(conn, this.connections.length);
        this.connections.push(connection);
        this.#scripts.push(script(connection).catch(() => connection.close()));
      }
    } catch {
      // Listener closed.
    }
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Closed already.
    }
    for (const conn of this.connections) conn.close();
    await Promise.all(this.#scripts);
  }
}
