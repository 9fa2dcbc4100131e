/**
 * The production store: MySQL 8 or MariaDB 10.11+ through a `mysql2` connection pool,
 * prepared statements only. A lost database makes calls throw StoreUnavailableError; the
 * pool opens fresh connections once the database is back, so the store recovers by itself.
 */
import mysql from "mysql2/promise";
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import {
  insertBatch,
  MESSAGE_SELECT,
  pageQuery,
  type PageStatements,
  pageStatements,
  toMessage,
  writeOps,
} from "./mysql_messages.ts";
import { firstSendKey, lookupFirstSends } from "./mysql_messages.ts";
import { isDuplicateKey, isTransactionConflict, unavailable } from "./mysql_errors.ts";
import { connectAndMigrate, type MysqlStoreOptions } from "./mysql_open.ts";
import { parseMysqlUrl } from "./mysql_url.ts";
import { readTokenSizes, searchMysql, type TokenSizes } from "./mysql_search.ts";
import * as markers from "./mysql_markers.ts";
import * as moderation2 from "./mysql_moderation.ts";
import * as accounts from "./mysql_accounts.ts";
import { SKELETON_VERSION, skeletonKey } from "../protocol/names.ts";
import type {
  AddressBanRecord,
  AuditEntry,
  HistoryPage,
  HistoryQuery,
  InsertOutcome,
  MessageOp,
  NameClash,
  NewMessage,
  NewRoom,
  OpOutcome,
  ReadMarker,
  RecentQuery,
  ReportRecord,
  ReportStatus,
  RoomRecord,
  Sanction,
  SanctionKind,
  SearchPage,
  SearchQuery,
  StaffRecord,
  Store,
  StoredMessage,
  TokenRecord,
  UnreadCount,
  UserRecord,
} from "./store.ts";
import { SKELETON_VERSION_SETTING, StoreUnavailableError } from "./store.ts";
import type { AccountPage, AccountQuery } from "./store.ts";

export type { MysqlStoreOptions } from "./mysql_open.ts";

/** Attempts of a message batch that collided with a concurrent transaction. */
const CONFLICT_ATTEMPTS = 3;

const ROOM_PAGE = pageStatements("m.room_id = ?");
const DM_PAGE = pageStatements("m.user_lo = ? AND m.user_hi = ?");

/**
 * Opens a pool on the database named by a `mysql://user:password@host:port/database` URL
 * and brings its schema up to date.
 *
 * Throws StoreConfigError (one line) for a bad URL, wrong credentials, a missing database
 * or a newer schema; StoreUnavailableError when the server cannot be reached, unless
 * `options.onRetry` is given, in which case it keeps trying (see MysqlStoreOptions).
 */
export async function openMysqlStore(
  url: string,
  options: MysqlStoreOptions = {},
): Promise<Store> {
  const target = parseMysqlUrl(url);
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    charset: "UTF8MB4_BIN",
    connectionLimit: options.connectionLimit ?? 10,
    maxIdle: options.connectionLimit ?? 10,
    idleTimeout: 60_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    enableKeepAlive: true,
    maxPreparedStatements: 64,
  });
  try {
    await connectAndMigrate(pool, target, options);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return new MysqlStore(pool, target.display, options.queryTimeoutMs ?? 30_000);
}

type Param = string | number | null;

const AUDIT_INSERT =
  "INSERT INTO audit (at, by_whom, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)";

function _auditValues(e: AuditEntry): Param[] {
  return [e.at, e.by, e.address, e.action, e.target, e.detail];
}

function toUser(row: RowDataPacket | undefined): UserRecord | null {
  if (!row) return null;
  return {
    id: Number(row.id),
    name: String(row.name),
    nameKey: String(row.name_key),
    passwordHash: String(row.password_hash),
    createdAt: Number(row.created_at),
  };
}

function toRoom(row: RowDataPacket): RoomRecord {
  return {
    id: Number(row.id),
    name: String(row.name),
    nameKey: String(row.name_key),
    topic: row.topic ?? null,
    createdAt: Number(row.created_at),
    createdBy: row.created_by === null || row.created_by === undefined
      ? null
      : Number(row.created_by),
    lastActive: Math.max(Number(row.last_active ?? 0), Number(row.created_at)),
    slowmode: Number(row.slowmode ?? 0),
  };
}

