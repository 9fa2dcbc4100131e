/**
 * Rooms in memory: which sessions have joined each room and which users are present.
 * Presence is per user: a user is in a room while at least one of their sessions is.
 */
import { foldName } from "../protocol/names.ts";
import type { RoomRecord } from "../store/store.ts";
import type { Session } from "./session.ts";

/** A room and its members. */
export class Room {
  readonly id: number;
  readonly name: string;
  readonly key: string;
  topic: string | null;
  /** Sessions that receive the room's events. */
  readonly sessions = new Set<Session>();
  /** userId → name and number of that user's sessions in the room. */
  #users = new Map<number, { name: string; sessions: number }>();

  constructor(record: RoomRecord) {
    this.id = record.id;
    this.name = record.name;
    this.key = record.nameKey;
    this.topic = record.topic;
  }

  /** Names of the users present, in the order they arrived. */
  members(): string[] {
    return [...this.#users.values()].map((u) => u.name);
  }

  /** Adds a logged-in session; returns true when its user was not present before. */
  add(session: Session): boolean {
    const account = session.account!;
    if (this.sessions.has(session)) return false;
    this.sessions.add(session);
    const user = this.#users.get(account.id);
    if (user) {
      user.sessions++;
      return false;
    }
    this.#users.set(account.id, { name: account.name, sessions: 1 });
    return true;
  }

  /** Removes a session; returns true when it was its user's last one here. */
  remove(session: Session): boolean {
    if (!this.sessions.delete(session)) return false;
    const account = session.account!;
    const user = this.#users.get(account.id);
    if (!user) return false;
    if (--user.sessions > 0) return false;
    this.#users.delete(account.id);
    return true;
  }

  /** Sends encoded bytes to every session in the room but `except`. */
  broadcast(bytes: Uint8Array, except?: Session): void {
    for (const session of this.sessions) {
      if (session !== except) session.sendEvent(bytes, this.id);
    }
  }

  /** The room as the protocol's `rooms` list shows it. */
  summary(): { name: string; topic: string | null; members: string[] } {
    return { name: this.name, topic: this.topic, members: this.members() };
  }
}

/** All rooms, by case-folded name and by id. */
export class RoomDirectory {
  #byKey = new Map<string, Room>();
  #byId = new Map<number, Room>();

  /** The room with this name (any case), or undefined. */
  get(name: string): Room | undefined {
    return this.#byKey.get(foldName(name));
  }

  byId(id: number): Room | undefined {
    return this.#byId.get(id);
  }

  add(record: RoomRecord): Room {
    const room = new Room(record);
    this.#byKey.set(room.key, room);
    this.#byId.set(room.id, room);
    return room;
  }

  delete(room: Room): void {
    this.#byKey.delete(room.key);
    this.#byId.delete(room.id);
  }

  /** Every room, in creation order. */
  list(): Room[] {
    return [...this.#byId.values()];
  }

  get size(): number {
    return this.#byId.size;
  }
}
