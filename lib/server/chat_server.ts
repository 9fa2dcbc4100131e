/**
 * A running chat server: loads state from the store, accepts connections on listeners it
 * is given, greets them, enforces per-address connection limits, and shuts down cleanly.
 */
import { lastSeenWritten, recordLastSeenByName } from "./chat/last_seen.ts";
import { encodeFrame } from "../protocol/frame.ts";
import { errorFrame, type ServerFrame } from "../protocol/server_frames.ts";
import { MAX_SERVER_FRAME, MAX_TEXT, PROTOCOL_VERSION } from "../protocol/limits.ts";
import { foldName } from "../protocol/names.ts";
import type { Language } from "../i18n/languages.ts";
import { serverEn } from "../i18n/catalogs/server.en.ts";
import { serverTexts } from "../i18n/server_texts.ts";
import { useNoticeLanguage } from "./moderation/sanctions.ts";
import { Moderation } from "./limits/moderation_state.ts";
import { RoomJanitor } from "./moderation/room_janitor.ts";
import { AddressBans } from "./moderation/address_bans.ts";
import { RoomCreationLimiter } from "./limits/room_limiter.ts";
import { AccountBytes } from "./limits/account_bytes.ts";
import { ResumeTokens } from "../auth/tokens.ts";
import { addressKey } from "../auth/address_key.ts";
import { StaffRoles } from "./limits/staff_roles.ts";
import type { Store } from "../store/store.ts";
import { type ByteSource, serveConnection } from "./net/connection.ts";
import {
  prefixedSource,
  ProxyHeaderError,
  type ProxyHeaderRead,
  readProxyHeader,
} from "./net/proxy_header.ts";
import { contains, formatNetwork, type IpNetwork, parseAddress } from "./moderation/ip_network.ts";
import { dispatch } from "./requests/dispatch.ts";
import { REPORT_WINDOW_MS, REPORTS_PER_WINDOW } from "./requests/reports.ts";
import { TOPIC_CHANGES_PER_WINDOW, TOPIC_WINDOW_MS } from "./requests/rooms.ts";
import { ChatCore, SEQ_FLOOR_SETTING } from "./chat/core.ts";
import { FloodEscalation } from "./limits/flood_counter.ts";
import { type GuardSettings, TIMEOUT_CODE } from "./limits/guards.ts";
import type { Logger } from "../common/log.ts";
import type { Clock } from "../common/clock.ts";
import { TokenBucket, WindowCounter } from "../common/rate_limit.ts";
import { RoomDirectory } from "./chat/rooms.ts";
import { Session } from "./net/session.ts";
import { SessionRegistry } from "./chat/session_registry.ts";
import { type Expiry, Watchdog } from "./net/watchdog.ts";
import type { Delivery, LocalDeliveryParts } from "./chat/delivery.ts";
import type { PendingChange, PendingMessage } from "./chat/core.ts";
import type { ClusterLink } from "./chat/cluster_link.ts";
import type { MessageLog } from "./chat/message_log.ts";
import type { WriterCallbacks } from "./chat/message_writer.ts";

/** A message rate: `rate` per second with bursts of `burst`. */
export interface MessageRate {
  rate: number;
  burst: number;
}

/**
 * Settings of a {@linkcode ChatServer}, every one resolved: `lib/app/config.ts` holds their
 * defaults (the only place they are written) and fills in what a caller leaves out.
 */
export interface ChatServerSettings {
  /** Message of the day, sent in the `welcome` (the English default is said in {@linkcode lang}). */
  motd: string;
  /** Language of the server's own texts: default motd and shutdown warning, notices. */
  lang: Language;
  /** Largest frame a client may send, in bytes. */
  maxFrame: number;
  /** Bytes that may wait for a slow reader before it is disconnected. */
  outboundLimit: number;
  /** `say`/`dm` per second and burst per session; null = unlimited. */
  msgRate: MessageRate | null;
  /** Concurrent connections per address; null = unlimited. */
  connLimit: number | null;
  /** New connections per address per minute; null = unlimited. */
  connRate: number | null;
  /** Registrations per address per 10 minutes (and login delays); null = off. */
  authRate: number | null;
  /**
   * Proxies trusted to send the PROXY protocol (`--proxy-protocol`): a connection from one
   * of these networks must start with a PROXY header, and the client it names stands for
   * the connection everywhere (limits, bans, logs, admin views); null = off.
   */
  proxyProtocol: IpNetwork[] | null;
  /** Timeouts, resource bounds, flood escalation (see `docs/security.md`). */
  guards: GuardSettings;
  /** A room that never had a message is deleted this long after its creation; null = never. */
  emptyRoomExpiryMs: number | null;
}

