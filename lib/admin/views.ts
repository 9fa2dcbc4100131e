/** The JSON shapes the admin API sends, built from what `ChatControl` returns. */
import type { AuditEntry, Sanction, StoredMessage } from "../store/store.ts";
import type { ConnectedUser, RoomSummary, ServerStats } from "../server/control.ts";
import { formatMsgid } from "../protocol/msgid.ts";

/** A message as the page shows it; `to` is set for a direct message, `room` otherwise. */
export interface MessageView {
  msgid: string;
  room: string | null;
  to: string | null;
  user: string;
  text: string;
  ts: string;
}

/** A kick, mute or ban as `GET /api/moderation` lists it (`until` absent for a ban). */
export interface SanctionView {
  user: string;
  until?: string;
  reason: string;
  by: string;
  at: string;
}

/** An ISO 8601 UTC time from epoch milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

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
export function roomView(room: RoomSummary): RoomSummary & { online: number } {
  return { name: room.name, topic: room.topic, members: room.members, online: room.members.length };
}

/** `GET /api/moderation`: current kicks, mutes and bans, oldest first. */
export function moderationView(
  sanctions: Sanction[],
): { kicks: SanctionView[]; mutes: SanctionView[]; bans: SanctionView[] } {
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
export function auditView(e: AuditEntry): Omit<AuditEntry, "at"> & { at: string } {
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
export function statsView(stats: ServerStats, now: number): ServerStats & { at: string } {
  return { ...stats, errors: { ...stats.errors }, at: iso(now) };
}
