/**
 * Rooms in memory: which sessions have joined each room and which users are present.
 * Presence is per user: a user is in a room while at least one of their sessions is, on
 * this instance or (cluster mode) on another one, whose counts `lib/cluster/presence.ts`
 * sets with {@linkcode Room.setRemote}.
 * The directory owns membership, both ways: room → sessions (on each {@linkcode Room})
 * and session → rooms; sessions know nothing of rooms.
 */
import { encodeFrame } from "../../protocol/frame.ts";
import { foldName } from "../../protocol/names.ts";
import type { RoomRecord } from "../../store/store.ts";
import { JsonList, utf8Length } from "../../protocol/json_list.ts";
import { MEMBERS_BYTES } from "../../protocol/limits.ts";
import type { Session } from "../net/session.ts";

/** Member names that fit a byte budget, and whether they are all of them. */
export interface MemberList {
  names: string[];
  /** The names as a JSON array. */
  json: string;
  complete: boolean;
  /** Users present, set only for a large room's preview (see {@linkcode Room.shownMembers}). */
  count?: number;
}

/**
 * Presence in large rooms (`--large-room`, feature `large_rooms` in docs/protocol.md): above
 * `largeRoom` users present, arrivals and departures go out as one `presence` event per room
 * at most every `batchMs`, and `join` and the room list show a preview of the members.
 */
export interface PresenceSettings {
  /** Users present above which a room is large; null = no room is (the contract only). */
  largeRoom: number | null;
  /** The time between two batches of one room, in ms. */
  batchMs: number;
}

/** The time between two `presence` batches of one room. */
export const PRESENCE_BATCH_MS = 1000;

/** Names a large room's `join` reply and room-list entry show (the first arrivals). */
export const MEMBER_PREVIEW = 50;

/** A batch that reaches this many bytes of names goes out at once (frames stay < 1 MiB). */
export const PRESENCE_BATCH_BYTES = MEMBERS_BYTES;

const PRESENCE_OFF: PresenceSettings = { largeRoom: null, batchMs: PRESENCE_BATCH_MS };

/** A user's last change in a room since its previous batch: present or not, name as JSON. */
interface PendingPresence {
  json: string;
  present: boolean;
}

/** A user present in a room: their sessions here and on the other instances. */
interface Presence {
  name: string;
  /** This instance's sessions of the user in the room. */
  sessions: number;
  /** instance → that instance's sessions of the user in the room; null when none. */
  remote: Map<string, number> | null;
}

/** What a change of another instance's count did to a user's presence in a room. */
export type RemoteOutcome = "arrived" | "departed" | null;

/** A room and its members. */
export class Room {
  readonly id: number;
  readonly name: string;
  readonly key: string;
  topic: string | null;
  /** The account that created it with `create_room` (may set its topic), or null. */
  readonly createdBy: number | null;
  /** Slow mode in seconds, 0 when off (`moderation/slow_mode.ts`). */
  slowmode: number;
  /** Slow mode's memory: userId → time and cid of the user's last accepted `say` here. */
  readonly lastSays = new Map<number, { at: number; cid: string | null }>();
  /** Sessions that receive the room's events. */
  readonly sessions = new Set<Session>();
  /**
   * userId → name and sessions of each user present, here or elsewhere, in the order they
   * arrived (as this instance saw it): one map, so that listing stays one pass.
   */
  #users = new Map<number, Presence>();
  /** Large rooms: userId → the user's state at their last change since the last batch. */
  #pending: Map<number, PendingPresence> | null = null;
  /** Bytes of the names in {@linkcode Room.#pending} (JSON, a comma each). */
  #pendingBytes = 0;
  readonly #presence: PresenceSettings;
  /** Bumped whenever a user arrives or departs (whatever caches the member list keys on it). */
  #membersVersion = 0;
  /**
   * The room's entry in the room list as last built (`chat/room_pages.ts`), reused while
   * {@linkcode membersVersion}, the topic and slow mode are unchanged: every `login` shows
   * the first page, and rebuilding each room's member list per login was O(members).
   */
  listEntry: unknown = null;

  constructor(record: RoomRecord, presence: PresenceSettings = PRESENCE_OFF) {
    this.#presence = presence;
    this.id = record.id;
    this.name = record.name;
    this.key = record.nameKey;
    this.topic = record.topic;
    this.createdBy = record.createdBy ?? null;
    this.slowmode = record.slowmode ?? 0;
  }

