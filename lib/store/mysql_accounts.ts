/**
 * The MySQL side of the accounts directory and account history (schema version 8), kept
 * out of `mysql_store.ts`, which delegates to these functions.
 */
import type { MysqlAccess } from "./mysql_markers.ts";
import { likePattern } from "./account_query.ts";
import type { AccountPage, AccountQuery, AuditEntry } from "./store.ts";

/** Accounts by `name_key`, filtered and paged; one extra row tells whether more exist. */
export async function listAccounts(db: MysqlAccess, query: AccountQuery): Promise<AccountPage> {
  // LIMIT as a literal: prepared statements of some servers refuse a placeholder there.
  const n = Math.max(1, Math.min(10_000, Math.floor(query.limit))) + 1;
  const rows = await db.rows(
    `SELECT id, name, name_key, created_at, last_seen FROM users
     WHERE name_key > ? AND name_key LIKE ? ESCAPE '\\\\'
     ORDER BY name_key LIMIT ${n}`,
    [query.afterKey ?? "", likePattern(query)],
  );
  const accounts = rows.slice(0, query.limit).map((row) => ({
    id: Number(row.id),
    name: String(row.name),
    nameKey: String(row.name_key),
    createdAt: Number(row.created_at),
    lastSeen: row.last_seen === null ? null : Number(row.last_seen),
  }));
  return { accounts, more: rows.length > query.limit };
}

/** The statement of {@linkcode touchLastSeen}: values `at`, `userId`. */
export const TOUCH_LAST_SEEN =
  "UPDATE users SET last_seen = GREATEST(COALESCE(last_seen, 0), ?) WHERE id = ?";

/** Accounts per statement of {@linkcode touchLastSeenChunk}. */
export const LAST_SEEN_CHUNK = 100;

/**
 * One statement raising the last-seen time of each account of `chunk` (distinct ids) to its
 * `at`: `UPDATE … CASE id WHEN … END WHERE id IN (…)`.
 */
export function touchLastSeenChunk(
  chunk: readonly { userId: number; at: number }[],
): { sql: string; values: number[] } {
  const cases = chunk.map(() => "WHEN ? THEN ?").join(" ");
  const ids = chunk.map(() => "?").join(", ");
  return {
    sql: `UPDATE users SET last_seen = GREATEST(COALESCE(last_seen, 0), CASE id ${cases} END) ` +
      `WHERE id IN (${ids})`,
    values: [...chunk.flatMap((e) => [e.userId, e.at]), ...chunk.map((e) => e.userId)],
  };
}

/** Raises an account's last-seen time. */
export async function touchLastSeen(db: MysqlAccess, userId: number, at: number): Promise<void> {
  await db.write(TOUCH_LAST_SEEN, [at, userId]);
}

/** The newest audit entries with this target. */
export async function listAuditFor(
  db: MysqlAccess,
  target: string,
  limit: number,
): Promise<AuditEntry[]> {
  const n = Math.max(1, Math.min(10_000, Math.floor(limit)));
  const rows = await db.rows(
    `SELECT * FROM audit WHERE target = ? ORDER BY id DESC LIMIT ${n}`,
    [target],
  );
  return rows.map((row) => ({
    at: Number(row.at),
    by: String(row.by_whom),
    address: String(row.address),
    action: String(row.action),
    target: row.target ?? null,
    detail: row.detail ?? null,
  }));
}
