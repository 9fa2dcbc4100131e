/**
 * What the admin side (HTTP API, page, metrics) may see and do on a running chat server.
 * Implemented by `ChatServer`; the admin handler depends only on this interface.
 */
import type {
  AddressBanRecord,
  AuditEntry,
  ReportRecord,
  ReportStatus,
  Sanction,
  StaffRole,
  StoredMessage,
} from "../store/store.ts";

export type { AddressBanRecord, ReportStatus, StaffRole };

/** One connection of a logged-in user. */
export interface SessionInfo {
  /** Internal session number, unique while its instance runs. */
  id: number;
  /** The instance the session is connected to (`--instance`; one process: its own name). */
  instance: string;
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

/** One instance of the chat service (a cluster's member, or the one process). */
export interface InstanceInfo {
  /** Its name (`--instance`). */
  instance: string;
  /** Its chat address, `host:port`. */
  chat: string;
  /** Its logged-in sessions. */
  sessions: number;
  /** When it started (ISO time). */
  since: string;
  /** When this instance last heard of it (ISO time; now for this instance). */
  lastSeen: string;
}

/** A room with the users online in it. */
export interface RoomSummary {
  name: string;
  topic: string | null;
  members: string[];
  /** Slow mode in seconds, 0 when off. */
  slowmode: number;
}

/** A report in the staff's queue, with the reported message and a few lines around it. */
export interface QueuedReport extends ReportRecord {
  /** The reporter's name. */
  reporter: string;
  /** The reported message (a tombstone once deleted), or null when it is gone. */
  message: StoredMessage | null;
  /** A few messages before and after it, oldest first. */
  context: StoredMessage[];
}

/** How a report is resolved: closed as it is, or closed with its message deleted. */
export type ReportAction = "dismiss" | "delete";

/**
 * A request the admin API refuses with a code: `status` 400 (bad input), 404 (no such
 * thing) or 409 (a conflict, e.g. a report closed already).
 */
export class ControlError extends Error {
  readonly status: 400 | 404 | 409;
  readonly code: string;
  constructor(status: 400 | 404 | 409, code: string, message: string) {
    super(message);
    this.name = "ControlError";
    this.status = status;
    this.code = code;
  }
}

/** What `POST /api/shutdown` stops: the instance it reached, or every instance of its cluster. */
export type ShutdownScope = "instance" | "cluster";

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
  /** argon2 hashes and verifications (accounts and admin logins) started by this process. */
  passwordHashes: number;
  /** Error replies sent since start, by code. */
  errors: Record<string, number>;
  /** Seconds since the server started. */
  uptime: number;
  /** Cluster mode only: the state of this instance's link to the cluster. */
  cluster?: ClusterStats;
}

/** How this instance stands in its cluster (`/metrics`). */
export interface ClusterStats {
  /** Live instances, this one included. */
  instances: number;
  /** Whether the connection to NATS is up. */
  natsConnected: boolean;
  /** The last entry of the cluster's log this instance has read (and delivered). */
  readEntry: number;
  /** The last entry known to be written into the database. */
  appliedEntry: number;
  /** Whether this instance is the one writing the log into the database. */
  applier: boolean;
}

/** Something that happened, pushed live to the admin page. */
export type ServerEvent =
  | { type: "message"; message: StoredMessage }
  /** A stored message's text was edited (`message` holds the new text). */
  | { type: "edited"; message: StoredMessage }
  /** A stored message was deleted (by its author, staff or the admin API). */
  | { type: "deleted"; msgid: string }
  | { type: "presence" }
  | { type: "moderation" }
  | { type: "rooms" }
  /** A staff role was granted, changed or revoked. */
  | { type: "staff" }
  /** A message was reported (the staff's queue changed). */
  | { type: "reports" }
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

/** A chat account holding a staff role. */
export interface StaffMember {
  userId: number;
  user: string;
  role: StaffRole;
  /** When the role was granted (ms). */
  since: number;
  /** Who granted it. */
  by: string;
}

/** A registered account as the accounts directory shows it. */
export interface AccountSummary {
  user: string;
  /** ms since the epoch. */
  created: number;
  /** Its last login, logout or disconnect (ms), or null when never seen. */
  lastSeen: number | null;
  online: boolean;
  role: StaffRole | null;
}

