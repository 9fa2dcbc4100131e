/**
 * Conformance, protocol 1.1 `edit`, `delete` and `say` with `kind` (PROTOCOL.md "Version
 * 1.1: additions"), on both stores: the ok replies, the `edited`/`deleted` events to the
 * original's audience (after the `message` they follow), tombstones and current text in
 * `history` and `join`, staff deletion of room messages (audited, never another's dm),
 * every bad input with its code (the connection stays usable, nothing is stored), edits
 * against the `say` rate bucket, and a schema-3 database upgraded in place.
 */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { hashPassword } from "../../lib/auth/password.ts";
import { foldName } from "../../lib/protocol/names.ts";
import { splitStatements } from "../../lib/store/mysql_migrate.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { freshDatabase, usingMysql } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  closeAll,
  expectError,
  freshRoom,
  ISO_MS,
  loggedIn,
  PASSWORD,
  repliesTo,
  startServer,
  uniqueName,
} from "./support.ts";
import sqlite1 from "../../sql/sqlite/001_init.sql" with { type: "text" };
import sqlite2 from "../../sql/sqlite/002_names_tokens.sql" with { type: "text" };
import sqlite3 from "../../sql/sqlite/003_room_activity.sql" with { type: "text" };
import mysql1 from "../../sql/mysql/001_init.sql" with { type: "text" };
import mysql2 from "../../sql/mysql/002_names_tokens.sql" with { type: "text" };
import mysql3 from "../../sql/mysql/003_room_activity.sql" with { type: "text" };

/** A msgid well-formed but naming no message. */
const UNKNOWN_MSGID = "0000999999999999";

/** The messages of a room's history. */
async function history(client: FrameClient, room: string): Promise<Frame[]> {
  return (await client.ok({ type: "history", room })).messages as Frame[];
}

/** Asserts the connection still answers. */
async function usable(client: FrameClient): Promise<void> {
  await client.ok({ type: "ping" });
  assert.equal(client.isClosed, false);
}

