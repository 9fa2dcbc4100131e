/**
 * The embedded default store: SQLite through `node:sqlite`, in WAL mode with
 * `synchronous=FULL`, so a committed transaction survives a crash of the process or the
 * machine. Calls are synchronous underneath; batching (one transaction per batch of
 * messages) is what makes it fast.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import migration001 from "../../sql/sqlite/001_init.sql" with { type: "text" };
import migration002 from "../../sql/sqlite/002_names_tokens.sql" with { type: "text" };
import migration003 from "../../sql/sqlite/003_room_activity.sql" with { type: "text" };
import migration004 from "../../sql/sqlite/004_messages_edit.sql" with { type: "text" };
import migration005 from "../../sql/sqlite/005_markers_reports_staff.sql" with { type: "text" };
import migration006 from "../../sql/sqlite/006_search.sql" with { type: "text" };
import migration007 from "../../sql/sqlite/007_moderation2.sql" with { type: "text" };
import migration008 from "../../sql/sqlite/008_accounts_staff.sql" with { type: "text" };
import migration009 from "../../sql/sqlite/009_search_deferred.sql" with { type: "text" };
import migration010 from "../../sql/sqlite/010_search_file.sql" with { type: "text" };
import { SKELETON_VERSION, skeletonKey } from "../protocol/names.ts";
import { fts5Query, searchWords, stillMatching } from "./search_query.ts";
import { LoopTurns } from "../common/loop_turns.ts";
import { openSearchIndex, type SearchIndex } from "./sqlite_search.ts";
import { SEARCH_CHANGES_DELETED_SETTING, SEARCH_ID_SETTING } from "./sqlite_search_index.ts";
import {
  type IndexCursor,
  planSearch,
  type SearchCosts,
  type SearchSource,
  type TextRow,
} from "./search_plan.ts";
import {
  type AddressBanRecord,
  type AuditEntry,
  type HistoryPage,
  type HistoryQuery,
  type InsertOutcome,
  type MessageChange,
  type MessageOp,
  type NameClash,
  type NewMessage,
  type NewRoom,
  type OpOutcome,
  type ReadMarker,
  type RecentQuery,
  type ReportRecord,
  type ReportStatus,
  type RoomRecord,
  type Sanction,
  type SanctionKind,
  type SearchPage,
  type SearchQuery,
  type SearchScope,
  SKELETON_VERSION_SETTING,
  type StaffRecord,
  type Store,
  type StoredMessage,
  StoreUnavailableError,
  type TokenRecord,
  type UnreadCount,
  type UserRecord,
} from "./store.ts";
import type { AccountPage, AccountQuery } from "./store.ts";
import { StoreConfigError } from "./store_config_error.ts";
import * as markers from "./sqlite_markers.ts";
import * as moderation2 from "./sqlite_moderation.ts";
import * as accounts from "./sqlite_accounts.ts";

/** Migrations in order; the schema version is the number applied (`PRAGMA user_version`). */
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
  migration010,
];

const MESSAGE_COLUMNS = `m.seq, m.room_id, r.name AS room, m.sender_id, s.name AS user,
  m.recipient_id, t.name AS recipient, m.text, m.ts, m.kind, m.edited_at, m.deleted`;
const MESSAGE_JOINS = `JOIN users s ON s.id = m.sender_id
  LEFT JOIN rooms r ON r.id = m.room_id
  LEFT JOIN users t ON t.id = m.recipient_id`;

type Row = Record<string, SQLInputValue>;

/**
 * Opens (creating if needed) the SQLite database at `path`, brings its schema up to date and
 * starts maintaining its search index (sqlite_search.ts).
 */
export async function openSqliteStore(path: string): Promise<Store> {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new StoreConfigError(
      `Cannot open SQLite database ${path}: ${(error as Error).message}`,
    );
  }
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA busy_timeout = 5000");
    migrate(db, path);
  } catch (error) {
    db.close();
    if (error instanceof StoreConfigError) throw error;
    throw new StoreConfigError(
      `Cannot use SQLite database ${path}: ${(error as Error).message}`,
    );
  }
  const store = new SqliteStore(db, path);
  try {
    store.openSearch();
  } catch (error) {
    await store.close();
    throw new StoreConfigError(
      `Cannot open the search index of SQLite database ${path}: ${(error as Error).message}`,
    );
  }
  return store;
}

