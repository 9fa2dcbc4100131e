/**
 * A French teacher moderating a class, in a real Chromium whose language is French, against
 * a real server and real chat clients: a student's insult is reported (the report says who
 * reported it, French typography), the student is muted for "10 min" as typed (not only
 * the API's `10m`), a mistyped address is refused in French only, the accounts list dates
 * read as French, and the audit log names the mute and its reason in French.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import { openBrowser, openSection as go, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

Deno.test({
  ...requiring("admin page in French: a teacher handles a reported insult", "chromium"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const server = await startServer();
    const clients: FrameClient[] = [];
    const browser = await openBrowser({ locale: "fr-FR", viewport: { width: 1280, height: 800 } });
    try {
      const { page, pageErrors } = browser;
      const student = async (name: string) => {
        const client = await FrameClient.connect(server.port);
        clients.push(client);
        await client.registerAndLogin(name);
        await client.ok({ type: "join", room: "general" });
        return client;
      };
      const alice = await student("alice");
      const kevin = await student("kevin");
      await alice.ok({ type: "say", room: "general", text: "j'ai fini l'exercice" });
      const insult = await kevin.ok({ type: "say", room: "general", text: "t'es nulle, idiote" });
      await alice.ok({ type: "say", room: "general", text: "pourquoi tu dis ça ?" });
      await alice.ok({ type: "report", msgid: insult.msgid, reason: "Il m'insulte" });

      await page.goto(`http://127.0.0.1:${server.adminPort}/`);
      await page.getByLabel("Mot de passe").fill("test-admin-password");
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.getByTestId("live").filter({ hasText: "en direct" }).waitFor();

      await t.step("the report says who reported it, with a French colon", async () => {
        await go(page, "Signalements");
        const report = page.getByTestId("reports").locator("li").first();
        await report.getByText("t'es nulle, idiote").waitFor();
        assert.match(await report.innerText(), /Signalé par alice : Il m'insulte/);
      });

      await t.step(
        "the report shows what was said just before and after, in that order",
        async () => {
          const report = page.getByTestId("reports").locator("li.row").first();
          const context = report.getByRole("list", { name: "Dit juste avant et après" });
          await context.first().waitFor();
          const text = await report.innerText();
          const at = (s: string) => text.indexOf(s);
          assert.ok(
            at("j'ai fini l'exercice") >= 0 &&
              at("j'ai fini l'exercice") < at("t'es nulle, idiote") &&
              at("t'es nulle, idiote") < at("pourquoi tu dis ça ?"),
            text,
          );
        },
      );

      await t.step("a mute typed '10 min' works and says so in French", async () => {
        await go(page, "Utilisateurs");
        const row = page.locator('[data-testid="user-row"][data-user="kevin"]');
        await row.getByRole("button", { name: "Rendre muet", exact: true }).click();
        await row.getByRole("textbox", { name: "Durée", exact: true }).fill("10 min");
        await row.getByRole("textbox", { name: "Motif", exact: true }).fill("Insultes");
        await row.getByRole("button", { name: "Rendre kevin muet" }).click();
        await page.getByTestId("toast")
          .filter({ hasText: "kevin est muet pour 10 minutes." }).waitFor();
        const refused = await kevin.request({ type: "say", room: "general", text: "encore" });
        assert.equal(refused.code, "muted");
      });

      await t.step("a duration that is not one is refused by the page, in French", async () => {
        await go(page, "Sanctions");
        const form = page.getByTestId("kick-form");
        await form.getByRole("textbox", { name: "Nom d'utilisateur" }).fill("alice");
        await form.getByRole("textbox", { name: "Durée", exact: true }).fill("dix minutes");
        await form.getByRole("button", { name: "Exclure", exact: true }).click();
        const toast = page.getByTestId("toast").filter({ hasText: "Écrivez une durée" });
        await toast.waitFor();
        assert.equal(alice.isClosed, false);
      });

      await t.step("a mistyped address is refused in French, without English", async () => {
        await page.getByLabel("Adresse ou plage CIDR").fill("pas une adresse");
        await page.getByRole("button", { name: "Bannir l'adresse" }).click();
        const toast = page.getByTestId("toast").filter({ hasText: "ni une adresse IP" });
        await toast.waitFor();
        assert.doesNotMatch(await toast.innerText(), /Cannot|write|network/);
      });

      await t.step("accounts: creation and last visit read as French", async () => {
        await go(page, "Comptes");
        const line = page.getByTestId("accounts").locator('[data-user="kevin"] p');
        // Today's times have no date: "créé le 14:05" would be wrong French.
        assert.match(
          await line.innerText(),
          /^création : [^·]*\d{2}:\d{2} · dernière visite : [^·]*\d{2}:\d{2}$/,
        );
      });

      await t.step("the audit log names the mute and its reason in French", async () => {
        await go(page, "Journal");
        const entry = page.getByTestId("audit").locator('li[data-action="mute"]');
        await entry.waitFor();
        const text = await entry.innerText();
        assert.match(text, /Mise en sourdine/);
        assert.match(text, /motif : Insultes/);
        assert.doesNotMatch(text, /\breason\b|\bmute\b/);
        await shot(page, "30-teacher-audit");
      });

      assert.deepEqual(pageErrors, []);
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      await server.cleanup();
    }
  },
});
