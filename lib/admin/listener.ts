/**
 * The admin listener. `Deno.serve` owns its accept loop and has no connection cap: when the
 * process runs out of file descriptors its accept fails and the error kills the process
 * (issue 11, item 2). So the public admin port is a plain `Deno.listen` whose accept loop
 * survives errors and admits at most `maxConnections` at a time. Each admitted connection
 * is relayed to a private `Deno.serve` listening on a Unix socket in a fresh 0700 directory
 * (no other user can reach it, and no TCP port of it can be found with `ss`).
 *
 * The relay frames the client's requests ({@linkcode RequestFramer}): every request's head
 * and body each get a deadline (default 10 s), a body over the size limit is not read any
 * further (the connection closes after the 413), and each request head carries a header
 * naming the relayed connection, signed with a per-process secret, from which the HTTP
 * handler learns the real client's address. When the cap is full, a new connection evicts
 * the oldest one that is idle or mid-request past a short grace, so slow or idle sockets
 * can never keep the real admin out. Where Unix sockets are unavailable (Windows) the
 * private server listens on 127.0.0.1 and a request must also come from the relay's own
 * local address (hostname and port).
 *
 * The private server starts in {@linkcode AdminListener.bind}, so a private directory that
 * cannot be made (no write access to the temporary folder, a `TMPDIR` too long for a Unix
 * socket path) fails the start with a one-line error, never with an uncaught one. There is
 * deliberately no fallback to TCP: a private TCP port can be found and filled with direct,
 * uncapped connections by any local process.
 */
import { Backoff } from "../common/backoff.ts";
import type { Logger } from "../common/log.ts";
import { errorResponse, HttpError, MAX_BODY_BYTES } from "./http.ts";
import { BODY_FLUSH_BYTES, BodyHold, type FrameError, RequestFramer } from "./request_framer.ts";

/** Settings of an {@linkcode AdminListener}. */
export interface AdminListenerOptions {
  hostname: string;
  port: number;
  /** Admin connections open at once (default 64); when full, see `evictGraceMs`. */
  maxConnections?: number;
  /** A connection with no byte in either direction for this long is closed (default 60 s). */
  idleTimeoutMs?: number;
  /** Each request's head must arrive within this time of its first byte (default 10 s). */
  headTimeoutMs?: number;
  /** Each request's body must arrive within this time of the end of its head (default 10 s). */
  bodyTimeoutMs?: number;
  /**
   * When the cap is full, a connection idle (or mid-request) for this long may be closed to
   * admit a new one (default 2 s).
   */
  evictGraceMs?: number;
  /** Where the private HTTP server listens (default `unix`, `tcp` where unavailable). */
  innerTransport?: "unix" | "tcp";
  /**
   * The folder in which the private Unix socket's 0700 directory is made (default: the
   * system's temporary folder, which honours `TMPDIR`).
   */
  socketParent?: string;
  log: Logger;
}

/** The connection details handed to the HTTP handler: the real client's address. */
export interface RelayedInfo {
  remoteAddr: Deno.NetAddr;
  /** Marks the connection as authenticated (see {@linkcode AdminListener}'s eviction). */
  authenticated: () => void;
}

/** An HTTP handler as the admin side writes it. */
export type AdminHttpHandler = (req: Request, info: RelayedInfo) => Promise<Response>;

/** Default cap of concurrent admin connections. */
export const DEFAULT_ADMIN_CONNECTIONS = 64;
/** File descriptors one admin connection costs: the client socket and both relay ends. */
export const FDS_PER_ADMIN_CONNECTION = 3;
/** The header the relay adds to each request head (and removes from the client's). */
export const RELAY_HEADER = "x-fastchat-relay";

/** The longest Unix socket path (`sun_path` is 108 bytes, with its terminating NUL). */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

type Settings = Required<
  Omit<AdminListenerOptions, "hostname" | "port" | "innerTransport" | "socketParent">
>;