Deno.test("edit, delete, action conformance", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const alice2 = await anotherSession(port, alice.user);
  const bob = await loggedIn(port, uniqueName("bob"));
  const carol = await loggedIn(port, uniqueName("carol"));
  try {
    const room = await freshRoom(alice, "ed");
    await bob.ok({ type: "join", room });

    await t.step("welcome lists edit, delete and action", () => {
      const welcome = alice.received.find((f) => f.type === "welcome")!;
      for (const feature of ["edit", "delete", "action"]) {
        assert.ok((welcome.features as string[]).includes(feature), JSON.stringify(welcome));
      }
    });

    await t.step("say kind action: the event and history carry kind action", async () => {
      const said = await alice.ok({ type: "say", room, text: "waves", kind: "action" });
      const event = await bob.next((f) => f.type === "message" && f.msgid === said.msgid);
      assert.equal(event.kind, "action");
      const plain = await alice.ok({ type: "say", room, text: "plain", kind: "text" });
      const plainEvent = await bob.next((f) => f.type === "message" && f.msgid === plain.msgid);
      assert.equal("kind" in plainEvent, false, "an ordinary message has no kind");
      const messages = await history(bob, room);
      assert.equal(messages.find((m) => m.msgid === said.msgid)!.kind, "action");
      assert.equal("kind" in messages.find((m) => m.msgid === plain.msgid)!, false);
    });

    await t.step("bad input say with a kind other than text/action → bad_frame", async () => {
      const before = await history(bob, room);
      for (const kind of ["shout", "", "ACTION", 1, true, {}, null]) {
        await expectError(alice, { type: "say", room, text: "x", kind }, "bad_frame");
      }
      await usable(alice);
      assert.deepEqual(await history(bob, room), before, "nothing stored");
    });

    await t.step(
      "edit: ok with msgid and edited; edited event (whole object) to every member after the message",
      async () => {
        const said = await alice.ok({ type: "say", room, text: "tpyo" });
        const edited = await alice.ok({ type: "edit", msgid: said.msgid, text: "typo" });
        assert.equal(edited.msgid, said.msgid);
        assert.match(edited.edited as string, ISO_MS);
        // The room's sessions: alice2 is not in the room, as it got no message either.
        for (const client of [alice, bob]) {
          const event = await client.next((f) => f.type === "edited" && f.msgid === said.msgid);
          assert.deepEqual(event, {
            type: "edited",
            msgid: said.msgid,
            room,
            user: alice.user,
            text: "typo",
            ts: said.ts,
            edited: edited.edited,
          });
          const at = (type: string) =>
            client.received.findIndex((f) => f.type === type && f.msgid === said.msgid);
          assert.ok(at("message") < at("edited"), "the edited event follows the message");
        }
        const again = await alice.ok({ type: "edit", msgid: said.msgid, text: "typo, twice" });
        const stored = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
        assert.equal(stored.text, "typo, twice");
        assert.equal(stored.edited, again.edited);
        // join shows the current text too.
        const joined = await carol.ok({ type: "join", room });
        const inJoin = (joined.history as Frame[]).find((m) => m.msgid === said.msgid)!;
        assert.equal(inJoin.text, "typo, twice");
        assert.equal(inJoin.edited, again.edited);
      },
    );

    await t.step("edit of an action keeps kind action", async () => {
      const said = await alice.ok({ type: "say", room, text: "nods", kind: "action" });
      await alice.ok({ type: "edit", msgid: said.msgid, text: "nods twice" });
      const event = await bob.next((f) => f.type === "edited" && f.msgid === said.msgid);
      assert.equal(event.kind, "action");
    });

    await t.step("bad input edit of someone else's message → not_allowed", async () => {
      const said = await alice.ok({ type: "say", room, text: "mine" });
      await expectError(bob, { type: "edit", msgid: said.msgid, text: "hijacked" }, "not_allowed");
      await usable(bob);
      const stored = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
      assert.equal(stored.text, "mine");
      assert.equal("edited" in stored, false, "nothing stored");
    });

    await t.step("bad input edit/delete of an unknown msgid → no_such_message", async () => {
      await expectError(
        alice,
        { type: "edit", msgid: UNKNOWN_MSGID, text: "x" },
        "no_such_message",
      );
      await expectError(alice, { type: "delete", msgid: UNKNOWN_MSGID }, "no_such_message");
      await usable(alice);
    });

    await t.step("bad input edit/delete of a malformed msgid → no_such_message", async () => {
      // A well-typed msgid that names no message, malformed or empty, is no_such_message
      // (as for mark_read and report); a msgid that is not a string is a bad frame.
      for (const msgid of ["abc", "", "-1", "12.5", "0", "99999999999999999999999999"]) {
        await expectError(alice, { type: "edit", msgid, text: "x" }, "no_such_message");
        await expectError(alice, { type: "delete", msgid }, "no_such_message");
      }
      for (const msgid of [42, null]) {
        await expectError(alice, { type: "edit", msgid, text: "x" }, "bad_frame");
        await expectError(alice, { type: "delete", msgid }, "bad_frame");
      }
      await expectError(alice, { type: "edit", msgid: UNKNOWN_MSGID }, "bad_frame");
      await usable(alice);
    });

    await t.step(
      "bad input edit with empty or too long text → empty_text, text_too_long",
      async () => {
        const said = await alice.ok({ type: "say", room, text: "keep me" });
        const welcome = alice.received.find((f) => f.type === "welcome")!;
        const max = (welcome.limits as { maxText: number }).maxText;
        await expectError(alice, { type: "edit", msgid: said.msgid, text: "" }, "empty_text");
        await expectError(alice, { type: "edit", msgid: said.msgid, text: " \n\t" }, "empty_text");
        await expectError(
          alice,
          { type: "edit", msgid: said.msgid, text: "é".repeat(max + 1) },
          "text_too_long",
        );
        // Exactly the maximum is fine.
        await alice.ok({ type: "edit", msgid: said.msgid, text: "é".repeat(max) });
        await expectError(alice, { type: "edit", msgid: said.msgid, text: "" }, "empty_text");
        const stored = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
        assert.equal(stored.text, "é".repeat(max));
        await usable(alice);
      },
    );

    await t.step("delete: ok, deleted event to members, tombstone in history", async () => {
      const said = await alice.ok({ type: "say", room, text: "regret", kind: "action" });
      const deleted = await alice.ok({ type: "delete", msgid: said.msgid });
      assert.equal(deleted.msgid, said.msgid);
      for (const client of [alice, bob, carol]) {
        const event = await client.next((f) => f.type === "deleted" && f.msgid === said.msgid);
        assert.deepEqual(event, { type: "deleted", msgid: said.msgid, room, by: alice.user });
      }
      const tomb = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
      assert.equal(tomb.text, "");
      assert.equal(tomb.deleted, true);
      assert.equal(tomb.user, alice.user);
      assert.equal(tomb.ts, said.ts);
      assert.equal(tomb.room, room);
    });

    await t.step("bad input edit or delete of a deleted message → no_such_message", async () => {
      const said = await alice.ok({ type: "say", room, text: "gone soon" });
      await alice.ok({ type: "delete", msgid: said.msgid });
      await expectError(
        alice,
        { type: "edit", msgid: said.msgid, text: "back" },
        "no_such_message",
      );
      await expectError(alice, { type: "delete", msgid: said.msgid }, "no_such_message");
      await usable(alice);
      const tomb = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
      assert.equal(tomb.text, "");
    });

    await t.step(
      "bad input delete of someone else's room message (not staff) → not_allowed",
      async () => {
        const said = await alice.ok({ type: "say", room, text: "stays" });
        await expectError(bob, { type: "delete", msgid: said.msgid }, "not_allowed");
        await usable(bob);
        const stored = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
        assert.equal(stored.text, "stays");
        assert.equal("deleted" in stored, false);
      },
    );

    await t.step("dm: edit and delete reach both parties' sessions", async () => {
      const sent = await alice.ok({ type: "dm", to: bob.user, text: "psst" });
      const edited = await alice.ok({ type: "edit", msgid: sent.msgid, text: "psst!" });
      for (const client of [alice, alice2, bob]) {
        const event = await client.next((f) => f.type === "edited" && f.msgid === sent.msgid);
        assert.deepEqual(event, {
          type: "edited",
          msgid: sent.msgid,
          to: bob.user,
          user: alice.user,
          text: "psst!",
          ts: sent.ts,
          edited: edited.edited,
        });
      }
      await alice.ok({ type: "delete", msgid: sent.msgid });
      for (const client of [alice, alice2, bob]) {
        const event = await client.next((f) => f.type === "deleted" && f.msgid === sent.msgid);
        assert.deepEqual(event, {
          type: "deleted",
          msgid: sent.msgid,
          to: bob.user,
          by: alice.user,
        });
      }
      assert.equal(carol.received.some((f) => f.msgid === sent.msgid), false, "carol sees nothing");
      const page = await bob.ok({ type: "history", with: alice.user });
      const tomb = (page.messages as Frame[]).find((m) => m.msgid === sent.msgid)!;
      assert.equal(tomb.deleted, true);
      assert.equal(tomb.text, "");
    });

    await t.step("bad input edit/delete of a dm between others → no_such_message", async () => {
      const sent = await alice.ok({ type: "dm", to: bob.user, text: "between us" });
      await expectError(carol, { type: "edit", msgid: sent.msgid, text: "x" }, "no_such_message");
      await expectError(carol, { type: "delete", msgid: sent.msgid }, "no_such_message");
      // The recipient sees it but may neither edit nor delete it.
      await expectError(bob, { type: "edit", msgid: sent.msgid, text: "x" }, "not_allowed");
      await expectError(bob, { type: "delete", msgid: sent.msgid }, "not_allowed");
      await usable(carol);
      const page = await alice.ok({ type: "history", with: bob.user });
      const stored = (page.messages as Frame[]).find((m) => m.msgid === sent.msgid)!;
      assert.equal(stored.text, "between us");
    });

    await t.step("bad input edit while muted → muted; delete still works", async () => {
      const dave = await loggedIn(port, uniqueName("dave"));
      try {
        await dave.ok({ type: "join", room });
        const said = await dave.ok({ type: "say", room, text: "before" });
        const mute = await admin(server.adminPort, "POST", "/api/mute", {
          user: dave.user,
          duration: "1h",
          reason: "hush",
        });
        assert.equal(mute.status, 200, JSON.stringify(mute.body));
        await expectError(dave, { type: "edit", msgid: said.msgid, text: "after" }, "muted");
        const stored = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
        assert.equal(stored.text, "before");
        await dave.ok({ type: "delete", msgid: said.msgid });
      } finally {
        dave.close();
      }
    });

    await t.step("edits and deletes pipelined with says keep their order", async () => {
      const said = await alice.ok({ type: "say", room, text: "v0" });
      const ids: string[] = [];
      let batch = "";
      for (let i = 1; i <= 5; i++) {
        ids.push(`e${i}`, `s${i}`);
        batch += JSON.stringify({ type: "edit", id: `e${i}`, msgid: said.msgid, text: `v${i}` }) +
          "\n" + JSON.stringify({ type: "say", id: `s${i}`, room, text: `after v${i}` }) + "\n";
      }
      ids.push("d");
      batch += JSON.stringify({ type: "delete", id: "d", msgid: said.msgid }) + "\n";
      await alice.writeRaw(batch);
      const replies = await repliesTo(alice, ids);
      assert.ok(replies.every((r) => r.type === "ok"), JSON.stringify(replies));
      await bob.next((f) => f.type === "deleted" && f.msgid === said.msgid);
      const seen = bob.received.filter((f) =>
        (f.type === "edited" && f.msgid === said.msgid) ||
        (f.type === "message" && String(f.text).startsWith("after v")) ||
        (f.type === "deleted" && f.msgid === said.msgid)
      ).map((f) => f.type === "message" ? f.text : f.type === "edited" ? f.text : "deleted");
      assert.deepEqual(seen, [
        "v1",
        "after v1",
        "v2",
        "after v2",
        "v3",
        "after v3",
        "v4",
        "after v4",
        "v5",
        "after v5",
        "deleted",
      ]);
    });
  } finally {
    closeAll(alice, alice2, bob, carol);
    await server.cleanup();
  }
});

