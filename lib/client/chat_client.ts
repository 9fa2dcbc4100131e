/**
 * The protocol core of the terminal client: one logical session over successive
 * connections. It logs in, joins rooms, sends messages reliably (by `cid`), and when the
 * connection drops it reconnects with backoff and jitter, logs in again, re-joins every
 * room with `after` = the last msgid seen there and resends what was not acknowledged,
 * so the views see every message once, in order. Given several addresses of one service,
 * it moves to the next one in turn when its server goes away, and backs off only once
 * every address has failed in a row. No terminal code here.
 */
import { foldName } from "../protocol/names.ts";
import { matchServerText } from "../i18n/server_texts.ts";
import { noticeText } from "./messages.ts";
import { t } from "./i18n.ts";
import type { ClientRequest } from "../protocol/requests.ts";
import type { ChatMessage, RoomInfo } from "../protocol/server_frames.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import {
  ConnectionLostError,
  type ConnectionOptions,
  FrameConnection,
  type Reply,
  type ServerEvent,
} from "./connection.ts";
import { type ClientEvent, type ClientListener, Listeners, type RoomMessage } from "./events.ts";
import { Credentials } from "./credentials.ts";
import { Outbox } from "./outbox.ts";
import { toClientEvent } from "./server_events.ts";
import { listRooms, type RoomPage, roomPage } from "./room_list.ts";
import { fetchMissedDms, messagesOf, rejoinRooms, toRoomMessages } from "./catch_up.ts";
import { isMemberPreview, joinedName, type JoinResult, joinResult } from "./join.ts";
import { type EndReason, reloginRefusal, Sleeper } from "./reconnect.ts";
import { RoomTracker } from "./room_tracker.ts";
import {
  ConnectError,
  type Dialer,
  type Endpoint,
  endpointList,
  formatAddress,
} from "./transport.ts";

/** Settings of a {@linkcode ChatClient}. */
export interface ChatClientOptions {
  /** The server; with `servers`, every address of one service, used in turn. */
  endpoint: Endpoint;
  /** Opens connections; default TCP/TLS. */
  dialer?: Dialer;
  /** Quiet time before a keepalive `ping` (default: the connection's, 5 min). */
  keepaliveMs?: number;
  /** How long that `ping` may go unanswered before the server counts as gone (default 30 s). */
  pingTimeoutMs?: number;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /**
   * How long a resumed connection must stay up before the reconnect delays start from the
   * shortest again. Default 30 s.
   */
  healthyMs?: number;
  /**
   * How long the session must have been on a connection for a `shutdown` announced there
   * to count as a restart. Default {@linkcode SETTLED_MS}.
   */
  settledMs?: number;
}

/** Default of {@linkcode ChatClientOptions.healthyMs}. */
export const HEALTHY_MS = 30_000;

/**
 * After a server announced `shutdown` (a restart, an upgrade), how long reconnect delays
 * stay at most {@linkcode RESTART_MAX_DELAY_MS} (before jitter): such a server is usually
 * back within seconds, and until it listens each attempt is a connection refused by its
 * host's kernel, not work for the server. The window ends at the first connection the
 * server accepts (from then on it is up, and a refusal such as `unavailable` gets the
 * growing delays) and after this time.
 */
export const RESTART_WINDOW_MS = 30_000;

/** The longest reconnect delay (before jitter) within {@linkcode RESTART_WINDOW_MS}. */
export const RESTART_MAX_DELAY_MS = 1_000;

/**
 * How long a session must have been online for an announced shutdown to count as a
 * restart (an immediate attempt, then the capped delays) rather than as a failure: a
 * server that announces a shutdown right after every login is retried ever more slowly.
 */
export const SETTLED_MS = 5_000;

export type { RoomPage } from "./room_list.ts";
export type { JoinResult } from "./join.ts";

