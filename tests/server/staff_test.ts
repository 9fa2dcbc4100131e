/**
 * Staff (issue 15, PROTOCOL.md "Staff" and "Admin HTTP API added") against the real server
 * and store (in-process on SQLite, over TCP on MySQL): staff log in to the admin API with
 * their chat credentials; a moderator gets 403 `forbidden` on every admin-only route and 2xx
 * on the moderator routes; an admin grants and revokes roles (a revoked member's session
 * gets 401 at once); the audit log names the person; the accounts directory pages every
 * account once. Bad input: an unknown user (404), a bad role (400), revoking the last admin
 * (409 `last_admin`: `admin` stays), an accounts limit of 0 or 201 (400).
 */
import assert from "node:assert/strict";
import { API_ROUTES, isAdminOnly } from "../../lib/admin/api_routes.ts";
import {
  admin,
  ADMIN_TOKEN,
  closeAll,
  loggedIn,
  PASSWORD,
  startServer,
  type TestServer,
  uniqueName,
} from "./support.ts";

const ADMIN_PASSWORD = "staff-test-admin-password";
const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN, FASTCHAT_ADMIN_PASSWORD: ADMIN_PASSWORD };

interface Reply {
  status: number;
  body: Record<string, unknown> | null;
}

/** An admin API session of one person (by cookie). */
class StaffSession {
  constructor(readonly port: number, readonly cookie: string) {}

  static async login(port: number, user: string, password = PASSWORD): Promise<StaffSession> {
    const res = await fetch(`http://127.0.0.1:${port}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, password }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, `login of ${user}: ${JSON.stringify(body)}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("fastchat_admin="));
    assert.ok(cookie, "a session cookie");
    return new StaffSession(port, cookie.split(";")[0]!);
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: { cookie: this.cookie, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? null : JSON.parse(text) };
  }
}

async function tryLogin(port: number, user: string, password: string): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, password }),
  });
  return { status: res.status, body: await res.json() };
}

async function grant(server: TestServer, user: string, role: string): Promise<Reply> {
  return await admin(server.adminPort, "PUT", `/api/staff/${encodeURIComponent(user)}`, {
    role,
  }) as Reply;
}

/** A concrete path for a route's pattern (each named group filled with `x`). */
function samplePath(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, "").replace(/\$$/, "").replace(/\(\?<\w+>\[\^\/\]\+\)/g, "1")
    .replaceAll("\\/", "/").replace(/\((\?<\w+>)?([a-z-]+)(\|[a-z-]+)*\)/g, "$2");
}

Deno.test("staff: a moderator logs in with chat credentials, gets 403 forbidden on every admin-only route and 2xx on moderator routes", async () => {
  const server = await startServer({ env: ENV });
  const mod = await loggedIn(server.port, uniqueName("mod"));
  const victim = await loggedIn(server.port, uniqueName("vic"));
  try {
    assert.ok((mod.received[0]!.features as string[]).includes("staff"), "welcome lists staff");
    assert.equal((await grant(server, mod.user, "moderator")).status, 200);
    const session = await StaffSession.login(server.adminPort, mod.user);
    assert.deepEqual((await session.call("GET", "/api/me")).body, {
      user: mod.user,
      role: "moderator",
    });

    const adminOnly = API_ROUTES.filter(isAdminOnly);
    assert.ok(adminOnly.length >= 10, "the admin-only routes are flagged");
    for (const route of adminOnly) {
      const path = samplePath(route.pattern);
      assert.match(path, /^\/api\/[a-z0-9/-]+$/, `sample path of ${route.pattern}`);
      const body = route.method === "GET" ? undefined : {};
      const reply = await session.call(route.method, `${path}?user=x&name=x`, body);
      assert.equal(reply.status, 403, `${route.method} ${path}: ${JSON.stringify(reply.body)}`);
      assert.equal((reply.body?.error as { code: string }).code, "forbidden");
    }

    await victim.ok({ type: "join", room: "general" });
    const said = await victim.ok({ type: "say", room: "general", text: "rude words" });
    const other = await victim.ok({ type: "say", room: "general", text: "more rude words" });
    const reporter = await loggedIn(server.port, uniqueName("rep"));
    const report = await reporter.ok({ type: "report", msgid: other.msgid, reason: "rude" });
    closeAll(reporter);
    const allowed: [string, string, unknown?][] = [
      ["GET", "/api/users"],
      ["GET", "/api/rooms"],
      ["GET", "/api/stats"],
      ["GET", "/api/moderation"],
      ["GET", "/api/messages"],
      ["GET", "/api/audit"],
      ["GET", "/api/reports"],
      ["GET", "/api/staff"],
      ["GET", "/api/accounts"],
      ["GET", `/api/accounts/${victim.user}`],
      ["POST", "/api/mute", { user: victim.user, duration: "5m" }],
      ["DELETE", `/api/mutes/${victim.user}`],
      ["PUT", "/api/rooms/general/topic", { topic: "be nice" }],
      ["PUT", "/api/rooms/general/slowmode", { seconds: 0 }],
      ["DELETE", `/api/messages/${said.msgid}`],
      ["POST", `/api/reports/${report.report}`, { action: "dismiss" }],
      ["POST", "/api/kick", { user: victim.user, duration: "1m" }],
      ["DELETE", `/api/kicks?user=${victim.user}`],
    ];
    for (const [method, path, body] of allowed) {
      const reply = await session.call(method, path, body);
      assert.ok(reply.status >= 200 && reply.status < 300, `${method} ${path}: ${reply.status}`);
    }

    // Every action names the moderator.
    const audit = await session.call("GET", "/api/audit");
    const entries = audit.body!.entries as { by: string; action: string }[];
    for (const action of ["mute", "kick", "login"]) {
      const entry = entries.find((e) => e.action === action);
      assert.equal(entry?.by, mod.user, `audit ${action} names the moderator`);
    }
  } finally {
    closeAll(mod, victim);
    await server.stop();
  }
});

