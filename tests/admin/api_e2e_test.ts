/**
 * The admin API against a real server subprocess, with real protocol clients: each
 * moderation action's effect is observed on the clients' sockets.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { AdminClient } from "./admin_client.ts";
import { GENERATED_PASSWORD_PREFIX } from "../../lib/admin/password_setup.ts";

const PASSWORD = "test-admin-password";

/** Polls `check` until it returns true (the deadline only guards against a hang). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("kick: the client gets kicked and is closed, cannot log in until the time passes, can after", async () => {
  const server = await startServer();
  const clients: FrameClient[] = [];
  try {
    const alice = await FrameClient.connect(server.port);
    clients.push(alice);
    await alice.registerAndLogin("alice");
    await alice.ok({ type: "join", room: "general" });
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    const users = await admin.call("GET", "/api/users");
    assert.equal(users.body.users[0].user, "alice");
    assert.deepEqual(users.body.users[0].sessions[0].rooms, ["general"]);

    const kick = await admin.call("POST", "/api/kick", {
      user: "alice",
      duration: "2s",
      reason: "cool off",
    });
    assert.equal(kick.status, 200);
    const frame = await alice.next((f) => f.type === "kicked");
    assert.equal(frame.until, kick.body.until);
    assert.equal(frame.reason, "cool off");
    await alice.closed;

    const again = await FrameClient.connect(server.port);
    clients.push(again);
    const refused = await again.request({
      type: "login",
      user: "alice",
      password: "correct horse",
    });
    assert.equal(refused.code, "kicked");
    const moderation = await admin.call("GET", "/api/moderation");
    assert.equal(moderation.body.kicks[0].user, "alice");
    await eventually(async () => {
      const reply = await again.request({
        type: "login",
        user: "alice",
        password: "correct horse",
      });
      return reply.type === "ok";
    }, "login after the kick ended");
    const audit = await admin.call("GET", "/api/audit");
    const entry = audit.body.entries.find((e: { action: string }) => e.action === "kick");
    assert.equal(entry.target, "alice");
    assert.equal(entry.by, "admin");
    assert.match(entry.address, /^127\.0\.0\.1:\d+$/);
  } finally {
    for (const c of clients) c.close();
    await server.cleanup();
  }
});

Deno.test("mute: the client stays connected, say answers muted, and lifting the mute lets it speak", async () => {
  const server = await startServer();
  const bob = await FrameClient.connect(server.port);
  try {
    await bob.registerAndLogin("bob");
    await bob.ok({ type: "join", room: "general" });
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    const mute = await admin.call("POST", "/api/mute", { user: "bob", duration: "5m" });
    assert.equal(mute.status, 200);
    const muted = await bob.request({ type: "say", room: "general", text: "hello?" });
    assert.equal(muted.code, "muted");
    assert.equal(muted.until, mute.body.until);
    assert.equal(bob.isClosed, false);
    const lift = await admin.call("DELETE", "/api/mutes/bob");
    assert.equal(lift.status, 204);
    await bob.ok({ type: "say", room: "general", text: "free again" });
    const feed = await admin.call("GET", "/api/messages?room=general");
    assert.equal(feed.body.messages[0].text, "free again");
  } finally {
    bob.close();
    await server.cleanup();
  }
});

Deno.test("ban and unban: the client gets banned and is closed, login is refused until unbanned", async () => {
  const server = await startServer();
  const clients: FrameClient[] = [];
  try {
    const carol = await FrameClient.connect(server.port);
    clients.push(carol);
    await carol.registerAndLogin("carol");
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    assert.equal(
      (await admin.call("POST", "/api/ban", { user: "Carol", reason: "abuse" })).status,
      200,
    );
    const banned = await carol.next((f) => f.type === "banned");
    assert.equal(banned.reason, "abuse");
    await carol.closed;
    const again = await FrameClient.connect(server.port);
    clients.push(again);
    const refused = await again.request({
      type: "login",
      user: "carol",
      password: "correct horse",
    });
    assert.equal(refused.code, "banned");
    const list = await admin.call("GET", "/api/moderation");
    assert.deepEqual(list.body.bans.map((b: { user: string }) => b.user), ["carol"]);
    assert.equal((await admin.call("DELETE", "/api/bans/carol")).status, 204);
    await again.ok({ type: "login", user: "carol", password: "correct horse" });
    assert.deepEqual((await admin.call("GET", "/api/moderation")).body.bans, []);
    const unknown = await admin.call("POST", "/api/ban", { user: "nobody" });
    assert.equal(unknown.status, 404);
  } finally {
    for (const c of clients) c.close();
    await server.cleanup();
  }
});

Deno.test("kill with a delay: every client gets shutdown, all are closed, the server exits 0", async () => {
  const server = await startServer();
  const clients: FrameClient[] = [];
  try {
    const dave = await FrameClient.connect(server.port);
    const anonymous = await FrameClient.connect(server.port);
    clients.push(dave, anonymous);
    await dave.registerAndLogin("dave");
    await dave.ok({ type: "join", room: "general" });
    const said = await dave.ok({ type: "say", room: "general", text: "before the end" });
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    const res = await admin.call("POST", "/api/shutdown", { message: "maintenance", delay: 1 });
    assert.equal(res.status, 202);
    for (const client of clients) {
      const frame = await client.next((f) => f.type === "shutdown");
      assert.equal(frame.message, "maintenance");
      assert.equal(frame.in, 1);
    }
    await Promise.all(clients.map((c) => c.closed));
    assert.equal((await server.exited).code, 0);

    const restarted = await startServer({ db: server.db });
    try {
      const reader = await FrameClient.connect(restarted.port);
      clients.push(reader);
      await reader.registerAndLogin("erin");
      const history = await reader.ok({ type: "history", room: "general" });
      const messages = history.messages as { msgid: string; text: string }[];
      assert.equal(messages.at(-1)?.msgid, said.msgid);
      const admin2 = new AdminClient(restarted.adminPort);
      await admin2.login(PASSWORD);
      const audit = await admin2.call("GET", "/api/audit");
      assert.ok(audit.body.entries.some((e: { action: string }) => e.action === "shutdown"));
    } finally {
      for (const c of clients) c.close();
      await restarted.stop();
    }
  } finally {
    for (const c of clients) c.close();
    await server.cleanup();
  }
});

Deno.test("admin login over HTTP: wrong password 401, foreign Origin 403, throttled after five failures", async () => {
  const server = await startServer();
  try {
    const admin = new AdminClient(server.adminPort);
    assert.equal((await admin.call("GET", "/api/users")).status, 401);
    const foreign = await admin.call("POST", "/api/login", { user: "admin", password: PASSWORD }, {
      origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
    for (let i = 0; i < 6; i++) {
      const res = await admin.call("POST", "/api/login", { user: "admin", password: "wrong-one" });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, "bad_credentials");
    }
    const throttled = await admin.call("POST", "/api/login", { user: "admin", password: PASSWORD });
    assert.equal(throttled.status, 429);
    assert.equal(admin.cookie, "");
  } finally {
    await server.cleanup();
  }
});

Deno.test("generated password: printed once on first start, kept across restarts, replaced by --reset-admin-password", async () => {
  const noPassword = { FASTCHAT_ADMIN_PASSWORD: "" };
  const first = await startServer({ env: noPassword });
  const db = first.db;
  try {
    const line = first.stdout().find((l) => l.startsWith(GENERATED_PASSWORD_PREFIX));
    assert.ok(line, `no generated password in ${first.stdout().join("\n")}`);
    const generated = line.slice(GENERATED_PASSWORD_PREFIX.length);
    await new AdminClient(first.adminPort).login(generated);
    assert.equal(await first.stop(), 0);
    assert.ok(!first.log().includes(generated), "the password is not logged");

    const second = await startServer({ db, env: noPassword });
    try {
      assert.ok(!second.stdout().some((l) => l.startsWith(GENERATED_PASSWORD_PREFIX)));
      await new AdminClient(second.adminPort).login(generated);
    } finally {
      await second.stop();
    }

    const reset = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../server.ts", import.meta.url).pathname,
        "--db",
        db,
        "--reset-admin-password",
      ],
      env: noPassword,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(reset.code, 0, new TextDecoder().decode(reset.stderr));
    const out = new TextDecoder().decode(reset.stdout);
    const fresh = out.split("\n").find((l) => l.startsWith(GENERATED_PASSWORD_PREFIX))!
      .slice(GENERATED_PASSWORD_PREFIX.length);
    assert.notEqual(fresh, generated);

    const third = await startServer({ db, env: noPassword });
    try {
      const admin = new AdminClient(third.adminPort);
      assert.equal(
        (await admin.call("POST", "/api/login", { user: "admin", password: generated })).status,
        401,
      );
      await admin.login(fresh);
    } finally {
      await third.stop();
    }
  } finally {
    await first.cleanup();
  }
});
