/**
 * Background care of rooms: stores their last activity now and then, and, with
 * `--room-expiry`, deletes the rooms nobody has used for that long. Never `general`, never
 * a room with a session in it; a deletion goes through the same path as the admin's
 * (history deleted, msgid floor raised) and is audited with `by` = `"system"`.
 */
import { foldName } from "../../protocol/names.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";
import { removeRoom } from "./room_removal.ts";

/** How often the rooms' last activity is written to the store. */
export const ACTIVITY_FLUSH_MS = 60_000;

/** Rooms that never expire (by folded name). */
const PERMANENT = new Set([foldName("general")]);

/** Who expiry deletions are audited as. */
const SYSTEM: Actor = { by: "system", address: "local" };

/** Runs the flush and the expiry on a timer; see the module doc. */
export class RoomJanitor {
  #core: ChatCore;
  #expiryMs: number | null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | null = null;
  #lastFlush: number;

  /** `expiryMs`: idle time after which a room is deleted; null = never. */
  constructor(core: ChatCore, expiryMs: number | null) {
    this.#core = core;
    this.#expiryMs = expiryMs;
    this.#lastFlush = core.clock();
  }

  /** Loads the stored activity of every room and starts the timer. */
  async start(): Promise<void> {
    try {
      for (const record of await this.#core.store.listRooms()) {
        this.#core.roomActivity.seed(record.id, record.lastActive ?? record.createdAt);
      }
    } catch (error) {
      this.#warn("room_activity_not_loaded", error);
    }
    // Expiry is checked often enough for its own scale (a short one in tests) and at
    // least as often as activity is flushed.
    const period = this.#expiryMs === null
      ? ACTIVITY_FLUSH_MS
      : Math.min(ACTIVITY_FLUSH_MS, Math.max(250, Math.floor(this.#expiryMs / 4)));
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
        PERMANENT.has(room.key) || room.sessions.size > 0 || core.rooms.byId(room.id) !== room ||
        last === undefined || core.clock() - last < expiryMs
      ) continue;
      try {
        await removeRoom(core, room, SYSTEM);
        deleted.push(room.name);
        core.log.log("info", "room_expired", { room: room.name, idleSince: last });
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
