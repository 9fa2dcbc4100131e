/**
 * The MySQL side of report resolution, slow mode and address bans (schema version 7), kept
 * out of `mysql_store.ts`, which delegates to these functions.
 */
import type { RowDataPacket } from "mysql2/promise";
import type { AddressBanRecord, ReportRecord, ReportStatus } from "./store.ts";
import { type MysqlAccess, toReport } from "./mysql_markers.ts";

/** Reports of one status, newest first. */
export async function listReports(
  db: MysqlAccess,
  status: ReportStatus,
  limit: number,
): Promise<ReportRecord[]> {
  // LIMIT as a literal: prepared statements of some servers refuse a placeholder there.
  const n = Math.max(1, Math.min(10_000, Math.floor(limit)));
  return (await db.rows(`SELECT * FROM reports WHERE status = ? ORDER BY id DESC LIMIT ${n}`, [
    status,
  ])).map(toReport);
}

/** One report by id, or null. */
export async function findReport(db: MysqlAccess, id: number): Promise<ReportRecord | null> {
  const row = (await db.rows("SELECT * FROM reports WHERE id = ?", [id]))[0];
  return row ? toReport(row) : null;
}

/** Closes an open report; false when unknown or closed already. */
export async function resolveReport(
  db: MysqlAccess,
  id: number,
  by: string,
  at: number,
): Promise<boolean> {
  const result = await db.write(
    `UPDATE reports SET status = 'closed', resolved_by = ?, resolved_at = ?
     WHERE id = ? AND status = 'open'`,
    [by, at, id],
  );
  return result.affectedRows > 0;
}

/** Sets a room's slow mode; false when there is no such room. */
export async function setRoomSlowMode(
  db: MysqlAccess,
  roomId: number,
  seconds: number,
): Promise<boolean> {
  // Matched rows, not changed ones: setting the same value again is still a success.
  const rows = await db.rows("SELECT 1 AS x FROM rooms WHERE id = ?", [roomId]);
  if (rows.length === 0) return false;
  await db.write("UPDATE rooms SET slowmode = ? WHERE id = ?", [seconds, roomId]);
  return true;
}

function toBan(row: RowDataPacket): AddressBanRecord {
  return {
    id: Number(row.id),
    address: String(row.address),
    until: row.expires_at === null ? null : Number(row.expires_at),
    reason: String(row.reason),
    by: String(row.by_whom),
    at: Number(row.at),
  };
}

/** Stores an address ban. */
export async function addAddressBan(
  db: MysqlAccess,
  ban: Omit<AddressBanRecord, "id">,
): Promise<AddressBanRecord> {
  const result = await db.write(
    "INSERT INTO address_bans (address, expires_at, reason, by_whom, at) VALUES (?, ?, ?, ?, ?)",
    [ban.address, ban.until, ban.reason, ban.by, ban.at],
  );
  return { id: Number(result.insertId), ...ban };
}

/** Every stored address ban, by id. */
export async function listAddressBans(db: MysqlAccess): Promise<AddressBanRecord[]> {
  return (await db.rows("SELECT * FROM address_bans ORDER BY id")).map(toBan);
}

/** Removes an address ban; false when there was none. */
export async function deleteAddressBan(db: MysqlAccess, id: number): Promise<boolean> {
  return (await db.write("DELETE FROM address_bans WHERE id = ?", [id])).affectedRows > 0;
}
