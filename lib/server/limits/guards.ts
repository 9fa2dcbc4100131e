/**
 * Hardening settings of a chat server (timeouts, resource bounds, flood escalation; their
 * defaults are in `lib/app/config.ts`), and the resource-bound checks the request handlers
 * call. Every bound refuses new work with a clear error instead of letting memory grow.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import type { RoomRateSettings } from "./room_limiter.ts";

/**
 * What the checks below read of the chat core (which satisfies it): typed here, structurally,
 * so that the limits layer does not import the chat layer above it.
 */
export interface GuardedCore {
  limits: { guards?: GuardSettings };
  rooms: { size: number };
  writer: { pending: number };
}

/** Flood escalation: what happens to a session that keeps sending past its rate limit. */
export interface FloodSettings {
  /** Refused `say`/`dm` within {@linkcode FloodSettings.windowMs} before the next step. */
  strikes: number;
  /** The window strikes are counted in. */
  windowMs: number;
  /** How long the automatic mute lasts. */
  muteMs: number;
  /** How long the automatic kick lasts. */
  kickMs: number;
}

/** Timeouts and resource bounds; null disables one. */
export interface GuardSettings {
  /** A connection not logged in after this long is closed. */
  loginTimeoutMs: number | null;
  /** A logged-in connection that sends no frame for this long is closed. */
  idleTimeoutMs: number | null;
  /** A frame whose first byte arrived this long ago without its newline is closed. */
  frameTimeoutMs: number | null;
  /** TLS handshakes that take longer than this are abandoned. */
  tlsHandshakeTimeoutMs: number;
  /** Open connections, all addresses together. */
  maxConnections: number | null;
  /** Rooms on the server (`create_room` and the admin API past it are refused). */
  maxRooms: number | null;
  /** Rooms one account / one address may create per hour; null = unlimited. */
  roomRate: RoomRateSettings | null;
  /** A room nobody has used for this long is deleted (not `general`); null = never. */
  roomExpiryMs: number | null;
  /** Sessions in one room (`join` past it is refused). */
  maxRoomMembers: number | null;
  /** Users present above which a room's presence goes in batches (`presence`); null = never. */
  largeRoom: number | null;
  /** `say`/`dm` waiting for the store, all sessions together (past it: `unavailable`). */
  maxStoreBacklog: number | null;
  /** Escalation after repeated `rate_limited`; null = never escalate. */
  flood: FloodSettings | null;
}

/** The code of the `error` frame sent before closing a connection that timed out. */
export const TIMEOUT_CODE = "timeout";

/** Refuses a room creation (user or admin) once the server holds its maximum of rooms. */
export function checkRoomCapacity(core: Pick<GuardedCore, "limits" | "rooms">): void {
  const max = core.limits.guards?.maxRooms ?? null;
  if (max !== null && core.rooms.size >= max) {
    throw new RequestError(
      "limit_reached",
      `The server has reached its limit of ${max} rooms; no room can be created now.`,
    );
  }
}

/** Refuses a `join` that would put more than the maximum number of sessions in `room`. */
export function checkRoomSpace(
  core: Pick<GuardedCore, "limits">,
  room: { name: string; sessions: { size: number } },
): void {
  const max = core.limits.guards?.maxRoomMembers ?? null;
  if (max !== null && room.sessions.size >= max) {
    throw new RequestError(
      "limit_reached",
      `The room ${room.name} is full (${max} connections); try again later.`,
    );
  }
}

/** Refuses a `say`/`dm` while too many messages already wait for the store. */
export function checkStoreBacklog(core: Pick<GuardedCore, "limits" | "writer">): void {
  const max = core.limits.guards?.maxStoreBacklog ?? null;
  if (max !== null && core.writer.pending >= max) {
    throw new RequestError(
      "unavailable",
      "The server is busy storing messages; nothing was sent. Try again.",
    );
  }
}
