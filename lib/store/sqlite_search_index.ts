/**
 * The SQLite search index: an FTS5 table in a database file of its own (`<db>-search.db`;
 * an in-memory store keeps it in its own database), filled from the messages
 * database after their commits by {@linkcode SearchIndexer}. It is derived data: a missing,
 * stale or foreign index file is rebuilt from the messages (sql/sqlite/010_search_file.sql
 * says why it lives apart, `sqlite_search_worker.ts` who runs it).
 *
 * What the index holds is described by one row, `search_state`: every message with a
 * sequence number up to `upto` is indexed with its text as of the change `changes` of the
 * messages database's queue `search_changes` (an edit, a deletion, a message stored out of
 * sequence order). A pass moves both forward in the same transaction as the index rows, so a
 * crash loses nothing that the next pass does not redo.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { expandLettersSql } from "./search_query.ts";

/**
 * The version of the index file's layout; a file of another version is rebuilt. 2: the text
 * indexed has `œ` and `ß` written as two letters (search_query.ts, `expandLetters`).
 */
export const SEARCH_FILE_VERSION = 2;

/** What is indexed of a message: its text, with the letters search writes as two expanded. */
const INDEXED_TEXT = expandLettersSql("text");

/** The settings key (messages database) naming the index file that belongs to it. */
export const SEARCH_ID_SETTING = "search_index_id";

/**
 * The settings key (messages database) of the highest change deleted from search_changes:
 * an index that reflects fewer changes cannot be brought up to date, and is rebuilt.
 */
export const SEARCH_CHANGES_DELETED_SETTING = "search_changes_deleted";

/**
 * Messages indexed in one transaction at most (a rebuild commits in steps of this size).
 * Measured with 200,000 messages: steps of 4,096–8,192 index ~160k messages/s, of 32,768
 * ~130k/s, one of 200,000 ~110k/s.
 */
export const PASS_ROWS = 8_192;

/**
 * Bytes of text indexed in one transaction at most (beyond the message that crosses it):
 * the rows of a pass cross connections as one JSON string, which long messages must not make
 * huge (8,192 of 16 KB would be 128 MB).
 */
export const PASS_BYTES = 4 << 20;

/** The index file of the messages database at `path`. */
export function searchFilePath(path: string): string {
  return `${path}-search.db`;
}

/** Whether `path` names an in-memory database (no file another connection could open). */
export function isMemoryPath(path: string): boolean {
  return path === "" || path === ":memory:" || path.startsWith("file::memory:") ||
    /[?&]mode=memory(&|$)/.test(path);
}

/**
 * The FTS5 index: contentless (the text lives in the messages database, rowid = seq),
 * `contentless_delete` so that an edit or a deletion removes a row by its rowid without
 * the text that was indexed, and `detail=none` (no columns, no positions: the server asks
 * single-token prefix queries only, lib/store/search_query.ts). unicode61 with
 * remove_diacritics 2 folds case and accents, so "cafe"* finds "Café".
 */
const SCHEMA = `CREATE TABLE IF NOT EXISTS search_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    source  TEXT NOT NULL,
    upto    INTEGER NOT NULL,
    changes INTEGER NOT NULL
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none
  );`;

type Row = Record<string, SQLInputValue>;

/** Where the index stands after a pass. */
export interface IndexProgress {
  /** Every message up to this sequence number is indexed. */
  upto: number;
  /** Every change of search_changes up to this id is reflected. */
  changes: number;
  /** Whether the pass reached the newest message and change it saw. */
  caughtUp: boolean;
  /** The newest message the pass saw. */
  newest: number;
}

/** A connection's prepared statements, by text. */
class Statements {
  #db: DatabaseSync;
  #cache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  get(text: string): StatementSync {
    let statement = this.#cache.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#cache.set(text, statement);
    }
    return statement;
  }

  clear(): void {
    this.#cache.clear();
  }
}

/**
 * Indexes committed messages of the connection `messages` into `messages_fts` of the
 * connection `index`: two connections (a file each: node:sqlite in Deno refuses ATTACH
 * without full permissions), or the same one (an in-memory store).
 */
export class SearchIndexer {
  #messages: DatabaseSync;
  #index: DatabaseSync;
  #m: Statements;
  #s: Statements;

  /**
   * Opens the index (creating it, or emptying it when it is of another version, belongs
   * to another messages database (`source`, the SEARCH_ID_SETTING of the messages database),
   * holds messages the messages database does not have, or misses changes that are no
   * longer queued: a copy of the file older than the database).
   */
  constructor(messages: DatabaseSync, index: DatabaseSync, source: string) {
    this.#messages = messages;
    this.#index = index;
    this.#m = new Statements(messages);
    this.#s = messages === index ? this.#m : new Statements(index);
    index.exec(SCHEMA);
    const state = index.prepare("SELECT * FROM search_state").get() as Row | undefined;
    if (
      state === undefined || Number(state.version) !== SEARCH_FILE_VERSION ||
      state.source !== source || Number(state.upto) > this.#newestSeq() ||
      Number(state.changes) < this.#changesDeleted()
    ) {
      this.#reset(source);
    }
  }

