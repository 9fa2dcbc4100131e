/**
 * The admin page shows where each session is connected and the instances of the service
 * (cluster mode, PROTOCOL.md): on one process named with `--instance`, every session card
 * names it and the server section lists it with its sessions, in a real Chromium, in
 * English and in French. Screenshots go to `test-artifacts/admin/`.
 */
import { requiring } from "../support/requires.ts";
import assert from "node:assert/strict";
import { openBrowser, openSection as go, shot } from "../support/browser.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

for (
  const [locale, labels] of [
    ["en-US", { password: "Password", login: "Log in", server: "Server", instance: "Instance" }],
    ["fr-FR", {
      password: "Mot de passe",
      login: "Se connecter",
      server: "Serveur",
      instance: "Instance",
    }],
  ] as const
) {
  Deno.test({
    ...requiring(`admin page (${locale}): each session's instance, and the instances`, "chromium"),
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const server = await startServer({ args: ["--instance", "east-1"] });
      const alice = await FrameClient.connect(server.port);
      const browser = await openBrowser({ locale });
      try {
        const { page, pageErrors } = browser;
        await alice.registerAndLogin("alice");
        await alice.ok({ type: "join", room: "general" });
        await page.goto(`http://127.0.0.1:${server.adminPort}/`);
        await page.getByLabel(labels.password).fill("test-admin-password");
        await page.getByRole("button", { name: labels.login }).click();

        const card = page.locator('[data-testid="user-row"][data-user="alice"]');
        await card.getByTestId("session-instance").filter({ hasText: "east-1" }).waitFor();
        assert.ok(await card.getByText(labels.instance, { exact: true }).isVisible());

        await go(page, labels.server);
        const row = page.locator('[data-testid="instance-row"][data-instance="east-1"]');
        await row.getByTestId("instance-sessions").filter({ hasText: "1" }).waitFor();
        assert.match(await row.innerText(), new RegExp(`:${server.port}`));
        // A second session: the live feed's presence signal refreshes the count.
        const again = await FrameClient.connect(server.port);
        try {
          await again.ok({ type: "login", user: "alice", password: "correct horse" });
          await row.getByTestId("instance-sessions").filter({ hasText: "2" }).waitFor();
        } finally {
          again.close();
        }
        await shot(page, `instances-${locale}`);
        assert.deepEqual(pageErrors, []);
      } finally {
        alice.close();
        await browser.close();
        await server.cleanup();
      }
    },
  });
}
