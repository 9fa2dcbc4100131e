/**
 * The MySQL side of staff roles, read markers and reports (schema version 5), kept out of
 * `mysql_store.ts`, which delegates to these functions.
 */
import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { isDuplicateKey, unavailable } from "./mysql_errors.ts";
import type { ReadMarker, ReportRecord, StaffRecord, StaffRole, UnreadCount } from "./store.ts";

type Param = string | number | null;

/** How these functions reach the database (failures already mapped by the store). */
export interface MysqlAccess {
  rows(sql: string, values?: Param[]): Promise<RowDataPacket[]>;
  write(sql: string, values: Param[]): Promise<ResultSetHeader>;
  /** Like `write`, but a failure comes as the driver threw it (to tell duplicates apart). */
  change(sql: string, values: Param[]): Promise<ResultSetHeader>;
}

/** Messages that count as unread: from someone else, not deleted (schema version 4). */
const COUNTED = "m.sender_id <> ? AND m.deleted = 0";

/** Every staff role, by user name. */
export async function listStaff(db: MysqlAccess): Promise<StaffRecord[]> {
  return (await db.rows(
    `SELECT s.user_id, u.name, s.role, s.since, s.by_whom FROM staff_roles s
     JOIN users u ON u.id = s.user_id ORDER BY u.name_key`,
  )).map((row) => ({
    userId: Number(row.user_id),
    user: String(row.name),
    role: row.role as StaffRole,
    since: Number(row.since),
    by: String(row.by_whom),
  }));
}

/** Grants or changes a role; false when there is no such account. */
export async function setStaffRole(
  db: MysqlAccess,
  role: Omit<StaffRecord, "user">,
): Promise<boolean> {
  const result = await db.write(
    `INSERT INTO staff_roles (user_id, role, since, by_whom)
     SELECT id, ?, ?, ? FROM users WHERE id = ?
     ON DUPLICATE KEY UPDATE role = VALUES(role), since = VALUES(since), by_whom = VALUES(by_whom)`,
    [role.role, role.since, role.by, role.userId],
  );
  return result.affectedRows > 0;
}

/** Revokes a role; false when there was none. */
export async function removeStaffRole(db: MysqlAccess, userId: number): Promise<boolean> {
  return (await db.write("DELETE FROM staff_roles WHERE user_id = ?", [userId])).affectedRows > 0;
}

/** Moves a marker forward (never back); returns the stored sequence number. */
export async function markRead(
  db: MysqlAccess,
  userId: number,
  marker: ReadMarker,
): Promise<number> {
  const [table, column, target] = "roomId" in marker
    ? ["room_markers", "room_id", marker.roomId]
    : ["dm_markers", "peer_id", marker.peerId];
  await db.write(
    `INSERT INTO ${table} (user_id, ${column}, seq) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))`,
    [userId, target, marker.seq],
  );
  const rows = await db.rows(
    `SELECT seq FROM ${table} WHERE user_id = ? AND ${column} = ?`,
    [userId, target],
  );
  return Number(rows[0]?.seq ?? marker.seq);
}

/** The unread counts of an account (see `Store.unreadCounts`), each one COUNT over an index range. */
export async function unreadCounts(db: MysqlAccess, userId: number): Promise<UnreadCount[]> {
  const rooms = (await db.rows(
    `SELECT k.room_id, r.name, k.seq,
       (SELECT COUNT(*) FROM messages m
        WHERE m.room_id = k.room_id AND m.seq > k.seq AND ${COUNTED}) AS unread
     FROM room_markers k JOIN rooms r ON r.id = k.room_id
     WHERE k.user_id = ? ORDER BY r.name_key`,
    [userId, userId],
  )).map((row): UnreadCount => ({
    roomId: Number(row.room_id),
    room: String(row.name),
    unread: Number(row.unread),
    lastRead: Number(row.seq),
  }));
  const dms = (await db.rows(
    `SELECT p.peer, u.name, k.seq,
       (SELECT COUNT(*) FROM messages m
        WHERE m.user_lo = LEAST(p.peer, ?) AND m.user_hi = GREATEST(p.peer, ?)
          AND m.seq > COALESCE(k.seq, 0) AND ${COUNTED}) AS unread
     FROM (
       SELECT DISTINCT user_hi AS peer FROM messages WHERE user_lo = ?
       UNION
       SELECT DISTINCT user_lo AS peer FROM messages WHERE user_hi = ?
     ) p
     JOIN users u ON u.id = p.peer
     LEFT JOIN dm_markers k ON k.user_id = ? AND k.peer_id = p.peer
     ORDER BY u.name_key`,
    [userId, userId, userId, userId, userId, userId],
  )).map((row): UnreadCount => ({
    peerId: Number(row.peer),
    peer: String(row.name),
    unread: Number(row.unread),
    lastRead: row.seq === null ? null : Number(row.seq),
  }));
  return [...rooms, ...dms];
}

/** A `reports` row as a record. */
export function toReport(row: RowDataPacket): ReportRecord {
  return {
    id: Number(row.id),
    seq: Number(row.msg_seq),
    reporterId: Number(row.reporter_id),
    reason: String(row.reason),
    at: Number(row.at),
    status: row.status as "open" | "closed",
    resolvedBy: row.resolved_by ?? null,
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
  };
}

/**
 * Files a report, or returns the reporter's earlier one for the same message. Looked up
 * first, so that a repeat does not use up an AUTO_INCREMENT value (ids stay dense); a
 * concurrent twin's insert fails on the unique key and reads the winner.
 */
export async function addReport(
  db: MysqlAccess,
  report: { seq: number; reporterId: number; reason: string; at: number },
): Promise<{ report: ReportRecord; created: boolean }> {
  const find = () =>
    db.rows("SELECT * FROM reports WHERE msg_seq = ? AND reporter_id = ?", [
      report.seq,
      report.reporterId,
    ]);
  const earlier = (await find())[0];
  if (earlier) return { report: toReport(earlier), created: false };
  try {
    await db.change(
      "INSERT INTO reports (msg_seq, reporter_id, reason, at) VALUES (?, ?, ?, ?)",
      [report.seq, report.reporterId, report.reason, report.at],
    );
    return { report: toReport((await find())[0]!), created: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw unavailable(error);
    return { report: toReport((await find())[0]!), created: false };
  }
}
