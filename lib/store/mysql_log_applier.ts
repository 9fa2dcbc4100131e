/**
 * The MySQL side of a cluster's log applier (`lib/cluster/applier.ts`): one dedicated
 * connection that holds a named lock (`GET_LOCK`) while this instance is the one writing
 * the cluster's log into the `messages` table, and applies each batch of the log together
 * with the log position it reaches, in one transaction. The lock belongs to the connection:
 * when the process dies, or the connection breaks, MySQL releases it at once, and a
 * transaction of a writer that lost its lock cannot commit on another connection.
 */
import mysql from "mysql2/promise";
import type { RowDataPacket } from "mysql2/promise";
import { writeOps } from "./mysql_messages.ts";
import { parseMysqlUrl } from "./mysql_url.ts";
import type { AuditEntry, MessageOp } from "./store.ts";

const AUDIT_INSERT =
  "INSERT INTO audit (at, by_whom, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)";
const SETTING_UPSERT = `INSERT INTO settings (setting_key, setting_value) VALUES (?, ?)
  ON DUPLICATE KEY UPDATE setting_value = ?`;

/** One connection holding (or trying to hold) the applier's lock. */
export interface LogApplierConnection {
  /** Takes the named lock without waiting; true when this connection holds it. */
  tryLock(name: string): Promise<boolean>;
  /** A setting's value (the log position applied so far), or null. */
  readSetting(key: string): Promise<string | null>;
  /**
   * Applies `ops` in order and sets `positionKey` to `position`, in one transaction;
   * a duplicate (sender, cid) is skipped (the store keeps the first), a change to a missing
   * message changes nothing.
   */
  apply(ops: readonly MessageOp[], positionKey: string, position: string): Promise<void>;
  /** The id of the connection holding the named lock, or null when it is free. */
  lockHolder(name: string): Promise<number | null>;
  /** Records, under `key`, that this connection is alive now (the database's clock). */
  heartbeat(key: string): Promise<void>;
  /**
   * Milliseconds since connection `holder` last recorded a heartbeat under `key` (the
   * database's clock), or null when the record is not that connection's.
   */
  heartbeatAge(key: string, holder: number): Promise<number | null>;
  /** Ends another connection of the same user (a writer that froze holding the lock). */
  kill(connectionId: number): Promise<void>;
  /** Whether the connection broke (its lock, if any, is gone). */
  readonly broken: boolean;
  close(): Promise<void>;
}

/** Opens the applier's connection to the database of a `mysql://` URL. */
export async function openLogApplierConnection(
  url: string,
  timeoutMs = 30_000,
): Promise<LogApplierConnection> {
  const target = parseMysqlUrl(url);
  const connection = await mysql.createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    charset: "UTF8MB4_BIN",
    connectTimeout: 5_000,
    enableKeepAlive: true,
  });
  let broken = false;
  connection.on("error", () => broken = true);
  connection.on("end", () => broken = true);
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (code !== "ER_DUP_ENTRY" && !code.startsWith("ER_LOCK")) {
        broken ||= !code.startsWith("ER_");
      }
      throw error;
    }
  };
  /**
   * Drops the messages of rooms deleted meanwhile (an instance may accept a `say` in the
   * moment another deletes the room): their rows would break the batch on the foreign key.
   */
  const withoutDeletedRooms = async (ops: readonly MessageOp[]): Promise<MessageOp[]> => {
    const ids = new Set<number>();
    for (const op of ops) {
      if (op.op === "insert" && op.message.roomId !== null) ids.add(op.message.roomId);
    }
    if (ids.size === 0) return [...ops];
    const [rows] = await connection.query<RowDataPacket[]>(
      {
        sql: `SELECT id FROM rooms WHERE id IN (${
          [...ids].map(() => "?").join(",")
        }) LOCK IN SHARE MODE`,
        timeout: timeoutMs,
      },
      [...ids],
    );
    const present = new Set(rows.map((row) => Number(row.id)));
    if (present.size === ids.size) return [...ops];
    return ops.filter((op) =>
      op.op !== "insert" || op.message.roomId === null || present.has(op.message.roomId)
    );
  };
  return {
    get broken() {
      return broken;
    },
    tryLock: (name) =>
      guard(async () => {
        const [rows] = await connection.query<RowDataPacket[]>(
          { sql: "SELECT GET_LOCK(?, 0) AS held", timeout: timeoutMs },
          [name],
        );
        return Number(rows[0]?.held ?? 0) === 1;
      }),
    lockHolder: (name) =>
      guard(async () => {
        const [rows] = await connection.query<RowDataPacket[]>(
          { sql: "SELECT IS_USED_LOCK(?) AS holder", timeout: timeoutMs },
          [name],
        );
        const holder = rows[0]?.holder;
        return holder === null || holder === undefined ? null : Number(holder);
      }),
    heartbeat: (key) =>
      guard(async () => {
        await connection.query({
          sql: `INSERT INTO settings (setting_key, setting_value)
            VALUES (?, CONCAT(CONNECTION_ID(), ':', ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)))
            ON DUPLICATE KEY UPDATE setting_value = VALUES(setting_value)`,
          timeout: timeoutMs,
        }, [key]);
      }),
    heartbeatAge: (key, holder) =>
      guard(async () => {
        const [rows] = await connection.query<RowDataPacket[]>({
          sql: `SELECT setting_value AS beat, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS now
            FROM settings WHERE setting_key = ?`,
          timeout: timeoutMs,
        }, [key]);
        const row = rows[0];
        if (!row) return null;
        const [id, at] = String(row.beat).split(":").map(Number);
        return id === holder && Number.isFinite(at) ? Number(row.now) - at! : null;
      }),
    kill: (connectionId) =>
      guard(async () => {
        if (!Number.isSafeInteger(connectionId) || connectionId <= 0) return;
        await connection.query({ sql: `KILL CONNECTION ${connectionId}`, timeout: timeoutMs });
      }),
    readSetting: (key) =>
      guard(async () => {
        const [rows] = await connection.execute<RowDataPacket[]>(
          { sql: "SELECT setting_value FROM settings WHERE setting_key = ?", timeout: timeoutMs },
          [key],
        );
        return rows[0] ? String(rows[0].setting_value) : null;
      }),
    apply: (ops, positionKey, position) =>
      guard(async () => {
        await connection.query({ sql: "START TRANSACTION", timeout: timeoutMs });
        try {
          const audit = async (entry: AuditEntry) => {
            await connection.execute({ sql: AUDIT_INSERT, timeout: timeoutMs }, [
              entry.at,
              entry.by,
              entry.address,
              entry.action,
              entry.target,
              entry.detail,
            ]);
          };
          await writeOps(connection, await withoutDeletedRooms(ops), timeoutMs, audit);
          await connection.execute({ sql: SETTING_UPSERT, timeout: timeoutMs }, [
            positionKey,
            position,
            position,
          ]);
          await connection.query({ sql: "COMMIT", timeout: timeoutMs });
        } catch (error) {
          await connection.query({ sql: "ROLLBACK", timeout: timeoutMs }).catch(() => {
            broken = true;
          });
          throw error;
        }
      }),
    async close() {
      broken = true;
      await connection.end().catch(() => connection.destroy());
    },
  };
}
