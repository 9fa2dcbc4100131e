/**
 * Direct messages received while away are shown when the chat opens (a dm has no room to
 * join: before, only "unread elsewhere: dm zoe 2" said they existed, and nothing showed
 * them), oldest first, once; shown, they are marked read, so the next login does not count
 * them again.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { settle, type TmuxTerminal } from "./tmux.ts";
import { loginTerminal, PASSWORD, registerAccounts } from "./client_terminal.ts";

Deno.test("unread dms: two dms sent while the reader was away are shown at login, in order, and are read afterwards", async () => {
  const server = await startServer();
  let zoe: FrameClient | null = null;
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "maelle", "zoe");
    zoe = await FrameClient.connect(server.port);
    await zoe.ok({ type: "login", user: "zoe", password: PASSWORD });
    await zoe.ok({ type: "dm", to: "maelle", text: "tu étais où ?" });
    await zoe.ok({ type: "dm", to: "maelle", text: "le prof t'a cherchée" });

    term = await loginTerminal(server.port, "maelle", { columns: 100, rows: 30 });
    const rows = await settle(
      term,
      "the two dms",
      (r) => r.some((row) => row.includes("le prof t'a cherchée")),
    );
    const screen = rows.join("\n");
    const first = screen.indexOf("[dm] zoe → you: tu étais où ?");
    const second = screen.indexOf("[dm] zoe → you: le prof t'a cherchée");
    assert.ok(first >= 0 && first < second, screen);
    assert.equal(screen.split("tu étais où ?").length, 2, "shown once");
    assert.doesNotMatch(screen, /Unread elsewhere: .*dm zoe/, screen);

    // Shown means read: the account's unread count for zoe goes to 0.
    const maelle = await FrameClient.connect(server.port);
    try {
      await maelle.ok({ type: "login", user: "maelle", password: PASSWORD });
      const deadline = Date.now() + 10_000;
      const unreadFromZoe = async () =>
        ((await maelle.ok({ type: "unread" })).dms as { with: string; unread: number }[])
          .find((d) => d.with === "zoe")?.unread ?? 0;
      while (await unreadFromZoe() > 0) {
        assert.ok(Date.now() < deadline, "the shown dms were never marked read");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      maelle.close();
    }
  } finally {
    zoe?.close();
    await term?.close();
    await server.cleanup();
  }
});
