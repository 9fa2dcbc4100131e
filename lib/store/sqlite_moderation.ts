/**
 * The SQLite side of report resolution, slow mode and address bans (schema version 7),
 * kept out of `sqlite_store.ts`, which delegates to these functions.
 */
import type { SQLInputValue } from "node:sqlite";
import type { AddressBanRecord, ReportRecord, ReportStatus } from "./store.ts";
import { type Prepare, toReport } from "./sqlite_markers.ts";

type Row = Record<string, SQLInputValue>;

/** Reports of one status, newest first. */
export function listReports(sql: Prepare, status: ReportStatus, limit: number): ReportRecord[] {
  return (sql("SELECT * FROM reports WHERE status = ? ORDER BY id DESC LIMIT ?")
    .all(status, limit) as Row[]).map(toReport);
}

/** One report by id, or null. */
export function findReport(sql: Prepare, id: number): ReportRecord | null {
  const row = sql("SELECT * FROM reports WHERE id = ?").get(id) as Row | undefined;
  return row ? toReport(row) : null;
}

/** Closes an open report; false when unknown or closed already. */
export function resolveReport(sql: Prepare, id: number, by: string, at: number): boolean {
  return Number(
    sql(
      `UPDATE reports SET status = 'closed', resolved_by = ?, resolved_at = ?
       WHERE id = ? AND status = 'open'`,
    ).run(by, at, id).changes,
  ) > 0;
}

/** Sets a room's slow mode; false when there is no such room. */
export function setRoomSlowMode(sql: Prepare, roomId: number, seconds: number): boolean {
  return Number(sql("UPDATE rooms SET slowmode = ? WHERE id = ?").run(seconds, roomId).changes) >
    0;
}

function toBan(row: Row): AddressBanRecord {
  return {
    id: Number(row.id),
    address: row.address as string,
    until: row.expires_at === null ? null : Number(row.expires_at),
    reason: row.reason as string,
    by: row.by_whom as string,
    at: Number(row.at),
  };
}

/** Stores an address ban. */
export function addAddressBan(
  sql: Prepare,
  ban: Omit<AddressBanRecord, "id">,
): AddressBanRecord {
  const row = sql(
    `INSERT INTO address_bans (address, expires_at, reason, by_whom, at) VALUES (?, ?, ?, ?, ?)
     RETURNING *`,
  ).get(ban.address, ban.until, ban.reason, ban.by, ban.at) as Row;
  return toBan(row);
}

/** Every stored address ban, by id. */
export function listAddressBans(sql: Prepare): AddressBanRecord[] {
  return (sql("SELECT * FROM address_bans ORDER BY id").all() as Row[]).map(toBan);
}

/** Removes an address ban; false when there was none. */
export function deleteAddressBan(sql: Prepare, id: number): boolean {
  return Number(sql("DELETE FROM address_bans WHERE id = ?").run(id).changes) > 0;
}