/** One relayed connection. */
interface Relayed {
  id: number;
  client: Deno.TcpConn;
  upstream: Deno.Conn | null;
  framer: RequestFramer | null;
  /** No byte has come from the client yet (it counts as a request head in progress). */
  silent: boolean;
  /** When the framer's current phase (or, idle, the last byte) began. */
  phaseSince: number;
  lastActivity: number;
  /** When it was accepted. */
  openedAt: number;
  /** Whether a request on it was authenticated (a staff member's page or script). */
  authenticated: boolean;
  /** Where the relay's end of a TCP fallback connection is bound. */
  innerLocal: Deno.NetAddr | null;
  stop(reason: string): void;
}

interface Inner {
  server: Deno.HttpServer;
  connect(): Promise<Deno.Conn>;
  dir: string | null;
}

/** The admin port: a capped, error-proof accept loop in front of a private HTTP server. */
export class AdminListener {
  readonly #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  readonly #options: Settings;
  readonly #transport: "unix" | "tcp";
  readonly #socketParent: string | undefined;
  readonly #secret = randomHex(16);
  readonly #open = new Map<number, Relayed>();
  #nextId = 1;
  #inner: Inner | null = null;
  #handler: AdminHttpHandler | null = null;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #restartBackoff = new Backoff({ baseMs: 100, maxMs: 30_000 });

