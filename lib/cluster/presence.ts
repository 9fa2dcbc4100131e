/**
 * Presence across the instances of a cluster (PROTOCOL.md "Cluster mode"): `who`, `rooms`,
 * `join`'s `members` and `joined`/`left` count the sessions of every instance. A user is in
 * a room while one of their sessions on any instance is; `joined` goes to this instance's
 * members when the user was present nowhere before, `left` when their last session
 * anywhere went.
 *
 * Each instance tells the others, on the core-NATS subject `presence` (at most once, so
 * everything here survives a lost message):
 * - `ops`, after local changes (gathered until the end of the current task): the absolute
 *   counts that changed, a user's logged-in sessions here or their sessions in one room
 *   here. A repeated count changes nothing. Each `ops` carries the instance's next
 *   sequence number `q`: a receiver that sees a gap asks for a snapshot.
 * - `hb`, every 3 s: name, boot id, start time, chat address, sessions and the last `q`
 *   (so that the loss of a last `ops` is seen too).
 * - `snap`: the instance's whole presence, in chunks of bounded size, after it (re)connects
 *   to NATS, when it meets an instance it did not know, and when asked by `sync`.
 * - `sync`: asks one instance, or all, for their snapshot (a starting or reconnected
 *   instance asks all; a receiver that saw a gap asks that one).
 * - `bye`: the instance stops; the others drop its presence at once.
 *
 * An instance not heard of for 10 s is dead: its presence is dropped, with `left` where
 * users vanish (the contract allows 15 s). One that restarted under the same name has a new
 * boot id: its former presence is dropped when the new one is first heard. While this
 * instance's own connection to NATS is down, nobody is declared dead (it cannot hear them);
 * after it comes back they have the same 10 s to be heard again.
 */
import { isoTime } from "../common/time.ts";
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/log.ts";
import type { ConnectedUser, InstanceInfo, ServerEvent } from "../server/control.ts";
import { localUsers } from "../server/admin_control.ts";
import type { ChatServer } from "../server/chat_server.ts";
import { ClusterAdminViews } from "./admin_views.ts";
import type { ClusterBus } from "./bus.ts";
import type { PresenceHooks } from "../server/chat/presence_hooks.ts";
import type { Room, RoomDirectory } from "../server/chat/rooms.ts";
import type { SessionRegistry } from "../server/chat/session_registry.ts";
import type { Account, Session } from "../server/net/session.ts";

/** The subject suffix of every presence message. */
export const PRESENCE_SUBJECT = "presence";

/** What presence needs of the bus (`ClusterBus` in `bus.ts` has it; tests give a fake). */
export interface PresenceBus {
  readonly instance: string;
  /** This process's random id: another one under the same name is a restart. */
  readonly boot: string;
  readonly connected: boolean;
  publish(suffix: string, data: unknown): void;
  subscribe(
    suffix: string,
    handler: (data: unknown, reply: string | undefined) => void,
  ): () => void;
  onReconnect(listener: () => void): void;
}

/** What presence reads and changes of the chat server (`ChatCore` has it). */
export interface PresenceCore {
  readonly rooms: RoomDirectory;
  readonly sessions: SessionRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  emit(event: ServerEvent): void;
}

/** Timings and sizes; the defaults are the contract's (tests shorten them). */
export interface PresenceOptions {
  /** This instance's chat address, `host:port`, shown by `GET /api/instances`. */
  chat: string;
  /** When this instance started (ms); default: now. */
  since?: number;
  /** How often a heartbeat is sent (default 3,000 ms). */
  heartbeatMs?: number;
  /** After how long without a word an instance is dead (default 10,000 ms). */
  deadMs?: number;
  /** How often deaths, missing snapshots and heartbeats are looked at (default 1,000 ms). */
  checkMs?: number;
  /** At most one `sync` per instance this often (default 2,000 ms). */
  resyncMs?: number;
  /** Characters of JSON entries per message at most (default 200,000: under 1 MiB). */
  chunkChars?: number;
  /** Whether to run the timers (default true; tests call {@linkcode ClusterPresence.tick}). */
  timers?: boolean;
}

/** One change: a user's sessions here (`r` absent) or in room `r`, as an absolute count. */
interface Entry {
  u: number;
  n: string;
  r?: number;
  c: number;
}

/** One user in a snapshot: logged-in sessions and sessions per room. */
interface SnapUser {
  u: number;
  n: string;
  s: number;
  r: [number, number][];
}