class MysqlStore implements Store {
  readonly description: string;
  #pool: Pool;
  #timeout: number;
  /** FULLTEXT token sizes, read on the first search. */
  #tokenSizes: Promise<TokenSizes> | null = null;

  constructor(pool: Pool, display: string, queryTimeoutMs: number) {
    this.#pool = pool;
    this.description = display;
    this.#timeout = queryTimeoutMs;
  }

  /** Rows of a query; any failure becomes StoreUnavailableError. */
  async #rows(sql: string, values: Param[] = []): Promise<RowDataPacket[]> {
    try {
      const [rows] = await this.#pool.execute<RowDataPacket[]>(
        { sql, timeout: this.#timeout },
        values,
      );
      return rows;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Runs a statement that changes rows; resolves to the number of rows it matched. */
  async #change(sql: string, values: Param[]): Promise<ResultSetHeader> {
    const [result] = await this.#pool.execute<ResultSetHeader>(
      { sql, timeout: this.#timeout },
      values,
    );
    return result;
  }

  async #write(sql: string, values: Param[]): Promise<ResultSetHeader> {
    try {
      return await this.#change(sql, values);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Runs `work` in a transaction on one connection: committed, or rolled back and thrown. */
  async #transaction<T>(
    work: (connection: PoolConnection, timeout: number) => Promise<T>,
  ): Promise<T> {
    const connection = await this.#pool.getConnection();
    const timeout = this.#timeout;
    try {
      // Transaction control carries no values; the text protocol is the portable way.
      await connection.query({ sql: "START TRANSACTION", timeout });
      const result = await work(connection, timeout);
      await connection.query({ sql: "COMMIT", timeout });
      connection.release();
      return result;
    } catch (error) {
      try {
        await connection.query({ sql: "ROLLBACK", timeout });
        connection.release();
      } catch {
        // The connection is broken: do not give it back to the pool.
        connection.destroy();
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async createUser(
    user: { name: string; nameKey: string; passwordHash: string; createdAt: number },
  ): Promise<UserRecord | null> {
    try {
      const result = await this.#change(
        `INSERT INTO users (name, name_key, skeleton_key, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?)`,
        [user.name, user.nameKey, skeletonKey(user.name), user.passwordHash, user.createdAt],
      );
      return { id: result.insertId, ...user };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw unavailable(error);
    }
  }

  async findUserByKey(nameKey: string): Promise<UserRecord | null> {
    return toUser((await this.#rows("SELECT * FROM users WHERE name_key = ?", [nameKey]))[0]);
  }

  async findUserById(id: number): Promise<UserRecord | null> {
    return toUser((await this.#rows("SELECT * FROM users WHERE id = ?", [id]))[0]);
  }

  async listRooms(): Promise<RoomRecord[]> {
    return (await this.#rows("SELECT * FROM rooms ORDER BY id")).map(toRoom);
  }

  async createRoom(room: NewRoom): Promise<RoomRecord | null> {
    try {
      const createdBy = room.createdBy ?? null;
      const result = await this.#change(
        `INSERT INTO rooms (name, name_key, skeleton_key, topic, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [room.name, room.nameKey, skeletonKey(room.name), room.topic, room.createdAt, createdBy],
      );
      return { id: result.insertId, ...room, createdBy, lastActive: room.createdAt, slowmode: 0 };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw unavailable(error);
    }
  }

  async setRoomTopic(roomId: number, topic: string | null): Promise<boolean> {
    // mysql2 connects with CLIENT_FOUND_ROWS: affectedRows counts matched rows, so
    // setting the same topic again still says the room exists.
    const result = await this.#write("UPDATE rooms SET topic = ? WHERE id = ?", [topic, roomId]);
    return result.affectedRows > 0;
  }

  async deleteRoom(roomId: number): Promise<boolean> {
    try {
      return await this.#transaction(async (connection, timeout) => {
        await connection.execute({ sql: "DELETE FROM messages WHERE room_id = ?", timeout }, [
          roomId,
        ]);
        const [result] = await connection.execute<ResultSetHeader>(
          { sql: "DELETE FROM rooms WHERE id = ?", timeout },
          [roomId],
        );
        return result.affectedRows > 0;
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async lastMessageSeq(): Promise<number> {
    const rows = await this.#rows("SELECT COALESCE(MAX(seq), 0) AS seq FROM messages");
    return Number(rows[0]?.seq ?? 0);
  }

  async insertMessages(batch: readonly NewMessage[]): Promise<InsertOutcome[]> {
    if (batch.length === 0) return [];
    // A concurrent batch may store the same (sender, cid) after our lookup: the next
    // attempt sees the committed rows.
    return await this.#retried((connection, timeout) => insertBatch(connection, batch, timeout));
  }

  /**
   * Runs `work` in a transaction, again (at most `CONFLICT_ATTEMPTS` times in all) when it
   * conflicted with a concurrent one (a deadlock victim, a lock wait timeout, a duplicate
   * key found after a lookup); anything else, or the last conflict, is `unavailable`.
   */
  async #retried<T>(
    work: (connection: PoolConnection, timeout: number) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#transaction(work);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isTransactionConflict(error)) throw unavailable(error);
        // Apart, so that the same transactions do not meet again at once.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  async writeMessages(ops: readonly MessageOp[]): Promise<OpOutcome[]> {
    if (ops.length === 0) return [];
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#transaction((connection, timeout) =>
          writeOps(connection, ops, timeout, async (entry) => {
            await connection.execute({ sql: AUDIT_INSERT, timeout }, _auditValues(entry));
          })
        );
      } catch (error) {
        // As for insertMessages: the next attempt sees the rows that collided.
        if (attempt < CONFLICT_ATTEMPTS && isTransactionConflict(error)) continue;
        throw unavailable(error);
      }
    }
  }

  roomHistory(roomId: number, query: HistoryQuery): Promise<HistoryPage> {
    return this.#page(ROOM_PAGE, [roomId], query);
  }

  dmHistory(userA: number, userB: number, query: HistoryQuery): Promise<HistoryPage> {
    return this.#page(DM_PAGE, [Math.min(userA, userB), Math.max(userA, userB)], query);
  }

  async #page(
    statements: PageStatements,
    where: Param[],
    query: HistoryQuery,
  ): Promise<HistoryPage> {
    const { sql, bound, newestFirst } = pageQuery(statements, query);
    const rows = await this.#rows(sql, [...where, ...bound]);
    const more = rows.length > query.limit;
    const messages = rows.slice(0, query.limit).map(toMessage);
    if (newestFirst) messages.reverse();
    return { messages, more };
  }

  async recentMessages(query: RecentQuery): Promise<StoredMessage[]> {
    const limit = String(query.limit);
    if (query.roomId !== undefined && query.userId !== undefined) {
      return (await this.#rows(
        `${MESSAGE_SELECT} WHERE m.room_id = ? AND m.sender_id = ? ORDER BY m.seq DESC LIMIT ?`,
        [query.roomId, query.userId, limit],
      )).map(toMessage);
    }
    if (query.roomId !== undefined) {
      return (await this.#rows(
        `${MESSAGE_SELECT} WHERE m.room_id = ? ORDER BY m.seq DESC LIMIT ?`,
        [query.roomId, limit],
      )).map(toMessage);
    }
    if (query.userId !== undefined) {
      return (await this.#rows(
        `${MESSAGE_SELECT} WHERE m.sender_id = ? ORDER BY m.seq DESC LIMIT ?`,
        [query.userId, limit],
      )).map(toMessage);
    }
    return (await this.#rows(`${MESSAGE_SELECT} ORDER BY m.seq DESC LIMIT ?`, [limit]))
      .map(toMessage);
  }

  async countMessages(): Promise<number> {
    return Number((await this.#rows("SELECT COUNT(*) AS n FROM messages"))[0]?.n ?? 0);
  }

  async searchMessages(query: SearchQuery): Promise<SearchPage> {
    const rows = (sql: string, values: Param[]) => this.#rows(sql, values);
    this.#tokenSizes ??= readTokenSizes(rows).catch((error) => {
      this.#tokenSizes = null;
      throw error;
    });
    return searchMysql(rows, await this.#tokenSizes, query);
  }

  async putSanction(s: Omit<Sanction, "user">, audit?: AuditEntry): Promise<void> {
    try {
      await this.#transaction(async (connection, timeout) => {
        await connection.execute(
          {
            sql: `INSERT INTO sanctions (user_id, kind, expires_at, reason, by_whom, at)
                  VALUES (?, ?, ?, ?, ?, ?)
                  ON DUPLICATE KEY UPDATE expires_at = ?, reason = ?, by_whom = ?, at = ?`,
            timeout,
          },
          [s.userId, s.kind, s.until, s.reason, s.by, s.at, s.until, s.reason, s.by, s.at],
        );
        if (audit) {
          await connection.execute({ sql: AUDIT_INSERT, timeout }, _auditValues(audit));
        }
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async touchRooms(activity: ReadonlyMap<number, number>): Promise<void> {
    if (activity.size === 0) return;
    try {
      await this.#transaction(async (connection, timeout) => {
        for (const [roomId, at] of activity) {
          await connection.execute(
            { sql: "UPDATE rooms SET last_active = ? WHERE id = ? AND last_active < ?", timeout },
            [at, roomId, at],
          );
        }
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async deleteSanction(userId: number, kind: SanctionKind): Promise<boolean> {
    const result = await this.#write(
      "DELETE FROM sanctions WHERE user_id = ? AND kind = ?",
      [userId, kind],
    );
    return result.affectedRows > 0;
  }

  async listSanctions(): Promise<Sanction[]> {
    const rows = await this.#rows(
      `SELECT x.*, u.name FROM sanctions x JOIN users u ON u.id = x.user_id
       ORDER BY x.at, x.user_id`,
    );
    return rows.map((row) => ({
      kind: row.kind as SanctionKind,
      userId: Number(row.user_id),
      user: String(row.name),
      until: row.expires_at === null ? null : Number(row.expires_at),
      reason: String(row.reason),
      by: String(row.by_whom),
      at: Number(row.at),
    }));
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    await this.#write(AUDIT_INSERT, _auditValues(e));
  }

  async listAudit(limit: number): Promise<AuditEntry[]> {
    const rows = await this.#rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [
      String(limit),
    ]);
    return rows.map((row) => ({
      at: Number(row.at),
      by: String(row.by_whom),
      address: String(row.address),
      action: String(row.action),
      target: row.target ?? null,
      detail: row.detail ?? null,
    }));
  }

  async setPasswordHash(userId: number, passwordHash: string): Promise<boolean> {
    const result = await this.#write("UPDATE users SET password_hash = ? WHERE id = ?", [
      passwordHash,
      userId,
    ]);
    return result.affectedRows > 0;
  }

  async fillSkeletonKeys(): Promise<NameClash[]> {
    const clashes: NameClash[] = [];
    // Not one transaction: a start stopped half-way leaves the old version stored, so the
    // next start recomputes again.
    const recompute = await this.getSetting(SKELETON_VERSION_SETTING) !== SKELETON_VERSION;
    for (const [kind, table] of [["user", "users"], ["room", "rooms"]] as const) {
      if (recompute) await this.#change(`UPDATE ${table} SET skeleton_key = NULL`, []);
      const rows = await this.#rows(
        `SELECT id, name FROM ${table} WHERE skeleton_key IS NULL ORDER BY id`,
      );
      for (const row of rows) {
        try {
          await this.#change(`UPDATE ${table} SET skeleton_key = ? WHERE id = ?`, [
            skeletonKey(String(row.name)),
            Number(row.id),
          ]);
        } catch (error) {
          if (!isDuplicateKey(error)) throw unavailable(error);
          clashes.push({ kind, id: Number(row.id), name: String(row.name) });
        }
      }
    }
    if (recompute) await this.setSetting(SKELETON_VERSION_SETTING, SKELETON_VERSION);
    return clashes;
  }

  async addToken(token: TokenRecord, maxLive: number): Promise<void> {
    // Logins of one account at once locked the same index ranges (the delete and the revoke
    // by user) in different orders: 10 of 15 concurrent logins of one account were deadlock
    // victims and answered `unavailable`. The account's row, locked first, makes them take
    // turns; a conflict left (neighbouring accounts' ranges) is run again.
    await this.#retried(async (connection, timeout) => {
      await connection.execute(
        { sql: "SELECT id FROM users WHERE id = ? FOR UPDATE", timeout },
        [token.userId],
      );
      await connection.execute(
        {
          sql: `INSERT INTO resume_tokens (id, user_id, issued_at, expires_at, revoked_at)
                  VALUES (?, ?, ?, ?, ?)`,
          timeout,
        },
        [token.id, token.userId, token.issuedAt, token.expiresAt, token.revokedAt],
      );
      await connection.execute(
        {
          sql: `DELETE FROM resume_tokens WHERE user_id = ?
                  AND (expires_at <= ? OR revoked_at IS NOT NULL)`,
          timeout,
        },
        [token.userId, token.issuedAt],
      );
      // The newest maxLive stay; MySQL allows no LIMIT in an IN subquery, so find the
      // issue time of the last one kept and revoke what is older (or as old, lower id).
      const [kept] = await connection.execute<RowDataPacket[]>(
        {
          sql: `SELECT id, issued_at FROM resume_tokens WHERE user_id = ? AND revoked_at IS NULL
                  ORDER BY issued_at DESC, id DESC LIMIT 1 OFFSET ${Math.max(0, maxLive - 1)}`,
          timeout,
        },
        [token.userId],
      );
      const last = kept[0];
      if (!last) return;
      await connection.execute(
        {
          sql: `UPDATE resume_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL
                  AND (issued_at < ? OR (issued_at = ? AND id < ?))`,
          timeout,
        },
        [token.issuedAt, token.userId, last.issued_at, last.issued_at, last.id],
      );
    });
  }

  async findToken(id: string): Promise<TokenRecord | null> {
    const row = (await this.#rows("SELECT * FROM resume_tokens WHERE id = ?", [id]))[0];
    if (!row) return null;
    return {
      id,
      userId: Number(row.user_id),
      issuedAt: Number(row.issued_at),
      expiresAt: Number(row.expires_at),
      revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    };
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    const result = await this.#write(
      "UPDATE resume_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
      [at, id],
    );
    return result.affectedRows > 0;
  }

  async revokeTokensOf(userId: number, at: number, exceptId?: string): Promise<number> {
    const result = await this.#write(
      `UPDATE resume_tokens SET revoked_at = ?
       WHERE user_id = ? AND revoked_at IS NULL AND id <> ?`,
      [at, userId, exceptId ?? ""],
    );
    return result.affectedRows;
  }

  /** The access `mysql_markers.ts` works through. */
  #access: markers.MysqlAccess = {
    rows: (sql, values) => this.#rows(sql, values),
    write: (sql, values) => this.#write(sql, values),
    change: (sql, values) => this.#change(sql, values),
  };

  listStaff(): Promise<StaffRecord[]> {
    return markers.listStaff(this.#access);
  }

  setStaffRole(role: Omit<StaffRecord, "user">): Promise<boolean> {
    return markers.setStaffRole(this.#access, role);
  }

  removeStaffRole(userId: number): Promise<boolean> {
    return markers.removeStaffRole(this.#access, userId);
  }

  markRead(userId: number, marker: ReadMarker): Promise<number> {
    return markers.markRead(this.#access, userId, marker);
  }

  unreadCounts(userId: number): Promise<UnreadCount[]> {
    return markers.unreadCounts(this.#access, userId);
  }

  async findFirstSends(
    sends: readonly { senderId: number; cid: string }[],
  ): Promise<Map<string, { seq: number; ts: number }>> {
    let found: Map<string, { seq: number; ts: number }>;
    try {
      found = await lookupFirstSends(this.#pool, sends, this.#timeout);
    } catch (error) {
      throw unavailable(error);
    }
    const byPair = new Map<string, { seq: number; ts: number }>();
    for (const send of sends) {
      const first = found.get(firstSendKey(send.senderId, send.cid));
      if (first) byPair.set(`${send.senderId}:${send.cid}`, first);
    }
    return byPair;
  }

  async findMessage(seq: number): Promise<StoredMessage | null> {
    const rows = await this.#rows(`${MESSAGE_SELECT} WHERE m.seq = ?`, [seq]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  addReport(
    report: { seq: number; reporterId: number; reason: string; at: number },
  ): Promise<{ report: ReportRecord; created: boolean }> {
    return markers.addReport(this.#access, report);
  }

  listReports(status: ReportStatus, limit: number): Promise<ReportRecord[]> {
    return moderation2.listReports(this.#access, status, limit);
  }

  findReport(id: number): Promise<ReportRecord | null> {
    return moderation2.findReport(this.#access, id);
  }

  resolveReport(id: number, by: string, at: number): Promise<boolean> {
    return moderation2.resolveReport(this.#access, id, by, at);
  }

  setRoomSlowMode(roomId: number, seconds: number): Promise<boolean> {
    return moderation2.setRoomSlowMode(this.#access, roomId, seconds);
  }

  addAddressBan(ban: Omit<AddressBanRecord, "id">): Promise<AddressBanRecord> {
    return moderation2.addAddressBan(this.#access, ban);
  }

  listAddressBans(): Promise<AddressBanRecord[]> {
    return moderation2.listAddressBans(this.#access);
  }

  deleteAddressBan(id: number): Promise<boolean> {
    return moderation2.deleteAddressBan(this.#access, id);
  }

  listAccounts(query: AccountQuery): Promise<AccountPage> {
    return accounts.listAccounts(this.#access, query);
  }

  touchLastSeen(userId: number, at: number): Promise<void> {
    return accounts.touchLastSeen(this.#access, userId, at);
  }

  /**
   * One autocommitted statement per chunk of accounts, ids ascending: row locks are taken in
   * one order and held for one statement only, so a batch never keeps message inserts (whose
   * foreign keys lock their senders' rows in share mode) waiting through round trips, and a
   * deadlock with one is retried.
   */
  async touchLastSeenMany(entries: readonly { userId: number; at: number }[]): Promise<void> {
    const sorted = [...entries].sort((a, b) => a.userId - b.userId);
    for (let start = 0; start < sorted.length; start += accounts.LAST_SEEN_CHUNK) {
      const chunk = sorted.slice(start, start + accounts.LAST_SEEN_CHUNK);
      const { sql, values } = accounts.touchLastSeenChunk(chunk);
      for (let attempt = 1;; attempt++) {
        try {
          await this.#change(sql, values);
          break;
        } catch (error) {
          if (attempt < CONFLICT_ATTEMPTS && isTransactionConflict(error)) continue;
          throw unavailable(error);
        }
      }
    }
  }

  listAuditFor(target: string, limit: number): Promise<AuditEntry[]> {
    return accounts.listAuditFor(this.#access, target, limit);
  }

  async getSetting(key: string): Promise<string | null> {
    const rows = await this.#rows(
      "SELECT setting_value FROM settings WHERE setting_key = ?",
      [key],
    );
    return rows[0] ? String(rows[0].setting_value) : null;
  }

  async initSetting(key: string, value: string): Promise<string> {
    await this.#write("INSERT IGNORE INTO settings (setting_key, setting_value) VALUES (?, ?)", [
      key,
      value,
    ]);
    const stored = await this.getSetting(key);
    if (stored === null) throw new StoreUnavailableError(`setting ${key} vanished`);
    return stored;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.#write(
      `INSERT INTO settings (setting_key, setting_value) VALUES (?, ?)
       ON DUPLICATE KEY UPDATE setting_value = ?`,
      [key, value, value],
    );
  }
}
