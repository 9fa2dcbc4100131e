/**
 * A flood of wrong passwords against the admin login, at the handler with a frozen clock, so
 * what the throttle decides does not depend on when a request arrives: the address stays
 * held exactly as long as the test says. The real-server test of the same attack
 * (`relay_e2e_test.ts`) checks only what cannot race with the throttle's delays.
 */
import assert from "node:assert/strict";
import { errorOf, harness, PASSWORD } from "./harness.ts";

const WRONG = "wrong password";

/** Six wrong passwords from 127.0.0.1: past the five free failures, the address waits. */
async function holdAddress(h: Awaited<ReturnType<typeof harness>>): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const res = await h.call("POST", "/api/login", { body: { user: "admin", password: WRONG } });
    assert.equal(res.status, 401, `failure ${i + 1}`);
    await res.body?.cancel();
  }
}

Deno.test("while a flood holds 127.0.0.1, the device cookie gets in and a forged one is throttled on the address", async () => {
  const h = await harness();
  const first = await h.call("POST", "/api/login", { body: { user: "admin", password: PASSWORD } });
  await first.body?.cancel();
  assert.equal(first.status, 200);
  const device = first.headers.getSetCookie().find((c) => c.startsWith("fastchat_admin_device="));
  assert.ok(device, "no device cookie");
  const deviceCookie = device.split(";")[0]!;
  const forgedCookie = deviceCookie.replace(/.$/, (c) => (c === "0" ? "1" : "0"));

  await holdAddress(h);
  const login = (password: string, cookie?: string) =>
    h.call("POST", "/api/login", { body: { user: "admin", password }, cookie });

  const without = await login(PASSWORD);
  assert.equal(without.status, 429, "the right password without a device cookie waits");
  assert.equal((await errorOf(without)).code, "rate_limited");

  const withDevice = await login(PASSWORD, deviceCookie);
  await withDevice.body?.cancel();
  assert.equal(withDevice.status, 200, "the browser with a device cookie gets in");

  const forged = await login(PASSWORD, forgedCookie);
  assert.equal(forged.status, 429, "a forged device cookie is throttled on the address");
  assert.equal((await errorOf(forged)).code, "rate_limited");
  const forgedWrong = await login(WRONG, forgedCookie);
  assert.equal(forgedWrong.status, 429, "a wrong password with a forged cookie too");
  await forgedWrong.body?.cancel();

  // The address's delay (1 s after the sixth failure) passes: the same forged cookie is now
  // just a login from 127.0.0.1, and its failure counts on the address (the 7th: 2 s).
  h.advance(1_000);
  const counted = await login(WRONG, forgedCookie);
  assert.equal(counted.status, 401);
  await counted.body?.cancel();
  const failures = h.logged.filter((l) => l.event === "admin_login_failed");
  assert.equal(failures.at(-1)!.fields.delay_ms, 2_000, "the 7th failure of the address");
  const held = await login(PASSWORD);
  assert.equal(held.status, 429, "the forged cookie's failure held the address");
  await held.body?.cancel();
});

Deno.test("a wrong password with the real device cookie counts on the device, not on the address", async () => {
  const h = await harness();
  const first = await h.call("POST", "/api/login", { body: { user: "admin", password: PASSWORD } });
  await first.body?.cancel();
  const deviceCookie = first.headers.getSetCookie().find((c) =>
    c.startsWith("fastchat_admin_device=")
  )!.split(";")[0]!;
  const wrong = await h.call("POST", "/api/login", {
    body: { user: "admin", password: WRONG },
    cookie: deviceCookie,
  });
  await wrong.body?.cancel();
  assert.equal(wrong.status, 401);
  assert.equal(h.logged.at(-1)!.fields.delay_ms, 0, "the device's first failure is free");
  // The address has no failure: five wrong passwords from it are still free.
  await holdAddress(h);
});
