/**
 * What the admin side (HTTP API, page, metrics) may see and do on a running chat server.
 * Implemented by `ChatServer`; the admin handler depends only on this interface.
 */
import type { AuditEntry, Sanction, StoredMessage } from "../store/store.ts";

/** One connection of a logged-in user. */
export interface SessionInfo {
  /** Internal session number, unique while the server runs. */
  id: number;
  /** Client address, `host:port`. */
  address: string;
  /** Names of the rooms this session has joined. */
  rooms: string[];
  /** ISO time the connection was opened. */
  since: string;
  /** Seconds since the session's last request. */
  idle: number;
  /** `say`/`dm` accepted from this session. */
  messagesSent: number;
}

/** A connected user and their sessions. */
export interface ConnectedUser {
  user: string;
  sessions: SessionInfo[];
}

/** A room with the users online in it. */
export interface RoomSummary {
  name: string;
  topic: string | null;
  members: string[];
}

/** Server counters, for the page and `/metrics`. */
export interface ServerStats {
  /** Open TCP connections, logged in or not. */
  connections: number;
  /** Logged-in sessions. */
  sessions: number;
  /** Messages accepted (stored and broadcast) since start. */
  messagesAccepted: number;
  /** Messages in the store (read at start, counted since). */
  messagesStored: number;
  /** Store batch commits since start, and their total duration in ms. */
  storeCommits: number;
  storeCommitMs: number;
  /** Requests answered with `unavailable` since start. */
  storeFailures: number;
  /** Error replies sent since start, by code. */
  errors: Record<string, number>;
  /** Seconds since the server started. */
  uptime: number;
}

/** Something that happened, pushed live to the admin page. */
export type ServerEvent =
  | { type: "message"; message: StoredMessage }
  | { type: "presence" }
  | { type: "moderation" }
  | { type: "rooms" }
  | { type: "shutdown"; message: string; in: number };

/** A moderation result: the user's canonical name and when it ends (ISO; null = never). */
export interface SanctionResult {
  user: string;
  until: string | null;
}

/** Thrown by control methods naming a user who does not exist (HTTP 404). */
export class NoSuchUserError extends Error {
  constructor(user: string) {
    super(`There is no user named ${JSON.stringify(user)}.`);
    this.name = "NoSuchUserError";
  }
}

/** Thrown by room control methods for a bad or clashing room name (HTTP 400/404/409). */
/** Why a room operation of the admin API was refused. */
export type RoomControlCode = "invalid_room" | "room_exists" | "no_such_room" | "limit_reached";

export class RoomControlError extends Error {
  readonly code: RoomControlCode;
  constructor(code: RoomControlCode, message: string) {
    super(message);
    this.name = "RoomControlError";
    this.code = code;
  }
}

/** Who performs an admin action and from where, for the audit log. */
export interface Actor {
  by: string;
  address: string;
}

/** Admin view and control of a running chat server. */
export interface ChatControl {
  listUsers(): ConnectedUser[];
  listRooms(): RoomSummary[];
  stats(): ServerStats;

  /** Closes the user's sessions with `kicked` and refuses login for `durationMs`. */
  kick(user: string, durationMs: number, reason: string, actor: Actor): Promise<SanctionResult>;
  /** Lets the user read but not `say`/`dm` for `durationMs`. */
  mute(user: string, durationMs: number, reason: string, actor: Actor): Promise<SanctionResult>;
  /** Closes the user's sessions with `banned` and refuses login until unbanned. */
  ban(user: string, reason: string, actor: Actor): Promise<SanctionResult>;
  /** Lifts a sanction; false when there was none. Throws NoSuchUserError. */
  lift(user: string, kind: "kick" | "mute" | "ban", actor: Actor): Promise<boolean>;
  /** Current (unexpired) kicks, mutes and bans. */
  sanctions(): Sanction[];

  createRoom(name: string, topic: string | null, actor: Actor): Promise<RoomSummary>;
  deleteRoom(name: string, actor: Actor): Promise<void>;
  setTopic(name: string, topic: string | null, actor: Actor): Promise<RoomSummary>;

  /** Newest messages first, optionally of one room and/or one sender. */
  recentMessages(q: { limit: number; room?: string; user?: string }): Promise<StoredMessage[]>;
  /** Appends to the audit log (actions above audit themselves). */
  audit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;

  /** Warns everybody, waits `delaySeconds`, then stops as on SIGTERM. Idempotent. */
  shutdown(message: string, delaySeconds: number, actor: Actor): void;

  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void;
}
