/**
 * The SQLite side of the accounts directory and account history (schema version 8), kept
 * out of `sqlite_store.ts`, which delegates to these functions.
 */
import type { SQLInputValue } from "node:sqlite";
import type { Prepare } from "./sqlite_markers.ts";
import { likePattern } from "./account_query.ts";
import type { AccountPage, AccountQuery, AccountRecord, AuditEntry } from "./store.ts";

type Row = Record<string, SQLInputValue>;

/** Accounts by `name_key`, filtered and paged; one extra row tells whether more exist. */
export function listAccounts(sql: Prepare, query: AccountQuery): AccountPage {
  const rows = sql(
    `SELECT id, name, name_key, created_at, last_seen FROM users
     WHERE name_key > ? AND name_key LIKE ? ESCAPE '\\'
     ORDER BY name_key LIMIT ?`,
  ).all(query.afterKey ?? "", likePattern(query), query.limit + 1) as Row[];
  const accounts = rows.slice(0, query.limit).map((row): AccountRecord => ({
    id: Number(row.id),
    name: row.name as string,
    nameKey: row.name_key as string,
    createdAt: Number(row.created_at),
    lastSeen: row.last_seen === null ? null : Number(row.last_seen),
  }));
  return { accounts, more: rows.length > query.limit };
}

/** Raises an account's last-seen time. */
export function touchLastSeen(sql: Prepare, userId: number, at: number): void {
  sql("UPDATE users SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?").run(at, userId);
}

/** The newest audit entries with this target. */
export function listAuditFor(sql: Prepare, target: string, limit: number): AuditEntry[] {
  return (sql("SELECT * FROM audit WHERE target = ? ORDER BY id DESC LIMIT ?")
    .all(target, limit) as Row[]).map((row) => ({
      at: Number(row.at),
      by: row.by_whom as string,
      address: row.address as string,
      action: row.action as string,
      target: (row.target as string | null) ?? null,
      detail: (row.detail as string | null) ?? null,
    }));
}