/** A logged-in (or about to log in) chat session that survives reconnects. */
export class ChatClient {
  #options: ChatClientOptions;
  /** Every address to use, in turn (one endpoint each). */
  #endpoints: Endpoint[];
  /** Index in {@linkcode #endpoints} of the current (or last) connection's address. */
  #at: number;
  /**
   * Connections lost or failed in a row since the last pause or healthy connection: once
   * it reaches the number of addresses, every one has failed and the back-off applies.
   */
  #failures = 0;
  #conn: FrameConnection;
  #online = true;
  #ended = false;
  #credentials: Credentials | null = null;
  #loginRooms: RoomPage | null = null;
  #backoff: Backoff;
  /** Until when (a `performance.now()`) reconnect delays are capped after an announced shutdown. */
  #restartUntil = 0;
  /** Since when (a `performance.now()`) the current connection has been the session's. */
  #onlineSince = performance.now();
  #healthyTimer: ReturnType<typeof setTimeout> | undefined;
  #user: string | null = null;
  #listeners = new Listeners();
  #rooms = new RoomTracker();
  #outbox: Outbox;
  /** Rooms just deleted (`room_deleted`), until the server's notice saying so comes. */
  #deletedRooms = new Set<string>();
  #sleeper = new Sleeper();
  #endedSignal = Promise.withResolvers<void>();
  /** Direct messages received while catching up after a reconnect, emitted after it. */
  #heldDms: ChatMessage[] | null = null;

