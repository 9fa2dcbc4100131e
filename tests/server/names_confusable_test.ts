/**
 * Conformance, look-alike and invisible names (issue 11, item 7), over real sockets:
 * every example of the issue is refused, with `user_taken`/`room_exists` for a look-alike
 * of an existing name and `invalid_username`/`invalid_room` for invisible, format, bidi
 * and blank characters; the admin API applies the same rules; the contract's `Élodie` /
 * `ÉLODIE` and `Général` still behave; and a database from before schema version 2 with
 * two look-alike names keeps both working, and an old name refused today still logs in.
 */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { hashPassword } from "../../lib/auth/password.ts";
import { splitStatements } from "../../lib/store/mysql_migrate.ts";
import { FrameClient } from "../support/frame_client.ts";
import { freshDatabase, usingMysql } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  closeAll,
  expectError,
  loggedIn,
  PASSWORD,
  startServer,
} from "./support.ts";
import sqliteV1 from "../../sql/sqlite/001_init.sql" with { type: "text" };
import mysqlV1 from "../../sql/mysql/001_init.sql" with { type: "text" };

/** Look-alikes of the user name `admin`, each named. */
const USER_LOOKALIKES: Record<string, string> = {
  "Cyrillic а": "\u0430dmin",
  "fullwidth ａｄｍｉｎ": "ａｄｍｉｎ",
  "mathematical bold 𝐚𝐝𝐦𝐢𝐧": "𝐚𝐝𝐦𝐢𝐧",
  "upper case": "ADMIN",
};

/** User names with invisible characters or only blanks, each named. */
const USER_INVISIBLE: Record<string, string> = {
  "admin + U+034F combining grapheme joiner": "admin\u034F",
  "admin + U+FE00 variation selector": "admin\uFE00",
  "all-blank U+3164 hangul fillers": "\u3164\u3164",
  "admin + U+200B zero width space": "admin\u200B",
  "admin + U+202E right-to-left override": "admin\u202E",
};

/** Room names with invisible, format, bidi or blank characters, each named. */
const ROOM_INVALID: Record<string, string> = {
  "general + U+200B zero width space": "general\u200B",
  "general + U+202E right-to-left override": "general\u202E",
  "blank-only U+2800 braille blank": "\u2800",
  "blank-only U+3164 hangul filler": "\u3164",
  "U+2028 line separator": "gen\u2028eral",
  "general + U+FE0F variation selector": "general\uFE0F",
};

