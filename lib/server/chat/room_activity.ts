/**
 * When each room was last used (a message, a join or a leave), kept in memory and written
 * to the store in one transaction now and then ({@linkcode RoomActivity.flush}), never
 * once per message. A crash loses at most the activity since the last flush, which can
 * only make a room look idler than it was by that much.
 */
import type { Store } from "../../store/store.ts";

/** Last activity per room id, with the changes not yet stored. */
export class RoomActivity {
  #lastActive = new Map<number, number>();
  #dirty = new Map<number, number>();

  /** Records a use of the room at `at` (ms). */
  touch(roomId: number, at: number): void {
    if ((this.#lastActive.get(roomId) ?? -Infinity) >= at) return;
    this.#lastActive.set(roomId, at);
    this.#dirty.set(roomId, at);
  }

  /** Takes the stored time of a room, unless a newer use was recorded meanwhile. */
  seed(roomId: number, at: number): void {
    if ((this.#lastActive.get(roomId) ?? -Infinity) < at) this.#lastActive.set(roomId, at);
  }

  /** When the room was last used, or undefined when not known. */
  lastActive(roomId: number): number | undefined {
    return this.#lastActive.get(roomId);
  }

  /** Forgets a deleted room. */
  forget(roomId: number): void {
    this.#lastActive.delete(roomId);
    this.#dirty.delete(roomId);
  }

  /** Rooms with activity not yet stored. */
  get unsaved(): number {
    return this.#dirty.size;
  }

  /**
   * Stores the activity recorded since the last flush. On failure the changes are kept
   * for the next flush and the error is rethrown.
   */
  async flush(store: Store): Promise<void> {
    if (this.#dirty.size === 0) return;
    const batch = this.#dirty;
    this.#dirty = new Map();
    try {
      await store.touchRooms(batch);
    } catch (error) {
      for (const [roomId, at] of batch) {
        if (this.#lastActive.has(roomId) && !((this.#dirty.get(roomId) ?? -1) >= at)) {
          this.#dirty.set(roomId, at);
        }
      }
      throw error;
    }
  }
}
