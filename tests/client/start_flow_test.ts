/**
 * The start screen in a real terminal (tmux) against a real server whose registrations
 * per address are used up: the refusal says how long to wait, and "not now" keeps the name
 * and password typed (Enter sends them again) instead of asking for both again.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { TmuxTerminal } from "./tmux.ts";
import { lineModeCommand, PASSWORD } from "./client_terminal.ts";

Deno.test("start screen: bad input a registration over the address's limit (rate_limited) says how long to wait; Enter retries with the same name and password, Escape goes back to the menu", async () => {
  // One registration per address and 10 minutes, used up before the client starts.
  const server = await startServer({ limits: true, args: ["--auth-rate", "1"] });
  let first: FrameClient | null = null;
  let term: TmuxTerminal | null = null;
  try {
    first = await FrameClient.connect(server.port);
    await first.ok({ type: "register", user: "first", password: PASSWORD });
    term = await TmuxTerminal.start(lineModeCommand(server.port));
    await term.waitFor("❯ Register");
    await term.keys("Enter");
    await term.waitFor("User name:");
    await term.line("carol");
    await term.waitFor("Password:");
    await term.line(PASSWORD);
    await term.waitFor("Password again:");
    await term.line(PASSWORD);
    await term.waitFor(/Too many attempts.*\(try again in \d+ minutes?/);
    await term.waitFor("Press Enter to try again, or Escape to go back:");
    await term.keys("Enter");
    // Sent again as typed: refused again, and neither the name nor the password was asked.
    const screen = await term.waitFor(
      /Press Enter to try again, or Escape to go back:[^]*Press Enter to try again, or Escape to go back:/,
    );
    assert.equal(screen.match(/User name:/g)?.length, 1, screen);
    await term.keys("Escape");
    await term.waitFor(/go back:[^]*❯ Register/);
  } finally {
    first?.close();
    await term?.close();
    await server.cleanup();
  }
});
