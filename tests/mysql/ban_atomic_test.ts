/**
 * A ban on MySQL is all or nothing (issue 11, item 9): when MariaDB refuses its audit
 * entry nothing of it is kept (no stored ban, no ban in memory), and a ban acts on the
 * user's open sessions at once, even while the database hangs. Real failures only: a
 * CHECK constraint that makes MariaDB refuse the audit row, and a frozen mariadbd.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { connectAdmin, createTestDatabase, testAdminUrl } from "../support/mysql_db.ts";
import { startServer } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  assertError,
  closeAll,
  loggedIn,
  PASSWORD,
  waitFor,
} from "../server/support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

/** Logs `user` in on a new connection and returns the reply (ok or error). */
async function tryLogin(port: number, user: string) {
  const client = await FrameClient.connect(port);
  try {
    return await client.request({ type: "login", user, password: PASSWORD });
  } finally {
    client.close();
  }
}

Deno.test("ban atomic: bad input an audit row MariaDB refuses leaves no ban behind; a retry bans", async () => {
  const db = await createTestDatabase();
  const server = await startServer({ db: db.url, env: ENV });
  const root = await connectAdmin(testAdminUrl());
  let bob = await loggedIn(server.port);
  try {
    await bob.ok({ type: "join", room: "general" });
    // The database name is generated hex (tests/support/mysql_db.ts): safe in DDL.
    await root.query(
      `ALTER TABLE \`${db.name}\`.audit ADD CONSTRAINT refuse_bans CHECK (action <> 'ban')`,
    );
    const failed = await admin(server.adminPort, "POST", "/api/ban", {
      user: bob.user,
      reason: "spam",
    });
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    // The ban acted on the open session before the write (it is closed with `banned`)...
    const last = await bob.next((f) => f.type === "banned");
    assert.equal(last.reason, "spam");
    await waitFor("the banned session is closed", () => bob.isClosed);
    // ...but nothing of the failed ban stayed: not in memory, not stored, not audited.
    const moderation = await admin(server.adminPort, "GET", "/api/moderation");
    assert.deepEqual((moderation.body as { bans: unknown[] }).bans, []);
    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const entries = (audit.body as { entries: { action: string }[] }).entries;
    assert.ok(!entries.some((e) => e.action === "ban"));
    bob = Object.assign(await FrameClient.connect(server.port), { user: bob.user });
    await bob.ok({ type: "login", user: bob.user, password: PASSWORD });
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "say", room: "general", text: "not banned after all" });

    await root.query(`ALTER TABLE \`${db.name}\`.audit DROP CONSTRAINT refuse_bans`);
    const banned = await admin(server.adminPort, "POST", "/api/ban", {
      user: bob.user,
      reason: "spam",
    });
    assert.equal(banned.status, 200, JSON.stringify(banned.body));
    await bob.next((f) => f.type === "banned");
    assertError(await tryLogin(server.port, bob.user), "banned");
    const after = await admin(server.adminPort, "GET", "/api/audit");
    const bans = (after.body as { entries: { action: string; target: string }[] }).entries
      .filter((e) => e.action === "ban");
    assert.deepEqual(bans.map((e) => e.target), [bob.user]);
  } finally {
    closeAll(bob);
    await root.end();
    await server.cleanup();
    await db.drop();
  }
});

Deno.test("ban atomic: a ban closes the user's sessions at once while MariaDB hangs", async () => {
  const mariadb = await startThrowawayMariadb();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let bob: FrameClient | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    server = await startServer({ db: db.url, env: ENV });
    const user = (bob = await loggedIn(server.port)).user;
    await bob.ok({ type: "join", room: "general" });
    mariadb.pause();
    const pending = admin(server.adminPort, "POST", "/api/ban", { user, reason: "now" });
    try {
      // Nothing can be written now, yet the session is told and closed.
      const frame = await bob.next((f) => f.type === "banned");
      assert.equal(frame.reason, "now");
      await waitFor("the banned session is closed", () => bob!.isClosed);
    } finally {
      mariadb.resume();
    }
    const reply = await pending;
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assertError(await tryLogin(server.port, user), "banned");
  } finally {
    mariadb.resume();
    closeAll(bob ?? undefined);
    await server?.cleanup();
    await mariadb.destroy();
  }
});
