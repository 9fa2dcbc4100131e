/**
 * Rooms in memory: which sessions have joined each room and which users are present.
 * Presence is per user: a user is in a room while at least one of their sessions is, on
 * this instance or (cluster mode) on another one, whose counts `lib/cluster/presence.ts`
 * sets with {@linkcode Room.setRemote}.
 * The directory owns membership, both ways: room → sessions (on each {@linkcode Room})
 * and session → rooms; sessions know nothing of rooms.
 */
import { foldName } from "../../protocol/names.ts";
import type { RoomRecord } from "../../store/store.ts";
import { JsonList } from "../../protocol/json_list.ts";
import type { Session } from "../net/session.ts";

/** Member names that fit a byte budget, and whether they are all of them. */
export interface MemberList {
  names: string[];
  /** The names as a JSON array. */
  json: string;
  complete: boolean;
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

  constructor(record: RoomRecord) {
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
        return "arrived";
      }
      (user.remote ??= new Map()).set(instance, count);
      return null;
    }
    if (!user?.remote?.delete(instance)) return null;
    if (user.remote.size === 0) user.remote = null;
    if (user.sessions > 0 || user.remote !== null) return null;
    this.#users.delete(userId);
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

/** All rooms, by case-folded name and by id, and who is in which. */
export class RoomDirectory {
  #byKey = new Map<string, Room>();
  #byId = new Map<number, Room>();
  /** The session → rooms index (the room → sessions one is on each room). */
  #bySession = new Map<Session, Set<Room>>();
  /** Every room in key order, built when first needed after a change. */
  #sorted: Room[] | null = null;
  #addListeners: ((room: Room) => void)[] = [];

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
    const room = new Room(record);
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
