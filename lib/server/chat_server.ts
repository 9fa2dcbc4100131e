/**
 * A running chat server: loads state from the store, accepts connections on listeners it
 * is given, greets them, enforces per-address connection limits, and shuts down cleanly.
 */
import { encodeFrame } from "../protocol/frame.ts";
import { MAX_TEXT, PROTOCOL_VERSION } from "../protocol/limits.ts";
import { foldName } from "../protocol/names.ts";
import { Moderation } from "../moderation/moderation.ts";
import type { Store } from "../store/store.ts";
import { serveConnection } from "./connection.ts";
import { ChatCore } from "./core.ts";
import type { Logger } from "./log.ts";
import { type Clock, TokenBucket, WindowCounter } from "./rate_limit.ts";
import { RoomDirectory } from "./rooms.ts";
import { Session } from "./session.ts";
import { SessionRegistry } from "./session_registry.ts";

/** Settings of a {@linkcode ChatServer}. */
export interface ChatServerOptions {
  version: string;
  motd: string;
  maxFrame: number;
  outboundLimit: number;
  /** `say`/`dm` per second and burst per session; null = unlimited. */
  msgRate: { rate: number; burst: number } | null;
  /** Concurrent connections per address; null = unlimited. */
  connLimit: number | null;
  /** New connections per address per minute; null = unlimited. */
  connRate: number | null;
  /** Registrations per address per 10 minutes (and login delays); null = off. */
  authRate: number | null;
  log: Logger;
  clock?: Clock;
}

/** Rooms every server has. */
const DEFAULT_ROOMS = ["general"];

/** How long a stopping server waits for clients to read their last frames. */
const STOP_FLUSH_MS = 3_000;

/** A chat server over one store. */
export class ChatServer {
  readonly core: ChatCore;
  readonly version: string;
  readonly startedAt: number;
  #options: ChatServerOptions;
  #listeners: Deno.Listener[] = [];
  #connections = new Set<Promise<void>>();
  #nextSessionId = 1;
  #connRate: WindowCounter | null;
  #shutdown: Promise<void> | null = null;
  #shutdownTimer: ReturnType<typeof setTimeout> | undefined;
  #stopNow: (() => void) | null = null;
  #done = Promise.withResolvers<void>();

  private constructor(core: ChatCore, options: ChatServerOptions) {
    this.core = core;
    this.version = options.version;
    this.#options = options;
    this.startedAt = core.clock();
    this.#connRate = options.connRate === null
      ? null
      : new WindowCounter(options.connRate, 60_000, core.clock);
  }

  /** Loads rooms, sanctions and the message sequence from the store. */
  static async create(store: Store, options: ChatServerOptions): Promise<ChatServer> {
    const clock = options.clock ?? Date.now;
    const rooms = new RoomDirectory();
    for (const record of await store.listRooms()) rooms.add(record);
    for (const name of DEFAULT_ROOMS) {
      if (rooms.get(name)) continue;
      const record = await store.createRoom({
        name,
        nameKey: foldName(name),
        topic: null,
        createdAt: clock(),
      });
      if (record) rooms.add(record);
    }
    const msgRate = options.msgRate;
    const core = new ChatCore({
      store,
      rooms,
      sessions: new SessionRegistry(),
      moderation: await Moderation.load(store, clock),
      limits: {
        maxText: MAX_TEXT,
        newBucket: msgRate ? () => new TokenBucket(msgRate.rate, msgRate.burst, clock) : null,
        registrations: options.authRate === null
          ? null
          : new WindowCounter(options.authRate, 10 * 60_000, clock),
        loginFailures: options.authRate === null
          ? null
          : new WindowCounter(1000, 10 * 60_000, clock),
        maxPendingWrites: 1_000,
      },
      log: options.log,
      clock,
      lastSeq: await store.lastMessageSeq(),
      messagesStored: await store.countMessages(),
    });
    return new ChatServer(core, options);
  }

  /** Resolves when the server has stopped (after a shutdown). */
  get finished(): Promise<void> {
    return this.#done.promise;
  }

  /** Whether a shutdown has begun. */
  get shuttingDown(): boolean {
    return this.#shutdown !== null;
  }

