/**
 * Opening the MySQL store: bad URLs and credentials give one-line StoreConfigErrors, a
 * newer schema is refused, an unreachable server is retried when asked.
 */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MYSQL_SCHEMA_VERSION } from "../../lib/store/mysql_migrate.ts";
import { openMysqlStore } from "../../lib/store/mysql_store.ts";
import { parseMysqlUrl } from "../../lib/store/mysql_url.ts";
import { StoreUnavailableError } from "../../lib/store/store.ts";
import { StoreConfigError } from "../../lib/store/store_config_error.ts";
import { createTestDatabase } from "../support/mysql_db.ts";

/** Asserts `promise` rejects with a one-line StoreConfigError matching `pattern`. */
async function rejectsConfig(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof StoreConfigError, `StoreConfigError, got ${error}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    return true;
  });
}

/** A port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("mysql url: parsed into host, port, user, password (decoded) and database", () => {
  const target = parseMysqlUrl("mysql://chat:p%40ss%3Aw@db.example:3307/fastchat");
  assert.deepEqual(target, {
    host: "db.example",
    port: 3307,
    user: "chat",
    password: "p@ss:w",
    database: "fastchat",
    display: "mysql://chat:***@db.example:3307/fastchat",
  });
  assert.equal(parseMysqlUrl("mysql://chat@[::1]/db").host, "::1");
  assert.equal(parseMysqlUrl("mysql://chat@host/db").port, 3306);
});

Deno.test("mysql url: bad URLs (scheme, no host, no user, no database, options) are refused", async () => {
  const cases: [string, RegExp][] = [
    ["postgres://u:p@h/db", /scheme must be mysql:/],
    ["not a url", /not a valid URL/],
    ["mysql://u:p@h", /must name one database/],
    ["mysql://u:p@h/", /must name one database/],
    ["mysql://u:p@h/a/b", /must name one database/],
    ["mysql://h/db", /names no user/],
    ["mysql://u:p@h/db?ssl=true", /options/],
    ["mysql://u:p@h:99999/db", /not a valid URL/],
  ];
  for (const [url, pattern] of cases) {
    await rejectsConfig(openMysqlStore(url), pattern);
  }
  // The password never shows in a message.
  await rejectsConfig(openMysqlStore("mysql://u:secret@h/db?x=1"), /\*\*\*/);
});

Deno.test("mysql open: a wrong password is a config error naming it", async () => {
  const db = await createTestDatabase();
  try {
    const url = new URL(db.url);
    url.password = "wrong-password";
    await rejectsConfig(openMysqlStore(url.href), /wrong user name or password/);
  } finally {
    await db.drop();
  }
});

Deno.test("mysql open: a missing database is a config error naming it", async () => {
  const db = await createTestDatabase();
  try {
    const url = new URL(db.url);
    url.pathname = `/${db.name}_missing`;
    await rejectsConfig(openMysqlStore(url.href), /(does not exist|may not use this database)/);
  } finally {
    await db.drop();
  }
});

Deno.test("mysql open: a schema newer than the code is refused", async () => {
  const db = await createTestDatabase();
  try {
    const store = await openMysqlStore(db.url);
    await store.close();
    const connection = await mysql.createConnection(db.url);
    await connection.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", [
      MYSQL_SCHEMA_VERSION + 1,
      Date.now(),
    ]);
    await connection.end();
    await rejectsConfig(openMysqlStore(db.url), /schema version \d+, newer than this FastChat/);
  } finally {
    await db.drop();
  }
});

Deno.test("mysql open: migrating twice (reopening) keeps the schema at the current version", async () => {
  const db = await createTestDatabase();
  try {
    await (await openMysqlStore(db.url)).close();
    await (await openMysqlStore(db.url)).close();
    const connection = await mysql.createConnection(db.url);
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT version FROM schema_version ORDER BY version",
    );
    await connection.end();
    // One row per migration, each applied once.
    const versions = Array.from({ length: MYSQL_SCHEMA_VERSION }, (_, i) => i + 1);
    assert.deepEqual(rows.map((r) => r.version), versions);
  } finally {
    await db.drop();
  }
});

Deno.test("mysql open: an unreachable server (closed port) is unavailable at once without retry", async () => {
  await assert.rejects(
    openMysqlStore(`mysql://u:p@127.0.0.1:${closedPort()}/db`),
    (error: unknown) => {
      assert.ok(error instanceof StoreUnavailableError);
      assert.match(error.message, /unreachable.*ECONNREFUSED/);
      return true;
    },
  );
});

Deno.test("mysql open: an unreachable server (closed port) is retried with one line per try", async () => {
  const lines: string[] = [];
  const controller = new AbortController();
  const opening = openMysqlStore(`mysql://u:p@127.0.0.1:${closedPort()}/db`, {
    retryDelayMs: 10,
    maxRetryDelayMs: 20,
    signal: controller.signal,
    onRetry(line) {
      lines.push(line);
      if (lines.length === 3) controller.abort(new Error("gave up"));
    },
  });
  await assert.rejects(opening, /gave up/);
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.match(
      line,
      /^MySQL at 127\.0\.0\.1:\d+ is unreachable \(.*ECONNREFUSED.*\); attempt \d+/,
    );
  }
});
