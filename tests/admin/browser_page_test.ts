/**
 * The redesigned admin page in a real Chromium against a real server and real protocol
 * clients, as a new moderator tries it (issue 15): the user filter survives the live
 * refreshes, a ban asks first and Esc/Cancel does nothing, toasts appear next to the action,
 * the chart has axes, 420 px has no sideways scroll, sections are reachable by keyboard,
 * direct messages are hidden by default, routes an older server lacks say "not available",
 * and a moderator sees no admin-only control. Screenshots at 1280 and 420 px go to
 * `test-artifacts/admin/`.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import type { Page } from "../deps/playwright_core.ts";
import { openBrowser, openSection as go, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

const SECTIONS = [
  "Users",
  "Accounts",
  "Rooms",
  "Messages",
  "Reports",
  "Sanctions",
  "Audit",
  "Staff",
  "Server",
];

function nav(page: Page) {
  return page.getByRole("navigation", { name: "Sections" });
}

async function sidewaysScroll(page: Page): Promise<number> {
  return await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
}

async function moderationNow(page: Page): Promise<{ bans: { user: string }[] }> {
  return await page.evaluate(async () =>
    await (await fetch("/api/moderation", { credentials: "same-origin" })).json()
  );
}

Deno.test({
  ...requiring("admin page, as a moderator tries it (issue 15)", "chromium"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const server = await startServer();
    const clients: FrameClient[] = [];
    // These tests read the page's English labels (the French path: browser_french_test.ts).
    const browser = await openBrowser({ locale: "en-US" });
    try {
      const { page, pageErrors } = browser;
      await page.goto(`http://127.0.0.1:${server.adminPort}/`);
      await page.getByLabel("Password").fill("test-admin-password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByTestId("live").filter({ hasText: "live" }).waitFor();

      const alice = await FrameClient.connect(server.port);
      const bob = await FrameClient.connect(server.port);
      clients.push(alice, bob);
      await alice.registerAndLogin("alice");
      await bob.registerAndLogin("bob");
      await alice.ok({ type: "create_room", room: "lobby-with-a-long-name" });
      await alice.ok({ type: "create_room", room: "random" });
      for (const c of [alice, bob]) {
        await c.ok({ type: "join", room: "general" });
        await c.ok({ type: "join", room: "lobby-with-a-long-name" });
        await c.ok({ type: "join", room: "random" });
      }
      await alice.ok({ type: "say", room: "general", text: "public hello" });
      await alice.ok({ type: "dm", to: "bob", text: "secret dm text" });

      await t.step("the sessions of a user in several rooms keep their layout", async () => {
        const row = page.locator('[data-testid="user-row"][data-user="alice"]');
        await row.locator(".chip", { hasText: "random" }).waitFor();
        // No value is broken inside: every address and label is one line high.
        const heights = await row.locator("dd.nowrap, dt").evaluateAll((els) =>
          els.map((e) => e.getBoundingClientRect().height)
        );
        const line = Math.min(...heights);
        assert.ok(heights.every((h) => h < line * 1.5), `a value wraps: ${heights}`);
        await shot(page, "10-users-1280");
      });

      await t.step(
        "dms are hidden by default; an admin's switch shows them, remembered",
        async () => {
          await go(page, "Messages");
          const feed = page.getByTestId("messages");
          await feed.getByText("public hello").waitFor();
          assert.equal(await feed.getByText("secret dm text").count(), 0);
          await page.getByTestId("dm-note").filter({ hasText: "direct messages are hidden" })
            .waitFor();
          await page.getByTestId("show-dms").check();
          await feed.getByText("secret dm text").waitFor();
          await page.reload();
          await page.getByTestId("live").filter({ hasText: "live" }).waitFor();
          await page.getByTestId("messages").getByText("secret dm text").waitFor();
          await page.getByTestId("show-dms").uncheck();
          await page.getByTestId("messages").getByText("secret dm text").waitFor({
            state: "detached",
          });
        },
      );

      await t.step("the user filter keeps what is typed across live refreshes", async () => {
        await go(page, "Messages");
        const filter = page.getByLabel("User filter");
        // Slow typing spans several one-second refreshes, with live messages arriving.
        const talk = setInterval(() => {
          void bob.request({ type: "say", room: "general", text: "tick" }).catch(() => {});
        }, 300);
        try {
          await filter.pressSequentially("alic", { delay: 450 });
          await page.waitForTimeout(1500);
          assert.equal(await filter.inputValue(), "alic");
          await filter.pressSequentially("e");
          await page.waitForTimeout(1200);
          assert.equal(await filter.inputValue(), "alice");
        } finally {
          clearInterval(talk);
        }
        // The filter applies: only alice's lines are listed.
        await page.getByTestId("messages").getByText("tick").first().waitFor({
          state: "detached",
        });
        assert.equal(await filter.inputValue(), "alice");
        await filter.fill("");
        await filter.press("Enter");
      });

      await t.step(
        "a failed load after a filter change never lists the other filter's messages",
        async () => {
          await go(page, "Messages");
          const list = page.getByTestId("messages");
          await list.getByText("public hello").waitFor();
          // Bad input from the network: every load of the feed now answers 500.
          const feedLoads = (url: URL) => url.pathname === "/api/messages";
          await page.route(feedLoads, (route) =>
            route.fulfill({
              status: 500,
              contentType: "application/json",
              body: JSON.stringify({ error: { code: "internal", message: "boom" } }),
            }));
          try {
            await page.getByLabel("Room filter").selectOption("random");
            const failed = page.getByTestId("feed-error");
            await failed.waitFor();
            // "public hello" was said in #general: it must not pass for a #random message.
            await list.getByText("public hello").waitFor({ state: "detached" });
            // Live messages of #random still come in meanwhile.
            await alice.ok({ type: "say", room: "random", text: "random while failing" });
            await list.getByText("random while failing").waitFor();
            await page.unroute(feedLoads);
            await failed.getByRole("button", { name: "Retry" }).click();
            await failed.waitFor({ state: "detached" });
            await list.getByText("random while failing").waitFor();
            assert.equal(await list.getByText("public hello").count(), 0);
          } finally {
            await page.unroute(feedLoads);
            await page.getByLabel("Room filter").selectOption("");
          }
          await list.getByText("public hello").waitFor();
        },
      );

      await t.step(
        "ban asks first: Esc and Cancel do nothing; focus stays in the dialog",
        async () => {
          await go(page, "Users");
          const row = page.locator('[data-testid="user-row"][data-user="bob"]');
          await row.getByRole("button", { name: "Ban", exact: true }).click();
          await row.getByRole("button", { name: "Ban bob" }).click();
          const dialog = page.getByTestId("confirm");
          await dialog.waitFor();
          await shot(page, "11-confirm-ban");
          for (let i = 0; i < 4; i++) {
            await page.keyboard.press("Tab");
            assert.ok(
              await page.evaluate(() => !!document.activeElement?.closest("dialog")),
              "the focus left the dialog",
            );
          }
          await page.keyboard.press("Escape");
          await dialog.waitFor({ state: "detached" });
          await row.getByRole("button", { name: "Ban bob" }).click();
          await dialog.getByRole("button", { name: "Cancel" }).click();
          await dialog.waitFor({ state: "detached" });
          assert.deepEqual((await moderationNow(page)).bans, []);
          await bob.ok({ type: "say", room: "general", text: "still here" });
        },
      );

      await t.step("the toast of an action appears next to it", async () => {
        const row = page.locator('[data-testid="user-row"][data-user="bob"]');
        await row.getByRole("button", { name: "Mute", exact: true }).click();
        const button = row.getByRole("button", { name: "Mute bob" });
        const at = (await button.boundingBox())!;
        await button.click();
        const toast = page.getByTestId("toast").filter({ hasText: "Muted bob" });
        await toast.waitFor();
        const box = (await toast.boundingBox())!;
        assert.ok(
          Math.abs(box.y - (at.y + at.height)) < 120 && box.x < at.x + at.width,
          `toast at ${JSON.stringify(box)}, button at ${JSON.stringify(at)}`,
        );
        assert.equal(
          (await bob.request({ type: "say", room: "general", text: "x" })).code,
          "muted",
        );
      });

      await t.step("the chart has axes with units, from the server's hour of samples", async () => {
        const history = await page.evaluate(async () =>
          await (await fetch("/api/stats/history", { credentials: "same-origin" })).json()
        );
        assert.equal(history.intervalSeconds, 10);
        assert.ok(Array.isArray(history.points));
        await go(page, "Server");
        const chart = page.getByTestId("chart");
        await chart.locator(".uplot canvas").first().waitFor();
        // uPlot draws the axes and their titles on the canvas, over one `.u-axis` box each
        // (time below, messages/s left, users right); its legend names the series.
        for (const label of ["messages/s", "connected users"]) {
          await chart.locator(".u-legend .u-label", { hasText: label }).waitFor();
        }
        const canvas = (await chart.locator("canvas").first().boundingBox())!;
        assert.ok(canvas.width > 300 && canvas.height > 100, `canvas ${JSON.stringify(canvas)}`);
        assert.equal(await chart.locator(".u-axis").count(), 3);
        await page.waitForTimeout(2200);
        await shot(page, "12-server-1280");
      });

      await t.step(
        "sections by keyboard: Tab reaches the bar, arrows move, Enter opens",
        async () => {
          await go(page, "Users");
          await nav(page).getByRole("link", { name: "Users" }).focus();
          await page.keyboard.press("ArrowRight");
          await page.keyboard.press("ArrowRight");
          await page.keyboard.press("Enter");
          await page.waitForURL(/#rooms$/);
          await page.locator("#rooms-title:focus").waitFor();
          await nav(page).getByRole("link", { name: "Rooms" }).focus();
          await page.keyboard.press("End");
          await page.keyboard.press("Enter");
          await page.waitForURL(/#server$/);
          await page.locator("#server-title:focus").waitFor();
          await nav(page).getByRole("link", { name: "Server" }).focus();
          await page.keyboard.press("Shift+Tab");
          assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Staff");
        },
      );

      await t.step("a route the server lacks shows 'not available', never a crash", async () => {
        await page.route("**/api/accounts*", (route) =>
          route.fulfill({
            status: 404,
            contentType: "application/json",
            body: JSON.stringify({
              error: { code: "not_found", message: "There is no API route." },
            }),
          }));
        await go(page, "Accounts");
        await page.getByTestId("unavailable").waitFor();
        await page.unroute("**/api/accounts*");
        for (const label of ["Reports", "Staff"]) {
          await go(page, label);
          // Either this server has it (a list or "none") or it says it does not.
          await page.locator(`section[data-section="${label.toLowerCase()}"]`).waitFor();
        }
      });

      await t.step("at 420 px: no sideways scroll in any section", async () => {
        await page.setViewportSize({ width: 420, height: 860 });
        for (const label of SECTIONS) {
          await go(page, label);
          assert.ok(
            (await sidewaysScroll(page)) <= 0,
            `${label} scrolls sideways at 420 px by ${await sidewaysScroll(page)}px`,
          );
          if (["Users", "Messages", "Server", "Sanctions"].includes(label)) {
            await shot(page, `13-${label.toLowerCase()}-420`);
          }
        }
        await page.setViewportSize({ width: 1280, height: 900 });
      });

      await t.step("a moderator sees no admin-only control", async () => {
        await page.route("**/api/me", (route) =>
          route.fulfill({
            status: 200,
            contentType: "application/json",
            body: JSON.stringify({ user: "mod", role: "moderator" }),
          }));
        await page.reload();
        await page.getByTestId("who").filter({ hasText: "moderator" }).waitFor();
        await go(page, "Users");
        const row = page.locator('[data-testid="user-row"][data-user="alice"]');
        await row.getByRole("button", { name: "Kick", exact: true }).waitFor();
        assert.equal(await row.getByRole("button", { name: "Ban", exact: true }).count(), 0);
        await go(page, "Server");
        assert.equal(await page.getByRole("button", { name: "Shut down…" }).count(), 0);
        await go(page, "Rooms");
        assert.equal(await page.getByRole("button", { name: "Delete…" }).count(), 0);
        assert.equal(await page.getByLabel("New room name").count(), 0);
        await go(page, "Sanctions");
        assert.equal(await page.getByTestId("address-bans-block").count(), 0);
        await go(page, "Messages");
        assert.equal(await page.getByTestId("show-dms").count(), 0);
        await shot(page, "14-moderator-1280");
        await page.unroute("**/api/me");
      });

      assert.deepEqual(pageErrors, []);
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      await server.cleanup();
    }
  },
});
