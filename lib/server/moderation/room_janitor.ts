/**
 * Background care of rooms: stores their last activity now and then; with `--room-expiry`,
 * deletes the rooms nobody has used for that long; with `--empty-room-expiry` (default one
 * day), deletes the rooms created that long ago that never had a message (a flood of
 * created-and-abandoned rooms cannot fill `--max-rooms` for good). Never `general`, never a
 * room with a session in it; a deletion goes through the same path as the admin's
 * (history deleted, msgid floor raised) and is audited with `by` = `"system"`.
 *
 * In a cluster every instance runs its own janitor; a room counts as occupied while a user
 * is in it on any instance (its member list). Expiry is idempotent: when two instances
 * expire the same room, the store deletes it once, and only the one whose deletion the
 * store took logs and audits it (the others' `removeRoom` answers false).
 */
import { foldName } from "../../protocol/names.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";
import { removeRoom } from "./room_removal.ts";

/** How often the rooms' last activity is written to the store. */
export const ACTIVITY_FLUSH_MS = 60_000;

/**
 * A room used this recently is not empty-expired yet: a message accepted but not yet stored
 * (group commit takes milliseconds) shows only as activity.
 */
const IN_FLIGHT_MS = 10_000;

/** Rooms that never expire (by folded name). */
const PERMANENT = new Set([foldName("general")]);

/** Who expiry deletions are audited as. */
const SYSTEM: Actor = { by: "system", address: "local" };

/**
 * Whether anyone is in `room`: a session of this instance, or (cluster mode) a user whose
 * sessions are on another instance, which the room's member list counts.
 */
function _occupied(room: Room): boolean {
  return room.sessions.size > 0 || room.memberCount > 0;
}

/** Runs the flush and the expiry on a timer; see the module doc. */
export class RoomJanitor {
  #core: ChatCore;
  #expiryMs: number | null;
  #emptyExpiryMs: number | null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | null = null;
  #lastFlush: number;
  /** When each room was created (rooms created since start: when first seen, ≤ one tick later). */
  #createdAt = new Map<number, number>();
  /** Rooms known to have had a message (never empty-expired). */
  #hadMessage = new Set<number>();

  /**
   * `expiryMs`: idle time after which a room is deleted; `emptyExpiryMs`: age after which a
   * room that never had a message is deleted; null = never.
   */
  constructor(core: ChatCore, expiryMs: number | null, emptyExpiryMs: number | null = null) {
    this.#core = core;
    this.#expiryMs = expiryMs;
    this.#emptyExpiryMs = emptyExpiryMs;
    this.#lastFlush = core.clock();
  }

  /** Loads the stored activity of every room and starts the timer. */
  async start(): Promise<void> {
    try {
      for (const record of await this.#core.store.listRooms()) {
        this.#core.roomActivity.seed(record.id, record.lastActive ?? record.createdAt);
        this.#createdAt.set(record.id, record.createdAt);
      }
    } catch (error) {
      this.#warn("room_activity_not_loaded", error);
    }
    // Expiry is checked often enough for its own scale (a short one in tests) and at
    // least as often as activity is flushed.
    const shortest = Math.min(this.#expiryMs ?? Infinity, this.#emptyExpiryMs ?? Infinity);
    const period = shortest === Infinity
      ? ACTIVITY_FLUSH_MS
      : Math.min(ACTIVITY_FLUSH_MS, Math.max(250, Math.floor(shortest / 4)));
    this.#timer = setInterval(() => void this.#tick(), period);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops the timer and stores the activity not yet stored. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.#flush();
  }

  /** Deletes the rooms idle for longer than the expiry now; returns their names. */
  async expireIdleRooms(): Promise<string[]> {
    const expiryMs = this.#expiryMs;
    const core = this.#core;
    if (expiryMs === null) return [];
    const deleted: string[] = [];
    for (const room of core.rooms.list()) {
      if (core.stopping) break;
      // Checked right before the call: removeRoom takes the room out of the directory
      // before it first waits, so nobody can join it in between.
      const last = core.roomActivity.lastActive(room.id);
      if (
        PERMANENT.has(room.key) || core.rooms.byId(room.id) !== room ||
        last === undefined || core.clock() - last < expiryMs || _occupied(room)
      ) continue;
      try {
        if (!await removeRoom(core, room, SYSTEM)) continue;
        deleted.push(room.name);
        core.log.log("info", "room_expired", { room: room.name, idleSince: last });
      } catch (error) {
        this.#warn("room_expiry_failed", error, room.name);
      }
    }
    return deleted;
  }

  /**
   * Deletes the rooms created longer than the empty-room expiry ago that never had a
   * message and have nobody in them; returns their names. A room's history is read once,
   * when it first qualifies; one with a message is never read again.
   */
  async expireEmptyRooms(): Promise<string[]> {
    const expiryMs = this.#emptyExpiryMs;
    const core = this.#core;
    if (expiryMs === null) return [];
    const now = core.clock();
    const live = new Set<number>();
    const candidates = [];
    for (const room of core.rooms.list()) {
      live.add(room.id);
      if (!this.#createdAt.has(room.id)) this.#createdAt.set(room.id, now);
      if (
        PERMANENT.has(room.key) || this.#hadMessage.has(room.id) ||
        now - this.#createdAt.get(room.id)! < expiryMs || _occupied(room)
      ) continue;
      candidates.push(room);
    }
    for (const id of this.#createdAt.keys()) if (!live.has(id)) this.#createdAt.delete(id);
    for (const id of this.#hadMessage) if (!live.has(id)) this.#hadMessage.delete(id);
    const deleted: string[] = [];
    for (const room of candidates) {
      if (core.stopping) break;
      try {
        // A message not yet stored touched the room's activity: wait for the next pass.
        const last = core.roomActivity.lastActive(room.id) ?? 0;
        const page = await core.store.roomHistory(room.id, { limit: 1 });
        if (page.messages.length > 0 || core.clock() - last < Math.min(expiryMs, IN_FLIGHT_MS)) {
          if (page.messages.length > 0) this.#hadMessage.add(room.id);
          continue;
        }
        // Checked again right before the call: removeRoom takes the room out of the
        // directory before it first waits, so nobody can join it in between.
        if (_occupied(room) || core.rooms.byId(room.id) !== room) continue;
        if (!await removeRoom(core, room, SYSTEM)) continue;
        deleted.push(room.name);
        core.log.log("info", "room_expired", {
          room: room.name,
          reason: "never had a message",
          createdAt: this.#createdAt.get(room.id),
        });
      } catch (error) {
        this.#warn("room_expiry_failed", error, room.name);
      }
    }
    return deleted;
  }

  #tick(): Promise<void> {
    this.#running ??= (async () => {
      try {
        if (this.#core.clock() - this.#lastFlush >= ACTIVITY_FLUSH_MS) await this.#flush();
        await this.expireIdleRooms();
        await this.expireEmptyRooms();
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #flush(): Promise<void> {
    this.#lastFlush = this.#core.clock();
    try {
      await this.#core.roomActivity.flush(this.#core.store);
    } catch (error) {
      this.#warn("room_activity_not_stored", error);
    }
  }

  #warn(event: string, error: unknown, room?: string): void {
    this.#core.log.log("warn", event, {
      ...(room === undefined ? {} : { room }),
      error: String((error as Error)?.message ?? error),
    });
  }
}
