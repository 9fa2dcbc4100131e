/**
 * The admin page in a real Chromium (Debian's, driven by playwright-core) against a real
 * server and real protocol clients: log in, watch a client appear, kick it, ban and unban,
 * check that user text is shown as text, then shut the server down (after a confirmation)
 * and see the page say so. Screenshots go to `test-artifacts/admin/`.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import type { Page } from "../deps/playwright_core.ts";
import { openBrowser, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

const XSS = "<img src=x onerror=alert(1)>";

/** Opens a section from the navigation bar. */
async function go(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", {
    name: label,
    exact: true,
  }).click();
}

Deno.test({
  ...requiring(
    "admin page end to end: login, live user, kick 30s, audit, ban/unban, XSS shown as text, narrow layout, kill, disconnected state",
    "chromium",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer();
    const clients: FrameClient[] = [];
    // These tests read the page's English labels (the French path: browser_french_test.ts).
    const browser = await openBrowser({ locale: "en-US" });
    try {
      const { page, pageErrors } = browser;
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`http://127.0.0.1:${server.adminPort}/`);

      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").filter({ hasText: "Wrong user name or password" }).waitFor();
      await page.getByLabel("Password").fill("test-admin-password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByTestId("live").filter({ hasText: "live" }).waitFor();

      const mallory = await FrameClient.connect(server.port);
      clients.push(mallory);
      await mallory.registerAndLogin("mallory");
      await mallory.ok({ type: "join", room: "general" });
      await mallory.ok({ type: "say", room: "general", text: XSS });
      const row = page.locator('[data-testid="user-row"][data-user="mallory"]');
      await row.waitFor();
      await row.getByText("general").waitFor();
      await shot(page, "01-live-user");
      await go(page, "Messages");
      await page.getByTestId("messages").getByText(XSS, { exact: true }).waitFor();
      assert.equal(await page.getByTestId("messages").locator("img").count(), 0);
      await go(page, "Users");

      await row.getByRole("button", { name: "Kick" }).click();
      await row.getByRole("button", { name: "30s" }).click();
      await row.getByRole("button", { name: "Kick mallory" }).click();
      const kicked = await mallory.next((f) => f.type === "kicked");
      assert.equal(typeof kicked.until, "string");
      await mallory.closed;
      await row.waitFor({ state: "detached" });
      await go(page, "Sanctions");
      await page.getByTestId("kicks").getByText("mallory").waitFor();
      await go(page, "Audit");
      await page.getByTestId("audit").locator("li", { hasText: "kick" }).filter({
        hasText: "mallory",
      })
        .first().waitFor();
      await shot(page, "02-kicked");

      await go(page, "Sanctions");
      const moderation = page.locator('section[data-section="sanctions"]');
      await moderation.getByRole("button", { name: "ban", exact: true }).click();
      // The section also holds the address-ban form (its own "Ban reason"): use the user one.
      const banForm = moderation.getByTestId("ban-form");
      await banForm.getByLabel("User name", { exact: true }).fill("mallory");
      await banForm.getByLabel("Reason", { exact: true }).fill("spam");
      await banForm.getByRole("button", { name: "Ban", exact: true }).click();
      await page.getByTestId("confirm").getByRole("button", { name: "Ban mallory" }).click();
      const banRow = page.getByTestId("bans").locator('[data-user="mallory"]');
      await banRow.getByText("spam").waitFor();
      const probe = await FrameClient.connect(server.port);
      clients.push(probe);
      assert.equal(
        (await probe.request({ type: "login", user: "mallory", password: "correct horse" })).code,
        "banned",
      );
      await banRow.getByRole("button", { name: "Lift" }).click();
      await banRow.waitFor({ state: "detached" });
      await go(page, "Audit");
      await page.getByTestId("audit").getByText("Ban lifted").first().waitFor();

      await page.setViewportSize({ width: 360, height: 740 });
      await shot(page, "03-narrow");
      const overflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - document.documentElement.clientWidth
      );
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 360px`);

      const watcher = await FrameClient.connect(server.port);
      clients.push(watcher);
      await watcher.registerAndLogin("watcher");
      await go(page, "Server");
      await page.getByLabel("Shutdown delay").fill("2");
      await page.getByRole("button", { name: "Shut down…" }).click();
      await page.getByTestId("confirm").waitFor();
      await page.getByRole("button", { name: "Yes, shut it down" }).click();
      await page.getByTestId("shutdown-banner").filter({ hasText: "going down" }).waitFor();
      await shot(page, "04-shutdown");
      const frame = await probe.next((f) => f.type === "shutdown");
      assert.equal(frame.in, 2);
      await probe.closed;
      assert.equal((await server.exited).code, 0);
      // The page says plainly that the server is gone, and greys the users it last saw.
      await go(page, "Users");
      await page.getByTestId("disconnected").filter({ hasText: "The server has shut down" })
        .waitFor();
      await page.getByTestId("stale-note").waitFor();
      // Whether the last list still had users or not, none of its actions can be used.
      assert.equal(await page.locator('[data-testid="user-row"] button:enabled').count(), 0);
      await shot(page, "05-disconnected");
      assert.deepEqual(dialogs, [], "no script from user text ran");
      assert.deepEqual(pageErrors, []);
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      await server.cleanup();
    }
  },
});
