/**
 * What the client remembers about its rooms to survive reconnects: which rooms it joined,
 * the last msgid it showed in each, and the direct-message partners and last DM msgid.
 * It drops what was already shown, and holds a room's live messages while its join (or
 * re-join) is in flight so that history and live messages come out in order.
 */
import { foldName } from "../protocol/names.ts";
import type { ChatMessage } from "../protocol/server_frames.ts";
import type { RoomMessage } from "./events.ts";

interface RoomState {
  name: string;
  joined: boolean;
  /** Live messages received while a join is in flight, or null when none is. */
  held: RoomMessage[] | null;
  lastSeen: string | null;
}

/** Room and DM bookkeeping of one chat session. */
export class RoomTracker {
  #rooms = new Map<string, RoomState>();
  #dmPartners = new Map<string, string>();
  #lastDm: string | null = null;

  /** Names of the joined rooms, in join order. */
  names(): string[] {
    return [...this.#rooms.values()].filter((room) => room.joined).map((room) => room.name);
  }

  /** The joined rooms with their keys and last msgid seen. */
  joined(): { key: string; name: string; lastSeen: string | null }[] {
    return [...this.#rooms.entries()]
      .filter(([, room]) => room.joined)
      .map(([key, room]) => ({ key, name: room.name, lastSeen: room.lastSeen }));
  }

  /** The last direct message msgid seen, or null. */
  get lastDm(): string | null {
    return this.#lastDm;
  }

  /** People this session exchanged direct messages with. */
  dmPartners(): string[] {
    return [...this.#dmPartners.values()];
  }

  /** Remembers a direct-message partner (for catching up after a reconnect). */
  addDmPartner(name: string): void {
    const key = foldName(name);
    if (!this.#dmPartners.has(key)) this.#dmPartners.set(key, name);
  }

  /** Starts holding the live messages of room `key` until its join completes. */
  beginJoin(key: string): void {
    const room = this.#rooms.get(key);
    if (room) room.held ??= [];
    else this.#rooms.set(key, { name: key, joined: false, held: [], lastSeen: null });
  }

  /** Forgets a join that failed. */
  abortJoin(key: string): void {
    const room = this.#rooms.get(key);
    if (!room) return;
    if (room.joined) room.held = null;
    else this.#rooms.delete(key);
  }

  /**
   * Marks room `key` joined as `name`, with `shown` (history the caller displays) counted
   * as seen; returns the live messages held meanwhile, for the caller to pass on.
   */
  completeJoin(key: string, name: string, shown: RoomMessage[]): RoomMessage[] {
    const room = this.#rooms.get(key) ?? { name, joined: true, held: null, lastSeen: null };
    room.name = name;
    room.joined = true;
    const last = shown[shown.length - 1];
    if (last && (room.lastSeen === null || last.msgid > room.lastSeen)) room.lastSeen = last.msgid;
    const held = room.held ?? [];
    room.held = null;
    this.#rooms.set(key, room);
    return held;
  }

  /** Forgets a room (left, or could not be re-joined). */
  forget(key: string): void {
    this.#rooms.delete(key);
  }

  /** Holds `message` if its room's join is in flight; true when held. */
  holdWhileJoining(message: RoomMessage): boolean {
    const held = this.#rooms.get(foldName(message.room))?.held;
    if (!held) return false;
    held.push(message);
    return true;
  }

  /** Whether `message` is new for its room (and records it as seen). */
  acceptRoomMessage(message: RoomMessage): boolean {
    const room = this.#rooms.get(foldName(message.room));
    if (!room) return false;
    if (room.lastSeen !== null && message.msgid <= room.lastSeen) return false;
    room.lastSeen = message.msgid;
    return true;
  }

  /** Whether a direct message is new (and records it, and its partner other than `self`). */
  acceptDm(message: ChatMessage, self: string | null): boolean {
    if (this.#lastDm !== null && message.msgid <= this.#lastDm) return false;
    this.#lastDm = message.msgid;
    const selfKey = self === null ? null : foldName(self);
    for (const name of [message.user, message.to]) {
      if (name !== undefined && foldName(name) !== selfKey) this.addDmPartner(name);
    }
    return true;
  }
}