Deno.test("staff: an admin grants and revokes roles; a revoked member's session gets 401 at once; a demoted admin loses admin routes", async () => {
  const server = await startServer({ env: ENV });
  const bob = await loggedIn(server.port, uniqueName("bob"));
  const carol = await loggedIn(server.port, uniqueName("carol"));
  try {
    // A chat account without a role gets the same 401 as a wrong password.
    const noRole = await tryLogin(server.adminPort, carol.user, PASSWORD);
    const wrong = await tryLogin(server.adminPort, carol.user, "not the password");
    assert.equal(noRole.status, 401);
    assert.deepEqual(noRole, wrong);

    const granted = await grant(server, bob.user, "admin");
    assert.deepEqual(granted, { status: 200, body: { user: bob.user, role: "admin" } });
    const bobSession = await StaffSession.login(server.adminPort, bob.user);
    assert.deepEqual((await bobSession.call("GET", "/api/me")).body, {
      user: bob.user,
      role: "admin",
    });
    // bob, an admin, grants carol a role: the staff list and the audit log name bob.
    const toCarol = await bobSession.call("PUT", `/api/staff?user=${carol.user}`, {
      role: "moderator",
    });
    assert.deepEqual(toCarol, { status: 200, body: { user: carol.user, role: "moderator" } });
    const staff = (await bobSession.call("GET", "/api/staff")).body!.staff as {
      user: string;
      role: string;
      since: string;
      by: string;
    }[];
    const carolEntry = staff.find((s) => s.user === carol.user);
    assert.equal(carolEntry?.role, "moderator");
    assert.equal(carolEntry?.by, bob.user);
    assert.match(carolEntry!.since, /^\d{4}-\d\d-\d\dT/);
    const audit = (await bobSession.call("GET", "/api/audit")).body!.entries as {
      by: string;
      action: string;
      target: string;
    }[];
    const grantEntry = audit.find((e) => e.action === "staff_grant" && e.target === carol.user);
    assert.equal(grantEntry?.by, bob.user);

    const carolSession = await StaffSession.login(server.adminPort, carol.user);
    assert.equal((await carolSession.call("GET", "/api/users")).status, 200);
    // Revoking ends carol's session at once.
    assert.equal((await bobSession.call("DELETE", `/api/staff/${carol.user}`)).status, 204);
    const after = await carolSession.call("GET", "/api/users");
    assert.equal(after.status, 401);
    assert.equal((after.body!.error as { code: string }).code, "unauthorized");
    assert.equal((await carolSession.call("GET", "/api/me")).status, 401);
    // …and she can no longer log in.
    assert.equal((await tryLogin(server.adminPort, carol.user, PASSWORD)).status, 401);

    // Demoting bob takes effect on his next request.
    assert.equal((await grant(server, bob.user, "moderator")).status, 200);
    assert.deepEqual((await bobSession.call("GET", "/api/me")).body, {
      user: bob.user,
      role: "moderator",
    });
    const forbidden = await bobSession.call("PUT", `/api/staff/${carol.user}`, { role: "admin" });
    assert.equal(forbidden.status, 403);

    // The bearer token acts as the owner, "admin".
    const entries = (await admin(server.adminPort, "GET", "/api/audit")).body as {
      entries: { by: string; action: string; target: string }[];
    };
    const demote = entries.entries.find((e) => e.action === "staff_grant" && e.target === bob.user);
    assert.equal(demote?.by, "admin");
  } finally {
    closeAll(bob, carol);
    await server.stop();
  }
});

