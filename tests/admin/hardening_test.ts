/**
 * Issue 11, items 5 and 3 (admin side), against the handler: concurrent wrong passwords,
 * the `Host` allow-list, failed logins logged and audited, bearer-token throttling, and
 * bodies that are too large or cut off by the client.
 */
import assert from "node:assert/strict";
import { createAdminHandler } from "../../lib/admin/handler.ts";
import { errorOf, harness, ORIGIN } from "./harness.ts";
import { MemoryControl, MemorySettings } from "./memory_control.ts";

Deno.test("60 concurrent wrong passwords from one address: the attempts are counted before the hash, few are evaluated", async () => {
  const h = await harness();
  const replies = await Promise.all(
    Array.from(
      { length: 60 },
      () => h.call("POST", "/api/login", { body: { user: "admin", password: "wrong" } }),
    ),
  );
  const statuses = replies.map((r) => r.status);
  await Promise.all(replies.map((r) => r.body?.cancel()));
  const evaluated = statuses.filter((s) => s === 401).length;
  assert.equal(evaluated + statuses.filter((s) => s === 429).length, 60);
  // The fake clock stands still: after the free failures the address must wait, so at
  // most 6 of the 60 guesses can ever reach the password hash.
  assert.ok(evaluated >= 1 && evaluated <= 6, `evaluated ${evaluated} guesses`);
  const audited = h.control.auditLog.filter((e) => e.action === "login_failed");
  assert.equal(audited.length, evaluated, "every evaluated failure is audited");
});

Deno.test("a failed admin login is logged and audited with the name tried and the address", async () => {
  const h = await harness();
  const res = await h.call("POST", "/api/login", {
    body: { user: "root", password: "guess" },
    host: "192.0.2.7",
  });
  assert.equal(res.status, 401);
  await res.body?.cancel();
  const entry = h.control.auditLog.find((e) => e.action === "login_failed");
  assert.equal(entry?.by, "root");
  assert.equal(entry?.address, "192.0.2.7:50000");
  const line = h.logged.find((l) => l.event === "admin_login_failed");
  assert.equal(line?.fields.user, "root");
  assert.equal(line?.fields.address, "192.0.2.7:50000");
});

Deno.test("a flood of wrong passwords from 127.0.0.1 delays the real admin at most 30 s, never locks it out", async () => {
  const h = await harness();
  for (let i = 0; i < 40; i++) {
    const res = await h.call("POST", "/api/login", { body: { user: "admin", password: "x" } });
    await res.body?.cancel();
    h.advance(30_000);
  }
  const cookie = await h.login();
  assert.ok(cookie.startsWith("fastchat_admin="));
});

Deno.test("Host allow-list: an attacker's host name gets 421; localhost, IP literals and configured names pass", async () => {
  const auth = { authorization: "Bearer tok" };
  // The URL of a request carries its Host; build them with the names under test.
  const control = new MemoryControl(Date.now);
  const admin = createAdminHandler({
    control,
    settings: new MemorySettings(),
    token: "tok",
    hostNames: ["chat-admin.lan"],
  });
  const ask = (url: string) =>
    admin.handler(new Request(url, { headers: auth }), {
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    });
  const rebound = await ask("http://attacker.example:9080/api/session");
  assert.equal(rebound.status, 421);
  assert.equal((await errorOf(rebound)).code, "bad_host");
  for (
    const url of [
      "http://localhost:9080/api/session",
      "http://127.0.0.1:9080/api/session",
      "http://[::1]:9080/api/session",
      "http://10.1.2.3:9080/api/session",
      "http://CHAT-ADMIN.lan:9080/api/session",
    ]
  ) {
    const ok = await ask(url);
    assert.equal(ok.status, 200, url);
    await ok.body?.cancel();
  }
});

Deno.test("wrong bearer tokens are throttled per address and logged; the right token always passes", async () => {
  const h = await harness("right-token");
  for (let i = 0; i < 6; i++) {
    const res = await h.call("GET", "/api/stats", { headers: { authorization: "Bearer wrong" } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  const held = await h.call("GET", "/api/stats", { headers: { authorization: "Bearer wrong" } });
  assert.equal(held.status, 429, "a further wrong token waits");
  assert.ok(Number(held.headers.get("retry-after")) >= 1);
  await held.body?.cancel();
  assert.equal(h.logged.filter((l) => l.event === "admin_bad_token").length, 6);
  // The token is checked before the throttle: a local flood of wrong tokens (everything
  // local is 127.0.0.1) cannot hold back the script that holds the right one.
  const right = await h.call("GET", "/api/stats", {
    headers: { authorization: "Bearer right-token" },
  });
  assert.equal(right.status, 200);
  await right.body?.cancel();
});

Deno.test("Host headers that make the request URL unparsable are answered 400 bad_host, never 500", async () => {
  const h = await harness();
  const errors: unknown[] = [];
  const admin = createAdminHandler({
    control: h.control,
    settings: new MemorySettings(),
    onError: (error) => errors.push(error),
  });
  for (const host of ["evil.com:127.0.0.1", "xn--localhost", "a b"]) {
    // `Deno.serve` builds `req.url` from the Host header without validating it; a Request
    // whose `url` getter yields such a string is what the handler then sees.
    const req = new Request(ORIGIN + "/api/session");
    Object.defineProperty(req, "url", { value: `http://${host}/api/session` });
    const res = await admin.handler(req, {
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    });
    assert.equal(res.status, 400, host);
    assert.equal((await errorOf(res)).code, "bad_host", host);
  }
  assert.deepEqual(errors, [], "nothing is reported as an unexpected error");
  admin.close();
});

Deno.test("a chunked login body past 64 KiB is cut off at the limit: 413, and the rest is never read", async () => {
  const h = await harness();
  let pulled = 0;
  const chunk = new Uint8Array(16 * 1024).fill(0x20);
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const req = new Request(ORIGIN + "/api/login", { method: "POST", body });
  const res = await h.admin.handler(req, {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  });
  assert.equal(res.status, 413);
  assert.equal((await errorOf(res)).code, "too_large");
  assert.ok(cancelled, "the body stream is cancelled");
  assert.ok(pulled <= 128 * 1024, `read ${pulled} bytes`);
});

Deno.test("a body the client aborts mid-way is answered 400 aborted and logged as info, not a 500", async () => {
  const h = await harness();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"user":"adm'));
      controller.error(new Error("connection reset"));
    },
  });
  const req = new Request(ORIGIN + "/api/login", { method: "POST", body });
  const res = await h.admin.handler(req, {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  });
  assert.equal(res.status, 400);
  assert.equal((await errorOf(res)).code, "aborted");
  assert.ok(h.logged.some((l) => l.event === "admin_request_aborted"));
});
