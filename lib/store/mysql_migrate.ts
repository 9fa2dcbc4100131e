/**
 * The MySQL schema and its migrations: `sql/mysql/NNN_*.sql`, applied in order, the
 * version reached recorded in `schema_version`.
 */
import type { PoolConnection, RowDataPacket } from "mysql2/promise";
import migration001 from "../../sql/mysql/001_init.sql" with { type: "text" };
import migration002 from "../../sql/mysql/002_names_tokens.sql" with { type: "text" };
import migration003 from "../../sql/mysql/003_room_activity.sql" with { type: "text" };
import migration004 from "../../sql/mysql/004_messages_edit.sql" with { type: "text" };
import migration005 from "../../sql/mysql/005_markers_reports_staff.sql" with { type: "text" };
import migration006 from "../../sql/mysql/006_search.sql" with { type: "text" };
import migration007 from "../../sql/mysql/007_moderation2.sql" with { type: "text" };
import migration008 from "../../sql/mysql/008_accounts_staff.sql" with { type: "text" };
import migration009 from "../../sql/mysql/009_search_room_scan.sql" with { type: "text" };
import { StoreConfigError } from "./store_config_error.ts";

/** Migrations in order; the schema version is the number applied. */
const MIGRATIONS: readonly string[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
];

/**
 * "Duplicate column name" and "Duplicate key name": an `ALTER TABLE … ADD` that a migration
 * interrupted half-way (DDL commits one statement at a time) had already applied.
 */
const ALREADY_APPLIED = new Set([1060, 1061]);

async function _runStatement(connection: PoolConnection, statement: string): Promise<void> {
  try {
    await connection.execute(statement);
  } catch (error) {
    if (!ALREADY_APPLIED.has((error as { errno?: number }).errno ?? 0)) throw error;
  }
}

/** The schema version this FastChat writes. */
export const MYSQL_SCHEMA_VERSION = MIGRATIONS.length;

/** The privileges FastChat needs on its database (documented in docs/mysql.md). */
export const MYSQL_PRIVILEGES: readonly string[] = [
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "CREATE",
  "ALTER",
  "INDEX",
  "REFERENCES",
];

/** Seconds to wait for another FastChat that is migrating the same database. */
const LOCK_TIMEOUT_S = 60;

/**
 * The statements of a migration file: comment lines dropped, split at each `;` that ends
 * a line (the files are ours and keep to that form).
 */
export function splitStatements(sql: string): string[] {
  const code = sql.split("\n").filter((line) => !/^\s*--/.test(line)).join("\n");
  return code.split(/;\s*$/m).map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Brings the schema up to date; throws StoreConfigError when the database has a newer
 * schema than this FastChat knows. A named lock keeps two servers starting at once from
 * migrating together.
 */
export async function migrate(connection: PoolConnection, database: string): Promise<void> {
  const [locked] = await connection.execute<RowDataPacket[]>(
    "SELECT GET_LOCK(LEFT(CONCAT('fastchat_migrate_', DATABASE()), 64), ?) AS ok",
    [LOCK_TIMEOUT_S],
  );
  if (Number(locked[0]?.ok) !== 1) {
    throw new StoreConfigError(
      `Another FastChat has been migrating MySQL database ${database} for over ` +
        `${LOCK_TIMEOUT_S} s; try again`,
    );
  }
  try {
    await connection.execute(
      `CREATE TABLE IF NOT EXISTS schema_version (
         version    INT    NOT NULL,
         applied_at BIGINT NOT NULL,
         PRIMARY KEY (version)
       ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    );
    const [rows] = await connection.execute<RowDataPacket[]>(
      "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version",
    );
    const current = Number(rows[0]?.version ?? 0);
    if (current > MIGRATIONS.length) {
      throw new StoreConfigError(
        `MySQL database ${database} has schema version ${current}, newer than this ` +
          `FastChat (${MIGRATIONS.length}); upgrade FastChat`,
      );
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of splitStatements(MIGRATIONS[version - 1]!)) {
        await _runStatement(connection, statement);
      }
      await connection.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
        [version, Date.now()],
      );
    }
  } finally {
    await connection.execute(
      "SELECT RELEASE_LOCK(LEFT(CONCAT('fastchat_migrate_', DATABASE()), 64))",
    ).catch(() => {});
  }
}
