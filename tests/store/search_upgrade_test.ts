/**
 * The last search migration of each store (sql/sqlite/010_search_file.sql,
 * sql/mysql/009_search_room_scan.sql) upgrades a database of the previous version in place:
 * every message stored before stays searchable (through the index too: the fillers make the
 * word rare), old messages can be edited and deleted with the search following, new ones
 * are found. Each database is built from the migration files below that one and filled with
 * plain SQL, as that version left it (SQLite: also from version 8, before 009).
 * Also on SQLite: messages a store had not indexed yet when it stopped (a crash) are found.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import mysql from "mysql2/promise";
import { splitStatements } from "../../lib/store/mysql_migrate.ts";
import { openMysqlStore } from "../../lib/store/mysql_store.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";
import { parseSearchQuery } from "../../lib/store/search_query.ts";
import type { SearchScope, Store } from "../../lib/store/store.ts";
import { createTestDatabase } from "../support/mysql_db.ts";

/** Messages stored before the upgrade: "zebra" in the oldest, fillers after it. */
const OLD_MESSAGES = 1_500;

/** The migration files of a store numbered below `below`, in order, and the last number. */
async function previousMigrations(store: "sqlite" | "mysql", below: number) {
  const dir = new URL(`../../sql/${store}/`, import.meta.url);
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const number = Number(entry.name.slice(0, 3));
    if (entry.isFile && entry.name.endsWith(".sql") && number < below) files.push(entry.name);
  }
  files.sort();
  const texts = await Promise.all(files.map((f) => Deno.readTextFile(new URL(f, dir))));
  return { texts, version: Number(files[files.length - 1]!.slice(0, 3)) };
}

async function seqsFound(store: Store, query: string, scope: SearchScope): Promise<number[]> {
  const parsed = parseSearchQuery(query);
  assert.ok(parsed.ok);
  const page = await store.searchMessages({
    words: parsed.words,
    phrases: parsed.phrases,
    scope,
    limit: 20,
  });
  return page.messages.map((m) => m.seq);
}

/** What every upgraded store must show: old messages found, changed and new ones too. */
async function checkUpgraded(store: Store, roomId: number, userId: number): Promise<void> {
  const room = { roomId };
  assert.deepEqual(await seqsFound(store, "zebra", room), [1]);
  assert.deepEqual(await seqsFound(store, "zebra", { everywhereFor: userId }), [1]);
  assert.deepEqual(await seqsFound(store, "doomed", room), [2]);
  assert.deepEqual(
    await seqsFound(store, "filler", room),
    [1_500, 1_499, 1_498].concat(
      Array.from({ length: 17 }, (_, i) => 1_497 - i),
    ),
  );
  await store.writeMessages([
    { op: "edit", seq: 1, text: "okapi instead", at: 1 },
    { op: "delete", seq: 2, audit: null },
  ]);
  await store.insertMessages([{
    seq: OLD_MESSAGES + 1,
    roomId,
    senderId: userId,
    recipientId: null,
    text: "zebra after the upgrade",
    ts: 2,
    cid: null,
  }]);
  assert.deepEqual(await seqsFound(store, "zebra", room), [OLD_MESSAGES + 1]);
  assert.deepEqual(await seqsFound(store, "okapi", room), [1]);
  assert.deepEqual(await seqsFound(store, "doomed", room), []);
}

/** The text of old message `seq`. */
function oldText(seq: number): string {
  return seq === 1 ? "zebra crossing" : seq === 2 ? "doomed message" : `filler ${seq}`;
}