/** The messages on the `presence` subject (short keys: some are sent often). */
type Message =
  | { t: "hb"; i: string; b: string; since: string; chat: string; q: number; n: number }
  | { t: "ops"; i: string; b: string; q: number; e: Entry[] }
  | {
    t: "snap";
    i: string;
    b: string;
    since: string;
    chat: string;
    q: number;
    id: number;
    k: number;
    of: number;
    e: SnapUser[];
  }
  | { t: "sync"; i: string; b: string; since: string; chat: string; q: number; to: string | null }
  | { t: "bye"; i: string; b: string };

/** What this instance knows of a user on another instance. */
interface PeerUser {
  name: string;
  sessions: number;
  /** roomId → sessions of the user in the room. */
  rooms: Map<number, number>;
}

/** Another instance, as heard. */
interface Peer {
  instance: string;
  boot: string;
  since: string;
  chat: string;
  /** When it was last heard of (this instance's clock). */
  lastSeen: number;
  /** The last `ops` applied. */
  seq: number;
  /** Whether what is known is complete up to `seq` (else a snapshot is awaited). */
  synced: boolean;
  askedAt: number;
  /** Its logged-in sessions (the sum over `users`). */
  sessions: number;
  users: Map<number, PeerUser>;
  /** A snapshot being received. */
  snapshot: { id: number; q: number; of: number; parts: SnapUser[][] } | null;
}

/** Presence of this instance told to the others, and theirs applied here. */
export class ClusterPresence {
  /** The hooks the chat server calls (`ClusterLink.presence`). */
  readonly hooks: PresenceHooks;
  #bus: PresenceBus;
  #core: PresenceCore | null = null;
  #chat: string;
  #since: number | undefined;
  #heartbeatMs: number;
  #deadMs: number;
  #checkMs: number;
  /** When the periodic work last ran (to tell a stall of this instance). */
  #lastTick: number | null = null;
  #resyncMs: number;
  #chunkChars: number;
  #timers: boolean;
  #peers = new Map<string, Peer>();
  /** Local changes not yet sent: key → the entry without its count (read at sending). */
  #dirty = new Map<string, Omit<Entry, "c">>();
  #flushQueued = false;
  #snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  #checkTimer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: () => void = () => {};
  #seq = 0;
  #snapshotId = 0;
  #lastHeartbeat = -Infinity;
  /** Since when this instance's connection to NATS has been seen down, or null. */
  #offlineSince: number | null = null;
  #changed = false;
  #duplicateWarnedAt = -Infinity;
  #stopped = false;

  constructor(bus: PresenceBus, options: PresenceOptions) {
    this.#bus = bus;
    this.#chat = options.chat;
    this.#since = options.since;
    this.#heartbeatMs = options.heartbeatMs ?? 3_000;
    this.#deadMs = options.deadMs ?? 10_000;
    this.#checkMs = options.checkMs ?? 1_000;
    this.#resyncMs = options.resyncMs ?? 2_000;
    this.#chunkChars = options.chunkChars ?? 200_000;
    this.#timers = options.timers ?? true;
    const user = (u: number, n: string) => this.#mark(`${u}`, { u, n });
    const room = (u: number, n: string, r: number) => this.#mark(`${u}:${r}`, { u, n, r });
    this.hooks = {
      loggedIn: (session: Session) => user(session.account!.id, session.account!.name),
      loggedOut: (_session: Session, account: Account) => user(account.id, account.name),
      entered: (session, r) => room(session.account!.id, session.account!.name, r.id),
      left: (session, r) => room(session.account!.id, session.account!.name, r.id),
    };
  }

