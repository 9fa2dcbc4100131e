import assert from "node:assert/strict";
import {
  type AdminIdentity,
  AdminSessions,
  sessionIdFromCookie,
} from "../../lib/admin/sessions.ts";

const ADMIN: AdminIdentity = { user: "admin", userId: null, role: "admin" };

Deno.test("AdminSessions ends a session after 30 idle minutes, and activity extends it", () => {
  let now = 0;
  const sessions = new AdminSessions(() => now);
  const a = sessions.create(ADMIN, "127.0.0.1:1");
  assert.match(a.id, /^[0-9a-f]{64}$/);
  assert.notEqual(sessions.create(ADMIN, "x").id, a.id);
  now += 29 * 60_000;
  assert.deepEqual(sessions.get(a.id)?.user, "admin");
  now += 29 * 60_000;
  assert.deepEqual(sessions.get(a.id, false)?.user, "admin", "the previous request extended it");
  now += 60_001;
  assert.deepEqual(sessions.get(a.id), null, "30 minutes after the last request it is gone");
});

Deno.test("AdminSessions ends a session after 12 hours even when active, and on delete", () => {
  let now = 0;
  const sessions = new AdminSessions(() => now);
  const a = sessions.create(ADMIN, "x");
  for (let i = 0; i < 48; i++) {
    now += 15 * 60_000;
    sessions.get(a.id);
  }
  assert.deepEqual(sessions.get(a.id), null);
  const b = sessions.create(ADMIN, "x");
  sessions.delete(b.id);
  assert.deepEqual(sessions.get(b.id), null);
});

Deno.test("sessionIdFromCookie finds the cookie among others and ignores malformed parts", () => {
  assert.deepEqual(sessionIdFromCookie("a=1; fastchat_admin=abc; b=2"), "abc");
  assert.deepEqual(sessionIdFromCookie("fastchat_admin="), null);
  assert.deepEqual(sessionIdFromCookie("garbage; other=1"), null);
  assert.deepEqual(sessionIdFromCookie(null), null);
});
