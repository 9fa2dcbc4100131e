/** The JSON the admin API sends (shapes in `api_types.ts`), built from what `ChatControl` returns. */
import type { AuditEntry, Sanction, StoredMessage } from "../store/store.ts";
import type {
  AccountDetail,
  AccountSummary,
  AddressBanRecord,
  ConnectedUser,
  InstanceInfo,
  QueuedReport,
  RoomSummary,
  ServerStats,
  StaffMember,
} from "../server/control.ts";
import { formatMsgid } from "../protocol/msgid.ts";
import { isoTime as iso } from "../common/time.ts";
import type {
  AccountDetailView,
  AccountView,
  AddressBanView,
  AuditView,
  InstancesView,
  MessageView,
  ModerationView,
  ReportView,
  RoomView,
  SanctionView,
  StaffView,
  StatsView,
} from "./api_types.ts";

/** A stored message for the page. */
export function messageView(m: StoredMessage): MessageView {
  const view: MessageView = {
    msgid: formatMsgid(m.seq),
    room: m.room,
    to: m.to,
    user: m.user,
    text: m.text,
    ts: iso(m.ts),
  };
  if (m.deleted) view.deleted = true;
  return view;
}

/** A report in the queue, with its message and context. */
export function reportView(r: QueuedReport): ReportView {
  const view: ReportView = {
    id: r.id,
    msgid: formatMsgid(r.seq),
    message: r.message === null ? null : messageView(r.message),
    reporter: r.reporter,
    reason: r.reason,
    at: iso(r.at),
    status: r.status,
    context: r.context.map(messageView),
  };
  if (r.resolvedBy !== null) view.resolvedBy = r.resolvedBy;
  if (r.resolvedAt !== null) view.resolvedAt = iso(r.resolvedAt);
  return view;
}

/** An address ban (`until` absent when permanent). */
export function addressBanView(b: AddressBanRecord): AddressBanView {
  const view: AddressBanView = {
    id: b.id,
    address: b.address,
    reason: b.reason,
    by: b.by,
    at: iso(b.at),
  };
  if (b.until !== null) view.until = iso(b.until);
  return view;
}

/** `GET /api/users`. */
export function usersView(users: ConnectedUser[]): { users: ConnectedUser[] } {
  const sorted = [...users].sort((a, b) => a.user.localeCompare(b.user));
  return {
    users: sorted.map((u) => ({
      user: u.user,
      sessions: u.sessions.map((s) => ({ ...s, rooms: [...s.rooms] })),
    })),
  };
}

/** `GET /api/instances`: the instances of the chat service, by name. */
export function instancesView(instances: InstanceInfo[]): InstancesView {
  const sorted = [...instances].sort((a, b) =>
    a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0
  );
  return {
    instances: sorted.map((i) => ({
      instance: i.instance,
      chat: i.chat,
      sessions: i.sessions,
      since: i.since,
      lastSeen: i.lastSeen,
    })),
  };
}

/** A room with its online count. */
export function roomView(room: RoomSummary): RoomView {
  return {
    name: room.name,
    topic: room.topic,
    members: room.members,
    online: room.members.length,
    slowmode: room.slowmode,
  };
}

/** `GET /api/moderation`: current kicks, mutes and bans, oldest first. */
export function moderationView(sanctions: Sanction[]): ModerationView {
  const pick = (kind: Sanction["kind"]) =>
    sanctions.filter((s) => s.kind === kind).sort((a, b) => a.at - b.at).map(sanctionView);
  return { kicks: pick("kick"), mutes: pick("mute"), bans: pick("ban") };
}

function sanctionView(s: Sanction): SanctionView {
  const view: SanctionView = { user: s.user, reason: s.reason, by: s.by, at: iso(s.at) };
  if (s.until !== null) view.until = iso(s.until);
  return view;
}

/** An audit entry with an ISO time. */
export function auditView(e: AuditEntry): AuditView {
  return {
    at: iso(e.at),
    by: e.by,
    address: e.address,
    action: e.action,
    target: e.target,
    detail: e.detail,
  };
}

/** Server counters for the page, with the time they were read. */
export function statsView(stats: ServerStats, now: number): StatsView {
  return { ...stats, errors: { ...stats.errors }, at: iso(now) };
}

/** A staff member (`GET /api/staff`). */
export function staffView(s: StaffMember): StaffView {
  return { user: s.user, role: s.role, since: iso(s.since), by: s.by };
}

/** An account of the directory (`GET /api/accounts`). */
export function accountView(a: AccountSummary): AccountView {
  return {
    user: a.user,
    created: iso(a.created),
    lastSeen: a.lastSeen === null ? null : iso(a.lastSeen),
    online: a.online,
    role: a.role,
  };
}

/** One account with its sanctions and history. */
export function accountDetailView(a: AccountDetail): AccountDetailView {
  return {
    ...accountView(a),
    sanctions: a.sanctions.map((s) => ({ kind: s.kind, ...sanctionView(s) })),
    history: a.history.map(auditView),
  };
}
