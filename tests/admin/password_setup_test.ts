import assert from "node:assert/strict";
import {
  ADMIN_PASSWORD_SETTING,
  ensureAdminPassword,
  GENERATED_PASSWORD_PREFIX,
  resetAdminPassword,
} from "../../lib/admin/password_setup.ts";
import { verifyPassword } from "../../lib/auth/password.ts";
import { MemorySettings } from "./memory_control.ts";

Deno.test("ensureAdminPassword generates, prints once and stores only the hash", async () => {
  const settings = new MemorySettings();
  const printed: string[] = [];
  assert.deepEqual(await ensureAdminPassword(settings, null, (l) => printed.push(l)), "generated");
  assert.deepEqual(printed.length, 1);
  assert.ok(printed[0]!.startsWith(GENERATED_PASSWORD_PREFIX));
  const password = printed[0]!.slice(GENERATED_PASSWORD_PREFIX.length);
  assert.match(password, /^[A-Za-z0-9_-]{24}$/);
  const hash = settings.values.get(ADMIN_PASSWORD_SETTING)!;
  assert.ok(!hash.includes(password));
  assert.ok(await verifyPassword(hash, password));

  assert.deepEqual(await ensureAdminPassword(settings, null, (l) => printed.push(l)), "stored");
  assert.deepEqual(printed.length, 1, "a second start prints nothing");
});

Deno.test("ensureAdminPassword uses FASTCHAT_ADMIN_PASSWORD and replaces a stored hash", async () => {
  const settings = new MemorySettings();
  await ensureAdminPassword(settings, null, () => {});
  const printed: string[] = [];
  assert.deepEqual(
    await ensureAdminPassword(settings, "from-env-pw", (l) => printed.push(l)),
    "environment",
  );
  assert.deepEqual(printed, []);
  const hash = settings.values.get(ADMIN_PASSWORD_SETTING)!;
  assert.ok(await verifyPassword(hash, "from-env-pw"));
  await ensureAdminPassword(settings, "from-env-pw", () => {});
  assert.deepEqual(settings.values.get(ADMIN_PASSWORD_SETTING), hash, "same password: hash kept");
});

Deno.test("resetAdminPassword prints a new password that replaces the old one", async () => {
  const settings = new MemorySettings();
  const printed: string[] = [];
  await resetAdminPassword(settings, (l) => printed.push(l));
  await resetAdminPassword(settings, (l) => printed.push(l));
  const [first, second] = printed.map((l) => l.slice(GENERATED_PASSWORD_PREFIX.length));
  assert.notEqual(first, second);
  const hash = settings.values.get(ADMIN_PASSWORD_SETTING)!;
  assert.ok(await verifyPassword(hash, second!));
  assert.ok(!(await verifyPassword(hash, first!)));
});