  /** Accepts connections from `listener` until shutdown. */
  serve(listener: Deno.Listener): void {
    this.#listeners.push(listener);
    void this.#acceptLoop(listener);
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#shutdown || error instanceof Deno.errors.BadResource) return;
        this.core.log.log("warn", "accept_failed", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      this.#admit(conn);
    }
  }

  #admit(conn: Deno.Conn): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const host = remote.hostname ?? "unknown";
    const address = host.includes(":") ? `[${host}]:${remote.port}` : `${host}:${remote.port}`;
    try {
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // TLS connections before the handshake; harmless.
    }
    const { core } = this;
    const refusal = this.#shutdown
      ? "The server is shutting down."
      : this.#options.connLimit !== null &&
          core.sessions.connectionsFrom(host) >= this.#options.connLimit
      ? "Too many connections from your address."
      : this.#connRate && this.#connRate.hit(host) > 0
      ? "Too many new connections from your address; wait a minute."
      : null;
    if (refusal !== null) {
      core.log.log("info", "connection_refused", { address, reason: refusal });
      const bytes = encodeFrame({ type: "error", code: "rate_limited", message: refusal });
      conn.write(bytes).catch(() => {}).finally(() => {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      });
      return;
    }
    const session = new Session({
      id: this.#nextSessionId++,
      conn,
      address,
      host,
      now: core.clock(),
      outboundLimit: this.#options.outboundLimit,
      onSlowConsumer: (s) => this.#slowConsumer(s),
    });
    session.bucket = core.limits.newBucket?.() ?? null;
    core.sessions.add(session);
    core.log.log("info", "connection_opened", { session: session.id, address });
    session.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      server: `fastchat/${this.version}`,
      motd: this.#options.motd,
      limits: { maxFrame: this.#options.maxFrame, maxText: MAX_TEXT },
    });
    const served = serveConnection(core, conn, session, this.#options.maxFrame)
      .catch((error) => core.log.log("error", "connection_failed", { error: String(error) }))
      .finally(() => {
        this.#connections.delete(served);
        core.log.log("info", "connection_closed", {
          session: session.id,
          address,
          user: session.lastUser,
          reason: session.closeReason ?? "closed",
        });
      });
    this.#connections.add(served);
  }

  #slowConsumer(session: Session): void {
    if (session.closeStarted) return;
    this.core.countError("slow_consumer");
    this.core.log.log("warn", "slow_consumer", {
      session: session.id,
      queued: session.pendingBytes,
    });
    this.core.logout(session);
    void session.close("slow consumer", {
      type: "error",
      code: "slow_consumer",
      message: "You are not reading fast enough; closing the connection.",
    }, true);
  }

  /**
   * Warns every connection with `shutdown`, stops accepting, and after `delaySeconds`
   * stores everything accepted, closes the connections and resolves {@linkcode finished}.
   * A second call with a shorter delay brings the stop forward.
   */
  shutdown(message: string, delaySeconds: number): Promise<void> {
    if (this.#shutdown) {
      if (delaySeconds === 0) this.#stopNow?.();
      return this.#shutdown;
    }
    this.core.log.log("info", "shutdown", { in: delaySeconds, message });
    this.core.broadcastAll({ type: "shutdown", message, in: delaySeconds });
    this.core.emit({ type: "shutdown", message, in: delaySeconds });
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
    this.#shutdown = (async () => {
      if (delaySeconds > 0) {
        await new Promise<void>((resolve) => {
          this.#stopNow = resolve;
          this.#shutdownTimer = setTimeout(resolve, delaySeconds * 1000);
        });
        clearTimeout(this.#shutdownTimer);
      }
      await this.#stop();
    })();
    return this.#shutdown;
  }

  async #stop(): Promise<void> {
    const { core } = this;
    core.stopping = true;
    await core.writer.drained();
    const closing = [...core.sessions.all].map((session) => session.close("server stopped"));
    await Promise.race([
      Promise.all(closing),
      new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS)),
    ]);
    for (const session of core.sessions.all) session.abort("server stopped");
    await Promise.race([
      Promise.all(this.#connections),
      new Promise((resolve) => setTimeout(resolve, 1_000)),
    ]);
    await core.writer.drained();
    this.#done.resolve();
  }
}
