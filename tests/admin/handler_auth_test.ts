import assert from "node:assert/strict";
import { errorOf, harness, ORIGIN, PASSWORD } from "./harness.ts";

/** Every route behind the login, with a valid body where one is needed. */
const PROTECTED: [string, string, unknown?][] = [
  ["GET", "/api/session"],
  ["POST", "/api/logout"],
  ["GET", "/api/users"],
  ["GET", "/api/rooms"],
  ["POST", "/api/rooms", { name: "x" }],
  ["DELETE", "/api/rooms/general"],
  ["PUT", "/api/rooms/general/topic", { topic: "t" }],
  ["GET", "/api/messages"],
  ["GET", "/api/stats"],
  ["POST", "/api/kick", { user: "alice", duration: "5m" }],
  ["POST", "/api/mute", { user: "alice", duration: "5m" }],
  ["POST", "/api/ban", { user: "alice" }],
  ["GET", "/api/moderation"],
  ["DELETE", "/api/kicks/alice"],
  ["DELETE", "/api/mutes/alice"],
  ["DELETE", "/api/bans/alice"],
  ["POST", "/api/shutdown", {}],
  ["GET", "/api/audit"],
  ["GET", "/api/events"],
  ["GET", "/metrics"],
];

Deno.test("every admin route without a session answers 401 and does nothing", async () => {
  const h = await harness();
  for (const [method, path, body] of PROTECTED) {
    const res = await h.call(method, path, { body });
    assert.equal(res.status, 401, `${method} ${path}`);
    assert.equal((await errorOf(res)).code, "unauthorized");
  }
  assert.deepEqual(h.control.sanctionList, []);
  assert.deepEqual(h.control.shutdownCalls, []);
});

Deno.test("every admin route with a made-up session cookie answers 401", async () => {
  const h = await harness();
  for (const [method, path, body] of PROTECTED) {
    const res = await h.call(method, path, { body, cookie: "fastchat_admin=" + "0".repeat(64) });
    assert.equal(res.status, 401, `${method} ${path}`);
    await res.body?.cancel();
  }
});

Deno.test("every route with a foreign Origin answers 403, even with a valid session", async () => {
  const h = await harness();
  const cookie = await h.login();
  const foreign = [
    "http://evil.example",
    "http://127.0.0.1:9081",
    "https://127.0.0.1:9080",
    "null",
  ];
  for (
    const [method, path, body] of [
      ...PROTECTED,
      ["POST", "/api/login", {}] as [string, string, unknown],
    ]
  ) {
    for (const origin of foreign) {
      const res = await h.call(method, path, { body, cookie, origin });
      assert.equal(res.status, 403, `${method} ${path} from ${origin}`);
      assert.equal((await errorOf(res)).code, "forbidden_origin");
    }
  }
  assert.deepEqual(h.control.sanctionList, []);
  assert.deepEqual(h.control.shutdownCalls, []);
});

Deno.test("a state-changing request marked Sec-Fetch-Site cross-site answers 403", async () => {
  const h = await harness();
  const cookie = await h.login();
  const res = await h.call("POST", "/api/ban", {
    body: { user: "alice" },
    cookie,
    headers: { "sec-fetch-site": "cross-site" },
  });
  assert.equal(res.status, 403);
  await res.body?.cancel();
  assert.deepEqual(h.control.sanctionList, []);
});

