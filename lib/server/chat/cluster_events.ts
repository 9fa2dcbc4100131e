/**
 * The control events instances send each other through the cluster's log, after the change
 * is stored (or, for a room deletion, taken out of the directory): `lib/server/remote_events.ts`
 * says what an instance does on receiving one. Plain JSON: ids and records, never object
 * references, so that an event survives `JSON.stringify`/`JSON.parse` unchanged. Nothing is
 * stored again by the receiver: the store is shared, the sender has written it.
 */
import type { ReadEvent } from "../../protocol/server_frames.ts";
import type {
  AddressBanRecord,
  RoomRecord,
  Sanction,
  SanctionKind,
  StaffRecord,
} from "../../store/store.ts";

/** A change made on one instance that the others must apply to their own state. */
export type ClusterEvent =
  /** A kick, mute or ban was imposed (replacing one of its kind): apply it and enforce it. */
  | { type: "sanction"; sanction: Sanction }
  /** A kick, mute or ban was lifted. */
  | { type: "sanction_lifted"; userId: number; kind: SanctionKind }
  /** An address ban was imposed: refuse its network, close the sessions from it. */
  | { type: "address_ban"; ban: AddressBanRecord }
  /** An address ban was lifted. */
  | { type: "address_unban"; id: number }
  /** A room was created (the stored record). */
  | { type: "room_created"; room: RoomRecord }
  /** A room was deleted: its members here leave it and get `room_deleted`. */
  | { type: "room_deleted"; roomId: number }
  /** A room's topic was set (null: cleared) by `by`; `notice`: also tell members by a notice. */
  | { type: "topic"; roomId: number; topic: string | null; by: string; notice: boolean }
  /** A room's slow mode changed (seconds, 0 = off). */
  | { type: "slowmode"; roomId: number; seconds: number }
  /** A staff role was granted or changed (`record`), or revoked (`record` null). */
  | { type: "staff"; userId: number; record: StaffRecord | null }
  /** An account's read marker moved: `event` goes to its sessions. */
  | { type: "read"; userId: number; event: ReadEvent }
  /** An account's password changed: its sessions here close, its cached record goes. */
  | { type: "password_changed"; userId: number; userKey: string }
  /** The staff's report queue changed (a report filed or resolved). */
  | { type: "reports" }
  /** The whole cluster shuts down (`POST /api/shutdown` with `scope: "cluster"`). */
  | { type: "shutdown"; message: string; delaySeconds: number };

/** The `type` of a {@linkcode ClusterEvent}. */
export type ClusterEventType = ClusterEvent["type"];
