/** The JSON the admin API sends (shapes in `api_types.ts`), built from what `ChatControl` returns. */
import type { AuditEntry, Sanction, StoredMessage } from "../store/store.ts";
import type { ConnectedUser, RoomSummary, ServerStats } from "../server/control.ts";
import { formatMsgid } from "../protocol/msgid.ts";
import { isoTime as iso } from "../common/time.ts";
import type {
  AuditView,
  MessageView,
  ModerationView,
  RoomView,
  SanctionView,
  StatsView,
} from "./api_types.ts";

/** A stored message for the page. */
export function messageView(m: StoredMessage): MessageView {
  return {
    msgid: formatMsgid(m.seq),
    room: m.room,
    to: m.to,
    user: m.user,
    text: m.text,
    ts: iso(m.ts),
  };
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

/** A room with its online count. */
export function roomView(room: RoomSummary): RoomView {
  return { name: room.name, topic: room.topic, members: room.members, online: room.members.length };
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