  private constructor(
    listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>,
    o: AdminListenerOptions,
  ) {
    this.#listener = listener;
    this.#transport = o.innerTransport ?? (Deno.build.os === "windows" ? "tcp" : "unix");
    this.#socketParent = o.socketParent;
    this.#options = {
      maxConnections: o.maxConnections ?? DEFAULT_ADMIN_CONNECTIONS,
      idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
      headTimeoutMs: o.headTimeoutMs ?? 10_000,
      bodyTimeoutMs: o.bodyTimeoutMs ?? 10_000,
      evictGraceMs: o.evictGraceMs ?? 2_000,
      log: o.log,
    };
  }

  /**
   * Binds the admin port (throws what `Deno.listen` throws) and starts the private server
   * (throws a {@linkcode PrivateServerError} when it cannot); relays nothing before
   * {@linkcode AdminListener.serve}.
   */
  static bind(options: AdminListenerOptions): AdminListener {
    const listener = Deno.listen({ hostname: options.hostname, port: options.port });
    const admin = new AdminListener(listener, options);
    try {
      admin.#inner = admin.#startInner();
    } catch (error) {
      listener.close();
      throw error;
    }
    return admin;
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Admin connections open now. */
  get connections(): number {
    return this.#open.size;
  }

  /** Where the private HTTP server listens (a Unix socket path, or a loopback address). */
  get innerAddr(): Deno.Addr | null {
    return this.#inner?.server.addr ?? null;
  }

  /** Starts answering with `handler`. */
  serve(handler: AdminHttpHandler): void {
    this.#handler = handler;
    const { headTimeoutMs, bodyTimeoutMs, idleTimeoutMs } = this.#options;
    const tick = Math.max(50, Math.min(headTimeoutMs, bodyTimeoutMs, idleTimeoutMs) / 4);
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(tick, 1_000));
    this.#loop = this.#acceptLoop();
  }

  /** Stops accepting, closes every admin connection and the private server. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    clearTimeout(this.#restartTimer);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#open.values()) conn.stop("closing");
    await this.#loop;
    const inner = this.#inner;
    await inner?.server.shutdown().catch(() => {});
    if (inner?.dir) await Deno.remove(inner.dir, { recursive: true }).catch(() => {});
  }

  /** Starts the private server; throws a {@linkcode PrivateServerError} when it cannot. */
  #startInner(): Inner {
    const inner = this.#transport === "unix" ? this.#serveUnix() : this.#serveTcp();
    inner.server.finished.catch((error) => {
      if (this.#closed || this.#inner !== inner) return;
      this.#options.log.log("warn", "admin_http_restarted", { error: String(error) });
      this.#restartInner();
    });
    return inner;
  }

  /**
   * Starts the private server again after it failed; when that fails too (the temporary
   * folder became unwritable, say), logs it and tries again later: admin connections are
   * closed meanwhile, and the chat server is not affected.
   */
  #restartInner(): void {
    const previous = this.#inner;
    if (previous?.dir) void Deno.remove(previous.dir, { recursive: true }).catch(() => {});
    try {
      this.#inner = this.#startInner();
      this.#restartBackoff.reset();
    } catch (error) {
      const delay = this.#restartBackoff.next();
      this.#options.log.log("error", "admin_http_restart_failed", {
        error: (error as Error).message,
        retry_ms: delay,
      });
      this.#restartTimer = setTimeout(() => {
        if (!this.#closed) this.#restartInner();
      }, delay);
    }
  }

  #serveUnix(): Inner {
    const parent = this.#socketParent;
    let dir: string;
    try {
      dir = Deno.makeTempDirSync({ dir: parent, prefix: "fastchat-admin-" });
      Deno.chmodSync(dir, 0o700);
    } catch (error) {
      throw new PrivateServerError(
        `cannot make the admin page's private socket directory in ${folderName(parent)}: ` +
          `${oneLine(error)}; set TMPDIR to a folder the server may write`,
      );
    }
    const path = `${dir}/http.sock`;
    const bytes = new TextEncoder().encode(path).length;
    try {
      if (bytes > MAX_UNIX_SOCKET_PATH_BYTES) {
        throw new PrivateServerError(
          `the admin page's private socket path ${path} is ${bytes} bytes, longer than a Unix ` +
            `socket path may be (${MAX_UNIX_SOCKET_PATH_BYTES}); set TMPDIR to a shorter folder`,
        );
      }
      const server = Deno.serve(
        { path, onListen: () => {} },
        (req, info) => this.#answer(req, info.remoteAddr),
      );
      return { server, dir, connect: () => Deno.connect({ transport: "unix", path }) };
    } catch (error) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Nothing more to do: it is empty and private.
      }
      if (error instanceof PrivateServerError) throw error;
      throw new PrivateServerError(
        `cannot listen on the admin page's private socket ${path}: ${oneLine(error)}`,
      );
    }
  }

  #serveTcp(): Inner {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req, info) => this.#answer(req, info.remoteAddr),
    );
    const port = server.addr.port;
    return { server, dir: null, connect: () => Deno.connect({ hostname: "127.0.0.1", port }) };
  }

  /** Answers a request that reached the private server; only the relay's are served. */
  #answer(req: Request, from: Deno.Addr): Promise<Response> | Response {
    const relayed = this.#relayedOf(req, from);
    const handler = this.#handler;
    if (!relayed || !handler) {
      return new Response("Connect to the admin port.\n", { status: 403 });
    }
    let url: string;
    try {
      // Over a Unix socket the URL reads `http+unix://host/…`; the page's own is http.
      url = new URL(req.url.replace(/^http\+unix:/, "http:")).href;
    } catch {
      return errorResponse(new HttpError(400, "bad_host", "The request's Host is not valid."));
    }
    const headers = new Headers(req.headers);
    headers.delete(RELAY_HEADER);
    const forwarded = new Request(url, {
      method: req.method,
      headers,
      body: req.body,
    });
    return handler(forwarded, {
      remoteAddr: relayed.client.remoteAddr,
      authenticated: () => void (relayed.authenticated = true),
    });
  }

  #relayedOf(req: Request, from: Deno.Addr): Relayed | null {
    const match = /^([0-9a-f]{32}) (\d{1,15})$/.exec(req.headers.get(RELAY_HEADER) ?? "");
    if (!match || match[1] !== this.#secret) return null;
    const relayed = this.#open.get(Number(match[2]));
    if (!relayed) return null;
    if (this.#transport === "unix") return relayed;
    // TCP fallback: the request must also come from the relay's own end of this connection.
    const own = relayed.innerLocal;
    const ok = own !== null && from.transport === "tcp" && from.hostname === own.hostname &&
      from.port === own.port;
    return ok ? relayed : null;
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
      if (this.#open.size >= this.#options.maxConnections && !this.#evictOne()) {
        this.#options.log.log("info", "admin_connection_refused", {
          address: describe(conn.remoteAddr),
          reason: `${this.#options.maxConnections} admin connections are busy`,
        });
        void refuse(conn);
        continue;
      }
      void this.#relay(conn);
    }
  }

  /**
   * Closes, past the grace, the oldest connection on which no request was ever
   * authenticated, however busy (requests without credentials, kept alive, could otherwise
   * hold every place); else the oldest idle or mid-request one. False if none.
   */
  #evictOne(): boolean {
    const now = Date.now();
    let victim: Relayed | null = null;
    let since = Infinity;
    for (const conn of this.#open.values()) {
      if (conn.authenticated || now - conn.openedAt < this.#options.evictGraceMs) continue;
      if (conn.openedAt < since) {
        victim = conn;
        since = conn.openedAt;
      }
    }
    for (const conn of victim ? [] : this.#open.values()) {
      const phase = phaseOf(conn);
      const start = phase === "idle" ? conn.lastActivity : conn.phaseSince;
      if (now - start >= this.#options.evictGraceMs && start < since) {
        victim = conn;
        since = start;
      }
    }
    if (!victim) return false;
    this.#options.log.log("info", "admin_connection_evicted", {
      address: describe(victim.client.remoteAddr),
      reason:
        "the connection cap is full and this connection never authenticated, or was the longest idle or slow",
    });
    victim.stop("evicted");
    return true;
  }

  /** Closes connections past a deadline. */
  #sweep(): void {
    const now = Date.now();
    const { idleTimeoutMs, headTimeoutMs, bodyTimeoutMs } = this.#options;
    for (const conn of this.#open.values()) {
      const phase = phaseOf(conn);
      if (now - conn.lastActivity >= idleTimeoutMs) conn.stop("idle");
      else if (phase === "head" && now - conn.phaseSince >= headTimeoutMs) conn.stop("head");
      else if (phase === "body" && now - conn.phaseSince >= bodyTimeoutMs) conn.stop("body");
    }
  }

  async #relay(client: Deno.TcpConn): Promise<void> {
    const now = Date.now();
    const conn: Relayed = {
      id: this.#nextId++,
      client,
      upstream: null,
      framer: null,
      silent: true,
      phaseSince: now,
      lastActivity: now,
      openedAt: now,
      authenticated: false,
      innerLocal: null,
      stop: (reason) => {
        if (!this.#open.delete(conn.id)) return;
        if (reason !== "closed" && reason !== "closing") {
          this.#options.log.log("info", "admin_connection_closed", {
            address: describe(client.remoteAddr),
            reason: REASONS[reason] ?? reason,
          });
        }
        closeQuietly(client);
        if (conn.upstream) closeQuietly(conn.upstream);
      },
    };
    this.#open.set(conn.id, conn);
    try {
      const upstream = await this.#inner!.connect();
      conn.upstream = upstream;
      if (!this.#open.has(conn.id)) return closeQuietly(upstream);
      if (upstream.localAddr.transport === "tcp") conn.innerLocal = upstream.localAddr;
      conn.framer = new RequestFramer({
        maxBodyBytes: MAX_BODY_BYTES,
        extraHeader: `${RELAY_HEADER}: ${this.#secret} ${conn.id}`,
        dropHeader: RELAY_HEADER,
      });
      client.setNoDelay(true);
      await this.#pipe(conn, upstream);
    } catch (error) {
      if (!this.#closed && this.#open.has(conn.id)) {
        this.#options.log.log("info", "admin_connection_failed", { error: String(error) });
      }
    } finally {
      conn.stop("closed");
    }
  }

  /** Relays until the private server ends the connection or either side fails. */
  async #pipe(conn: Relayed, upstream: Deno.Conn): Promise<void> {
    const { client } = conn;
    const framer = conn.framer!;
    let endWhenAnswered = false;
    let refused: FrameError | null = null;
    const held = new BodyHold();
    const fromClient = async () => {
      for await (const chunk of reads(client)) {
        conn.lastActivity = Date.now();
        conn.silent = false;
        const before = framer.phase;
        const out = framer.push(chunk);
        if (framer.phase !== before) conn.phaseSince = conn.lastActivity;
        for (const bytes of out.forward) held.add(bytes);
        // A body still arriving is held (see BodyHold); anything else is passed on now.
        const holding = before === "body" && framer.phase === "body" && !out.error &&
          !framer.overLimit && held.size < BODY_FLUSH_BYTES;
        if (!holding && held.size > 0 && !(await writeAll(upstream, held.take()))) return;
        if (out.error) {
          refused = out.error;
          return;
        }
        // Over the body limit: read no more; the private server's answer (413) ends it.
        if (framer.overLimit) {
          endWhenAnswered = true;
          return;
        }
      }
      // The client is done sending: let the private server answer what it has, then end.
      if (held.size > 0 && !(await writeAll(upstream, held.take()))) return;
      await upstream.closeWrite().catch(() => {});
    };
    const toClient = async () => {
      for await (const chunk of reads(upstream)) {
        conn.lastActivity = Date.now();
        if (endWhenAnswered) {
          endWhenAnswered = false;
          await upstream.closeWrite().catch(() => {});
        }
        if (!(await writeAll(client, chunk))) return;
      }
    };
    const receiving = toClient();
    const sending = fromClient();
    // The private server closing the connection (after `connection: close`, say) ends it.
    const first = await Promise.race([
      receiving.then(() => "server"),
      sending.then(() => "client"),
    ]);
    if (first === "client" && refused) {
      await writeAll(client, frameErrorBytes(refused));
      await lingeringClose(client);
      return;
    }
    await receiving;
    if (framer.overLimit) await lingeringClose(client);
  }
}

