/**
 * The raw insert bound of the durable-throughput scenario: the same message rows FastChat
 * stores, written straight into a fresh database of the same schema, `batch` rows per
 * transaction, one transaction after another (mysql2 multi-row INSERT; node:sqlite with the
 * store's pragmas). No server, no protocol: what the database alone allows.
 */
import { DatabaseSync } from "node:sqlite";
import mysql from "mysql2/promise";
import { makePayload } from "./payload.ts";
import { freshDatabase, provision, type StoreKind } from "./provision.ts";

/** What the bound measured. */
export interface RawInsertResult {
  store: StoreKind;
  rows: number;
  batch: number;
  rowsPerSec: number;
}

type Row = [number, number, number, null, string, number, null];

function _rows(count: number, textSize: number): Row[] {
  const now = Date.now();
  return Array.from(
    { length: count },
    (_, i) => [i + 1, 1, 1, null, makePayload(1, i, now * 1000, textSize), now, null] as Row,
  );
}

/** Inserts `rows` rows in transactions of `batch`; returns rows per second. */
export async function measureRawInsert(
  store: StoreKind,
  options: { rows: number; batch: number; textSize: number; mysqlAdminUrl: string },
): Promise<RawInsertResult> {
  const database = await freshDatabase(store, options.mysqlAdminUrl);
  try {
    // One account and one room, so that the rows satisfy the same foreign keys.
    await provision(database.db, 1, 1);
    const rows = _rows(options.rows, options.textSize);
    const seconds = store === "sqlite"
      ? _sqlite(database.db.slice("sqlite:".length), rows, options.batch)
      : await _mysql(database.db, rows, options.batch);
    return {
      store,
      rows: rows.length,
      batch: options.batch,
      rowsPerSec: Math.round(rows.length / seconds),
    };
  } finally {
    await database.drop();
  }
}

function _sqlite(path: string, rows: Row[], batch: number): number {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    const insert = db.prepare(
      "INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts, cid) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    const started = performance.now();
    for (let at = 0; at < rows.length; at += batch) {
      db.exec("BEGIN");
      for (const row of rows.slice(at, at + batch)) insert.run(...row);
      db.exec("COMMIT");
    }
    return (performance.now() - started) / 1000;
  } finally {
    db.close();
  }
}

async function _mysql(url: string, rows: Row[], batch: number): Promise<number> {
  const connection = await mysql.createConnection({ uri: url });
  try {
    const started = performance.now();
    for (let at = 0; at < rows.length; at += batch) {
      // Autocommit: each multi-row INSERT is one transaction, like one group commit.
      await connection.query(
        "INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts, cid) VALUES ?",
        [rows.slice(at, at + batch)],
      );
    }
    return (performance.now() - started) / 1000;
  } finally {
    await connection.end();
  }
}