  private constructor(
    conn: FrameConnection,
    options: ChatClientOptions,
    endpoints: Endpoint[],
    at: number,
  ) {
    this.#conn = conn;
    this.#options = options;
    this.#endpoints = endpoints;
    this.#at = at;
    this.#backoff = new Backoff(options.backoff);
    this.#outbox = new Outbox(
      (request) => this.#online ? this.#conn.request(request) : null,
      (message, delayMs, error) =>
        this.#emit({
          type: "send_delayed",
          room: message.type === "say" ? message.room : null,
          to: message.type === "dm" ? message.to : null,
          delayMs,
          // Slow mode's refusal is the one that names its wait in seconds too.
          slowMode: typeof error.retry_after === "number",
        }),
    );
    this.#watch(conn);
  }

  /**
   * Connects to the server, or to the first address of the list that answers; rejects
   * with a `ConnectError` carrying a sentence for people (one line per address tried).
   */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    const endpoints = endpointList(options.endpoint);
    const failures: string[] = [];
    for (const [at, endpoint] of endpoints.entries()) {
      let client: ChatClient | null = null;
      const early: ServerEvent[] = [];
      let conn: FrameConnection;
      try {
        conn = await FrameConnection.open(
          endpoint,
          (event) => {
            if (client) client.#handleEvent(event);
            else early.push(event);
          },
          _connectionOptions(options),
        );
      } catch (error) {
        if (!(error instanceof ConnectError) || endpoints.length === 1) throw error;
        failures.push(error.message);
        continue;
      }
      client = new ChatClient(conn, options, endpoints, at);
      for (const event of early) client.#handleEvent(event);
      return client;
    }
    const lines = failures.map((failure) => `  ${failure}`);
    throw new ConnectError(
      [t("connect.noServer", { count: endpoints.length }), ...lines].join("\n"),
    );
  }

  /** The endpoint of the current connection (while reconnecting: of the last one). */
  get endpoint(): Endpoint {
    return this.#endpoints[this.#at]!;
  }

  /** The address (`host:port`) of the current connection (while reconnecting: the last). */
  get address(): string {
    return formatAddress(this.endpoint);
  }

  /** Every address the client uses, in turn (one unless a list was given). */
  get addresses(): string[] {
    return this.#endpoints.map(formatAddress);
  }

  /** The server's greeting on the current connection. */
  get welcome(): FrameConnection["welcome"] {
    return this.#conn.welcome;
  }

  /**
   * The longest message text the current server accepts (`welcome.limits.maxText`, in code
   * points), or null when it announced none that makes sense.
   */
  get maxText(): number | null {
    const max = this.welcome.limits.maxText;
    return Number.isSafeInteger(max) && max > 0 ? max : null;
  }

  /** The logged-in user name (as registered), or null. */
  get user(): string | null {
    return this.#user;
  }

  /** Whether a connection is up (false while reconnecting and after the end). */
  get online(): boolean {
    return this.#online && !this.#ended;
  }

  /** The rooms this session has joined, by their names. */
  get joinedRooms(): string[] {
    return this.#rooms.names();
  }

  /** Messages sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.#outbox.size;
  }

  /** Resolves when the client has stopped for good. */
  get ended(): Promise<void> {
    return this.#endedSignal.promise;
  }

  /** Adds an event listener; returns the function that removes it. */
  on(listener: ClientListener): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Sends any request and resolves with its reply. Rejects with `ConnectionLostError` when
   * offline or when the connection drops before the reply.
   */
  request(request: ClientRequest): Promise<Reply> {
    if (!this.online) {
      return Promise.reject(new ConnectionLostError(t("connect.offline")));
    }
    return this.#conn.request(request);
  }

  /** Creates an account (does not log in). */
  register(user: string, password: string): Promise<Reply> {
    return this.request({ type: "register", user, password });
  }

  /**
   * Logs in; on success the credentials and the resume token are kept in memory to log in
   * again after a reconnect, and the first page of the room list is kept for the picker.
   */
  async login(user: string, password: string): Promise<Reply> {
    const reply = await this.request({ type: "login", user, password });
    if (reply.ok) {
      this.#user = typeof reply.frame.user === "string" ? reply.frame.user : user;
      this.#credentials = new Credentials(this.#user, password);
      this.#credentials.keepToken(reply);
      this.#loginRooms = roomPage(reply.frame.rooms, reply.frame.roomsMore);
    }
    return reply;
  }

  /**
   * Reconnect attempts since the last connection that stayed healthy (0 when none); with
   * several addresses, the rounds that ended with every address failed.
   */
  get reconnectAttempts(): number {
    return this.#backoff.attempt;
  }

  /** Whether the last login answered a resume token (kept in memory only). */
  get hasToken(): boolean {
    return this.#credentials?.hasToken ?? false;
  }

  /**
   * The first page of the room list from the login reply, once: later calls (and after a
   * reconnect) answer null, and the caller asks the server with {@linkcode rooms}.
   */
  takeLoginRooms(): RoomPage | null {
    const page = this.#loginRooms;
    this.#loginRooms = null;
    return page;
  }

  /**
   * The whole room list: `first` (a page already at hand, e.g. from login) or the server's
   * first page, then every following page (`rooms after=<last name>`) while `more`.
   */
  rooms(
    first: RoomPage | null = null,
  ): Promise<{ ok: true; rooms: RoomInfo[] } | { ok: false; message: string }> {
    return listRooms((request) => this.request(request), first);
  }

  /** Joins a room and returns its recent history; its live messages follow as events. */
  async join(room: string): Promise<JoinResult> {
    const key = foldName(room);
    this.#rooms.beginJoin(key);
    let reply: Reply;
    try {
      reply = await this.request({ type: "join", room });
    } catch (error) {
      this.#rooms.abortJoin(key);
      throw error;
    }
    if (!reply.ok) {
      this.#rooms.abortJoin(key);
      return { ok: false, code: reply.error.code, message: reply.error.message };
    }
    const name = joinedName(reply.frame, room);
    const history = toRoomMessages(reply.frame.history, name);
    const buffered = this.#rooms.completeJoin(key, name, history);
    for (const message of buffered) this.#emitRoomMessage(message);
    const result = joinResult(reply.frame, name, history);
    if (isMemberPreview(reply.frame)) {
      // A large room's reply shows a preview; `who` gives the list that `presence` batches
      // then keep up to date (a batch repeats each change, so none falls between the two).
      const who = await this.request({ type: "who", room: name }).catch(() => null);
      if (who?.ok && Array.isArray(who.frame.users)) result.members = who.frame.users.map(String);
    }
    return result;
  }

  /** Creates a room, with a topic unless `topic` is null (does not join it). */
  createRoom(room: string, topic: string | null): Promise<Reply> {
    return this.request(
      topic === null ? { type: "create_room", room } : { type: "create_room", room, topic },
    );
  }

  /** Forgets a room the server no longer has (deleted): it is not re-joined after a reconnect. */
  forgetRoom(room: string): void {
    this.#rooms.forget(foldName(room));
  }

  /** Leaves a room. */
  async leave(room: string): Promise<Reply> {
    const reply = await this.request({ type: "leave", room });
    if (reply.ok || reply.error.code === "not_in_room") this.#rooms.forget(foldName(room));
    return reply;
  }

  /** Sends a room message; it is resent after a reconnect until acknowledged. */
  say(room: string, text: string, kind: "text" | "action" = "text"): Promise<Reply> {
    return this.#outbox.submit(
      kind === "action" ? { type: "say", room, text, kind } : { type: "say", room, text },
    );
  }

  /** Whether the server lists a protocol 1.1 feature (`welcome.features`). */
  supports(feature: string): boolean {
    const features = (this.welcome as Record<string, unknown>).features;
    return Array.isArray(features) && features.includes(feature);
  }

  /**
   * Sends a direct message; it is resent after a reconnect until acknowledged. Its
   * recipient is caught up with after reconnects once the server accepted it (a mistyped
   * name would be asked about at every reconnect).
   */
  dm(to: string, text: string): Promise<Reply> {
    const sent = this.#outbox.submit({ type: "dm", to, text });
    sent.then((reply) => reply.ok && this.#rooms.addDmPartner(to), () => {});
    return sent;
  }

  /** Resolves when every sent message has been acknowledged or refused. */
  drained(): Promise<void> {
    return this.#outbox.drained();
  }

  /** Logs out and closes; no reconnect follows. */
  async logout(): Promise<void> {
    if (this.online) {
      await Promise.race([
        this.#conn.request({ type: "logout" }).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 1_000)),
      ]);
    }
    this.close();
  }

  /** Closes the connection and stops reconnecting. */
  close(): void {
    this.#end("closed", "Disconnected.");
  }

  #end(reason: EndReason, message: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#healthyTimer);
    this.#online = false;
    this.#sleeper.wake();
    this.#conn.close();
    this.#outbox.failAll(new ConnectionLostError(t("connect.stopped")));
    this.#listeners.emit({ type: "ended", reason, message });
    this.#endedSignal.resolve();
  }

  #watch(conn: FrameConnection): void {
    conn.closed.then(() => {
      if (conn !== this.#conn || this.#ended || !this.#online) return;
      this.#online = false;
      clearTimeout(this.#healthyTimer);
      // A server that said it was stopping, after the session had settled there, left on
      // purpose: the next address is tried at once, and the one it leaves counts as failed
      // only when it is tried again; a restart window caps the delays until one accepts.
      const settled = performance.now() - this.#onlineSince >=
        (this.#options.settledMs ?? SETTLED_MS);
      if (conn.shutdownAnnounced && settled) {
        this.#restartUntil = performance.now() + RESTART_WINDOW_MS;
      } else {
        this.#failures++;
        this.#restartUntil = 0;
      }
      this.#reconnect();
    });
  }

  /**
   * With other addresses to go to, leaves a server that announced `shutdown` now rather
   * than when it stops: the session moves on while that server still finishes its work.
   */
  #leaveIfStopping(): void {
    if (this.#endpoints.length > 1 && this.#online && this.#conn.shutdownAnnounced) {
      this.#conn.close();
    }
  }

  #handleEvent(event: ServerEvent): void {
    switch (event.type) {
      case "message":
        if (this.#rooms.holdWhileJoining(event)) return;
        this.#emitRoomMessage(event);
        return;
      case "dm":
        if (this.#heldDms) this.#heldDms.push(event);
        else if (this.#rooms.acceptDm(event, this.#user)) {
          this.#emit({ type: "dm", message: event });
        }
        return;
      case "joined":
      case "left":
        this.#emit({ type: event.type, room: event.room, user: event.user });
        return;
      case "notice": {
        // A version 1 client's copy of `room_deleted`, which this client says itself.
        const deleted = matchServerText("server.roomDeleted", event.text)?.room;
        if (deleted !== undefined && this.#deletedRooms.delete(foldName(deleted))) return;
        this.#emit({ type: "notice", text: noticeText(event) });
        return;
      }
      case "kicked":
        this.#emit({ type: "kicked", until: event.until, reason: event.reason });
        this.#end("kicked", t("end.kicked"));
        return;
      case "banned":
        this.#emit({ type: "banned", reason: event.reason });
        this.#end("banned", t("end.banned"));
        return;
      case "shutdown":
        this.#emit({ type: "shutdown", message: event.message, in: event.in });
        this.#leaveIfStopping();
        return;
      case "error":
        this.#emit({ type: "server_error", code: event.code, message: event.message });
        return;
      case "frame_too_large":
        this.#emit(event);
        return;
      case "room_deleted":
        this.#deletedRooms.add(foldName(event.room));
        this.#rooms.forget(foldName(event.room));
        this.#emit({ type: "room_deleted", room: event.room });
        return;
      case "presence":
      case "topic":
      case "edited":
      case "read":
      case "deleted":
        this.#emit(toClientEvent(event));
        return;
    }
  }

  #emitRoomMessage(message: RoomMessage): void {
    if (this.#rooms.acceptRoomMessage(message)) this.#emit({ type: "message", message });
  }

  #emit(event: ClientEvent): void {
    if (!this.#ended || event.type === "kicked" || event.type === "banned") {
      this.#listeners.emit(event);
    }
  }

  /**
   * Tries the addresses in turn from the one after the last, each at once, until one takes
   * the session back; when every address has failed in a row, the back-off delay comes
   * before the next round (with one address: before every attempt).
   */
  async #reconnect(): Promise<void> {
    let at = this.#at;
    for (let first = true; !this.#ended; first = false) {
      at = (at + 1) % this.#endpoints.length;
      let delayMs = 0;
      if (this.#failures >= this.#endpoints.length) {
        const restarting = performance.now() < this.#restartUntil;
        delayMs = this.#backoff.next(restarting ? RESTART_MAX_DELAY_MS : undefined);
        this.#failures = 0;
      }
      this.#emit({ type: "reconnecting", attempt: this.#backoff.attempt, delayMs, first });
      await this.#sleeper.sleep(delayMs);
      if (this.#ended) return;
      let conn: FrameConnection;
      try {
        conn = await FrameConnection.open(
          this.#endpoints[at]!,
          (event) => this.#handleEvent(event),
          _connectionOptions(this.#options),
        );
      } catch {
        this.#failures++;
        continue;
      }
      // The server accepted: it is up, and what it refuses now gets the growing delays.
      this.#restartUntil = 0;
      if (this.#ended) {
        conn.close();
        return;
      }
      try {
        if (await this.#resume(conn, at)) return;
      } catch {
        // The new connection dropped while resuming. Once it was the session's, its watch
        // has seen the drop and started the next reconnect: this one stops.
        if (this.#conn === conn) return;
      }
      this.#failures++;
      conn.close();
    }
  }

  /** After `healthyMs` on `conn` without a drop, reconnect delays start from the shortest again. */
  #watchHealth(conn: FrameConnection): void {
    clearTimeout(this.#healthyTimer);
    this.#healthyTimer = setTimeout(() => {
      if (conn !== this.#conn || !this.#online || conn.isClosed) return;
      this.#backoff.reset();
      this.#failures = 0;
    }, this.#options.healthyMs ?? HEALTHY_MS);
    Deno.unrefTimer(this.#healthyTimer);
  }

  /**
   * Logs in on a new connection (to address `at`) and restores the session; false to try
   * again later (a refusal such as `unavailable` moves on to the next address).
   */
  async #resume(conn: FrameConnection, at: number): Promise<boolean> {
    if (this.#credentials) {
      const reply = await this.#credentials.login(conn);
      if (!reply.ok) {
        const refusal = reloginRefusal(reply.error);
        if (refusal.retry) return false;
        if (refusal.event) this.#emit(refusal.event);
        this.#end(refusal.reason, refusal.message);
        return true;
      }
    }
    this.#heldDms = [];
    this.#conn = conn;
    this.#at = at;
    this.#online = true;
    this.#onlineSince = performance.now();
    this.#watch(conn);
    await rejoinRooms(
      conn,
      this.#rooms,
      (message) => this.#emitRoomMessage(message),
      (room, message) => this.#emit({ type: "rejoin_failed", room, message }),
    );
    await this.#catchUpDms(conn);
    this.#outbox.flush();
    this.#watchHealth(conn);
    this.#emit({ type: "reconnected" });
    if (this.#endpoints.length > 1) {
      this.#emit({ type: "notice", text: t("event.nowOn", { address: this.address }) });
    }
    // A `shutdown` that came while logging in: move on now that the session is safe.
    this.#leaveIfStopping();
    return true;
  }

  /** Emits the direct messages missed while offline, then those that arrived meanwhile. */
  async #catchUpDms(conn: FrameConnection): Promise<void> {
    const missed: ChatMessage[] = [];
    try {
      const after = this.#rooms.lastDm;
      if (after !== null) {
        missed.push(...await fetchMissedDms(conn, this.#rooms.dmPartners(), after));
      }
    } finally {
      this.#emitDms(missed);
    }
  }

  /**
   * Shows the direct messages not read yet of `conversations` (each partner with its read
   * marker, from the `unread` counts): at most {@linkcode UNREAD_DMS_SHOWN} each, the oldest
   * unread first (the newest when there is no marker), all of them in msgid order as `dm`
   * events. Live ones arriving meanwhile wait behind them. Does nothing offline or while a
   * reconnect's catch-up runs (it shows them itself).
   */
  async showUnreadDms(
    conversations: readonly { with: string; after: string | null }[],
  ): Promise<void> {
    if (!this.#online || this.#heldDms !== null || conversations.length === 0) return;
    const conn = this.#conn;
    this.#heldDms = [];
    const missed: ChatMessage[] = [];
    try {
      for (const conversation of conversations) {
        const reply = await conn.request({
          type: "history",
          with: conversation.with,
          ...(conversation.after === null ? {} : { after: conversation.after }),
          limit: UNREAD_DMS_SHOWN,
        });
        if (reply.ok) missed.push(...messagesOf(reply.frame.messages));
      }
    } finally {
      missed.sort((a, b) => (a.msgid < b.msgid ? -1 : a.msgid > b.msgid ? 1 : 0));
      this.#emitDms(missed);
    }
  }

  /** Emits `messages`, then the live ones held meanwhile, each once and in order. */
  #emitDms(messages: ChatMessage[]): void {
    const all = [...messages, ...(this.#heldDms ?? [])];
    this.#heldDms = null;
    for (const message of all) {
      if (this.#rooms.acceptDm(message, this.#user)) this.#emit({ type: "dm", message });
    }
  }
}

/** Unread direct messages shown per conversation when the chat opens. */
export const UNREAD_DMS_SHOWN = 20;

/** The settings of each connection a client opens. */
function _connectionOptions(options: ChatClientOptions): ConnectionOptions {
  return {
    dialer: options.dialer,
    keepaliveMs: options.keepaliveMs,
    pingTimeoutMs: options.pingTimeoutMs,
  };
}