/** The private HTTP server could not start; the message is one line for the operator. */
export class PrivateServerError extends Error {
  override name = "PrivateServerError";
}

function folderName(parent: string | undefined): string {
  if (parent !== undefined) return parent;
  try {
    const tmpdir = Deno.env.get("TMPDIR");
    return tmpdir ? `the temporary folder ${tmpdir}` : "the temporary folder (TMPDIR unset)";
  } catch {
    return "the temporary folder";
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, " ").replace(/, run again with the --allow-\S+ flag$/, "");
}

function phaseOf(conn: Relayed): "idle" | "head" | "body" {
  return conn.silent || !conn.framer ? "head" : conn.framer.phase;
}

const REASONS: Record<string, string> = {
  idle: "no byte in either direction within the idle timeout",
  head: "the request head did not arrive within the head timeout",
  body: "the request body did not arrive within the body timeout",
  evicted: "evicted to admit a new connection",
};

async function* reads(conn: Deno.Conn): AsyncGenerator<Uint8Array> {
  const buffer = new Uint8Array(16 * 1024);
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch {
      return; // Closed or reset: the relay ends.
    }
    if (n === null) return;
    yield buffer.subarray(0, n);
  }
}

/** Writes all of `bytes`; false when the peer is gone. */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    return true;
  } catch {
    return false;
  }
}