Deno.test("staff: bad input — an unknown user (404 no_such_user), a bad role (400), revoking or demoting the last admin (409 last_admin: admin stays)", async () => {
  const server = await startServer({ env: ENV });
  const dan = await loggedIn(server.port, uniqueName("dan"));
  try {
    const unknown = await grant(server, uniqueName("nobody"), "moderator");
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body!.error as { code: string }).code, "no_such_user");
    const unknownRevoke = await admin(server.adminPort, "DELETE", `/api/staff/${uniqueName("no")}`);
    assert.equal(unknownRevoke.status, 404);

    for (const role of ["owner", "", 1, null]) {
      const bad = await grant(server, dan.user, role as string);
      assert.equal(bad.status, 400, `role ${JSON.stringify(role)}`);
      assert.equal((bad.body!.error as { code: string }).code, "bad_request");
    }
    const noBody = await admin(server.adminPort, "PUT", `/api/staff/${dan.user}`);
    assert.equal(noBody.status, 400);

    for (const name of ["admin", "ADMIN"]) {
      const revoke = await admin(server.adminPort, "DELETE", `/api/staff/${name}`);
      assert.equal(revoke.status, 409, JSON.stringify(revoke.body));
      assert.equal((revoke.body as { error: { code: string } }).error.code, "last_admin");
      const demote = await grant(server, name, "moderator");
      assert.equal(demote.status, 409);
    }
    // admin stays an admin and can still log in.
    const me = await StaffSession.login(server.adminPort, "admin", ADMIN_PASSWORD);
    assert.deepEqual((await me.call("GET", "/api/me")).body, { user: "admin", role: "admin" });

    // Revoking a role the account does not hold is a no-op: 204.
    assert.equal((await admin(server.adminPort, "DELETE", `/api/staff/${dan.user}`)).status, 204);
    // No staff change was stored by the refusals.
    const staff = (await admin(server.adminPort, "GET", "/api/staff")).body as {
      staff: { user: string }[];
    };
    assert.ok(!staff.staff.some((s) => s.user === dan.user || s.user === "admin"));
  } finally {
    closeAll(dan);
    await server.stop();
  }
});

