/**
 * `/leave` in the full-screen window (tmux, real client and server): the room's pane goes,
 * and "Left <room>." shows where the user now is; leaving the last room shows how to join
 * one instead of a blank window.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { settle, type TmuxTerminal } from "./tmux.ts";
import { loginTerminal, registerAccounts } from "./client_terminal.ts";

Deno.test("leave, full screen: Left <room>. shows in the room now shown; after the last room a line says how to join one", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "alice");
    term = await loginTerminal(server.port, "alice", { columns: 100, rows: 30 });
    await term.line("/create dev");
    await settle(term, "dev shown", (r) => r.some((row) => row.includes("Joined dev")));
    await term.line("/leave");
    let rows = await settle(term, "dev left", (r) => r.some((row) => row.includes("Left dev.")));
    // Now in general: its pane, with the line that says dev was left.
    assert.match(rows[0] ?? "", /^ general/, rows.join("\n"));
    assert.ok(rows.some((row) => row.includes("Joined general")), rows.join("\n"));

    await term.line("/leave");
    rows = await settle(
      term,
      "general left",
      (r) => r.some((row) => row.includes("You are in no room now: /join ROOM or /rooms.")),
    );
    const screen = rows.join("\n");
    assert.match(rows[0] ?? "", /^ no room/, screen);
    assert.match(screen, /-- Left general\.[^]*-- You are in no room now/, screen);

    // Joining again from there shows the room as before.
    await term.line("/join dev");
    rows = await settle(term, "dev again", (r) => r.some((row) => row.includes("Joined dev")));
    assert.match(rows[0] ?? "", /^ dev/, rows.join("\n"));
  } finally {
    await term?.close();
    await server.cleanup();
  }
});
