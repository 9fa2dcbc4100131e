/**
 * The admin listener. `Deno.serve` owns its accept loop and has no connection cap: when the
 * process runs out of file descriptors its accept fails and the error kills the process
 * (issue 11, item 2). So the public admin port is a plain `Deno.listen` whose accept loop
 * survives errors and admits at most `maxConnections` at a time, with an idle timeout and
 * a deadline for the first request's head. Each admitted connection is relayed byte for
 * byte to a private `Deno.serve` on a loopback port; the relay tells the HTTP layer who the
 * real client is (the relay's local port names the connection). A private server whose
 * accept loop fails is started again on a new port; connections made to it directly (not
 * through the relay) are refused.
 */
import { Backoff } from "../common/backoff.ts";
import type { Logger } from "../common/log.ts";

/** Settings of an {@linkcode AdminListener}. */
export interface AdminListenerOptions {
  hostname: string;
  port: number;
  /** Admin connections open at once; more are closed at accept (default 64). */
  maxConnections?: number;
  /** A connection with no byte in either direction for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** The first request's head must arrive within this time (default 10 s). */
  headTimeoutMs?: number;
  log: Logger;
}

/** The connection details handed to the HTTP handler: the real client's address. */
export interface RelayedInfo {
  remoteAddr: Deno.NetAddr;
}

/** An HTTP handler as the admin side writes it. */
export type AdminHttpHandler = (req: Request, info: RelayedInfo) => Promise<Response>;

/** Default cap of concurrent admin connections. */
export const DEFAULT_ADMIN_CONNECTIONS = 64;
/** File descriptors one admin connection costs: the client socket and both relay ends. */
export const FDS_PER_ADMIN_CONNECTION = 3;

const HEAD_END = new Uint8Array([13, 10, 13, 10]);

/** The admin port: a capped, error-proof accept loop in front of a private HTTP server. */
export class AdminListener {
  readonly #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  readonly #options: Required<Omit<AdminListenerOptions, "hostname" | "port">>;
  /** Relay's local port on the private server → the real client. */
  readonly #peers = new Map<number, Deno.NetAddr>();
  readonly #open = new Set<Deno.Conn>();
  #inner: Deno.HttpServer<Deno.NetAddr> | null = null;
  #handler: AdminHttpHandler | null = null;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();

  private constructor(
    listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>,
    o: AdminListenerOptions,
  ) {
    this.#listener = listener;
    this.#options = {
      maxConnections: o.maxConnections ?? DEFAULT_ADMIN_CONNECTIONS,
      idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
      headTimeoutMs: o.headTimeoutMs ?? 10_000,
      log: o.log,
    };
  }

  /** Binds the admin port (throws what `Deno.listen` throws); serves nothing yet. */
  static bind(options: AdminListenerOptions): AdminListener {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    return new AdminListener(listener, options);
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Admin connections open now. */
  get connections(): number {
    return this.#open.size;
  }

  /** Starts answering with `handler`. */
  serve(handler: AdminHttpHandler): void {
    this.#handler = handler;
    this.#startInner();
    this.#loop = this.#acceptLoop();
  }

  /** Stops accepting, closes every admin connection and the private server. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#open) closeQuietly(conn);
    await this.#loop;
    await this.#inner?.shutdown().catch(() => {});
  }

  #startInner(): void {
    const handler = this.#handler!;
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req, info) => {
        const peer = this.#peers.get(info.remoteAddr.port);
        if (!peer) return new Response("Connect to the admin port.\n", { status: 403 });
        return handler(req, { remoteAddr: peer });
      },
    );
    this.#inner = server;
    server.finished.catch((error) => {
      if (this.#closed) return;
      this.#options.log.log("warn", "admin_http_restarted", { error: String(error) });
      if (this.#inner === server) this.#startInner();
    });
  }

  async #acceptLoop(): Promise<void> {
    const retry = new Backoff({ baseMs: 10, maxMs: 1_000 });
    while (!this.#closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
        retry.reset();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        this.#options.log.log("warn", "admin_accept_failed", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, retry.next()));
        continue;
      }
      if (this.#open.size >= this.#options.maxConnections) {
        this.#options.log.log("info", "admin_connection_refused", {
          address: describe(conn.remoteAddr),
          reason: `${this.#options.maxConnections} admin connections are open`,
        });
        void refuse(conn);
        continue;
      }
      void this.#relay(conn);
    }
  }

  async #relay(client: Deno.TcpConn): Promise<void> {
    this.#open.add(client);
    let upstream: Deno.TcpConn | null = null;
    let port = 0;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.#inner!.addr.port });
      port = upstream.localAddr.port;
      this.#peers.set(port, client.remoteAddr);
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      await this.#pipeBoth(client, upstream);
    } catch (error) {
      if (!this.#closed) {
        this.#options.log.log("info", "admin_connection_failed", { error: String(error) });
      }
    } finally {
      this.#peers.delete(port);
      this.#open.delete(client);
      closeQuietly(client);
      if (upstream) closeQuietly(upstream);
    }
  }

  /** Copies both ways until either side ends, timing out idle and head-less connections. */
  async #pipeBoth(client: Deno.TcpConn, upstream: Deno.TcpConn): Promise<void> {
    const { idleTimeoutMs, headTimeoutMs } = this.#options;
    let lastActivity = Date.now();
    let headSeen = false;
    const started = Date.now();
    const stop = () => {
      closeQuietly(client);
      closeQuietly(upstream);
    };
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - lastActivity >= idleTimeoutMs || (!headSeen && now - started >= headTimeoutMs)) {
        stop();
      }
    }, Math.max(50, Math.min(idleTimeoutMs, headTimeoutMs) / 4));
    let tail: Uint8Array = new Uint8Array(0);
    const onClientBytes = (chunk: Uint8Array) => {
      lastActivity = Date.now();
      if (headSeen) return;
      const joined = concat(tail, chunk);
      headSeen = indexOf(joined, HEAD_END) >= 0;
      tail = joined.subarray(Math.max(0, joined.length - 3));
    };
    try {
      await Promise.race([
        copy(client, upstream, onClientBytes),
        copy(upstream, client, () => void (lastActivity = Date.now())),
      ]);
    } finally {
      clearInterval(timer);
      stop();
    }
  }
}

async function copy(from: Deno.Conn, to: Deno.Conn, seen: (chunk: Uint8Array) => void) {
  const buffer = new Uint8Array(16 * 1024);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) return;
      const chunk = buffer.subarray(0, n);
      seen(chunk);
      let written = 0;
      while (written < n) written += await to.write(chunk.subarray(written));
    }
  } catch {
    // Either side closed or reset: the relay ends.
  }
}

async function refuse(conn: Deno.Conn): Promise<void> {
  const body = "Too many admin connections; try again shortly.\n";
  const head = `HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 5\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n`;
  try {
    await conn.write(new TextEncoder().encode(head + body));
  } catch {
    // The peer is gone.
  } finally {
    closeQuietly(conn);
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function describe(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