Deno.test("accounts: paging by name returns every account once; query is a case-insensitive substring; limit 0 and 201 are 400; detail shows sanctions and history", async () => {
  const server = await startServer({ env: ENV });
  const tag = uniqueName("acc").replace("acc_", "");
  const names = ["Zed", "amy", "Bea", "cal", "Dee", "eve", "Fay"].map((n) => `${n}_${tag}`);
  const clients = [];
  try {
    for (const name of names) clients.push(await loggedIn(server.port, name));
    clients.at(-1)!.close();

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = new URLSearchParams({ query: tag.toUpperCase(), limit: "2" });
      if (after) query.set("after", after);
      const reply = await admin(server.adminPort, "GET", `/api/accounts?${query}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const body = reply.body as {
        accounts: {
          user: string;
          created: string;
          lastSeen: string | null;
          online: boolean;
          role: string | null;
        }[];
        more: boolean;
      };
      assert.ok(body.accounts.length <= 2);
      for (const a of body.accounts) {
        seen.push(a.user);
        assert.match(a.created, /^\d{4}-\d\d-\d\dT/);
        assert.ok(a.lastSeen !== null, `${a.user} was seen at login`);
        assert.equal(a.role, null);
      }
      after = body.accounts.at(-1)?.user;
      if (!body.more) break;
    }
    const folded = [...names].sort((a, b) => a.toLowerCase() < b.toLowerCase() ? -1 : 1);
    assert.deepEqual(seen, folded, "every account once, in folded order");

    const online = (await admin(server.adminPort, "GET", `/api/accounts?query=${names[1]}`))
      .body as { accounts: { user: string; online: boolean }[] };
    assert.deepEqual(online.accounts.map((a) => [a.user, a.online]), [[names[1], true]]);
    const none = (await admin(server.adminPort, "GET", `/api/accounts?query=%25_${tag}`))
      .body as { accounts: unknown[]; more: boolean };
    assert.deepEqual(none, { accounts: [], more: false }, "% and _ match themselves");

    for (const limit of ["0", "201", "-1", "abc", "1.5"]) {
      const bad = await admin(server.adminPort, "GET", `/api/accounts?limit=${limit}`);
      assert.equal(bad.status, 400, `limit ${limit}`);
    }
    assert.equal((await admin(server.adminPort, "GET", "/api/accounts?limit=200")).status, 200);

    await admin(server.adminPort, "POST", "/api/mute", {
      user: names[2],
      duration: "1h",
      reason: "noise",
    });
    const detail = await admin(server.adminPort, "GET", `/api/accounts?user=${names[2]}`);
    assert.equal(detail.status, 200);
    const d = detail.body as {
      user: string;
      sanctions: { kind: string; reason: string; by: string }[];
      history: { action: string; by: string }[];
    };
    assert.equal(d.user, names[2]);
    assert.deepEqual(d.sanctions.map((s) => [s.kind, s.reason, s.by]), [[
      "mute",
      "noise",
      "admin",
    ]]);
    assert.equal(d.history[0]?.action, "mute");
    const byPath = await admin(server.adminPort, "GET", `/api/accounts/${names[2]}`);
    assert.deepEqual(byPath.body, detail.body);
    const missing = await admin(server.adminPort, "GET", `/api/accounts/${uniqueName("none")}`);
    assert.equal(missing.status, 404);
  } finally {
    closeAll(...clients);
    await server.stop();
  }
});

Deno.test("staff: bad input a banned moderator's open admin session ends at once (401), and no action goes through", async () => {
  const server = await startServer({ env: ENV });
  const dave = await loggedIn(server.port, uniqueName("dave"));
  const erin = await loggedIn(server.port, uniqueName("erin"));
  try {
    assert.equal((await grant(server, dave.user, "moderator")).status, 200);
    const session = await StaffSession.login(server.adminPort, dave.user);
    assert.equal((await session.call("GET", "/api/me")).status, 200);
    assert.equal(
      (await admin(server.adminPort, "POST", "/api/ban", { user: dave.user })).status,
      200,
    );
    assert.equal((await session.call("GET", "/api/me")).status, 401);
    const kick = await session.call("POST", "/api/kick", { user: erin.user, duration: "1m" });
    assert.equal(kick.status, 401);
    const entries = (await admin(server.adminPort, "GET", "/api/audit")).body as {
      entries: { by: string; action: string }[];
    };
    assert.ok(!entries.entries.some((e) => e.by === dave.user && e.action === "kick"));
  } finally {
    closeAll(dave, erin);
    await server.stop();
  }
});

Deno.test("staff: a moderator's admin sessions begun before a change of their chat password end (401); a login with the new one works", async () => {
  const server = await startServer({ env: ENV });
  const frank = await loggedIn(server.port, uniqueName("frank"));
  try {
    assert.equal((await grant(server, frank.user, "moderator")).status, 200);
    const before = await StaffSession.login(server.adminPort, frank.user);
    assert.equal((await before.call("GET", "/api/me")).status, 200);
    const fresh = "a new chat passphrase";
    await frank.ok({ type: "password", old: PASSWORD, new: fresh });
    assert.equal((await before.call("GET", "/api/me")).status, 401);
    assert.equal((await before.call("GET", "/api/users")).status, 401);
    const after = await StaffSession.login(server.adminPort, frank.user, fresh);
    assert.equal((await after.call("GET", "/api/me")).status, 200);
  } finally {
    closeAll(frank);
    await server.stop();
  }
});