Deno.test("edit counts against the say rate bucket → rate_limited", async () => {
  const server = await startServer({
    limits: true,
    args: ["--msg-rate", "1:3", "--auth-rate", "100", "--flood", "off"],
  });
  const alice = await loggedIn(server.port, uniqueName("alice"));
  try {
    const room = await freshRoom(alice, "rl");
    const said = await alice.ok({ type: "say", room, text: "one" });
    let batch = "";
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(`e${i}`);
      batch += JSON.stringify({ type: "edit", id: `e${i}`, msgid: said.msgid, text: `v${i}` }) +
        "\n";
    }
    await alice.writeRaw(batch);
    const replies = await repliesTo(alice, ids);
    const refused = replies.filter((r) => r.type === "error");
    assert.ok(refused.length >= 2, JSON.stringify(replies));
    for (const reply of refused) assert.equal(reply.code, "rate_limited");
    await usable(alice);
  } finally {
    alice.close();
    await server.cleanup();
  }
});

Deno.test("staff delete any room message (audited), never another user's dm", async () => {
  const fresh = await freshDatabase();
  const names = { mod: uniqueName("mod"), bob: uniqueName("bob"), carol: uniqueName("carol") };
  const store = await openStore(fresh.db);
  try {
    const hash = await hashPassword(PASSWORD);
    const ids: Record<string, number> = {};
    for (const [key, name] of Object.entries(names)) {
      const user = await store.createUser({
        name,
        nameKey: foldName(name),
        passwordHash: hash,
        createdAt: Date.now(),
      });
      ids[key] = user!.id;
    }
    assert.ok(
      await store.setStaffRole({ userId: ids.mod!, role: "moderator", since: 0, by: "admin" }),
    );
  } finally {
    await store.close();
  }
  const server = await startServer({ db: fresh.db, env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const mod = await anotherSession(server.port, names.mod);
  const bob = await anotherSession(server.port, names.bob);
  const carol = await anotherSession(server.port, names.carol);
  try {
    const room = await freshRoom(bob, "staff");
    await mod.ok({ type: "join", room });
    const said = await bob.ok({ type: "say", room, text: "spam" });
    await mod.ok({ type: "delete", msgid: said.msgid });
    for (const client of [bob, mod]) {
      const event = await client.next((f) => f.type === "deleted" && f.msgid === said.msgid);
      assert.deepEqual(event, { type: "deleted", msgid: said.msgid, room, by: names.mod });
    }
    const tomb = (await history(bob, room)).find((m) => m.msgid === said.msgid)!;
    assert.equal(tomb.deleted, true);
    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const entries = (audit.body as { entries: Frame[] }).entries;
    const entry = entries.find((e) => e.action === "delete_message");
    assert.ok(entry, JSON.stringify(entries));
    assert.equal(entry.by, names.mod);
    assert.equal(entry.target, said.msgid);

    // An author's own deletion is not audited.
    const own = await bob.ok({ type: "say", room, text: "mine" });
    await bob.ok({ type: "delete", msgid: own.msgid });
    const after = (await admin(server.adminPort, "GET", "/api/audit")).body as {
      entries: Frame[];
    };
    assert.equal(after.entries.filter((e) => e.action === "delete_message").length, 1);

    // bad input: a dm between others is invisible, even to staff; a dm to staff is not theirs.
    const between = await bob.ok({ type: "dm", to: names.carol, text: "private" });
    await expectError(mod, { type: "delete", msgid: between.msgid }, "no_such_message");
    const toMod = await bob.ok({ type: "dm", to: names.mod, text: "hi mod" });
    await expectError(mod, { type: "delete", msgid: toMod.msgid }, "not_allowed");
    await usable(mod);
    const page = await carol.ok({ type: "history", with: names.bob });
    assert.equal((page.messages as Frame[])[0]!.text, "private");
  } finally {
    closeAll(mod, bob, carol);
    await server.cleanup();
    await fresh.drop();
  }
});

/** The rows of the old database: users, a room, its messages and a dm. */
const OLD = {
  users: ["oldann", "oldbob"],
  room: "oldroom",
  messages: [
    { seq: 1, room: true, sender: 0, text: "first", ts: 1_700_000_000_000 },
    { seq: 2, room: true, sender: 1, text: "second ✓", ts: 1_700_000_001_000 },
    { seq: 3, room: false, sender: 0, text: "a dm", ts: 1_700_000_002_000 },
    { seq: 4, room: true, sender: 0, text: "third", ts: 1_700_000_003_000 },
  ],
};

/** A database at schema version 3 holding {@linkcode OLD}. */
async function schema3Database(): Promise<{ db: string; drop(): Promise<void> }> {
  const fresh = await freshDatabase();
  const hash = await hashPassword(PASSWORD);
  const userSql = "INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES " +
    "(?, ?, ?, ?, 0)";
  const roomSql = "INSERT INTO rooms (id, name, name_key, created_at) VALUES (1, ?, ?, 0)";
  const messageSql = "INSERT INTO messages (seq, room_id, sender_id, recipient_id, text, ts) " +
    "VALUES (?, ?, ?, ?, ?, ?)";
  const messageRow = (m: (typeof OLD.messages)[number]) => [
    m.seq,
    m.room ? 1 : null,
    m.sender + 1,
    m.room ? null : 2 - m.sender,
    m.text,
    m.ts,
  ];
  if (!usingMysql()) {
    const db = new DatabaseSync(fresh.db.slice("sqlite:".length));
    for (const sql of [sqlite1, sqlite2, sqlite3]) db.exec(sql);
    db.exec("PRAGMA user_version = 3");
    OLD.users.forEach((name, i) => db.prepare(userSql).run(i + 1, name, name, hash));
    db.prepare(roomSql).run(OLD.room, OLD.room);
    for (const m of OLD.messages) db.prepare(messageSql).run(...messageRow(m));
    db.close();
    return fresh;
  }
  const connection = await mysql.createConnection({ uri: fresh.db, charset: "UTF8MB4_BIN" });
  try {
    for (const sql of [mysql1, mysql2, mysql3]) {
      for (const statement of splitStatements(sql)) await connection.query(statement);
    }
    await connection.query(
      `CREATE TABLE schema_version (version INT NOT NULL, applied_at BIGINT NOT NULL,
       PRIMARY KEY (version)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`,
    );
    await connection.query("INSERT INTO schema_version VALUES (1, 0), (2, 0), (3, 0)");
    for (const [i, name] of OLD.users.entries()) {
      await connection.execute(userSql, [i + 1, name, name, hash]);
    }
    await connection.execute(roomSql, [OLD.room, OLD.room]);
    for (const m of OLD.messages) await connection.execute(messageSql, messageRow(m));
  } finally {
    await connection.end();
  }
  return fresh;
}

Deno.test("migration 004: a schema-3 database upgrades in place and keeps every message", async () => {
  const old = await schema3Database();
  const server = await startServer({ db: old.db });
  const ann = await anotherSession(server.port, "oldann");
  const bob = await anotherSession(server.port, "oldbob");
  try {
    const joined = await ann.ok({ type: "join", room: OLD.room });
    const roomMessages = OLD.messages.filter((m) => m.room);
    assert.deepEqual(
      (joined.history as Frame[]).map((m) => [m.text, m.user, Date.parse(m.ts as string)]),
      roomMessages.map((m) => [m.text, OLD.users[m.sender], m.ts]),
    );
    for (const m of joined.history as Frame[]) {
      assert.deepEqual(Object.keys(m).sort(), ["msgid", "room", "text", "ts", "user"]);
    }
    const dms = await bob.ok({ type: "history", with: "oldann" });
    assert.deepEqual((dms.messages as Frame[]).map((m) => m.text), ["a dm"]);
    // Old messages can be edited and deleted; new ones continue after them.
    const first = (joined.history as Frame[])[0]!;
    await ann.ok({ type: "edit", msgid: first.msgid, text: "first, edited" });
    const said = await ann.ok({ type: "say", room: OLD.room, text: "new" });
    assert.ok((said.msgid as string) > (joined.history as Frame[]).at(-1)!.msgid!);
    const page = await bob.ok({ type: "history", room: OLD.room });
    assert.deepEqual((page.messages as Frame[]).map((m) => m.text), [
      "first, edited",
      "second ✓",
      "third",
      "new",
    ]);
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
    await old.drop();
  }
});