  /** Names of the users present (on any instance), in the order they arrived. */
  members(): string[] {
    return [...this.#users.values()].map((u) => u.name);
  }

  /** Changes whenever the users present change (not when a user's session count does). */
  get membersVersion(): number {
    return this.#membersVersion;
  }

  /** The number of users present (on any instance). */
  get memberCount(): number {
    return this.#users.size;
  }

  /** Whether more users are present than `--large-room` (presence then goes in batches). */
  get large(): boolean {
    const threshold = this.#presence.largeRoom;
    return threshold !== null && this.#users.size > threshold;
  }

  /**
   * The member list of `join` and of the room list: {@linkcode memberList} in an ordinary
   * room; in a large one only the first {@linkcode MEMBER_PREVIEW} arrivals, then `self`
   * (the joiner) when not among them, with `count` (never O(members) per join).
   */
  shownMembers(budget: number, self?: { id: number; name: string }): MemberList {
    if (!this.large) return this.memberList(budget);
    const list = new JsonList(budget, MEMBER_PREVIEW);
    const names: string[] = [];
    let selfShown = self === undefined || !this.#users.has(self.id);
    for (const [id, user] of this.#users) {
      if (names.length >= MEMBER_PREVIEW - (selfShown ? 0 : 1) || !list.add(user.name)) break;
      names.push(user.name);
      if (id === self?.id) selfShown = true;
    }
    if (!selfShown) {
      const name = this.#users.get(self!.id)!.name;
      if (list.add(name)) names.push(name);
    }
    const complete = names.length === this.#users.size;
    return { names, json: list.toJson(), complete, count: this.#users.size };
  }

  /**
   * Notes a user's arrival (`present`) or departure for the room's next `presence` batch;
   * returns true when the batch has reached {@linkcode PRESENCE_BATCH_BYTES} (send it now).
   * Only the last change of each user counts, so a batch names each user once.
   */
  queuePresence(userId: number, name: string, present: boolean): boolean {
    this.#pending ??= new Map();
    const known = this.#pending.get(userId);
    if (known) {
      known.present = present;
      return false;
    }
    const json = JSON.stringify(name);
    this.#pending.set(userId, { json, present });
    this.#pendingBytes += utf8Length(json) + 1;
    return this.#pendingBytes >= PRESENCE_BATCH_BYTES;
  }

  /** Whether changes wait for the room's next batch. */
  get presencePending(): boolean {
    return this.#pending !== null;
  }

  /**
   * Sends the waiting changes to every session in the room as one `presence` event
   * (`joined`, `left`: the users present and absent at their last change; `members`: how
   * many are present now), encoded once.
   */
  flushPresence(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.#pendingBytes = 0;
    const joined: string[] = [];
    const left: string[] = [];
    for (const { json, present } of pending.values()) (present ? joined : left).push(json);
    const frame = `{"type":"presence","room":${JSON.stringify(this.name)},"joined":[${
      joined.join(",")
    }],"left":[${left.join(",")}],"members":${this.#users.size}}\n`;
    this.broadcast(ENCODER.encode(frame));
  }

  /** Forgets the waiting changes (a deleted room). */
  dropPresence(): void {
    this.#pending = null;
    this.#pendingBytes = 0;
  }

  /**
   * Names of the users present, in the order they arrived, as many as fit `budget` bytes
   * of JSON (with 10,000 sessions of long non-Latin names a room's list may pass 1 MiB).
   */
  memberList(budget: number): MemberList {
    const list = new JsonList(budget);
    const names: string[] = [];
    for (const user of this.#users.values()) {
      if (!list.add(user.name)) return { names, json: list.toJson(), complete: false };
      names.push(user.name);
    }
    return { names, json: list.toJson(), complete: true };
  }

  /**
   * Adds a logged-in session; returns true when its user was not present before (on any
   * instance). Only the directory calls this (through {@linkcode RoomDirectory.join}),
   * keeping both indexes.
   */
  add(session: Session): boolean {
    const account = session.account!;
    if (this.sessions.has(session)) return false;
    this.sessions.add(session);
    const user = this.#users.get(account.id);
    if (user) {
      user.sessions++;
      return false;
    }
    this.#users.set(account.id, { name: account.name, sessions: 1, remote: null });
    this.#membersVersion++;
    return true;
  }

  /**
   * Removes a session; returns true when it was its user's last one in the room on every
   * instance (directory only).
   */
  remove(session: Session): boolean {
    if (!this.sessions.delete(session)) return false;
    const account = session.account!;
    const user = this.#users.get(account.id);
    if (!user) return false;
    if (--user.sessions > 0 || user.remote !== null) return false;
    this.#users.delete(account.id);
    this.#membersVersion++;
    return true;
  }

  /** The user's sessions in the room on this instance. */
  localSessions(userId: number): number {
    return this.#users.get(userId)?.sessions ?? 0;
  }

  /** The user's sessions in the room on another instance (as last told). */
  remoteSessions(instance: string, userId: number): number {
    return this.#users.get(userId)?.remote?.get(instance) ?? 0;
  }

  /**
   * Sets how many sessions `instance` (another instance) has of a user in the room;
   * returns `arrived` when the user was present nowhere before, `departed` when they now
   * are present nowhere, else null. The caller tells this instance's members.
   */
  setRemote(instance: string, userId: number, name: string, count: number): RemoteOutcome {
    const user = this.#users.get(userId);
    if (count > 0) {
      if (!user) {
        this.#users.set(userId, { name, sessions: 0, remote: new Map([[instance, count]]) });
        this.#membersVersion++;
        return "arrived";
      }
      (user.remote ??= new Map()).set(instance, count);
      return null;
    }
    if (!user?.remote?.delete(instance)) return null;
    if (user.remote.size === 0) user.remote = null;
    if (user.sessions > 0 || user.remote !== null) return null;
    this.#users.delete(userId);
    this.#membersVersion++;
    return "departed";
  }

  /**
   * Sends encoded bytes to every session in the room but `except`; returns the member with
   * the most event bytes waiting afterwards (null in an empty room), for back-pressure.
   */
  broadcast(bytes: Uint8Array, except?: Session): Session | null {
    let laggard: Session | null = null;
    let most = -1;
    for (const session of this.sessions) {
      if (session === except) continue;
      session.sendEvent(bytes, this.id);
      const waiting = session.pendingEventBytes;
      if (waiting > most) {
        most = waiting;
        laggard = session;
      }
    }
    return laggard;
  }

  /** The room as the protocol's `rooms` list shows it. */
  summary(): { name: string; topic: string | null; members: string[]; slowmode: number } {
    return { name: this.name, topic: this.topic, members: this.members(), slowmode: this.slowmode };
  }
}

/** What {@linkcode RoomDirectory.join} did. */
export type JoinOutcome = "already" | "member" | "arrived";

/** What {@linkcode RoomDirectory.leave} did. */
export type LeaveOutcome = "absent" | "member" | "departed";

const NO_ROOMS: ReadonlySet<Room> = new Set();
const ENCODER = new TextEncoder();

/** All rooms, by case-folded name and by id, and who is in which. */
export class RoomDirectory {
  #byKey = new Map<string, Room>();
  #byId = new Map<number, Room>();
  /** The session → rooms index (the room → sessions one is on each room). */
  #bySession = new Map<Session, Set<Room>>();
  /** Every room in key order, built when first needed after a change. */
  #sorted: Room[] | null = null;
  #addListeners: ((room: Room) => void)[] = [];
  /** How large rooms tell presence; the chat core sets it from its settings. */
  readonly presence: PresenceSettings = { largeRoom: null, batchMs: PRESENCE_BATCH_MS };
  /** Rooms whose presence batch waits for {@linkcode RoomDirectory.#timer}. */
  #batched = new Set<Room>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Set when the server stops: batches go out at once, no timer is left behind. */
  #immediate = false;

  /** The room with this name (any case), or undefined. */
  get(name: string): Room | undefined {
    return this.#byKey.get(foldName(name));
  }

  /** The room with this id, or undefined. */
  byId(id: number): Room | undefined {
    return this.#byId.get(id);
  }

  /** Adds a room (loaded or created). */
  add(record: RoomRecord): Room {
    const room = new Room(record, this.presence);
    this.#byKey.set(room.key, room);
    this.#byId.set(room.id, room);
    this.#sorted = null;
    for (const listener of this.#addListeners) listener(room);
    return room;
  }

  /**
   * Calls `listener` with each room added from now on (cluster presence gives a room that
   * another instance created its members there).
   */
  onAdd(listener: (room: Room) => void): void {
    this.#addListeners.push(listener);
  }

  /** Removes a room from the directory (its members leave it through {@linkcode leave}). */
  delete(room: Room): void {
    room.dropPresence();
    this.#batched.delete(room);
    this.#byKey.delete(room.key);
    this.#byId.delete(room.id);
    this.#sorted = null;
  }

  /**
   * Puts a logged-in session in a room: `arrived` when its user was not present before,
   * `member` when another session of the user was, `already` when this one was.
   */
  join(session: Session, room: Room): JoinOutcome {
    let rooms = this.#bySession.get(session);
    if (rooms?.has(room)) return "already";
    if (!rooms) {
      rooms = new Set();
      this.#bySession.set(session, rooms);
    }
    rooms.add(room);
    return room.add(session) ? "arrived" : "member";
  }

  /**
   * Takes a session out of a room: `departed` when it was its user's last session there,
   * `member` when another one stays, `absent` when it was not in the room.
   */
  leave(session: Session, room: Room): LeaveOutcome {
    const rooms = this.#bySession.get(session);
    if (!rooms?.delete(room)) return "absent";
    if (rooms.size === 0) this.#bySession.delete(session);
    return room.remove(session) ? "departed" : "member";
  }

  /**
   * Tells a room's members that a user arrived (`present`) or departed, after the change:
   * `joined`/`left` to every session but `except` in an ordinary room; in a large one (more
   * than `largeRoom` users present before or after the change) the change waits for the
   * room's next `presence` batch, at most one per `batchMs`. A batch still waiting when the
   * room becomes ordinary again goes out first, so events keep their order.
   */
  announce(room: Room, userId: number, name: string, present: boolean, except?: Session): void {
    const threshold = this.presence.largeRoom;
    const size = room.memberCount;
    if (threshold === null || (present ? size <= threshold : size < threshold)) {
      if (room.presencePending) this.#sendBatch(room);
      const type = present ? "joined" : "left";
      room.broadcast(encodeFrame({ type, room: room.name, user: name }), except);
      return;
    }
    if (this.#byId.get(room.id) !== room) return; // Deleted: its members get `room_deleted`.
    if (room.queuePresence(userId, name, present) || this.#immediate) {
      this.#sendBatch(room);
      return;
    }
    this.#batched.add(room);
    this.#timer ??= setTimeout(() => this.flushPresence(), this.presence.batchMs);
  }

  /** Sends every waiting `presence` batch now. */
  flushPresence(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const rooms = [...this.#batched];
    this.#batched.clear();
    for (const room of rooms) room.flushPresence();
  }

  /** From now on presence batches go out at once (the server stops; no timer stays). */
  stopBatching(): void {
    this.#immediate = true;
    this.flushPresence();
  }

  #sendBatch(room: Room): void {
    this.#batched.delete(room);
    room.flushPresence();
  }

  /** Whether `session` is in `room`. */
  isIn(session: Session, room: Room): boolean {
    return this.#bySession.get(session)?.has(room) ?? false;
  }

  /** The rooms a session is in, in the order it joined them. */
  roomsOf(session: Session): ReadonlySet<Room> {
    return this.#bySession.get(session) ?? NO_ROOMS;
  }

  /** Every room, in creation order. */
  list(): Room[] {
    return [...this.#byId.values()];
  }

  /**
   * Every room in case-folded name (key) order, starting after `afterKey` (a key, which
   * need not name a room), or from the first.
   */
  *inKeyOrder(afterKey: string | null = null): Generator<Room> {
    this.#sorted ??= [...this.#byKey.values()].sort((a, b) => a.key < b.key ? -1 : 1);
    const sorted = this.#sorted;
    let low = 0;
    if (afterKey !== null) {
      let high = sorted.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (sorted[mid]!.key <= afterKey) low = mid + 1;
        else high = mid;
      }
    }
    for (let i = low; i < sorted.length; i++) yield sorted[i]!;
  }

  /** The number of rooms. */
  get size(): number {
    return this.#byId.size;
  }
}