Deno.test("names: look-alike and invisible names are refused", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const client = await FrameClient.connect(server.port);
  try {
    const first = await client.request({ type: "register", user: "admin", password: PASSWORD });
    assert.ok(first.type === "ok" || first.code === "user_taken", JSON.stringify(first));

    await t.step("bad input look-alikes of an existing user name: user_taken", async () => {
      for (const [what, user] of Object.entries(USER_LOOKALIKES)) {
        const reply = await client.request({ type: "register", user, password: PASSWORD });
        assert.equal(reply.code, "user_taken", `${what}: ${JSON.stringify(reply)}`);
      }
    });

    await t.step("bad input invisible and blank user names: invalid_username", async () => {
      for (const [what, user] of Object.entries(USER_INVISIBLE)) {
        const reply = await client.request({ type: "register", user, password: PASSWORD });
        assert.equal(reply.code, "invalid_username", `${what}: ${JSON.stringify(reply)}`);
        const login = await client.request({ type: "login", user, password: PASSWORD });
        assert.equal(login.code, "bad_credentials", `login as ${what}`);
      }
    });

    await t.step("Élodie and ÉLODIE are one name; Elodie is another", async () => {
      await client.ok({ type: "register", user: "Élodie", password: PASSWORD });
      await expectError(
        client,
        { type: "register", user: "ÉLODIE", password: PASSWORD },
        "user_taken",
      );
      const login = await FrameClient.connect(server.port);
      const reply = await login.ok({ type: "login", user: "ÉLODIE", password: PASSWORD });
      assert.equal(reply.user, "Élodie");
      login.close();
      await client.ok({ type: "register", user: "Elodie", password: PASSWORD });
    });

    const member = await loggedIn(server.port);
    try {
      await t.step("bad input look-alike of an existing room name: room_exists", async () => {
        await expectError(member, { type: "create_room", room: "g\u0435neral" }, "room_exists");
        await expectError(member, { type: "create_room", room: "ＧＥＮＥＲＡＬ" }, "room_exists");
      });

      await t.step("bad input invisible, bidi and blank room names: invalid_room", async () => {
        for (const [what, room] of Object.entries(ROOM_INVALID)) {
          const reply = await member.request({ type: "create_room", room });
          assert.equal(reply.code, "invalid_room", `${what}: ${JSON.stringify(reply)}`);
        }
      });

      await t.step("Général is a valid room; its look-alike is taken", async () => {
        await member.ok({ type: "create_room", room: "Général" });
        await expectError(
          member,
          { type: "create_room", room: "G\u0415N\u0415RAL" },
          "room_exists",
        );
        await expectError(member, { type: "create_room", room: "GÉNÉRAL" }, "room_exists");
        await member.ok({ type: "join", room: "général" });
      });
    } finally {
      member.close();
    }

    await t.step("bad input the admin API applies the same name rules", async () => {
      const lookAlike = await admin(server.adminPort, "POST", "/api/rooms", {
        name: "g\u0435neral",
      });
      assert.equal(lookAlike.status, 409, JSON.stringify(lookAlike.body));
      for (const [what, name] of Object.entries(ROOM_INVALID)) {
        const reply = await admin(server.adminPort, "POST", "/api/rooms", { name });
        assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`);
      }
    });
  } finally {
    client.close();
    await server.cleanup();
  }
});

/** A database at schema version 1 holding two look-alike users and two look-alike rooms. */
async function legacyDatabase(): Promise<{ db: string; drop(): Promise<void> }> {
  const fresh = await freshDatabase();
  const hash = await hashPassword(PASSWORD);
  const users = [["admin", "admin"], ["\u0430dmin", "\u0430dmin"], [
    "old\u200Bname",
    "old\u200Bname",
  ]];
  const rooms = [["general", "general"], ["g\u0435neral", "g\u0435neral"]];
  if (!usingMysql()) {
    const db = new DatabaseSync(fresh.db.slice("sqlite:".length));
    db.exec(sqliteV1);
    db.exec("PRAGMA user_version = 1");
    for (const [name, key] of users) {
      db.prepare("INSERT INTO users (name, name_key, password_hash, created_at) VALUES (?,?,?,0)")
        .run(name!, key!, hash);
    }
    for (const [name, key] of rooms) {
      db.prepare("INSERT INTO rooms (name, name_key, created_at) VALUES (?,?,0)").run(name!, key!);
    }
    db.close();
    return fresh;
  }
  const connection = await mysql.createConnection({ uri: fresh.db, charset: "UTF8MB4_BIN" });
  try {
    for (const statement of splitStatements(mysqlV1)) await connection.query(statement);
    await connection.query(
      `CREATE TABLE schema_version (version INT NOT NULL, applied_at BIGINT NOT NULL,
       PRIMARY KEY (version)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    );
    await connection.execute("INSERT INTO schema_version VALUES (1, 0)");
    for (const [name, key] of users) {
      await connection.execute(
        "INSERT INTO users (name, name_key, password_hash, created_at) VALUES (?,?,?,0)",
        [name!, key!, hash],
      );
    }
    for (const [name, key] of rooms) {
      await connection.execute("INSERT INTO rooms (name, name_key, created_at) VALUES (?,?,0)", [
        name!,
        key!,
      ]);
    }
  } finally {
    await connection.end();
  }
  return fresh;
}

Deno.test("names: an old database with look-alike names keeps both, logs it, refuses new ones", async () => {
  const legacy = await legacyDatabase();
  const server = await startServer({ db: legacy.db });
  const clients: FrameClient[] = [];
  try {
    // An old name with a character refused today (U+200B) still logs in.
    for (const user of ["admin", "\u0430dmin", "ADMIN", "old\u200Bname"]) {
      const client = await FrameClient.connect(server.port);
      clients.push(client);
      await client.ok({ type: "login", user, password: PASSWORD });
    }
    const probe = clients[0]!;
    await expectError(
      probe,
      { type: "register", user: "ａｄｍｉｎ", password: PASSWORD },
      "user_taken",
    );
    await probe.ok({ type: "join", room: "g\u0435neral" });
    await probe.ok({ type: "join", room: "general" });
    await expectError(probe, { type: "create_room", room: "ＧＥＮＥＲＡＬ" }, "room_exists");
    const log = server.log();
    assert.match(log, /name_skeleton_clash/);
    assert.equal(log.match(/name_skeleton_clash/g)!.length, 2, log);
  } finally {
    closeAll(...clients);
    await server.cleanup();
    await legacy.drop();
  }
});
