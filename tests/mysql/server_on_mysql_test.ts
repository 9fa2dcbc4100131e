/**
 * The chat server on MySQL, end to end: MariaDB stopped under clients that keep sending,
 * a chat server restart on the same database, startup while MariaDB is down, and bad
 * `--db` values. Outages use a throwaway MariaDB (tests/support/mariadb.ts).
 */
import assert from "node:assert/strict";
import { serverCommand } from "../../scripts/lib/server_launcher.ts";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { createTestDatabase } from "../support/mysql_db.ts";
import { startServer } from "../support/server_process.ts";
import { waitFor } from "../support/wait.ts";

/** What became of one `say`: acknowledged with its msgid, refused, or never answered. */
type Fate = { ok: string } | { error: string } | { noAnswer: true };

/** Sends `say`s one after another until `stop()` says enough, recording each fate. */
async function keepSaying(
  client: FrameClient,
  name: string,
  stop: () => boolean,
  fates: Map<string, Fate>,
): Promise<void> {
  for (let i = 0; !stop(); i++) {
    const cid = `${name}-${i}`;
    const id = `${name}-req-${i}`;
    await client.send({ type: "say", id, room: "general", text: `${cid} ✓`, cid });
    let reply: Frame;
    try {
      reply = await client.next((f) => f.id === id, 15_000);
    } catch {
      fates.set(cid, { noAnswer: true });
      return;
    }
    fates.set(
      cid,
      reply.type === "ok" ? { ok: String(reply.msgid) } : { error: String(reply.code) },
    );
  }
}

/** Every message of room `general`, paging with `after`. */
async function fullHistory(client: FrameClient): Promise<Frame[]> {
  const all: Frame[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.ok({ type: "history", room: "general", after, limit: 200 });
    const messages = page.messages as Frame[];
    all.push(...messages);
    if (!page.more) return all;
    after = String(messages.at(-1)!.msgid);
  }
}

/** A wait of this test's phases: a safety net only (a MariaDB restart can be slow). */
const PHASE_MS = 120_000;

Deno.test("server on mysql: MariaDB stopped while clients send; acknowledged messages all kept", async () => {
  const mariadb = await startThrowawayMariadb();
  const clients: FrameClient[] = [];
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    server = await startServer({ db: db.url });
    for (const name of ["ann", "ben", "cat"]) {
      const client = await FrameClient.connect(server.port);
      await client.registerAndLogin(name);
      await client.ok({ type: "join", room: "general" });
      clients.push(client);
    }
    const fates = new Map<string, Fate>();
    let phase: "before" | "down" | "after" = "before";
    const acked = () => [...fates.values()].filter((f) => "ok" in f).length;
    let refusedWhileDown = 0;
    const senders = clients.map((client, i) =>
      keepSaying(client, `c${i}`, () => phase === "after", fates)
    );
    await waitFor("30 acknowledged messages", () => acked() >= 30, PHASE_MS);
    await mariadb.stop();
    phase = "down";
    await waitFor("3 refusals while MariaDB is down", () => {
      refusedWhileDown = [...fates.values()].filter((f) => "error" in f).length;
      return refusedWhileDown >= 3;
    }, PHASE_MS);
    await mariadb.start();
    phase = "after";
    await Promise.all(senders);

    for (const fate of fates.values()) {
      if ("error" in fate) assert.equal(fate.error, "unavailable");
    }
    // The server recovered: a new message is stored and acknowledged.
    const reply = await clients[0]!.request({
      type: "say",
      room: "general",
      text: "back",
      cid: "back",
    });
    assert.equal(reply.type, "ok", JSON.stringify(reply));
    const kept = new Set((await fullHistory(clients[1]!)).map((m) => String(m.msgid)));
    for (const [cid, fate] of fates) {
      if ("ok" in fate) assert.ok(kept.has(fate.ok), `acknowledged ${cid} is in history`);
    }
    assert.ok(kept.has(String(reply.msgid)));
  } finally {
    for (const client of clients) client.close();
    await server?.stop("SIGKILL");
    await mariadb.destroy();
  }
});

Deno.test("server on mysql: a restart of the chat server keeps accounts, rooms and history", async () => {
  const db = await createTestDatabase();
  try {
    const first = await startServer({ db: db.url });
    try {
      const client = await FrameClient.connect(first.port);
      await client.registerAndLogin("Élodie");
      await client.ok({ type: "create_room", room: "Général", topic: "Café ☕" });
      await client.ok({ type: "join", room: "Général" });
      await client.ok({ type: "say", room: "Général", text: "salut 🎉", cid: "s1" });
      client.close();
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const second = await startServer({ db: db.url });
    try {
      const client = await FrameClient.connect(second.port);
      const login = await client.ok({ type: "login", user: "ÉLODIE", password: "correct horse" });
      assert.equal(login.user, "Élodie");
      const rooms = (login.rooms as Frame[]).map((r) => [r.name, r.topic]);
      assert.deepEqual(rooms.find(([name]) => name === "Général"), ["Général", "Café ☕"]);
      const history = await client.ok({ type: "history", room: "général" });
      assert.deepEqual((history.messages as Frame[]).map((m) => [m.user, m.text]), [
        ["Élodie", "salut 🎉"],
      ]);
      await client.ok({ type: "join", room: "général" });
      const again = await client.ok({ type: "say", room: "Général", text: "x", cid: "s1" });
      assert.equal(again.msgid, (history.messages as Frame[])[0]!.msgid, "cid kept too");
      client.close();
    } finally {
      await second.stop();
    }
  } finally {
    await db.drop();
  }
});

Deno.test("server on mysql: starts once MariaDB, down at startup, comes up", async () => {
  const mariadb = await startThrowawayMariadb();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    await mariadb.stop();
    const starting = startServer({ db: db.url });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await mariadb.start();
    server = await starting;
    assert.match(server.log(), /store_unreachable .*MySQL at 127\.0\.0\.1:\d+ is unreachable/);
    assert.doesNotMatch(server.log(), /\n\s+at /, "no stack trace");
    const client = await FrameClient.connect(server.port);
    await client.registerAndLogin("ann");
    client.close();
  } finally {
    await server?.stop("SIGKILL");
    await mariadb.destroy();
  }
});

/** Runs the server with `--db` and returns its exit code and stderr. */
async function runWithDb(db: string): Promise<{ code: number; stderr: string }> {
  const output = await serverCommand({ db, adminPassword: "test-admin-password" }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("server on mysql: bad --db (unknown scheme, wrong password, missing database) exits 2 with one line", async () => {
  const db = await createTestDatabase();
  try {
    const wrongPassword = new URL(db.url);
    wrongPassword.password = "not-the-password";
    const missing = new URL(db.url);
    missing.pathname = `/${db.name}_missing`;
    const cases: [string, RegExp][] = [
      ["postgres://u:p@127.0.0.1/db", /--db/],
      [wrongPassword.href, /wrong user name or password/],
      [missing.href, /does not exist/],
    ];
    for (const [url, pattern] of cases) {
      const { code, stderr } = await runWithDb(url);
      assert.equal(code, 2, `exit code for ${url}: ${stderr}`);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, `one line for ${url}: ${stderr}`);
      assert.match(lines[0]!, pattern);
      assert.doesNotMatch(stderr, /not-the-password/, "no password in the message");
    }
  } finally {
    await db.drop();
  }
});
