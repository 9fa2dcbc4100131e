/**
 * Slow mode per room: in a room with slow mode N (seconds), a user's `say` within N
 * seconds of their previous accepted `say` there is refused `rate_limited` with
 * `retry_after`; staff are exempt. Set through the admin API, stored (it survives
 * restarts), audited. A resend of the last accepted message (same `cid`) is let through:
 * the writer answers it with the original's msgid. In a cluster a change is announced once
 * stored and applied by the other instances ({@linkcode applyRemoteSlowMode}). The memory
 * of each user's last `say` follows the says accepted by every instance
 * ({@linkcode noteRemoteSay}, called as the cluster's log is read).
 */
import { RequestError } from "../../protocol/error_codes.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Room } from "../chat/rooms.ts";

/** The longest slow mode, in seconds (one hour). */
export const MAX_SLOW_MODE_SECONDS = 3600;

/** Entries a room's memory holds before the ones older than its window are swept. */
const SWEEP_AT = 1_024;

/** Who changes a room's slow mode, for the audit log. */
export interface SlowModeActor {
  by: string;
  address: string;
}

/**
 * The `rate_limited` (+`retry_after` in seconds) refusal of a `say` by `userId` in `room`
 * less than its slow mode after their previous accepted one there, with the wait in ms; null
 * when they may speak. Checked before the sender's other rates are charged, so that a `say`
 * refused here costs nothing of them; {@linkcode noteSay} records it once accepted.
 */
export function slowModeRefusal(
  core: ChatCore,
  room: Room,
  userId: number,
  cid: string | null,
): { error: RequestError; waitMs: number } | null {
  const now = core.clock();
  const windowMs = room.slowmode * 1000;
  const last = room.lastSays.get(userId);
  const exempt = room.slowmode === 0 || core.staff.isStaff(userId);
  if (exempt || !last || now - last.at >= windowMs || (cid !== null && cid === last.cid)) {
    return null;
  }
  const waitMs = last.at + windowMs - now;
  const seconds = Math.ceil(waitMs / 1000);
  const error = new RequestError(
    "rate_limited",
    `Slow mode is on in ${room.name}: you may speak again in ${seconds} s.`,
    { retry_after: seconds, retryAfterMs: waitMs },
  );
  return { error, waitMs };
}

/**
 * Records an accepted `say` as the user's last one in `room`. Every accepted `say` is
 * recorded, a staff member's and one made while slow mode was off too, so that "the
 * previous accepted say" holds when a role is revoked or slow mode turned on. A resend of
 * the last one (same `cid`) keeps the original's time.
 */
export function noteSay(core: ChatCore, room: Room, userId: number, cid: string | null): void {
  const now = core.clock();
  const last = room.lastSays.get(userId);
  if (last && cid !== null && cid === last.cid) return;
  // Kept as long as the longest slow mode could still need them.
  if (room.lastSays.size >= (_sweepAt.get(room) ?? SWEEP_AT)) {
    _sweep(room, now - MAX_SLOW_MODE_SECONDS * 1000);
    // Amortised: the next sweep waits until the map has doubled again.
    _sweepAt.set(room, Math.max(SWEEP_AT, room.lastSays.size * 2));
  }
  room.lastSays.set(userId, { at: now, cid });
}

/**
 * Records a `say` another instance of a cluster accepted (read from the cluster's log), so
 * that slow mode holds for the user across instances.
 */
export function noteRemoteSay(room: Room, userId: number, at: number, cid: string | null): void {
  const last = room.lastSays.get(userId);
  if (last && last.at >= at) return;
  room.lastSays.set(userId, { at, cid });
}

/** The size at which a room's memory is swept next. */
const _sweepAt = new WeakMap<Room, number>();

function _sweep(room: Room, before: number): void {
  for (const [userId, last] of room.lastSays) {
    if (last.at <= before) room.lastSays.delete(userId);
  }
}

/**
 * Sets a room's slow mode (0 turns it off): stored first, then applied and audited. The
 * caller has checked `seconds` (0 to {@linkcode MAX_SLOW_MODE_SECONDS}).
 */
export async function setSlowMode(
  core: ChatCore,
  room: Room,
  seconds: number,
  actor: SlowModeActor,
): Promise<void> {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_SLOW_MODE_SECONDS) {
    throw new RangeError(`slow mode out of range: ${seconds}`);
  }
  await core.store.setRoomSlowMode(room.id, seconds);
  room.slowmode = seconds;
  await core.cluster?.announce({ type: "slowmode", roomId: room.id, seconds });
  await core.store.appendAudit({
    at: core.clock(),
    by: actor.by,
    address: actor.address,
    action: "slowmode",
    target: room.name,
    detail: JSON.stringify({ seconds }),
  });
  core.emit({ type: "rooms" });
}

/** Applies a slow mode another instance stored for room `roomId`; false when not here. */
export function applyRemoteSlowMode(core: ChatCore, roomId: number, seconds: number): boolean {
  const room = core.rooms.byId(roomId);
  if (!room) return false;
  room.slowmode = seconds;
  core.emit({ type: "rooms" });
  return true;
}
