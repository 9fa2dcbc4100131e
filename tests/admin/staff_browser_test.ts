/**
 * Staff in a real Chromium against a real server (issue 15): an admin grants and revokes
 * roles in the Staff section; a moderator logs in with their chat credentials, sees no
 * admin-only control, and forcing an admin-only call from the page's context gets 403
 * `forbidden`; a report made from a real client appears live in the Reports queue, and
 * "Delete message…" removes the message from a second client. Screenshots at 1280 and
 * 420 px go to `test-artifacts/admin/`.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import type { Page } from "../deps/playwright_core.ts";
import { type Browser, openBrowser, openSection as go, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

const CHAT_PASSWORD = "correct horse";

async function logIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("live").filter({ hasText: "live" }).waitFor();
}

/** Calls the API from the page's own context (its cookie, its origin). */
async function forced(
  page: Page,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; code: string | null }> {
  return await page.evaluate(async ([method, path, body]) => {
    const res = await fetch(path as string, {
      method: method as string,
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    return { status: res.status, code: json?.error?.code ?? null };
  }, [method, path, body] as const);
}

Deno.test({
  ...requiring("admin page: staff roles, a moderator's view, the live report queue", "chromium"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const server = await startServer();
    const url = `http://127.0.0.1:${server.adminPort}/`;
    const clients: FrameClient[] = [];
    // One browser a person: each its own profile, so its own session cookie.
    const browsers: Browser[] = [];
    const open = async () => {
      const browser = await openBrowser({ locale: "en-US" });
      browsers.push(browser);
      return browser;
    };
    try {
      const connect = async (user: string) => {
        const client = await FrameClient.connect(server.port);
        clients.push(client);
        await client.registerAndLogin(user, CHAT_PASSWORD);
        await client.ok({ type: "join", room: "general" });
        return client;
      };
      const ann = await connect("ann");
      const bob = await connect("bob");
      await connect("moddy");
      await connect("carl");

      const { page: adminPage, pageErrors: adminErrors } = await open();
      await logIn(adminPage, url, "admin", "test-admin-password");

      await t.step("an admin grants and revokes roles in the Staff section", async () => {
        await go(adminPage, "Staff");
        const form = adminPage.getByTestId("role-form").last();
        for (const user of ["moddy", "carl"]) {
          await form.getByLabel("Account name").fill(user);
          await form.getByLabel("Role").selectOption("moderator");
          await form.getByRole("button", { name: "Grant" }).click();
          await adminPage.locator(`[data-testid="staff"] [data-user="${user}"]`).waitFor();
        }
        const carl = adminPage.locator('[data-testid="staff"] [data-user="carl"]');
        await carl.getByRole("button", { name: "Revoke" }).click();
        await adminPage.getByTestId("confirm").getByRole("button", { name: "Revoke carl" })
          .click();
        await carl.waitFor({ state: "detached" });
        await shot(adminPage, "20-staff-admin-1280");
      });

      const { page: modPage, pageErrors: modErrors } = await open();

      await t.step(
        "a moderator logs in with chat credentials and sees no admin-only control",
        async () => {
          await logIn(modPage, url, "moddy", CHAT_PASSWORD);
          await modPage.getByTestId("who").filter({ hasText: "moderator" }).waitFor();
          await go(modPage, "Users");
          const row = modPage.locator('[data-testid="user-row"][data-user="ann"]');
          await row.getByRole("button", { name: "Kick", exact: true }).waitFor();
          assert.equal(await row.getByRole("button", { name: "Ban", exact: true }).count(), 0);
          await go(modPage, "Server");
          assert.equal(await modPage.getByRole("button", { name: "Shut down…" }).count(), 0);
          await go(modPage, "Rooms");
          assert.equal(await modPage.getByLabel("New room name").count(), 0);
          await go(modPage, "Staff");
          assert.equal(await modPage.getByRole("button", { name: "Revoke" }).count(), 0);
          assert.equal(await modPage.getByTestId("role-form").count(), 0);
        },
      );

      await t.step(
        "forcing admin-only calls from the moderator's page gets 403 forbidden",
        async () => {
          const calls: [string, string, unknown][] = [
            ["POST", "/api/ban", { user: "ann" }],
            ["POST", "/api/shutdown", { delay: 0 }],
            ["POST", "/api/rooms", { name: "sneaky" }],
            ["POST", "/api/address-bans", { address: "203.0.113.9" }],
            ["PUT", "/api/staff/carl", { role: "admin" }],
            ["DELETE", "/api/staff/moddy", {}],
          ];
          for (const [method, path, body] of calls) {
            assert.deepEqual(await forced(modPage, method, path, body), {
              status: 403,
              code: "forbidden",
            }, `${method} ${path}`);
          }
          const mod = await forced(modPage, "POST", "/api/mute", { user: "carl", duration: "1m" });
          assert.equal(mod.status, 200, "a moderator route works");
        },
      );

      await t.step(
        "a report from a real client appears live; Delete removes it from a second client",
        async () => {
          await go(modPage, "Reports");
          const said = await ann.ok({ type: "say", room: "general", text: "buy cheap watches" });
          const filed = await bob.ok({ type: "report", msgid: said.msgid, reason: "spam" });
          const row = modPage.locator(`[data-report="${filed.report}"]`);
          await row.filter({ hasText: "buy cheap watches" }).waitFor();
          await shot(modPage, "21-reports-moderator-1280");
          await row.getByRole("button", { name: "Delete message…" }).click();
          await modPage.getByTestId("confirm").getByRole("button", { name: "Delete message" })
            .click();
          const deleted = await bob.next((f) => f.type === "deleted" && f.msgid === said.msgid);
          assert.equal(deleted.by, "moddy", "the deletion names the moderator");
          await modPage.setViewportSize({ width: 420, height: 900 });
          await go(modPage, "Reports");
          await shot(modPage, "22-reports-moderator-420");
          await modPage.setViewportSize({ width: 1280, height: 900 });
        },
      );

      await t.step("revoking the moderator's role ends the page's session at once", async () => {
        await go(adminPage, "Staff");
        const moddy = adminPage.locator('[data-testid="staff"] [data-user="moddy"]');
        await moddy.getByRole("button", { name: "Revoke" }).click();
        await adminPage.getByTestId("confirm").getByRole("button", { name: "Revoke moddy" })
          .click();
        await moddy.waitFor({ state: "detached" });
        assert.equal((await forced(modPage, "GET", "/api/me", undefined)).status, 401);
        await adminPage.setViewportSize({ width: 420, height: 900 });
        await shot(adminPage, "23-staff-admin-420");
      });

      assert.deepEqual([...adminErrors, ...modErrors], []);
    } finally {
      for (const c of clients) c.close();
      for (const browser of browsers) await browser.close();
      await server.cleanup();
    }
  },
});