Deno.test("login with the page's own Origin sets an HttpOnly SameSite=Strict cookie", async () => {
  const h = await harness();
  const res = await h.call("POST", "/api/login", {
    body: { user: "admin", password: PASSWORD },
    origin: ORIGIN,
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { user: "admin", role: "admin" });
  const cookie = res.headers.get("set-cookie")!;
  assert.match(cookie, /^fastchat_admin=[0-9a-f]{64};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const session = await h.call("GET", "/api/session", { cookie: cookie.split(";")[0] });
  assert.deepEqual(await session.json(), { user: "admin" });
  assert.equal(h.control.auditLog[0]?.action, "login");
});

Deno.test("login with a wrong password or a wrong name gets the same 401", async () => {
  const h = await harness();
  const wrongPassword = await h.call("POST", "/api/login", {
    body: { user: "admin", password: "nope-nope" },
  });
  const wrongName = await h.call("POST", "/api/login", {
    body: { user: "root", password: PASSWORD },
  });
  assert.equal(wrongPassword.status, 401);
  assert.equal(wrongName.status, 401);
  assert.equal(wrongPassword.headers.get("set-cookie"), null);
  assert.deepEqual(await wrongPassword.json(), await wrongName.json());
});

Deno.test("login with bad bodies answers 400: not JSON, an array, missing or mistyped fields", async () => {
  const h = await harness();
  const cases: [string, RegExp][] = [
    ["{oops", /Cannot parse body/],
    ["[1,2]", /JSON object/],
    ['{"user":"admin"}', /"password" is missing/],
    ['{"user":1,"password":"x"}', /"user" must be a string/],
  ];
  for (const [raw, message] of cases) {
    const res = await h.call("POST", "/api/login", { raw });
    assert.equal(res.status, 400, raw);
    const error = await errorOf(res);
    assert.equal(error.code, "bad_request");
    assert.match(error.message, message);
  }
});

Deno.test("failed logins are throttled per address after five failures, the right password included", async () => {
  const h = await harness();
  const attempt = (password: string, host = "10.0.0.1") =>
    h.call("POST", "/api/login", { body: { user: "admin", password }, host });
  for (let i = 0; i < 6; i++) {
    const res = await attempt("wrong-password");
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  const throttled = await attempt(PASSWORD);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), "1");
  assert.equal((await errorOf(throttled)).code, "rate_limited");
  const elsewhere = await attempt(PASSWORD, "10.0.0.2");
  assert.equal(elsewhere.status, 200, "another address is not throttled");
  await elsewhere.body?.cancel();
  h.advance(1_000);
  const later = await attempt(PASSWORD);
  assert.equal(later.status, 200, "after the delay the right password works");
  await later.body?.cancel();
});

Deno.test("logout ends the session and clears the cookie", async () => {
  const h = await harness();
  const cookie = await h.login();
  const res = await h.call("POST", "/api/logout", { cookie, origin: ORIGIN });
  assert.equal(res.status, 204);
  assert.match(res.headers.get("set-cookie")!, /Max-Age=0/);
  const after = await h.call("GET", "/api/users", { cookie });
  assert.equal(after.status, 401);
  await after.body?.cancel();
  assert.deepEqual(h.control.auditLog.map((e) => e.action), ["logout", "login"]);
});

Deno.test("a session expires after 30 idle minutes", async () => {
  const h = await harness();
  const cookie = await h.login();
  h.advance(20 * 60_000);
  assert.equal((await h.call("GET", "/api/users", { cookie })).status, 200);
  h.advance(20 * 60_000);
  assert.equal((await h.call("GET", "/api/users", { cookie })).status, 200);
  h.advance(30 * 60_000);
  const res = await h.call("GET", "/api/users", { cookie });
  assert.equal(res.status, 401);
  await res.body?.cancel();
});

Deno.test("the bearer token works when configured; a wrong or unconfigured token gets 401", async () => {
  const h = await harness("s3cret-token");
  const ok = await h.call("POST", "/api/ban", {
    body: { user: "bob" },
    headers: { authorization: "Bearer s3cret-token" },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  assert.equal(h.control.auditLog[0]?.by, "admin");
  const wrong = await h.call("GET", "/metrics", { headers: { authorization: "Bearer nope" } });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();

  const off = await harness(null);
  const res = await off.call("GET", "/api/users", { headers: { authorization: "Bearer x" } });
  assert.equal(res.status, 401);
  await res.body?.cancel();
});
