/**
 * The SQLite side of staff roles, read markers and reports (schema version 5), kept out
 * of `sqlite_store.ts`, which delegates to these functions.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { ReadMarker, ReportRecord, StaffRecord, StaffRole, UnreadCount } from "./store.ts";

/** Prepares (cached) a statement. */
export type Prepare = (text: string) => StatementSync;

type Row = Record<string, SQLInputValue>;

/** Messages that count as unread: from someone else, not deleted (schema version 4). */
const COUNTED = "m.sender_id <> :me AND m.deleted = 0";

/** Every staff role, by user name. */
export function listStaff(sql: Prepare): StaffRecord[] {
  return (sql(
    `SELECT s.user_id, u.name, s.role, s.since, s.by_whom FROM staff_roles s
     JOIN users u ON u.id = s.user_id ORDER BY u.name_key`,
  ).all() as Row[]).map((row) => ({
    userId: Number(row.user_id),
    user: row.name as string,
    role: row.role as StaffRole,
    since: Number(row.since),
    by: row.by_whom as string,
  }));
}

/** Grants or changes a role; false when there is no such account. */
export function setStaffRole(sql: Prepare, role: Omit<StaffRecord, "user">): boolean {
  const exists = sql("SELECT 1 AS x FROM users WHERE id = ?").get(role.userId);
  if (!exists) return false;
  sql(
    `INSERT INTO staff_roles (user_id, role, since, by_whom) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, since = excluded.since,
       by_whom = excluded.by_whom`,
  ).run(role.userId, role.role, role.since, role.by);
  return true;
}

/** Revokes a role; false when there was none. */
export function removeStaffRole(sql: Prepare, userId: number): boolean {
  return Number(sql("DELETE FROM staff_roles WHERE user_id = ?").run(userId).changes) > 0;
}

/** Moves a marker forward (never back); returns the stored sequence number. */
export function markRead(sql: Prepare, userId: number, marker: ReadMarker): number {
  const [table, column, target] = "roomId" in marker
    ? ["room_markers", "room_id", marker.roomId]
    : ["dm_markers", "peer_id", marker.peerId];
  const row = sql(
    `INSERT INTO ${table} (user_id, ${column}, seq) VALUES (?, ?, ?)
     ON CONFLICT (user_id, ${column}) DO UPDATE SET seq = max(seq, excluded.seq)
     RETURNING seq`,
  ).get(userId, target, marker.seq) as Row;
  return Number(row.seq);
}

/** The unread counts of an account (see `Store.unreadCounts`), each one COUNT over an index range. */
export function unreadCounts(sql: Prepare, userId: number): UnreadCount[] {
  const rooms = (sql(
    `SELECT k.room_id, r.name, k.seq,
       (SELECT count(*) FROM messages m
        WHERE m.room_id = k.room_id AND m.seq > k.seq AND ${COUNTED}) AS unread
     FROM room_markers k JOIN rooms r ON r.id = k.room_id
     WHERE k.user_id = :me ORDER BY r.name_key`,
  ).all({ me: userId }) as Row[]).map((row): UnreadCount => ({
    roomId: Number(row.room_id),
    room: row.name as string,
    unread: Number(row.unread),
    lastRead: Number(row.seq),
  }));
  const dms = (sql(
    `WITH peers(peer) AS (
       SELECT max(sender_id, recipient_id) FROM messages
       WHERE recipient_id IS NOT NULL AND min(sender_id, recipient_id) = :me
       UNION
       SELECT min(sender_id, recipient_id) FROM messages
       WHERE recipient_id IS NOT NULL AND max(sender_id, recipient_id) = :me
     )
     SELECT p.peer, u.name, k.seq,
       (SELECT count(*) FROM messages m
        WHERE m.recipient_id IS NOT NULL
          AND min(m.sender_id, m.recipient_id) = min(p.peer, :me)
          AND max(m.sender_id, m.recipient_id) = max(p.peer, :me)
          AND m.seq > coalesce(k.seq, 0) AND ${COUNTED}) AS unread
     FROM peers p JOIN users u ON u.id = p.peer
     LEFT JOIN dm_markers k ON k.user_id = :me AND k.peer_id = p.peer
     ORDER BY u.name_key`,
  ).all({ me: userId }) as Row[]).map((row): UnreadCount => ({
    peerId: Number(row.peer),
    peer: row.name as string,
    unread: Number(row.unread),
    lastRead: row.seq === null ? null : Number(row.seq),
  }));
  return [...rooms, ...dms];
}

/** A `reports` row as a record. */
export function toReport(row: Row): ReportRecord {
  return {
    id: Number(row.id),
    seq: Number(row.msg_seq),
    reporterId: Number(row.reporter_id),
    reason: row.reason as string,
    at: Number(row.at),
    status: row.status as "open" | "closed",
    resolvedBy: (row.resolved_by as string | null) ?? null,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
  };
}

/** Files a report, or returns the reporter's earlier one for the same message. */
export function addReport(
  db: DatabaseSync,
  sql: Prepare,
  report: { seq: number; reporterId: number; reason: string; at: number },
): { report: ReportRecord; created: boolean } {
  db.exec("BEGIN IMMEDIATE");
  try {
    const created = Number(
      sql(
        `INSERT INTO reports (msg_seq, reporter_id, reason, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (msg_seq, reporter_id) DO NOTHING`,
      ).run(report.seq, report.reporterId, report.reason, report.at).changes,
    ) === 1;
    const row = sql("SELECT * FROM reports WHERE msg_seq = ? AND reporter_id = ?")
      .get(report.seq, report.reporterId) as Row;
    db.exec("COMMIT");
    return { report: toReport(row), created };
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