/**
 * How a cluster plugs into a {@linkcode ChatServer} (`lib/cluster/` builds one; one process
 * has none): where the message sequence starts, the delivery and message log to use instead
 * of the local ones, the link the server tells of its changes, and a last step once the
 * server exists (reading the cluster's log, presence, control events).
 */
export interface ClusterPlug {
  readonly link: ClusterLink;
  /** The last sequence number of the cluster's log when this instance joined. */
  readonly lastSeq: number;
  delivery(parts: LocalDeliveryParts): Delivery;
  writer(
    callbacks: WriterCallbacks<PendingMessage, PendingChange>,
  ): MessageLog<PendingMessage, PendingChange>;
  /** Starts the cluster's work on the created server (before it accepts connections). */
  attach(server: ChatServer): Promise<void>;
}

/** What a {@linkcode ChatServer} runs with besides its settings. */
export interface ChatServerRuntime {
  /** The server's version, announced in the `welcome`. */
  version: string;
  log: Logger;
  /** Milliseconds since the epoch (default `Date.now`). */
  clock?: Clock;
  /** The cluster this instance joins (`lib/cluster/`); absent when it runs alone. */
  cluster?: ClusterPlug;
}

/** Whether `conn` came from a TLS listener (it has a handshake to finish). */
function _isTls(conn: Deno.Conn): conn is Deno.TlsConn {
  return typeof (conn as Partial<Deno.TlsConn>).handshake === "function";
}

/** The sentence of the `error` a connection from a banned address gets. */
function _addressBanSentence(reason: string): string {
  return reason === ""
    ? "Connections from your address are banned."
    : `Connections from your address are banned: ${reason}`;
}

/** `host:port`, an IPv6 host in brackets: how a peer is shown in logs and admin views. */
function _peerAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Whether the peer `host` is one of the proxies trusted to send a PROXY header. */
function _trustedProxy(proxies: readonly IpNetwork[], host: string): boolean {
  const address = parseAddress(host);
  return address !== null && proxies.some((network) => contains(network, address));
}

/** The text of the client address a PROXY header names (as a socket would show it). */
function _hostText(address: { family: 4 | 6; value: bigint }): string {
  const network = { base: address.value, prefix: address.family === 4 ? 32 : 128 };
  return formatNetwork({ family: address.family, ...network }).split("/")[0]!;
}

/** At most this long for a trusted proxy's PROXY header (HAProxy sends it at once). */
const PROXY_HEADER_TIMEOUT_MS = 5_000;

/** Rooms every server has. */
const DEFAULT_ROOMS = ["general"];

/** How long a stopping server waits for clients to read their last frames. */
const STOP_FLUSH_MS = 3_000;

/** How long a stopping server then waits for the connections' loops to end. */
const STOP_CONNECTIONS_MS = 1_000;

/** The window of `--conn-rate` (new connections per address per minute). */
const CONN_RATE_WINDOW_MS = 60_000;

/** The window of `--auth-rate` (registrations per address) and of login failures. */
const AUTH_RATE_WINDOW_MS = 10 * 60_000;

/** Failed logins per address per window that are counted (for the login delays). */
const LOGIN_FAILURES_COUNTED = 1_000;

/** `say`/`dm` of one session waiting for the store before it waits for a commit. */
const MAX_PENDING_WRITES_PER_SESSION = 1_000;

/** How often per-address counters forget quiet addresses. */
const SWEEP_INTERVAL_MS = 60_000;

/** The pause after a failed `accept` (e.g. out of file descriptors) before the next. */
const ACCEPT_RETRY_MS = 50;