/** How long and how much {@linkcode lingeringClose} reads and discards at most. */
export const LINGER = { ms: 2_000, bytes: 16 * 1024 * 1024 } as const;

/**
 * Half-closes `conn` and discards what the peer still sends until it stops (at most
 * {@linkcode LINGER}), then closes it. Closing a socket with unread input sends a reset,
 * and a client that is still uploading (a body over the limit) often loses the answer just
 * written to that reset: its next write fails and it never reads what came before. The
 * client needs a few turns of its own loop to read the answer and stop: on loopback it
 * sends 256 KiB in well under a millisecond, so a cap that small lost the 413 in about one
 * run in three under load (`tests/admin/relay_e2e_test.ts`).
 */
async function lingeringClose(conn: Deno.TcpConn): Promise<void> {
  await conn.closeWrite().catch(() => {});
  const timer = setTimeout(() => closeQuietly(conn), LINGER.ms);
  let discarded = 0;
  for await (const chunk of reads(conn)) {
    discarded += chunk.length;
    if (discarded > LINGER.bytes) break;
  }
  clearTimeout(timer);
  closeQuietly(conn);
}

function frameErrorBytes(error: FrameError): Uint8Array {
  const reason = {
    400: "Bad Request",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
  };
  const body = JSON.stringify({ error: { code: "bad_request", message: error.message } });
  return new TextEncoder().encode(
    `HTTP/1.1 ${error.status} ${reason[error.status]}\r\nconnection: close\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n` +
      body,
  );
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

function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

function describe(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}