  /**
   * Starts on the server's core: listens to the others, asks them for their presence,
   * announces this instance and runs the timers. Call it before the server accepts
   * connections.
   */
  attach(core: PresenceCore): void {
    if (this.#core) return;
    this.#core = core;
    this.#since ??= core.clock();
    this.#unsubscribe = this.#bus.subscribe(PRESENCE_SUBJECT, (data) => this.#receive(data));
    core.rooms.onAdd((room) => this.#roomAdded(room));
    this.#bus.onReconnect(() => this.#reconnected());
    this.#announce();
    if (this.#timers) {
      this.#checkTimer = setInterval(() => this.tick(), this.#checkMs);
      Deno.unrefTimer(this.#checkTimer);
    }
  }

  /** Says goodbye (the others drop this instance's presence at once) and stops. */
  stop(): void {
    if (this.#stopped) return;
    if (this.#core) {
      this.#flush();
      this.#bus.publish(PRESENCE_SUBJECT, this.#header("bye"));
    }
    this.#stopped = true;
    clearInterval(this.#checkTimer);
    clearTimeout(this.#snapshotTimer);
    this.#unsubscribe();
  }

  /** This instance and every other one heard of and not dead, by name. */
  instances(): InstanceInfo[] {
    const core = this.#core;
    const now = core?.clock() ?? Date.now();
    const list: InstanceInfo[] = [{
      instance: this.#bus.instance,
      chat: this.#chat,
      sessions: core?.sessions.loggedIn ?? 0,
      since: isoTime(this.#since ?? now),
      lastSeen: isoTime(now),
    }];
    for (const peer of this.#peers.values()) {
      list.push({
        instance: peer.instance,
        chat: peer.chat,
        sessions: peer.sessions,
        since: peer.since,
        lastSeen: isoTime(peer.lastSeen),
      });
    }
    return list.sort((a, b) => a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0);
  }

  /** Whether nothing waits to be sent (no pending changes, no snapshot due). */
  get idle(): boolean {
    return !this.#flushQueued && this.#snapshotTimer === undefined;
  }

  /** The names of the other instances heard of and not dead. */
  peers(): string[] {
    return [...this.#peers.keys()];
  }

  /**
   * The periodic work (every second by default): a heartbeat when due, the death of
   * instances not heard of, a `sync` to those whose presence is incomplete.
   */
  tick(): void {
    const core = this.#core;
    if (!core || this.#stopped) return;
    const now = core.clock();
    if (!this.#bus.connected) {
      this.#offlineSince ??= now;
      return;
    }
    if (this.#offlineSince !== null) this.#reconnected();
    // This instance stalled (its event loop blocked, its process stopped): the others'
    // heartbeats may be waiting unread, so they get their time again rather than `left`.
    const stalled = this.#lastTick !== null && now - this.#lastTick > 3 * this.#checkMs;
    this.#lastTick = now;
    if (stalled) {
      for (const peer of this.#peers.values()) peer.lastSeen = Math.max(peer.lastSeen, now);
    }
    if (now - this.#lastHeartbeat >= this.#heartbeatMs) this.#heartbeat();
    for (const peer of [...this.#peers.values()]) {
      if (now - peer.lastSeen > this.#deadMs) this.#drop(peer, "silent");
      else if (!peer.synced) this.#ask(peer);
    }
    this.#settle();
  }

  // ---- this instance's side ----

  #mark(key: string, entry: Omit<Entry, "c">): void {
    if (this.#stopped) return;
    this.#dirty.set(key, entry);
    if (this.#flushQueued) return;
    // Sent at the end of this task: before the reply that follows the change is read by
    // its client (who may then ask another instance), with the task's changes together.
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  /** Sends the counts of what changed since the last flush. */
  #flush(): void {
    this.#flushQueued = false;
    const core = this.#core;
    if (!core || this.#stopped || this.#dirty.size === 0) return;
    const entries: Entry[] = [];
    for (const { u, n, r } of this.#dirty.values()) {
      if (r === undefined) {
        entries.push({ u, n, c: core.sessions.ofUser(u).size });
      } else {
        entries.push({ u, n, r, c: core.rooms.byId(r)?.localSessions(u) ?? 0 });
      }
    }
    this.#dirty.clear();
    for (const chunk of this.#chunks(entries)) {
      this.#bus.publish(PRESENCE_SUBJECT, { ...this.#header("ops"), q: ++this.#seq, e: chunk });
    }
  }

  /** Splits entries into lists of at most {@linkcode PresenceOptions.chunkChars} of JSON. */
  *#chunks<T>(entries: T[]): Generator<T[]> {
    let chunk: T[] = [];
    let size = 0;
    for (const entry of entries) {
      const length = JSON.stringify(entry).length + 1;
      if (chunk.length > 0 && size + length > this.#chunkChars) {
        yield chunk;
        chunk = [];
        size = 0;
      }
      chunk.push(entry);
      size += length;
    }
    if (chunk.length > 0) yield chunk;
  }

  #header<T extends string>(t: T): { t: T; i: string; b: string } {
    return { t, i: this.#bus.instance, b: this.#bus.boot };
  }

  /** Who this instance is, in `hb`, `sync` and `snap`. */
  #identity(): { since: string; chat: string } {
    return { since: isoTime(this.#since ?? Date.now()), chat: this.#chat };
  }

  #heartbeat(): void {
    const core = this.#core!;
    this.#flush();
    this.#lastHeartbeat = core.clock();
    this.#bus.publish(PRESENCE_SUBJECT, {
      ...this.#header("hb"),
      ...this.#identity(),
      q: this.#seq,
      n: core.sessions.loggedIn,
    });
  }

  /** On start and after a reconnection: a heartbeat, a `sync` to all, this snapshot. */
  #announce(): void {
    this.#heartbeat();
    this.#bus.publish(PRESENCE_SUBJECT, {
      ...this.#header("sync"),
      ...this.#identity(),
      q: this.#seq,
      to: null,
    });
    this.#snapshot();
  }

  #reconnected(): void {
    const core = this.#core;
    if (!core || this.#stopped) return;
    const now = core.clock();
    this.#offlineSince = null;
    // Not heard while this instance could not hear: they get their 10 s from now.
    for (const peer of this.#peers.values()) peer.lastSeen = Math.max(peer.lastSeen, now);
    this.#announce();
  }

  /** Sends this instance's snapshot soon (several reasons within 20 ms send one). */
  #snapshotSoon(): void {
    if (this.#stopped) return;
    this.#snapshotTimer ??= setTimeout(() => this.#snapshot(), 20);
  }

  /** Sends this instance's whole presence, in chunks. */
  #snapshot(): void {
    clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = undefined;
    const core = this.#core;
    if (!core || this.#stopped) return;
    this.#flush();
    const users: SnapUser[] = [];
    for (const { account, sessions } of core.sessions.users()) {
      const rooms = new Map<number, number>();
      for (const session of sessions) {
        for (const room of core.rooms.roomsOf(session)) {
          rooms.set(room.id, (rooms.get(room.id) ?? 0) + 1);
        }
      }
      users.push({ u: account.id, n: account.name, s: sessions.length, r: [...rooms] });
    }
    const chunks = [...this.#chunks(users)];
    if (chunks.length === 0) chunks.push([]);
    const id = ++this.#snapshotId;
    const head = { ...this.#header("snap"), ...this.#identity(), q: this.#seq, id };
    chunks.forEach((e, k) => {
      this.#bus.publish(PRESENCE_SUBJECT, { ...head, k, of: chunks.length, e });
    });
  }

  // ---- the other instances' side ----

  #receive(data: unknown): void {
    const core = this.#core;
    if (!core || this.#stopped) return;
    const message = _parse(data);
    if (!message) {
      core.log.log("warn", "cluster_presence_bad_message", {});
      return;
    }
    if (message.i === this.#bus.instance) {
      if (message.b !== this.#bus.boot) this.#warnDuplicate();
      return;
    }
    let peer = this.#peers.get(message.i);
    if (peer && peer.boot !== message.b) {
      if (message.t === "bye") return; // the goodbye of a former run
      this.#drop(peer, "restarted");
      peer = undefined;
    }
    if (message.t === "bye") {
      if (peer) this.#drop(peer, "stopped");
      this.#settle();
      return;
    }
    peer ??= this.#meet(message);
    peer.lastSeen = core.clock();
    switch (message.t) {
      case "hb":
        peer.since = message.since;
        peer.chat = message.chat;
        if (message.q > peer.seq) this.#lost(peer);
        // Until its snapshot arrives, its own count is the best there is.
        if (!peer.synced) peer.sessions = message.n;
        break;
      case "sync":
        peer.since = message.since;
        peer.chat = message.chat;
        if (message.to === null || message.to === this.#bus.instance) this.#snapshotSoon();
        break;
      case "ops":
        this.#applyOps(peer, message);
        break;
      case "snap":
        peer.since = message.since;
        peer.chat = message.chat;
        this.#collect(peer, message);
        break;
    }
    this.#settle();
  }

  /** A first word from an instance: it is recorded, and told of this one's presence. */
  #meet(message: Exclude<Message, { t: "bye" }>): Peer {
    const core = this.#core!;
    const peer: Peer = {
      instance: message.i,
      boot: message.b,
      since: "since" in message ? message.since : "",
      chat: "chat" in message ? message.chat : "",
      lastSeen: core.clock(),
      seq: 0,
      // Nothing to miss from an instance that never changed anything.
      synced: (message.t === "hb" || message.t === "sync") && message.q === 0,
      askedAt: -Infinity,
      sessions: 0,
      users: new Map(),
      snapshot: null,
    };
    this.#peers.set(peer.instance, peer);
    this.#changed = true;
    core.log.log("info", "cluster_instance_seen", { instance: peer.instance, chat: peer.chat });
    this.#snapshotSoon();
    return peer;
  }

  /** Something of the peer's was missed: ask for its snapshot. */
  #lost(peer: Peer): void {
    peer.synced = false;
    this.#ask(peer);
  }

  /** Asks one instance for its snapshot (at most once per {@linkcode PresenceOptions.resyncMs}). */
  #ask(peer: Peer): void {
    const now = this.#core!.clock();
    if (now - peer.askedAt < this.#resyncMs) return;
    peer.askedAt = now;
    this.#flush();
    this.#bus.publish(PRESENCE_SUBJECT, {
      ...this.#header("sync"),
      ...this.#identity(),
      q: this.#seq,
      to: peer.instance,
    });
  }

  #applyOps(peer: Peer, message: Extract<Message, { t: "ops" }>): void {
    if (message.q <= peer.seq) return; // already had it (a snapshot covered it)
    const gap = message.q !== peer.seq + 1;
    for (const entry of message.e) this.#applyEntry(peer, entry);
    peer.seq = message.q;
    if (gap) this.#lost(peer);
  }

  #applyEntry(peer: Peer, { u, n, r, c }: Entry): void {
    let user = peer.users.get(u);
    if (!user) {
      if (c === 0) return;
      user = { name: n, sessions: 0, rooms: new Map() };
      peer.users.set(u, user);
    }
    user.name = n;
    if (r === undefined) {
      peer.sessions += c - user.sessions;
      user.sessions = c;
      this.#core!.sessions.setRemote(peer.instance, u, c);
    } else {
      if (c > 0) user.rooms.set(r, c);
      else user.rooms.delete(r);
      this.#setRoom(peer.instance, r, u, n, c);
    }
    if (user.sessions === 0 && user.rooms.size === 0) peer.users.delete(u);
    this.#changed = true;
  }

  /** Sets a peer's count of a user in a room, telling this instance's members. */
  #setRoom(instance: string, roomId: number, userId: number, name: string, count: number): void {
    const core = this.#core!;
    // A room this instance does not have (yet): the count waits in the peer's state.
    const room = core.rooms.byId(roomId);
    if (!room) return;
    const outcome = room.setRemote(instance, userId, name, count);
    if (outcome === null) return;
    core.rooms.announce(room, userId, name, outcome === "arrived");
  }

  /** Gathers a snapshot's chunks; applies it when whole (a lost chunk: asked again later). */
  #collect(peer: Peer, message: Extract<Message, { t: "snap" }>): void {
    if (message.k === 0) {
      peer.snapshot = { id: message.id, q: message.q, of: message.of, parts: [] };
    }
    const snapshot = peer.snapshot;
    if (!snapshot || snapshot.id !== message.id || snapshot.parts.length !== message.k) {
      peer.snapshot = null;
      return;
    }
    snapshot.parts.push(message.e);
    if (snapshot.parts.length < snapshot.of) return;
    peer.snapshot = null;
    this.#replace(peer, snapshot.parts.flat(), snapshot.q);
  }

  /** Replaces what is known of a peer by its snapshot, telling members of the differences. */
  #replace(peer: Peer, users: SnapUser[], q: number): void {
    const core = this.#core!;
    const fresh = new Map<number, PeerUser>();
    for (const { u, n, s, r } of users) fresh.set(u, { name: n, sessions: s, rooms: new Map(r) });
    for (const [u, old] of peer.users) {
      const now = fresh.get(u);
      if (!now) core.sessions.setRemote(peer.instance, u, 0);
      for (const r of old.rooms.keys()) {
        if (!now?.rooms.has(r)) this.#setRoom(peer.instance, r, u, old.name, 0);
      }
    }
    peer.sessions = 0;
    for (const [u, user] of fresh) {
      core.sessions.setRemote(peer.instance, u, user.sessions);
      for (const [r, c] of user.rooms) this.#setRoom(peer.instance, r, u, user.name, c);
      peer.sessions += user.sessions;
    }
    peer.users = fresh;
    peer.seq = q;
    peer.synced = true;
    this.#changed = true;
  }

  /** Forgets a peer and all its presence (dead, stopped or restarted). */
  #drop(peer: Peer, reason: "silent" | "stopped" | "restarted"): void {
    const core = this.#core!;
    this.#peers.delete(peer.instance);
    for (const [u, user] of peer.users) {
      core.sessions.setRemote(peer.instance, u, 0);
      for (const r of user.rooms.keys()) this.#setRoom(peer.instance, r, u, user.name, 0);
    }
    peer.users.clear();
    this.#changed = true;
    core.log.log(reason === "silent" ? "warn" : "info", "cluster_instance_gone", {
      instance: peer.instance,
      reason,
    });
  }

  /**
   * A room added to this instance's directory (another instance created it, and its
   * members' counts may have come first; or it came back after a failed deletion): the
   * other instances' members are put in it.
   */
  #roomAdded(room: Room): void {
    for (const peer of this.#peers.values()) {
      for (const [u, user] of peer.users) {
        const count = user.rooms.get(room.id);
        if (count === undefined) continue;
        this.#setRoom(peer.instance, room.id, u, user.name, count);
        this.#changed = true;
      }
    }
    this.#settle();
  }

  /** Tells the admin page once after a batch of changes. */
  #settle(): void {
    if (!this.#changed) return;
    this.#changed = false;
    this.#core!.emit({ type: "presence" });
  }

  #warnDuplicate(): void {
    const core = this.#core!;
    const now = core.clock();
    if (now - this.#duplicateWarnedAt < 60_000) return;
    this.#duplicateWarnedAt = now;
    core.log.log("error", "cluster_duplicate_instance", {
      instance: this.#bus.instance,
      hint: "another running instance has the same --instance name; give each its own",
    });
  }
}

/** Presence and the admin views of one instance, as `cluster.ts` wires them. */
export interface PresenceParts {
  /** `ClusterLink.presence`. */
  readonly hooks: PresenceHooks;
  /** `ClusterLink.instances`. */
  instances(): InstanceInfo[];
  /** `ClusterLink.clusterUsers`. */
  clusterUsers(): Promise<ConnectedUser[]>;
  /** Says goodbye and stops both (before the bus closes). */
  stop(): Promise<void>;
}

/**
 * Starts presence ({@linkcode ClusterPresence}) and the admin views
 * ({@linkcode ClusterAdminViews}) of the created `server` over the bus, before it accepts
 * connections. `options.chat` is the chat address `GET /api/instances` shows.
 */
export function startPresence(
  bus: ClusterBus,
  server: ChatServer,
  log: Logger,
  options: Partial<PresenceOptions> = {},
): Promise<PresenceParts> {
  const { core } = server;
  const presence = new ClusterPresence(bus, {
    chat: "",
    since: server.startedAt,
    ...options,
  });
  const views = new ClusterAdminViews(bus, {
    local: () => localUsers(core, bus.instance),
    peers: () => presence.peers(),
    log,
  });
  presence.attach(core);
  views.start();
  return Promise.resolve({
    hooks: presence.hooks,
    instances: () => presence.instances(),
    clusterUsers: () => views.users(),
    stop() {
      views.stop();
      presence.stop();
      return Promise.resolve();
    },
  });
}

// ---- message checks: another instance's message is trusted for its meaning, not its shape ----

const isInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === "string";

function _isEntry(v: unknown): v is Entry {
  const e = v as Entry;
  return typeof v === "object" && v !== null && isInt(e.u) && isText(e.n) && isInt(e.c) &&
    (e.r === undefined || isInt(e.r));
}

function _isSnapUser(v: unknown): v is SnapUser {
  const e = v as SnapUser;
  return typeof v === "object" && v !== null && isInt(e.u) && isText(e.n) && isInt(e.s) &&
    Array.isArray(e.r) &&
    e.r.every((pair) => Array.isArray(pair) && isInt(pair[0]) && isInt(pair[1]));
}

/** A presence message, or null when it is not one. */
function _parse(data: unknown): Message | null {
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  if (!isText(m.i) || !isText(m.b)) return null;
  const identified = isText(m.since) && isText(m.chat);
  switch (m.t) {
    case "bye":
      return m as Message;
    case "hb":
      return identified && isInt(m.q) && isInt(m.n) ? m as Message : null;
    case "sync":
      return identified && isInt(m.q) && (m.to === null || isText(m.to)) ? m as Message : null;
    case "ops":
      return isInt(m.q) && Array.isArray(m.e) && m.e.every(_isEntry) ? m as Message : null;
    case "snap":
      return identified && isInt(m.q) && isInt(m.id) && isInt(m.k) && isInt(m.of) &&
          (m.k as number) < (m.of as number) && Array.isArray(m.e) && m.e.every(_isSnapUser)
        ? m as Message
        : null;
    default:
      return null;
  }
}