  #newestSeq(): number {
    return Number((this.#m.get("SELECT max(seq) AS seq FROM messages").get() as Row).seq ?? 0);
  }

  #changesDeleted(): number {
    const row = this.#m.get("SELECT value FROM settings WHERE key = ?")
      .get(SEARCH_CHANGES_DELETED_SETTING) as Row | undefined;
    return Number(row?.value ?? 0);
  }

  /** Empties the index: the passes that follow index every message again. */
  #reset(source: string): void {
    const db = this.#index;
    db.exec("BEGIN");
    try {
      db.exec("DROP TABLE IF EXISTS messages_fts");
      db.exec("DELETE FROM search_state");
      db.exec(SCHEMA);
      db.prepare(
        "INSERT INTO search_state (id, version, source, upto, changes) VALUES (1, ?, ?, 0, ?)",
      ).run(SEARCH_FILE_VERSION, source, this.#changesDeleted());
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
    this.#s.clear();
    this.#m.clear();
  }

  /** Where the index stands. */
  progress(): { upto: number; changes: number } {
    const row = this.#s.get("SELECT upto, changes FROM search_state").get() as Row;
    return { upto: Number(row.upto), changes: Number(row.changes) };
  }

  /**
   * One pass: the changes queued since the last pass (for messages indexed already:
   * removed, then indexed again with their current text if they still exist), then up to
   * `maxRows` sequence numbers of new messages, written in one transaction of the index.
   * What it reads of the messages database is one snapshot (a read transaction: it never
   * takes that database's write lock).
   */
  pass(maxRows = PASS_ROWS, maxBytes = PASS_BYTES): IndexProgress {
    const same = this.#messages === this.#index;
    const m = this.#m;
    const s = this.#s;
    this.#index.exec("BEGIN");
    try {
      if (!same) this.#messages.exec("BEGIN");
      const state = s.get("SELECT upto, changes FROM search_state").get() as Row;
      const upto = Number(state.upto);
      const done = Number(state.changes);
      const newest = this.#newestSeq();
      const changed = (m.get(
        "SELECT DISTINCT seq FROM search_changes WHERE id > ? AND seq <= ?",
      ).all(done, upto) as Row[]).map((row) => Number(row.seq));
      const lastChange = Number(
        (m.get("SELECT max(id) AS id FROM search_changes").get() as Row).id ?? done,
      );
      // Rows cross from one connection to the other as one JSON array each way (no object
      // per row in JavaScript: that was half the cost of a pass).
      const add = s.get(
        `INSERT INTO messages_fts (rowid, text)
         SELECT value ->> 0, value ->> 1 FROM json_each(?)`,
      );
      if (changed.length > 0) {
        const remove = s.get("DELETE FROM messages_fts WHERE rowid = ?");
        for (const seq of changed) remove.run(seq);
        add.run(
          (m.get(
            `SELECT json_group_array(json_array(seq, ${INDEXED_TEXT})) AS rows FROM messages
             WHERE seq IN (SELECT value FROM json_each(?)) AND deleted = 0`,
          ).get(JSON.stringify(changed)) as Row).rows!,
        );
      }
      let to = Math.max(upto, Math.min(newest, upto + maxRows));
      if (to > upto) {
        // Fewer messages when their text is long: up to the one whose text crosses maxBytes.
        const crossing = (m.get(
          `SELECT min(seq) AS seq FROM (
             SELECT seq, sum(length(CAST(text AS BLOB))) OVER (ORDER BY seq) AS total
             FROM messages WHERE seq > ? AND seq <= ? AND deleted = 0
           ) WHERE total >= ?`,
        ).get(upto, to, maxBytes) as Row).seq;
        if (crossing !== null && crossing !== undefined) to = Number(crossing);
      }
      if (to > upto) {
        add.run(
          (m.get(
            `SELECT json_group_array(json_array(seq, ${INDEXED_TEXT})) AS rows FROM messages
             WHERE seq > ? AND seq <= ? AND deleted = 0`,
          ).get(upto, to) as Row).rows!,
        );
      }
      if (!same) this.#messages.exec("COMMIT");
      const changes = Math.max(done, lastChange);
      s.get("UPDATE search_state SET upto = ?, changes = ?").run(to, changes);
      this.#index.exec("COMMIT");
      return { upto: to, changes, caughtUp: to >= newest, newest };
    } catch (error) {
      if (!same && this.#messages.isTransaction) this.#messages.exec("ROLLBACK");
      if (this.#index.isTransaction) this.#index.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Passes until the index holds everything committed when the first pass began (not what
   * is committed meanwhile: a writer faster than the index does not keep it from ending).
   */
  catchUp(maxRows = PASS_ROWS, maxBytes = PASS_BYTES): IndexProgress {
    let progress = this.pass(maxRows, maxBytes);
    const target = progress.newest;
    while (progress.upto < target) progress = this.pass(maxRows, maxBytes);
    return progress;
  }
}