function migrate(db: DatabaseSync, path: string): void {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  const version = row.user_version;
  if (version > MIGRATIONS.length) {
    throw new StoreConfigError(
      `Database ${path} has schema version ${version}, newer than this FastChat ` +
        `(${MIGRATIONS.length}); upgrade FastChat`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }
}

function toMessage(row: Row): StoredMessage {
  return {
    seq: Number(row.seq),
    roomId: row.room_id === null ? null : Number(row.room_id),
    room: (row.room as string | null) ?? null,
    senderId: Number(row.sender_id),
    user: row.user as string,
    recipientId: row.recipient_id === null ? null : Number(row.recipient_id),
    to: (row.recipient as string | null) ?? null,
    text: row.text as string,
    ts: Number(row.ts),
    kind: row.kind === "action" ? "action" : "text",
    editedAt: row.edited_at === null || row.edited_at === undefined ? null : Number(row.edited_at),
    deleted: Number(row.deleted ?? 0) === 1,
  };
}

function toUser(row: Row | undefined): UserRecord | null {
  if (!row) return null;
  return {
    id: Number(row.id),
    name: row.name as string,
    nameKey: row.name_key as string,
    passwordHash: row.password_hash as string,
    createdAt: Number(row.created_at),
  };
}

function toRoom(row: Row): RoomRecord {
  return {
    id: Number(row.id),
    name: row.name as string,
    nameKey: row.name_key as string,
    topic: (row.topic as string | null) ?? null,
    createdAt: Number(row.created_at),
    createdBy: row.created_by === null || row.created_by === undefined
      ? null
      : Number(row.created_by),
    lastActive: Math.max(Number(row.last_active ?? 0), Number(row.created_at)),
    slowmode: Number(row.slowmode ?? 0),
  };
}

function toToken(row: Row): TokenRecord {
  return {
    id: row.id as string,
    userId: Number(row.user_id),
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { errcode?: number }).errcode === 2067 ||
    (error as { errcode?: number }).errcode === 1555;
}

/** The condition of a search scope and its parameters. */
function sqliteScope(scope: SearchScope): [string, SQLInputValue[]] {
  if ("roomId" in scope) return ["m.room_id = ?", [scope.roomId]];
  if ("dmOf" in scope) {
    return [
      `m.recipient_id IS NOT NULL AND min(m.sender_id, m.recipient_id) = ?
       AND max(m.sender_id, m.recipient_id) = ?`,
      [Math.min(scope.dmOf, scope.dmWith), Math.max(scope.dmOf, scope.dmWith)],
    ];
  }
  const self = scope.everywhereFor;
  return ["(m.room_id IS NOT NULL OR m.sender_id = ? OR m.recipient_id = ?)", [self, self]];
}

/**
 * Costs for the search planner (search_plan.ts), measured at 1,000,000 messages: a scanned
 * row (read, then checked in JavaScript) ~2 µs; a document FTS5 collects for a prefix query
 * ~0.25 µs; a row of the index read, joined to its message ~1 µs.
 */
const SEARCH_COSTS: SearchCosts = { scanRow: 2, indexDocument: 0.25, indexRow: 1 };
/** Sequence numbers from the search index looked up in the messages at a time. */
const LOOKUP_CHUNK = 256;
/** Bytes of the database file read through a memory map (the rest with read()). */
const MMAP_BYTES = 1 << 30;

/**
 * Tests: resolves once the search index of `store` (a SQLite store in a file, on this thread
 * or in the store's worker, `sqlite_worker_store.ts`, which forwards the call) may be used by
 * searches and its worker has reported indexing every message and change committed before
 * this call (benchmarks: the index's work done before a measure ends). Other stores: at once.
 */
export function settleSearchIndex(store: Store): Promise<void> {
  if (store instanceof SqliteStore) return store.settleSearch();
  if (!store.description.startsWith("sqlite")) return Promise.resolve();
  const settle = (store as { settleSearch?: () => Promise<void> }).settleSearch;
  return typeof settle === "function" ? settle.call(store) : Promise.resolve();
}

class SqliteStore implements Store {
  readonly description: string;
  readonly overlappingCommits = false;
  #db: DatabaseSync;
  #statements = new Map<string, StatementSync>();

  #path: string;
  /**
   * Whether messages are indexed for search: search_changes exists (always, after
   * migration 010; the search benchmark drops it to measure the write rate without the
   * index, bench/search.ts).
   */
  #searchIndexed: boolean;
  /** The search index (sqlite_search.ts), once open. */
  #search: SearchIndex | null = null;
  /** The index being opened in the background (settles, never rejects), or null. */
  #searchOpening: Promise<void> | null = null;
  /** The highest sequence number stored: one stored below it is queued for the index. */
  #highestSeq = 0;
  /** search_changes rows up to this id are reflected in the index / deleted already. */
  #changesIndexed = 0;
  #changesDeleted = 0;

  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
    this.description = `sqlite:${path}`;
    this.#searchIndexed = db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_changes'",
    ).get() !== undefined;
    // Reads through a memory map: a search scans rows (and joins index matches) spread over
    // the whole file, one page each, which would otherwise be a read() per page.
    db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    this.#highestSeq = Number(
      (db.prepare("SELECT max(seq) AS seq FROM messages").get() as Row).seq ?? 0,
    );
  }

  /**
   * Starts opening the search index (once, from openSqliteStore) and returns without waiting
   * for it: its worker takes about a second to start when this store runs in a worker itself
   * (Deno starts a worker's worker late: measured 500 ms before its code runs and 500 ms
   * more before its first message), and the server would listen that much later. A search
   * waits for the opening (in the first second after a start); everything else goes on
   * meanwhile, and what is committed meanwhile is indexed by the index's first pass. An
   * index that cannot be opened leaves searches scanning the messages (the same results,
   * slower).
   */
  openSearch(): void {
    if (!this.#searchIndexed) return;
    // Names this database in its index file: a file made for another one is rebuilt.
    this.#sql("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
      .run(SEARCH_ID_SETTING, crypto.randomUUID());
    const source = (this.#sql("SELECT value FROM settings WHERE key = ?")
      .get(SEARCH_ID_SETTING) as Row).value as string;
    this.#searchOpening = openSearchIndex(this.#db, this.#path, source).then(
      (search) => {
        // A close() under way waits for this, then closes the index with the store.
        this.#search = search;
        // Commits made while it opened were not told to it: its next pass takes them in.
        search.committed(0);
      },
      (error) => {
        // Not a damaged file (that one is rebuilt) but one that cannot be opened now (busy,
        // permissions): searches scan the messages (exact, slower) until the next open.
        console.warn(
          `Cannot open the search index of SQLite database ${this.#path}: ${
            (error as Error).message
          }; searches scan the messages until the server restarts`,
        );
      },
    );
  }

  /** See settleSearchIndex. */
  async settleSearch(): Promise<void> {
    await this.#searchOpening;
    const search = this.#search;
    if (search === null || !this.#searchIndexed) return;
    const last = Number(
      (this.#sql("SELECT max(id) AS id FROM search_changes").get() as Row).id ?? 0,
    );
    const newest = Number(
      (this.#sql("SELECT max(seq) AS seq FROM messages").get() as Row).seq ?? 0,
    );
    while (!search.ready || search.changes < last || search.upto < newest) {
      await search.progressed();
    }
  }

  /** A cached prepared statement. */
  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `work` and maps failures of the database itself to StoreUnavailableError. */
  #run<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(
        new StoreUnavailableError(`SQLite: ${(error as Error).message}`, { cause: error }),
      );
    }
  }

  async close(): Promise<void> {
    await this.#searchOpening;
    const search = this.#search;
    this.#search = null;
    try {
      // Stops the search index after its pass in progress (what it misses is indexed
      // after the next open).
      await search?.close();
    } catch {
      // The next open indexes it.
    }
    if (this.#db.isOpen) this.#db.close();
  }

  createUser(
    user: { name: string; nameKey: string; passwordHash: string; createdAt: number },
  ): Promise<UserRecord | null> {
    try {
      const result = this.#sql(
        `INSERT INTO users (name, name_key, skeleton_key, password_hash, created_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).run(user.name, user.nameKey, skeletonKey(user.name), user.passwordHash, user.createdAt);
      return Promise.resolve({ id: Number(result.lastInsertRowid), ...user });
    } catch (error) {
      if (isUniqueViolation(error)) return Promise.resolve(null);
      return this.#run(() => {
        throw error;
      });
    }
  }

  findUserByKey(nameKey: string): Promise<UserRecord | null> {
    return this.#run(() =>
      toUser(this.#sql("SELECT * FROM users WHERE name_key = ?").get(nameKey) as Row | undefined)
    );
  }

  findUserById(id: number): Promise<UserRecord | null> {
    return this.#run(() =>
      toUser(this.#sql("SELECT * FROM users WHERE id = ?").get(id) as Row | undefined)
    );
  }

  listRooms(): Promise<RoomRecord[]> {
    return this.#run(() =>
      (this.#sql("SELECT * FROM rooms ORDER BY id").all() as Row[]).map(toRoom)
    );
  }

  createRoom(room: NewRoom): Promise<RoomRecord | null> {
    try {
      const createdBy = room.createdBy ?? null;
      const result = this.#sql(
        `INSERT INTO rooms (name, name_key, skeleton_key, topic, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(room.name, room.nameKey, skeletonKey(room.name), room.topic, room.createdAt, createdBy);
      return Promise.resolve({
        id: Number(result.lastInsertRowid),
        ...room,
        createdBy,
        lastActive: room.createdAt,
        slowmode: 0,
      });
    } catch (error) {
      if (isUniqueViolation(error)) return Promise.resolve(null);
      return this.#run(() => {
        throw error;
      });
    }
  }

  setRoomTopic(roomId: number, topic: string | null): Promise<boolean> {
    return this.#run(() =>
      Number(this.#sql("UPDATE rooms SET topic = ? WHERE id = ?").run(topic, roomId).changes) > 0
    );
  }

  deleteRoom(roomId: number): Promise<boolean> {
    return this.#run(() => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        this.#deleteIndexedChanges();
        this.#sql("DELETE FROM messages WHERE room_id = ?").run(roomId);
        const changes = Number(this.#sql("DELETE FROM rooms WHERE id = ?").run(roomId).changes);
        this.#db.exec("COMMIT");
        this.#search?.committed(0);
        return changes > 0;
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  lastMessageSeq(): Promise<number> {
    return this.#run(() => {
      const row = this.#sql("SELECT max(seq) AS seq FROM messages").get() as Row;
      return row.seq === null ? 0 : Number(row.seq);
    });
  }

  insertMessages(batch: readonly NewMessage[]): Promise<InsertOutcome[]> {
    return this.#run(() => {
      const outcomes: InsertOutcome[] = [];
      let stored = 0;
      this.#inTransaction(() => {
        for (const m of batch) {
          const outcome = this.#insertMessage(m);
          if (outcome.status === "stored") stored++;
          outcomes.push(outcome);
        }
      });
      this.#search?.committed(stored);
      return outcomes;
    });
  }

  writeMessages(ops: readonly MessageOp[]): Promise<OpOutcome[]> {
    return this.#run(() => {
      const outcomes: OpOutcome[] = [];
      let stored = 0;
      this.#inTransaction(() => {
        this.#deleteIndexedChanges();
        for (const op of ops) {
          const outcome = op.op === "insert" ? this.#insertMessage(op.message) : this.#change(op);
          if (op.op === "insert" && outcome.status === "stored") stored++;
          outcomes.push(outcome);
        }
      });
      this.#search?.committed(stored);
      return outcomes;
    });
  }

  /** Inserts one message inside the caller's transaction (a stored cid: nothing written). */
  #insertMessage(m: NewMessage): InsertOutcome {
    const result = this.#sql(
      `INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts, cid, kind)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender_id, cid) WHERE cid IS NOT NULL
       DO NOTHING`,
    ).run(m.seq, m.roomId, m.senderId, m.recipientId, m.text, m.ts, m.cid, m.kind ?? "text");
    if (Number(result.changes) === 1) {
      // Indexed after the commit, with the messages above the index's last one; one below
      // the highest stored may be below that too, so it is queued like a change.
      if (this.#searchIndexed && m.seq < this.#highestSeq) {
        this.#sql("INSERT INTO search_changes (seq) VALUES (?)").run(m.seq);
      }
      this.#highestSeq = Math.max(this.#highestSeq, m.seq);
      return { status: "stored" };
    }
    const row = this.#sql("SELECT seq, ts FROM messages WHERE sender_id = ? AND cid = ?")
      .get(m.senderId, m.cid) as Row;
    return { status: "duplicate", seq: Number(row.seq), ts: Number(row.ts) };
  }

  /** Edits or deletes one message inside the caller's transaction. */
  #change(change: MessageChange): OpOutcome {
    const result = change.op === "edit"
      ? this.#sql("UPDATE messages SET text = ?, edited_at = ? WHERE seq = ? AND deleted = 0")
        .run(change.text, change.at, change.seq)
      : this.#sql("UPDATE messages SET text = '', deleted = 1 WHERE seq = ? AND deleted = 0")
        .run(change.seq);
    if (Number(result.changes) === 0) return { status: "missing" };
    if (change.op === "delete" && change.audit) this.#insertAudit(change.audit);
    return { status: "stored" };
  }

  roomHistory(roomId: number, query: HistoryQuery): Promise<HistoryPage> {
    return this.#page("m.room_id = ?", [roomId], query);
  }

  dmHistory(userA: number, userB: number, query: HistoryQuery): Promise<HistoryPage> {
    const lo = Math.min(userA, userB);
    const hi = Math.max(userA, userB);
    return this.#page(
      `m.recipient_id IS NOT NULL AND min(m.sender_id, m.recipient_id) = ?
       AND max(m.sender_id, m.recipient_id) = ?`,
      [lo, hi],
      query,
    );
  }

  #page(where: string, params: SQLInputValue[], query: HistoryQuery): Promise<HistoryPage> {
    return this.#run(() => {
      const limit = query.limit + 1;
      let rows: Row[];
      if (query.after !== undefined) {
        rows = this.#sql(
          `SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
           WHERE ${where} AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
        ).all(...params, query.after, limit) as Row[];
        const more = rows.length > query.limit;
        return { messages: rows.slice(0, query.limit).map(toMessage), more };
      }
      rows = this.#sql(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
         WHERE ${where} AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
      ).all(...params, query.before ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
      const more = rows.length > query.limit;
      return { messages: rows.slice(0, query.limit).reverse().map(toMessage), more };
    });
  }

  recentMessages(query: RecentQuery): Promise<StoredMessage[]> {
    const conditions: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.roomId !== undefined) {
      conditions.push("m.room_id = ?");
      params.push(query.roomId);
    }
    if (query.userId !== undefined) {
      conditions.push("m.sender_id = ?");
      params.push(query.userId);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    return this.#run(() =>
      (this.#sql(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS} ${where}
         ORDER BY m.seq DESC LIMIT ?`,
      ).all(...params, query.limit) as Row[]).map(toMessage)
    );
  }

  countMessages(): Promise<number> {
    return this.#run(() =>
      Number((this.#sql("SELECT count(*) AS n FROM messages").get() as Row).n)
    );
  }

  async searchMessages(query: SearchQuery): Promise<SearchPage> {
    // The first searches after a start wait for the index to open (about a second at most).
    await this.#searchOpening;
    // A search reads in steps (200 to 3,200 rows scanned, 256 index matches looked up), and lets
    // this thread's other work (the next group commit) run between two: one search never
    // holds every other user's messages back for its whole length.
    const turns = new LoopTurns();
    try {
      const page = await planSearch(
        this.#searchSource(query, turns),
        query.words,
        query.before,
        query.limit,
      );
      // Other work ran between the steps: what was deleted or edited meanwhile is re-checked.
      const messages = stillMatching(this.#messagesBySeq(page.seqs), query.words);
      return { messages, more: page.more };
    } catch (error) {
      throw new StoreUnavailableError(`SQLite: ${(error as Error).message}`, { cause: error });
    } finally {
      turns.close();
    }
  }

  /** The scope of a search as the planner reads it (search_plan.ts). */
  #searchSource(query: SearchQuery, turns: LoopTurns): SearchSource {
    const [scope, params] = sqliteScope(query.scope);
    const from = query.fromId === undefined ? "" : "AND m.sender_id = ?";
    if (query.fromId !== undefined) params.push(query.fromId);
    const scan = this.#sql(
      `SELECT m.seq, m.text FROM messages m WHERE ${scope} ${from} AND m.deleted = 0
       AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    );
    // The FTS5 query of each word: that of the phrase (the word as typed) it comes from.
    const phrases = query.words.map((word) =>
      query.phrases.find((phrase) => searchWords(phrase).includes(word))
    );
    const total = Number((this.#sql("SELECT max(seq) AS seq FROM messages").get() as Row).seq ?? 0);
    return {
      total,
      costs: SEARCH_COSTS,
      asks: "rarest",
      scan: async (before, count) => {
        await turns.next();
        return scan.all(...params, before, count) as unknown as TextRow[];
      },
      // Not while the index is being built or after its worker failed: the planner scans.
      indexable: (word) => this.#search?.ready === true && phrases[word] !== undefined,
      index: (word, before): IndexCursor => {
        // The index file holds sequence numbers only (another database: no join): they are
        // read newest first, and their rows in scope looked up here, a chunk at a time.
        const lookup = this.#sql(
          `SELECT m.seq, m.text FROM messages m
           WHERE m.seq IN (SELECT value FROM json_each(?)) AND m.deleted = 0
           AND ${scope} ${from} ORDER BY m.seq DESC`,
        );
        let seqs: IterableIterator<Row> | null = null;
        let done = false;
        const buffered: TextRow[] = [];
        const open = async () => {
          // The index holds every message committed before this search: it waits for it.
          const search = this.#search;
          if (search === null) throw new StoreUnavailableError("SQLite store is closed");
          this.#changesIndexed = await search.catchUp();
          // A statement of its own: an open read must not be reset by another search.
          const matches = search.reader.prepare(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? AND rowid < ? ORDER BY rowid DESC",
          );
          const match = fts5Query([phrases[word]!]).match;
          // An in-memory store's index is on the store's own connection, which commits
          // between this search's steps: a query left open across them is undefined in
          // SQLite, so its rows are read at once.
          if (search.reader === this.#db) {
            return (matches.all(match, before) as Row[])[Symbol.iterator]();
          }
          return matches.iterate(match, before) as IterableIterator<Row>;
        };
        return {
          next: async (count) => {
            seqs ??= await open();
            while (!done && buffered.length < count) {
              const chunk: number[] = [];
              while (chunk.length < LOOKUP_CHUNK) {
                const row = seqs.next();
                if (row.done) {
                  done = true;
                  break;
                }
                chunk.push(Number(row.value.rowid));
              }
              if (chunk.length > 0) {
                await turns.next();
                buffered.push(
                  ...lookup.all(JSON.stringify(chunk), ...params) as unknown as TextRow[],
                );
              }
            }
            return buffered.splice(0, count);
          },
          close: () => {
            done = true;
            void seqs?.return?.();
          },
        };
      },
    };
  }

  /** The messages of `seqs`, newest first. */
  #messagesBySeq(seqs: readonly number[]): StoredMessage[] {
    if (seqs.length === 0) return [];
    return (this.#sql(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS}
       WHERE m.seq IN (SELECT value FROM json_each(?)) ORDER BY m.seq DESC`,
    ).all(JSON.stringify(seqs)) as Row[]).map(toMessage);
  }

  /**
   * Deletes, inside the caller's transaction, the rows of search_changes that the index
   * reflects already (as of the last catch-up or background pass the worker reported).
   */
  #deleteIndexedChanges(): void {
    // What the worker's background passes reported too: pruned when nobody searches.
    this.#changesIndexed = Math.max(this.#changesIndexed, this.#search?.changes ?? 0);
    if (!this.#searchIndexed || this.#changesIndexed <= this.#changesDeleted) return;
    this.#sql("DELETE FROM search_changes WHERE id <= ?").run(this.#changesIndexed);
    // An index file that reflects fewer changes (an older copy) is then rebuilt.
    this.#sql(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(SEARCH_CHANGES_DELETED_SETTING, String(this.#changesIndexed));
    this.#changesDeleted = this.#changesIndexed;
  }

  putSanction(s: Omit<Sanction, "user">, audit?: AuditEntry): Promise<void> {
    return this.#run(() =>
      this.#inTransaction(() => {
        this.#sql(
          `INSERT INTO sanctions (user_id, kind, until, reason, by_whom, at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_id, kind) DO UPDATE SET until = excluded.until,
             reason = excluded.reason, by_whom = excluded.by_whom, at = excluded.at`,
        ).run(s.userId, s.kind, s.until, s.reason, s.by, s.at);
        if (audit) this.#insertAudit(audit);
      })
    );
  }

  touchRooms(activity: ReadonlyMap<number, number>): Promise<void> {
    if (activity.size === 0) return Promise.resolve();
    return this.#run(() =>
      this.#inTransaction(() => {
        const update = this.#sql(
          "UPDATE rooms SET last_active = ? WHERE id = ? AND last_active < ?",
        );
        for (const [roomId, at] of activity) update.run(at, roomId, at);
      })
    );
  }

  /** Runs `work` in one transaction: committed, or rolled back and rethrown. */
  #inTransaction(work: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      work();
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  deleteSanction(userId: number, kind: SanctionKind): Promise<boolean> {
    return this.#run(() =>
      Number(
        this.#sql("DELETE FROM sanctions WHERE user_id = ? AND kind = ?").run(userId, kind)
          .changes,
      ) > 0
    );
  }

  listSanctions(): Promise<Sanction[]> {
    return this.#run(() =>
      (this.#sql(
        `SELECT x.*, u.name FROM sanctions x JOIN users u ON u.id = x.user_id
         ORDER BY x.at, x.user_id`,
      ).all() as Row[]).map((row) => ({
        kind: row.kind as SanctionKind,
        userId: Number(row.user_id),
        user: row.name as string,
        until: row.until === null ? null : Number(row.until),
        reason: row.reason as string,
        by: row.by_whom as string,
        at: Number(row.at),
      }))
    );
  }

  appendAudit(e: AuditEntry): Promise<void> {
    return this.#run(() => this.#insertAudit(e));
  }

  #insertAudit(e: AuditEntry): void {
    this.#sql(
      "INSERT INTO audit (at, by_whom, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
    ).run(e.at, e.by, e.address, e.action, e.target, e.detail);
  }

  listAudit(limit: number): Promise<AuditEntry[]> {
    return this.#run(() =>
      (this.#sql("SELECT * FROM audit ORDER BY id DESC LIMIT ?").all(limit) as Row[]).map((
        row,
      ) => ({
        at: Number(row.at),
        by: row.by_whom as string,
        address: row.address as string,
        action: row.action as string,
        target: (row.target as string | null) ?? null,
        detail: (row.detail as string | null) ?? null,
      }))
    );
  }

  setPasswordHash(userId: number, passwordHash: string): Promise<boolean> {
    return this.#run(() =>
      Number(
        this.#sql("UPDATE users SET password_hash = ? WHERE id = ?").run(passwordHash, userId)
          .changes,
      ) > 0
    );
  }

  fillSkeletonKeys(): Promise<NameClash[]> {
    return this.#run(() => {
      const clashes: NameClash[] = [];
      const stored = this.#sql("SELECT value FROM settings WHERE key = ?")
        .get(SKELETON_VERSION_SETTING) as Row | undefined;
      const recompute = stored?.value !== SKELETON_VERSION;
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        for (const [kind, table] of [["user", "users"], ["room", "rooms"]] as const) {
          if (recompute) this.#db.exec(`UPDATE ${table} SET skeleton_key = NULL`);
          const rows = this.#sql(
            `SELECT id, name FROM ${table} WHERE skeleton_key IS NULL ORDER BY id`,
          ).all() as Row[];
          const update = this.#sql(`UPDATE ${table} SET skeleton_key = ? WHERE id = ?`);
          for (const row of rows) {
            try {
              update.run(skeletonKey(row.name as string), Number(row.id));
            } catch (error) {
              if (!isUniqueViolation(error)) throw error;
              clashes.push({ kind, id: Number(row.id), name: row.name as string });
            }
          }
        }
        if (recompute) {
          this.#sql(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          ).run(SKELETON_VERSION_SETTING, SKELETON_VERSION);
        }
        this.#db.exec("COMMIT");
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
      return clashes;
    });
  }

  addToken(token: TokenRecord, maxLive: number): Promise<void> {
    return this.#run(() => {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        this.#sql(
          `INSERT INTO resume_tokens (id, user_id, issued_at, expires_at, revoked_at)
           VALUES (?, ?, ?, ?, ?)`,
        ).run(token.id, token.userId, token.issuedAt, token.expiresAt, token.revokedAt);
        this.#sql(
          `DELETE FROM resume_tokens WHERE user_id = ?
           AND (expires_at <= ? OR revoked_at IS NOT NULL)`,
        ).run(token.userId, token.issuedAt);
        this.#sql(
          `UPDATE resume_tokens SET revoked_at = ? WHERE id IN (
             SELECT id FROM resume_tokens WHERE user_id = ? AND revoked_at IS NULL
             ORDER BY issued_at DESC, id DESC LIMIT -1 OFFSET ?)`,
        ).run(token.issuedAt, token.userId, maxLive);
        this.#db.exec("COMMIT");
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  findToken(id: string): Promise<TokenRecord | null> {
    return this.#run(() => {
      const row = this.#sql("SELECT * FROM resume_tokens WHERE id = ?").get(id) as
        | Row
        | undefined;
      return row ? toToken(row) : null;
    });
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    return this.#run(() =>
      Number(
        this.#sql(
          "UPDATE resume_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        ).run(at, id).changes,
      ) > 0
    );
  }

  revokeTokensOf(userId: number, at: number, exceptId?: string): Promise<number> {
    return this.#run(() =>
      Number(
        this.#sql(
          `UPDATE resume_tokens SET revoked_at = ?
           WHERE user_id = ? AND revoked_at IS NULL AND id <> ?`,
        ).run(at, userId, exceptId ?? "").changes,
      )
    );
  }

  listStaff(): Promise<StaffRecord[]> {
    return this.#run(() => markers.listStaff((text) => this.#sql(text)));
  }

  setStaffRole(role: Omit<StaffRecord, "user">): Promise<boolean> {
    return this.#run(() => markers.setStaffRole((text) => this.#sql(text), role));
  }

  removeStaffRole(userId: number): Promise<boolean> {
    return this.#run(() => markers.removeStaffRole((text) => this.#sql(text), userId));
  }

  markRead(userId: number, marker: ReadMarker): Promise<number> {
    return this.#run(() => markers.markRead((text) => this.#sql(text), userId, marker));
  }

  unreadCounts(userId: number): Promise<UnreadCount[]> {
    return this.#run(() => markers.unreadCounts((text) => this.#sql(text), userId));
  }

  findMessage(seq: number): Promise<StoredMessage | null> {
    return this.#run(() => {
      const row = this.#sql(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS} WHERE m.seq = ?`,
      ).get(seq) as Row | undefined;
      return row ? toMessage(row) : null;
    });
  }

  addReport(
    report: { seq: number; reporterId: number; reason: string; at: number },
  ): Promise<{ report: ReportRecord; created: boolean }> {
    return this.#run(() => markers.addReport(this.#db, (text) => this.#sql(text), report));
  }

  listReports(status: ReportStatus, limit: number): Promise<ReportRecord[]> {
    return this.#run(() => moderation2.listReports((t) => this.#sql(t), status, limit));
  }

  findReport(id: number): Promise<ReportRecord | null> {
    return this.#run(() => moderation2.findReport((t) => this.#sql(t), id));
  }

  resolveReport(id: number, by: string, at: number): Promise<boolean> {
    return this.#run(() => moderation2.resolveReport((t) => this.#sql(t), id, by, at));
  }

  setRoomSlowMode(roomId: number, seconds: number): Promise<boolean> {
    return this.#run(() => moderation2.setRoomSlowMode((t) => this.#sql(t), roomId, seconds));
  }

  addAddressBan(ban: Omit<AddressBanRecord, "id">): Promise<AddressBanRecord> {
    return this.#run(() => moderation2.addAddressBan((t) => this.#sql(t), ban));
  }

  listAddressBans(): Promise<AddressBanRecord[]> {
    return this.#run(() => moderation2.listAddressBans((t) => this.#sql(t)));
  }

  deleteAddressBan(id: number): Promise<boolean> {
    return this.#run(() => moderation2.deleteAddressBan((t) => this.#sql(t), id));
  }

  listAccounts(query: AccountQuery): Promise<AccountPage> {
    return this.#run(() => accounts.listAccounts((t) => this.#sql(t), query));
  }

  touchLastSeen(userId: number, at: number): Promise<void> {
    return this.#run(() => accounts.touchLastSeen((t) => this.#sql(t), userId, at));
  }

  touchLastSeenMany(entries: readonly { userId: number; at: number }[]): Promise<void> {
    return this.#run(() => {
      if (entries.length === 0) return;
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        for (const { userId, at } of entries) {
          accounts.touchLastSeen((t) => this.#sql(t), userId, at);
        }
        this.#db.exec("COMMIT");
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  listAuditFor(target: string, limit: number): Promise<AuditEntry[]> {
    return this.#run(() => accounts.listAuditFor((t) => this.#sql(t), target, limit));
  }

  getSetting(key: string): Promise<string | null> {
    return this.#run(() => {
      const row = this.#sql("SELECT value FROM settings WHERE key = ?").get(key) as
        | Row
        | undefined;
      return row ? (row.value as string) : null;
    });
  }

  setSetting(key: string, value: string): Promise<void> {
    return this.#run(() => {
      this.#sql(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(key, value);
    });
  }

  initSetting(key: string, value: string): Promise<string> {
    return this.#run(() => {
      this.#sql("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
        .run(key, value);
      const row = this.#sql("SELECT value FROM settings WHERE key = ?").get(key) as Row;
      return row.value as string;
    });
  }
}
