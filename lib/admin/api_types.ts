/**
 * The JSON shapes of the admin API (`docs/admin-api.md`): what `views.ts` builds and the
 * admin page (`admin_ui/`) reads. Types only, so the page's bundle imports nothing else of
 * the server; the server-side types they are made of come from `lib/server/control.ts`.
 */
import type { ConnectedUser, InstanceInfo, ServerStats, SessionInfo } from "../server/control.ts";

export type { ConnectedUser, InstanceInfo, ServerStats, SessionInfo };

/**
 * `GET /api/instances`: the instances of the chat service by name (one process: itself),
 * each `{instance, chat, sessions, since, lastSeen}`.
 */
export interface InstancesView {
  instances: InstanceInfo[];
}

/** A message as the page shows it; `to` is set for a direct message, `room` otherwise. */
export interface MessageView {
  msgid: string;
  room: string | null;
  to: string | null;
  user: string;
  text: string;
  ts: string;
  /** Set once the message was deleted (protocol 1.1): its `text` is then "". */
  deleted?: boolean;
}

/** A kick, mute or ban as `GET /api/moderation` lists it (`until` absent for a ban). */
export interface SanctionView {
  user: string;
  until?: string;
  reason: string;
  by: string;
  at: string;
}

/** `GET /api/moderation`: current kicks, mutes and bans, oldest first. */
export interface ModerationView {
  kicks: SanctionView[];
  mutes: SanctionView[];
  bans: SanctionView[];
}

/** A room as `GET /api/rooms` lists it. */
export interface RoomView {
  name: string;
  topic: string | null;
  members: string[];
  online: number;
  /** Slow mode in seconds (0 or absent: off). */
  slowmode?: number;
}

/** An audit entry as `GET /api/audit` lists it (`at` ISO). */
export interface AuditView {
  at: string;
  by: string;
  address: string;
  action: string;
  target: string | null;
  detail: string | null;
}

/** `GET /api/stats`: the server counters with the ISO time they were read. */
export type StatsView = ServerStats & { at: string };

/** One point of the activity chart: the rate over the interval ending at `at`. */
export interface StatsPointView {
  at: string;
  messagesPerSecond: number;
  sessions: number;
  connections: number;
}

/** `GET /api/stats/history`: the last hour of activity, oldest first. */
export interface StatsHistoryView {
  /** Seconds between points. */
  intervalSeconds: number;
  points: StatsPointView[];
}

/** A staff role (PROTOCOL.md "Staff: moderators and admins"). */
export type StaffRole = "moderator" | "admin";

/** `GET /api/me`: who is logged in to the page, and their role. */
export interface MeView {
  user: string;
  role: StaffRole;
}

/** A registered account as `GET /api/accounts` lists it (`role` null for a plain user). */
export interface AccountView {
  user: string;
  created: string;
  lastSeen: string | null;
  online: boolean;
  role: StaffRole | null;
}

/** `GET /api/accounts?query=&limit=&after=`: one page of accounts, by name. */
export interface AccountsPage {
  accounts: AccountView[];
  more: boolean;
}

/** One account (`GET /api/accounts/{user}` or `?user=`): its sanctions and their history. */
export interface AccountDetailView extends AccountView {
  /** The sanctions in force, each `{kind, user, until?, reason, by, at}`. */
  sanctions: (SanctionView & { kind: "kick" | "mute" | "ban" })[];
  /** Audit entries naming the account (sanctions, lifts, roles), newest first. */
  history: AuditView[];
}

/** A staff member as `GET /api/staff` lists them. */
export interface StaffView {
  user: string;
  role: StaffRole;
  since: string;
  by: string;
}

/** A reported message as `GET /api/reports` lists it. */
export interface ReportView {
  id: string | number;
  msgid: string;
  /** The reported message (a tombstone once deleted), when still known. */
  message: MessageView | null;
  reporter: string;
  reason: string;
  at: string;
  status: "open" | "closed";
  /** Up to two messages before and two after the reported one, oldest first. */
  context?: MessageView[];
  /** Who closed it and when (closed reports). */
  resolvedBy?: string;
  resolvedAt?: string;
}

/** `GET /api/reports`: newest first. */
export interface ReportsView {
  reports: ReportView[];
}

/** An address ban as `GET /api/address-bans` lists it (`until` absent when permanent). */
export interface AddressBanView {
  id: string | number;
  address: string;
  until?: string;
  reason: string;
  by: string;
  at: string;
}