/** A chat server over one store. */
export class ChatServer {
  readonly core: ChatCore;
  /** Address bans, applied before `welcome` (see {@linkcode closeBannedSessions}). */
  readonly addressBans: AddressBans;
  readonly version: string;
  readonly startedAt: number;
  #settings: ChatServerSettings;
  #listeners: Deno.Listener[] = [];
  #connections = new Set<Promise<void>>();
  #nextSessionId = 1;
  #connRate: WindowCounter | null;
  #shutdown: Promise<void> | null = null;
  #shutdownTimer: ReturnType<typeof setTimeout> | undefined;
  #stopNow: (() => void) | null = null;
  #done = Promise.withResolvers<void>();
  #guards: GuardSettings;
  #watchdog: Watchdog;
  /** TLS connections accepted whose handshake is not finished. */
  #handshaking = 0;
  /** Connections from trusted proxies whose PROXY header is not read yet. */
  #awaitingHeader = 0;
  #sweeper: ReturnType<typeof setInterval>;
  /** Stores rooms' last activity and expires idle rooms. */
  #janitor: RoomJanitor;
  /** What every connection calls with a frame, and on a slow consumer: one each per server, not per connection. */
  #handleFrame: (session: Session, frame: Uint8Array) => Promise<void>;
  #onSlowConsumer: (session: Session) => void;