/** One account in detail: its current sanctions and its sanction history. */
export interface AccountDetail extends AccountSummary {
  /** The kicks, mutes and bans in force. */
  sanctions: Sanction[];
  /** Audit entries naming the account (sanctions, lifts, roles), newest first. */
  history: AuditEntry[];
}

/** A page of the accounts directory (see {@linkcode ChatControl.listAccounts}). */
export interface AccountsQuery {
  /** Case-insensitive substring of the name; empty or absent: every account. */
  query?: string;
  /** The last name of the previous page. */
  after?: string;
  limit: number;
}

/** Admin view and control of a running chat server. */
export interface ChatControl {
  /**
   * The connected users and their sessions, on every instance of a cluster (an instance
   * that does not answer within about a second is left out).
   */
  listUsers(): ConnectedUser[] | Promise<ConnectedUser[]>;
  /** The instances of the chat service: this one alone, or every live one of its cluster. */
  listInstances(): InstanceInfo[];
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

  /** Sets a room's slow mode (0 to 3600 seconds; 0 = off). Throws RoomControlError. */
  setSlowMode(name: string, seconds: number, actor: Actor): Promise<RoomSummary>;

  /**
   * Deletes a room message as staff (a tombstone, event `deleted` with `by`, audited).
   * Throws ControlError 404 `no_such_message` for an unknown, deleted or direct message.
   */
  deleteMessage(msgid: string, actor: Actor): Promise<void>;

  /** Reports of one status, newest first (at most `limit`). */
  listReports(status: ReportStatus, limit: number): Promise<QueuedReport[]>;
  /**
   * Closes an open report; "delete" also deletes its message. Throws ControlError 404
   * `no_such_report`, 409 `report_closed`.
   */
  resolveReport(id: number, action: ReportAction, actor: Actor): Promise<void>;

  /** The address bans in force, oldest first. */
  listAddressBans(): AddressBanRecord[];
  /**
   * Bans an address or CIDR network (for `durationMs`, or for ever when null), closing the
   * open sessions from it with `banned`. Throws ControlError 400 `invalid_address`.
   */
  addAddressBan(
    ban: { address: string; durationMs: number | null; reason: string },
    actor: Actor,
  ): Promise<AddressBanRecord>;
  /** Lifts an address ban. Throws ControlError 404 `no_such_ban`. */
  removeAddressBan(id: number, actor: Actor): Promise<void>;

  /** Newest messages first, optionally of one room and/or one sender. */
  recentMessages(q: { limit: number; room?: string; user?: string }): Promise<StoredMessage[]>;
  /** Appends to the audit log (actions above audit themselves). */
  audit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;

  /** Warns everybody, waits `delaySeconds`, then stops as on SIGTERM. Idempotent. */
  shutdown(message: string, delaySeconds: number, actor: Actor, scope?: ShutdownScope): void;

  /**
   * The chat account `name` names when `password` is its password and it is not banned,
   * else null (the same work either way: a missing account verifies a dummy hash).
   */
  verifyAccount(name: string, password: string): Promise<{ userId: number; user: string } | null>;
  /**
   * The account's staff role now, or null when it has none or is banned (read on every
   * request of a staff session, so a revoke or a ban ends its sessions). For a session that
   * began at `sessionSince` (ms), also null once the account's password changed since.
   */
  staffRoleOf(userId: number, sessionSince?: number): StaffRole | null;
  /** Every staff member, by name. */
  listStaff(): StaffMember[];
  /**
   * Grants or changes a role (audited, event `staff`). Throws NoSuchUserError, and
   * ControlError 409 `last_admin` for the bootstrap `admin`, which always stays an admin.
   */
  grantRole(
    name: string,
    role: StaffRole,
    actor: Actor,
  ): Promise<{ user: string; role: StaffRole }>;
  /** Revokes a role (audited, event `staff`); false when it had none. Throws as grantRole. */
  revokeRole(name: string, actor: Actor): Promise<boolean>;
  /** A page of registered accounts by folded name. */
  listAccounts(query: AccountsQuery): Promise<{ accounts: AccountSummary[]; more: boolean }>;
  /** One account with its sanctions and history. Throws NoSuchUserError. */
  accountDetail(name: string): Promise<AccountDetail>;

  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void;
}
