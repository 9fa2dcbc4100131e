/**
 * The admin page in French (issue 18), in a real Chromium whose language is French, against
 * a real server and a real protocol client: the page speaks French from the first screen
 * (`<html lang="fr-FR">`, labels, a refused login by the API's code), a kick from the Users
 * section shows its toast in French and the client gets `kicked`, the Sanctions section says
 * "exclu jusqu'à 14:05"-style, a ban asks in French; then the switch picks English, and the
 * choice survives a reload. Screenshots go to `test-artifacts/admin/`.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import type { Page } from "../deps/playwright_core.ts";
import { openBrowser, openSection as go, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

async function htmlLang(page: Page): Promise<string> {
  return await page.evaluate(() => document.documentElement.lang);
}

Deno.test({
  ...requiring(
    "admin page in French: login, kick from Users, French toast, switch to English",
    "chromium",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const server = await startServer();
    const clients: FrameClient[] = [];
    const browser = await openBrowser({ locale: "fr-FR" });
    try {
      const { page, pageErrors } = browser;
      await page.goto(`http://127.0.0.1:${server.adminPort}/`);

      await t.step(
        "the first screen is French, and a refused login says why in French",
        async () => {
          await page.getByRole("heading", { name: "Administration FastChat" }).waitFor();
          assert.equal(await htmlLang(page), "fr-FR");
          assert.equal(await page.title(), "Administration FastChat");
          await page.getByLabel("Mot de passe").fill("mauvais mot de passe");
          await page.getByRole("button", { name: "Se connecter" }).click();
          // The API answers `bad_credentials` with an English message; the page shows its own.
          await page.getByRole("alert")
            .filter({ hasText: "Nom d'utilisateur ou mot de passe incorrect." }).waitFor();
          await page.getByLabel("Mot de passe").fill("test-admin-password");
          await page.getByRole("button", { name: "Se connecter" }).click();
          await page.getByTestId("live").filter({ hasText: "en direct" }).waitFor();
          await page.getByTestId("who").filter({ hasText: "administrateur" }).waitFor();
        },
      );

      const mallory = await FrameClient.connect(server.port);
      clients.push(mallory);
      await mallory.registerAndLogin("mallory");
      await mallory.ok({ type: "join", room: "general" });

      await t.step(
        "a kick from Users: French labels and toast, the client gets kicked",
        async () => {
          await go(page, "Utilisateurs");
          await page.getByRole("heading", { name: /Utilisateurs connectés/ }).waitFor();
          const row = page.locator('[data-testid="user-row"][data-user="mallory"]');
          await row.getByText("1 session").waitFor();
          await row.getByText("Inactif").waitFor();
          await row.getByRole("button", { name: "Exclure", exact: true }).click();
          await row.getByRole("button", { name: "30s" }).click();
          await row.getByRole("button", { name: "Exclure mallory" }).click();
          await page.getByTestId("toast")
            .filter({ hasText: "mallory est exclu pour 30 secondes." }).waitFor();
          const kicked = await mallory.next((f) => f.type === "kicked");
          assert.equal(typeof kicked.until, "string");
          await mallory.closed;
          await shot(page, "20-french-kick");
        },
      );

      await t.step("Sanctions: 'exclu jusqu'à HH:MM', and a ban asks in French", async () => {
        await go(page, "Sanctions");
        const kick = page.getByTestId("kicks").locator('[data-user="mallory"]');
        // French writes "dans 30 s" with a narrow no-break space: `\s` matches it.
        const text = await kick.locator(".muted").textContent({ timeout: 15_000 });
        // With the date when the kick ends after midnight.
        assert.match(
          text ?? "",
          /^exclu jusqu'à (?:\d\d\/\d\d\/\d{4},? )?\d{2}:\d{2} \(dans\s\d+\ss\)/,
        );
        await page.getByRole("button", { name: "bannir", exact: true }).click();
        const form = page.getByTestId("ban-form");
        await form.getByLabel("Nom d'utilisateur", { exact: true }).fill("mallory");
        await form.getByRole("button", { name: "Bannir", exact: true }).click();
        const dialog = page.getByTestId("confirm");
        await dialog.getByRole("heading", { name: "Bannir mallory ?" }).waitFor();
        await dialog.getByText("est déconnecté immédiatement").waitFor();
        await shot(page, "21-french-confirm");
        await dialog.getByRole("button", { name: "Annuler" }).click();
        await dialog.waitFor({ state: "detached" });
      });

      await t.step("the switch picks English, remembered after a reload", async () => {
        await page.getByTestId("lang").getByRole("button", { name: "EN" }).click();
        await page.getByRole("navigation", { name: "Sections" })
          .getByRole("link", { name: "Users", exact: true }).waitFor();
        assert.match(await htmlLang(page), /^en\b/);
        await page.reload();
        await page.getByTestId("live").filter({ hasText: "live" }).waitFor();
        await page.getByRole("button", { name: "Log out" }).waitFor();
        assert.match(await htmlLang(page), /^en\b/);
        assert.equal(
          await page.getByTestId("lang").getByRole("button", { name: "EN" })
            .getAttribute("aria-pressed"),
          "true",
        );
        // And back: French again, also remembered.
        await page.getByTestId("lang").getByRole("button", { name: "FR" }).click();
        await page.getByRole("button", { name: "Se déconnecter" }).waitFor();
        assert.equal(await htmlLang(page), "fr-FR");
      });

      assert.deepEqual(pageErrors, []);
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      await server.cleanup();
    }
  },
});
