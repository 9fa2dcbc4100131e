/**
 * Look-alike names found by the issue 11 re-test, over the server under test (SQLite and
 * MySQL): a capital I among lower-case letters (`paypaI` next to `paypal`, `bobI` next to
 * `bob1`, room `generaI` next to `general`), names made of combining marks, stacked and
 * overlay marks, invisible fillers; and skeleton keys stored by the previous skeleton
 * algorithm, recomputed on start (a stale key no longer lets a look-alike in).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { hashPassword } from "../../lib/auth/password.ts";
import { foldName, SKELETON_VERSION } from "../../lib/protocol/names.ts";
import { openStore } from "../../lib/store/open_store.ts";
import { SKELETON_VERSION_SETTING } from "../../lib/store/store.ts";
import { FrameClient } from "../support/frame_client.ts";
import { freshDatabase, usingMysql } from "../support/server_process.ts";
import { closeAll, expectError, loggedIn, PASSWORD, startServer } from "./support.ts";

/** User names refused for their combining marks or invisible fillers, each named. */
const BAD_USERS: Record<string, string> = {
  "only combining marks U+0300 U+0301": "\u0300\u0301",
  "U+0336 overlay in ad\u0336min": "ad\u0336min",
  "three marks on one letter": "ada\u0301\u0302\u0303",
  "U+16FE4 Khitan filler": "admin\u{16FE4}",
  "U+1D159 musical null notehead": "admin\u{1D159}",
};

Deno.test("names retest: bad input capital I look-alikes and combining-mark names are refused", async (t) => {
  const server = await startServer();
  const client = await FrameClient.connect(server.port);
  const member = await loggedIn(server.port);
  try {
    await t.step("bad input paypaI next to paypal, bobI next to bob1: user_taken", async () => {
      await client.ok({ type: "register", user: "paypal", password: PASSWORD });
      await expectError(
        client,
        { type: "register", user: "paypaI", password: PASSWORD },
        "user_taken",
      );
      await client.ok({ type: "register", user: "bob1", password: PASSWORD });
      await expectError(
        client,
        { type: "register", user: "bobI", password: PASSWORD },
        "user_taken",
      );
    });

    await t.step("Élodie and ÉLODIE stay one name; Elodie stays another", async () => {
      await client.ok({ type: "register", user: "Élodie", password: PASSWORD });
      await expectError(
        client,
        { type: "register", user: "ÉLODIE", password: PASSWORD },
        "user_taken",
      );
      await client.ok({ type: "register", user: "Elodie", password: PASSWORD });
      await client.ok({ type: "register", user: "Nguyễn", password: PASSWORD });
    });

    await t.step(
      "bad input combining marks and fillers in user names: invalid_username",
      async () => {
        for (const [what, user] of Object.entries(BAD_USERS)) {
          const reply = await client.request({ type: "register", user, password: PASSWORD });
          assert.equal(reply.code, "invalid_username", `${what}: ${JSON.stringify(reply)}`);
        }
      },
    );

    await t.step("bad input room generaI next to general: room_exists", async () => {
      await expectError(member, { type: "create_room", room: "generaI" }, "room_exists");
    });

    await t.step(
      "bad input room of a combining mark only, or with an overlay: invalid_room",
      async () => {
        for (const room of ["\u0301", "\u0300\u0301", "gen\u0336eral", "general\u{16FE4}"]) {
          await expectError(member, { type: "create_room", room }, "invalid_room");
        }
        await member.ok({ type: "create_room", room: "phòng Việt" });
      },
    );
  } finally {
    closeAll(client, member);
    await server.cleanup();
  }
});

/** The SHA-256 hex of a skeleton, as the stores keep it. */
function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * A current database whose users `bobI` and `paypaI` and room `generaI` carry the keys of
 * skeleton version 1 (folded first: `bobi`, `paypai`, `generai`), next to `paypal`.
 */
async function staleDatabase(): Promise<{ db: string; drop(): Promise<void> }> {
  const fresh = await freshDatabase();
  const store = await openStore(fresh.db);
  const passwordHash = await hashPassword(PASSWORD);
  try {
    await store.createUser({ name: "paypal", nameKey: "paypal", passwordHash, createdAt: 0 });
    await store.createRoom({ name: "general", nameKey: "general", topic: null, createdAt: 0 });
    await store.setSetting(SKELETON_VERSION_SETTING, "1");
  } finally {
    await store.close();
  }
  const users = [["bobI", sha("bobi")], ["paypaI", sha("paypai")]];
  const userSql =
    "INSERT INTO users (name, name_key, skeleton_key, password_hash, created_at) VALUES (?,?,?,?,1)";
  const roomSql = "INSERT INTO rooms (name, name_key, skeleton_key, created_at) VALUES (?,?,?,1)";
  if (!usingMysql()) {
    const db = new DatabaseSync(fresh.db.slice("sqlite:".length));
    for (const [name, key] of users) {
      db.prepare(userSql).run(name!, foldName(name!), key!, passwordHash);
    }
    db.prepare(roomSql).run("generaI", "generai", sha("generai"));
    db.close();
    return fresh;
  }
  const connection = await mysql.createConnection({ uri: fresh.db, charset: "UTF8MB4_BIN" });
  try {
    for (const [name, key] of users) {
      await connection.execute(userSql, [name!, foldName(name!), key!, passwordHash]);
    }
    await connection.execute(roomSql, ["generaI", "generai", sha("generai")]);
  } finally {
    await connection.end();
  }
  return fresh;
}

Deno.test("names retest: keys of the previous skeleton version are recomputed on start", async () => {
  const stale = await staleDatabase();
  let server = await startServer({ db: stale.db });
  const clients: FrameClient[] = [];
  try {
    // Both old look-alikes still log in; the clashes (paypaI, generaI) are logged.
    for (const user of ["bobI", "paypaI", "paypal"]) {
      const client = await FrameClient.connect(server.port);
      clients.push(client);
      await client.ok({ type: "login", user, password: PASSWORD });
    }
    const probe = clients[0]!;
    // bobI's stale key (bobi) would let bob1 in; its recomputed one (bobl) does not.
    await expectError(probe, { type: "register", user: "bob1", password: PASSWORD }, "user_taken");
    const log = server.log();
    assert.equal(log.match(/name_skeleton_clash/g)?.length, 2, log);
    assert.match(log, /paypaI/);
    closeAll(...clients.splice(0));
    await server.stop();
    const store = await openStore(stale.db);
    try {
      assert.equal(await store.getSetting(SKELETON_VERSION_SETTING), SKELETON_VERSION);
    } finally {
      await store.close();
    }
    // A second start keeps the keys: bob1 is still refused.
    server = await startServer({ db: stale.db });
    const again = await FrameClient.connect(server.port);
    clients.push(again);
    await expectError(again, { type: "register", user: "bob1", password: PASSWORD }, "user_taken");
  } finally {
    closeAll(...clients);
    await server.cleanup();
    await stale.drop();
  }
});