  private constructor(
    core: ChatCore,
    settings: ChatServerSettings,
    version: string,
    addressBans: AddressBans,
  ) {
    this.core = core;
    this.#handleFrame = (session, frame) => dispatch(core, session, frame);
    this.#onSlowConsumer = (session) => this.#slowConsumer(session);
    this.addressBans = addressBans;
    this.version = version;
    this.#settings = settings;
    this.startedAt = core.clock();
    this.#connRate = settings.connRate === null
      ? null
      : new WindowCounter(settings.connRate, CONN_RATE_WINDOW_MS, core.clock);
    this.#guards = settings.guards;
    this.#watchdog = new Watchdog(this.#guards, core.clock, (s, e) => this.#timedOut(s, e));
    this.#watchdog.start();
    this.#janitor = new RoomJanitor(
      core,
      this.#guards.roomExpiryMs,
      settings.emptyRoomExpiryMs,
    );
    // Per-address counters forget quiet addresses only when swept: sweep them now and then,
    // so that memory follows the active addresses, not every address ever seen.
    this.#sweeper = setInterval(() => {
      this.#connRate?.sweep();
      core.limits.registrations?.sweep();
      core.limits.loginFailures?.sweep();
      core.limits.roomCreation?.sweep();
      core.limits.reports?.sweep();
      core.limits.topicChanges?.sweep();
      core.limits.accountBytes?.sweep();
    }, SWEEP_INTERVAL_MS);
    Deno.unrefTimer(this.#sweeper);
  }

  /** Loads rooms, sanctions and the message sequence from the store. */
  static async create(
    store: Store,
    settings: ChatServerSettings,
    runtime: ChatServerRuntime,
  ): Promise<ChatServer> {
    const clock = runtime.clock ?? Date.now;
    // Names stored before schema version 2 get their confusable-skeleton key now.
    for (const clash of await store.fillSkeletonKeys()) {
      runtime.log.log("warn", "name_skeleton_clash", {
        kind: clash.kind,
        id: clash.id,
        name: clash.name,
        note: "looks like an older name; both are kept",
      });
    }
    const rooms = new RoomDirectory();
    for (const record of await store.listRooms()) rooms.add(record);
    for (const name of DEFAULT_ROOMS) {
      if (rooms.get(name)) continue;
      const record = await store.createRoom({
        name,
        nameKey: foldName(name),
        topic: null,
        createdAt: clock(),
      }) ?? // Another instance of a cluster created it meanwhile.
        (await store.listRooms()).find((room) => room.nameKey === foldName(name));
      if (record) rooms.add(record);
    }
    const { msgRate, authRate, guards } = settings;
    const cluster = runtime.cluster;
    const core = new ChatCore({
      cluster: cluster?.link ?? null,
      delivery: cluster ? (parts) => cluster.delivery(parts) : undefined,
      writer: cluster ? (callbacks) => cluster.writer(callbacks) : undefined,
      store,
      rooms,
      sessions: new SessionRegistry(),
      moderation: await Moderation.load(store, clock),
      tokens: await ResumeTokens.load(store, clock),
      staff: await StaffRoles.load(store),
      limits: {
        maxText: MAX_TEXT,
        newBucket: msgRate ? () => new TokenBucket(msgRate.rate, msgRate.burst, clock) : null,
        registrations: authRate === null
          ? null
          : new WindowCounter(authRate, AUTH_RATE_WINDOW_MS, clock),
        loginFailures: authRate === null
          ? null
          : new WindowCounter(LOGIN_FAILURES_COUNTED, AUTH_RATE_WINDOW_MS, clock),
        maxPendingWrites: MAX_PENDING_WRITES_PER_SESSION,
        guards,
        flood: msgRate && guards.flood ? new FloodEscalation(guards.flood, clock) : null,
        // Like flood escalation, an anti-abuse rate that `--msg-rate off` (the setting of
        // load tests and the contract's conformance suite) turns off with the others.
        roomCreation: msgRate && guards.roomRate
          ? new RoomCreationLimiter(guards.roomRate, clock)
          : null,
        // The same: off with `--msg-rate off`.
        // Always on: the contract lists `rate_limited` for `report`, and a report costs the
        // staff's attention, not just the server's CPU.
        reports: new WindowCounter(REPORTS_PER_WINDOW, REPORT_WINDOW_MS, clock),
        // Off with `--msg-rate off`, like the other anti-abuse rates.
        topicChanges: msgRate
          ? new WindowCounter(TOPIC_CHANGES_PER_WINDOW, TOPIC_WINDOW_MS, clock)
          : null,
        // The same: off with `--msg-rate off`.
        accountBytes: msgRate ? new AccountBytes(undefined, undefined, clock) : null,
      },
      log: runtime.log,
      clock,
      lastSeq: cluster?.lastSeq ?? Math.max(
        await store.lastMessageSeq(),
        Number(await store.getSetting(SEQ_FLOOR_SETTING) ?? 0),
      ),
      messagesStored: await store.countMessages(),
    });
    useNoticeLanguage(core, settings.lang);
    const addressBans = await AddressBans.load(store, clock, core.cluster);
    const server = new ChatServer(core, settings, runtime.version, addressBans);
    await cluster?.attach(server);
    await server.#janitor.start();
    return server;
  }

  /** Resolves when the server has stopped (after a shutdown). */
  get finished(): Promise<void> {
    return this.#done.promise;
  }

  /** Language of the server's own texts (`--lang`). */
  get language(): Language {
    return this.#settings.lang;
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
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      this.#admit(conn);
    }
  }

  #admit(conn: Deno.Conn): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const host = remote.hostname ?? "unknown";
    try {
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
      // Lets the kernel find peers that vanished without a FIN (see docs/security.md).
      (conn as Partial<Deno.TcpConn>).setKeepAlive?.(true);
    } catch {
      // TLS connections before the handshake; harmless.
    }
    const proxies = this.#settings.proxyProtocol;
    // A trusted proxy's connection starts with the PROXY header naming its client; anyone
    // else's PROXY line is just a bad frame. (TLS and the PROXY protocol do not go together:
    // the header would come before the handshake; `lib/app/config.ts` refuses both.)
    if (proxies !== null && !_isTls(conn) && _trustedProxy(proxies, host)) {
      this.#admitProxied(conn, host, remote.port).catch((error) => {
        this.core.log.log("error", "connection_failed", { error: String(error) });
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      });
      return;
    }
    this.#admitPeer(conn, host, remote.port, conn);
  }

  /**
   * Reads the PROXY header of a trusted proxy's connection within the deadline, then admits
   * the client it names (UNKNOWN/LOCAL: the proxy itself); a bad, oversized or missing header
   * closes the connection (logged as `proxy_header_failed`, counted as `proxy_header`).
   */
  async #admitProxied(conn: Deno.Conn, proxyHost: string, proxyPort: number): Promise<void> {
    const guards = this.#guards;
    const timeoutMs = Math.min(
      PROXY_HEADER_TIMEOUT_MS,
      guards.frameTimeoutMs ?? Infinity,
      guards.loginTimeoutMs ?? Infinity,
    );
    this.#awaitingHeader++;
    let read: ProxyHeaderRead;
    try {
      read = await readProxyHeader(conn, timeoutMs, parseAddress);
    } catch (error) {
      const quiet = error instanceof ProxyHeaderError && error.quiet;
      this.core.countError("proxy_header");
      this.core.log.log(quiet ? "info" : "warn", "proxy_header_failed", {
        address: _peerAddress(proxyHost, proxyPort),
        error: String((error as Error)?.message ?? error),
      });
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      return;
    } finally {
      this.#awaitingHeader--;
    }
    const client = read.header.source;
    const host = client ? _hostText(client.address) : proxyHost;
    const port = client ? client.port : proxyPort;
    const rest = read.rest;
    this.#admitPeer(conn, host, port, rest.length > 0 ? prefixedSource(conn, rest) : conn);
  }

  /** Admits a connection whose peer is `host:port`, reading its frames from `source`. */
  #admitPeer(conn: Deno.Conn, host: string, port: number, source: ByteSource): void {
    const address = _peerAddress(host, port);
    const { core } = this;
    // An address ban comes first: such a peer gets no `welcome` and counts towards nothing.
    const ban = this.#shutdown ? null : this.addressBans.match(host);
    if (ban) {
      core.log.log("info", "connection_refused", { address, reason: "address banned" });
      core.countError("banned");
      this.#refuse(
        conn,
        errorFrame("banned", _addressBanSentence(ban.reason), {
          reason: ban.reason,
        }),
      );
      return;
    }
    const maxConnections = this.#guards.maxConnections;
    const full = maxConnections !== null &&
      core.sessions.all.size + this.#handshaking + this.#awaitingHeader >= maxConnections;
    const refusal = this.#shutdown
      ? "The server is shutting down."
      : full
      ? "The server is full; try again later."
      : this.#settings.connLimit !== null &&
          core.sessions.connectionsFrom(host) >= this.#settings.connLimit
      ? "Too many connections from your address."
      : this.#connRate && this.#connRate.hit(addressKey(host)) > 0
      ? "Too many new connections from your address; wait a minute."
      : null;
    if (refusal !== null) {
      core.log.log("info", "connection_refused", { address, reason: refusal });
      const code = full && !this.#shutdown ? "limit_reached" : "rate_limited";
      this.#refuse(conn, errorFrame(code, refusal));
      return;
    }
    if (_isTls(conn)) {
      void this.#handshake(conn, address).then((ok) => {
        if (!ok) return;
        if (this.#shutdown) conn.close();
        else this.#open(conn, address, host, true);
      });
      return;
    }
    this.#open(conn, address, host, false, source);
  }

  /** Sends a connection refused at accept time its one frame, then closes it. */
  #refuse(conn: Deno.Conn, frame: ServerFrame): void {
    conn.write(encodeFrame(frame)).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    });
  }

  /**
   * Closes every open connection (logged in or not) whose address a ban covers, with
   * `banned`; returns how many. Called when an address ban is imposed.
   */
  closeBannedSessions(): number {
    const { core } = this;
    let closed = 0;
    for (const session of [...core.sessions.all]) {
      const ban = this.addressBans.match(session.host);
      if (!ban || session.closeStarted) continue;
      core.logout(session);
      void session.close("address banned", { type: "banned", reason: ban.reason });
      closed++;
    }
    return closed;
  }

  /** Finishes a TLS handshake within the time allowed; false (closed, logged) if it fails. */
  async #handshake(conn: Deno.TlsConn, address: string): Promise<boolean> {
    this.#handshaking++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ms = this.#guards.tlsHandshakeTimeoutMs;
    try {
      await Promise.race([
        conn.handshake(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no handshake within ${ms} ms`)), ms);
        }),
      ]);
      return true;
    } catch (error) {
      this.core.countError("tls_handshake");
      this.core.log.log("info", "tls_handshake_failed", {
        address,
        error: String((error as Error)?.message ?? error),
      });
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      return false;
    } finally {
      clearTimeout(timer);
      this.#handshaking--;
    }
  }

  #open(
    conn: Deno.Conn,
    address: string,
    host: string,
    tls: boolean,
    source: ByteSource = conn,
  ): void {
    const { core } = this;
    const session = new Session({
      id: this.#nextSessionId++,
      conn,
      address,
      host,
      now: core.clock(),
      outboundLimit: this.#settings.outboundLimit,
      onSlowConsumer: this.#onSlowConsumer,
    });
    session.bucket = core.limits.newBucket?.() ?? null;
    core.sessions.add(session);
    core.log.log("info", "connection_opened", { session: session.id, address, tls });
    session.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      server: `fastchat/${this.version}`,
      motd: this.#settings.motd === serverEn["server.motd"]
        ? serverTexts(this.#settings.lang).t("server.motd")
        : this.#settings.motd,
      // Kept exactly as the contract shows it; what the contract adds goes beside it.
      limits: { maxFrame: this.#settings.maxFrame, maxText: MAX_TEXT },
      maxServerFrame: MAX_SERVER_FRAME,
      features: [
        "resume",
        "password",
        "topic",
        "read_markers",
        "report",
        "edit",
        "delete",
        "action",
        "search",
        "slowmode",
        "address_bans",
        "staff",
        ...(core.rooms.presence.largeRoom !== null ? ["large_rooms"] : []),
        ...(core.cluster ? ["cluster"] : []),
      ],
    });
    const watch = this.#watchdog.watch(session);
    const served = serveConnection(
      core,
      this.#handleFrame,
      source,
      session,
      this.#settings.maxFrame,
      {
        watch,
        tls,
      },
    )
      .catch((error) => core.log.log("error", "connection_failed", { error: String(error) }))
      .finally(() => {
        this.#watchdog.forget(session);
        this.#connections.delete(served);
        recordLastSeenByName(core, session.lastUser);
        core.log.log("info", "connection_closed", {
          session: session.id,
          address,
          user: session.lastUser,
          reason: session.closeReason ?? "closed",
        });
      });
    this.#connections.add(served);
  }

  #timedOut(session: Session, expiry: Expiry): void {
    this.core.countError(TIMEOUT_CODE);
    this.core.logout(session);
    void session.close(expiry.reason, errorFrame(TIMEOUT_CODE, expiry.message));
  }

  #slowConsumer(session: Session): void {
    if (session.closeStarted) return;
    this.core.countError("slow_consumer");
    this.core.log.log("warn", "slow_consumer", {
      session: session.id,
      queued: session.pendingBytes,
    });
    this.core.logout(session);
    void session.close("slow consumer", errorFrame("slow_consumer"), true);
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

  /**
   * Shuts the whole cluster down (`POST /api/shutdown` with `scope: "cluster"`): tells the
   * other instances, which shut down with the same message and delay, then this one as
   * {@linkcode shutdown}. Without a cluster, the same as {@linkcode shutdown}.
   */
  async shutdownCluster(message: string, delaySeconds: number): Promise<void> {
    await this.core.cluster?.announce({ type: "shutdown", message, delaySeconds });
    return await this.shutdown(message, delaySeconds);
  }

  async #stop(): Promise<void> {
    const { core } = this;
    core.stopping = true;
    this.#watchdog.stop();
    clearInterval(this.#sweeper);
    await core.writer.drained();
    const closing = [...core.sessions.all].map((session) => session.close("server stopped"));
    await Promise.race([
      Promise.all(closing),
      new Promise((resolve) => setTimeout(resolve, STOP_FLUSH_MS)),
    ]);
    for (const session of core.sessions.all) session.abort("server stopped");
    await Promise.race([
      Promise.all(this.#connections),
      new Promise((resolve) => setTimeout(resolve, STOP_CONNECTIONS_MS)),
    ]);
    await core.writer.drained();
    await this.#janitor.stop();
    // The disconnects' last-seen times, written in batches: before the store closes.
    await lastSeenWritten(core);
    this.#done.resolve();
  }
}
