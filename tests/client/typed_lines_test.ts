/**
 * Lines typed quickly are separate messages, even when the terminal hands them to the client
 * in one read (a busy machine, or a fast typist): only a bracketed paste is a paste. Both
 * screen modes, with the lines sent in ONE tmux `send-keys` so that they arrive together.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { loginTerminal, PASSWORD, registerAccounts } from "./client_terminal.ts";
import type { TmuxTerminal } from "./tmux.ts";

for (const mode of ["line mode", "full screen"] as const) {
  Deno.test(`typed lines (${mode}): three lines arriving in one read are three messages, in order`, async () => {
    const server = await startServer();
    let term: TmuxTerminal | null = null;
    const bob = await FrameClient.connect(server.port);
    try {
      await registerAccounts(server.port, "alice", "bob");
      await bob.ok({ type: "login", user: "bob", password: PASSWORD });
      await bob.ok({ type: "join", room: "general" });
      term = await loginTerminal(server.port, "alice", {
        columns: 100,
        rows: 30,
        extra: mode === "line mode" ? ["--plain"] : [],
      });
      await term.keys("one", "Enter", "two", "Enter", "three", "Enter");
      const texts: string[] = [];
      while (texts.length < 3) {
        const event = await bob.next((f) => f.type === "message" && f.user === "alice");
        texts.push(String(event.text));
      }
      assert.deepEqual(texts, ["one", "two", "three"]);
    } finally {
      await term?.close();
      bob.close();
      await server.cleanup();
    }
  });
}