/** Builds a SQLite database of schema version `version` holding OLD_MESSAGES messages. */
async function oldSqliteDatabase(path: string, version: 8 | 9): Promise<void> {
  const { texts, version: built } = await previousMigrations("sqlite", version + 1);
  assert.equal(built, version);
  const db = new DatabaseSync(path);
  for (const sql of texts) db.exec(sql);
  db.exec(`PRAGMA user_version = ${version}`);
  db.exec(
    "INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('al', 'al', 'h', 0)",
  );
  db.exec(
    "INSERT INTO rooms (name, name_key, topic, created_at) VALUES ('lobby', 'lobby', NULL, 0)",
  );
  const insert = db.prepare(
    "INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts) VALUES (?, 1, 1, NULL, ?, ?)",
  );
  for (let seq = 1; seq <= OLD_MESSAGES; seq++) insert.run(seq, oldText(seq), seq);
  // Version 8 indexed each message in the message's transaction; version 9 after it, in
  // the same database, up to search_index_state.upto.
  db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')");
  if (version === 9) db.exec(`UPDATE search_index_state SET upto = ${OLD_MESSAGES}`);
  db.close();
}

for (const version of [9, 8] as const) {
  Deno.test(`sqlite: a database of version ${version} upgrades with its messages searchable`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "fastchat-upgrade-" });
    const path = `${dir}/old.db`;
    try {
      await oldSqliteDatabase(path, version);
      const store = await openSqliteStore(path);
      try {
        await checkUpgraded(store, 1, 1);
      } finally {
        await store.close();
      }
      const check = new DatabaseSync(path);
      assert.equal(
        (check.prepare("PRAGMA user_version").get() as { user_version: number })
          .user_version,
        10,
      );
      // The index moved to its own file.
      assert.equal(
        check.prepare("SELECT name FROM sqlite_master WHERE name = 'messages_fts'").get(),
        undefined,
      );
      check.close();
      assert.ok((await Deno.stat(`${path}-search.db`)).isFile);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("sqlite: messages stored but not yet indexed when a store stopped are found", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-unindexed-" });
  const path = `${dir}/db.db`;
  try {
    const first = await openSqliteStore(path);
    await first.createUser({ name: "al", nameKey: "al", passwordHash: "h", createdAt: 0 });
    await first.createRoom({ name: "lobby", nameKey: "lobby", topic: null, createdAt: 0 });
    await first.close();
    // Rows written as a store does before its index transaction, which a crash then lost.
    const db = new DatabaseSync(path);
    const insert = db.prepare(
      "INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts) VALUES (?, 1, 1, NULL, ?, ?)",
    );
    for (let seq = 1; seq <= OLD_MESSAGES; seq++) insert.run(seq, oldText(seq), seq);
    db.close();
    const store = await openSqliteStore(path);
    try {
      await checkUpgraded(store, 1, 1);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "mysql: a database of the previous version upgrades with its messages searchable",
  ignore: Deno.env.get("FASTCHAT_TEST_NO_MYSQL") !== undefined,
  async fn() {
    const database = await createTestDatabase();
    try {
      const { texts, version } = await previousMigrations("mysql", 9);
      const connection = await mysql.createConnection(database.url);
      try {
        await connection.query(
          `CREATE TABLE schema_version (version INT NOT NULL, applied_at BIGINT NOT NULL,
           PRIMARY KEY (version)) ENGINE = InnoDB`,
        );
        for (const [i, sql] of texts.entries()) {
          for (const statement of splitStatements(sql)) await connection.query(statement);
          await connection.query("INSERT INTO schema_version VALUES (?, 0)", [i + 1]);
        }
        assert.equal(texts.length, version);
        await connection.query(
          "INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('al', 'al', 'h', 0)",
        );
        await connection.query(
          "INSERT INTO rooms (name, name_key, topic, created_at) VALUES ('lobby', 'lobby', NULL, 0)",
        );
        const rows = Array.from(
          { length: OLD_MESSAGES },
          (_, i) => [i + 1, 1, 1, oldText(i + 1), i + 1],
        );
        await connection.query(
          "INSERT INTO messages (seq, room_id, sender_id, text, ts) VALUES ?",
          [rows],
        );
      } finally {
        await connection.end();
      }
      const store = await openMysqlStore(database.url);
      try {
        await checkUpgraded(store, 1, 1);
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  },
});
