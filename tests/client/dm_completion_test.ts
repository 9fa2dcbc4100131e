/**
 * Tab completion learns the name of a `/msg` recipient only once the server took the
 * message, in a real terminal (tmux) against a real server: a typo'd or unknown name that
 * the server refuses is never offered, online or typed offline and refused after the
 * reconnect; a name the server accepted is, once it answered.
 */
import assert from "node:assert/strict";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import { settle, type TmuxTerminal } from "./tmux.ts";
import { loginTerminal, registerAccounts } from "./client_terminal.ts";

const ROWS = 24;

/** Whether the input row (the last one, trailing spaces cut) is `text` after the prompt. */
function inputIs(text: string) {
  return (rows: string[]) => rows[ROWS - 1]!.endsWith(`› ${text.trimEnd()}`);
}

/** Clears the input, types `text` and presses Tab; the input row as it settles. */
async function tab(term: TmuxTerminal, text: string, expected: string): Promise<string> {
  await term.keys("C-u");
  await term.type(text);
  await settle(term, `"${text}" typed`, inputIs(text));
  await term.keys("Tab");
  // Wait long enough for a completion to be drawn, then read what is there.
  const rows = await settle(term, `Tab after "${text}"`, inputIs(expected));
  return rows[ROWS - 1]!;
}

Deno.test("dm completion: a /msg name is offered once the server accepted a message to it, a refused one never (online, and typed offline)", async () => {
  const server = await startServer();
  let again: ServerProcess | null = null;
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "alice", "bob", "carol");
    term = await loginTerminal(server.port, "alice", { columns: 100, rows: ROWS });
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("alice · connected"));

    // Online: a typo is refused and not learned; the line comes back to the input.
    await term.line("/msg bbo hello");
    await term.waitFor("Not sent: There is no user with that name.");
    assert.doesNotMatch(await tab(term, "/msg bb", "/msg bb"), /bbo/);
    // A name the server accepts is learned.
    await term.keys("C-u");
    await term.line("/msg bob hello");
    await term.waitFor(/you → bob: hello/);
    assert.match(await tab(term, "/msg b", "/msg bob "), /› \/msg bob$/);

    // Offline: neither name is offered before the answers come.
    const { db, port } = server;
    await server.stop("SIGKILL");
    await term.waitFor("Connection lost");
    await term.keys("C-u");
    await term.line("/msg crol typo offline");
    await term.line("/msg carol hi offline");
    await settle(term, "two waiting", (r) => r.some((row) => row.includes("⧗ 2 pending")));
    assert.match(await tab(term, "/msg c", "/msg c"), /› \/msg c$/);

    // Back online: the typo is refused (quoted), the other one sent; only carol is offered.
    again = await startServer({ db, args: ["--port", String(port)] });
    await term.waitFor("There is no user with that name. Not sent: /msg crol");
    await settle(term, "nothing waiting", (r) => !r.join("\n").includes("pending"));
    const row = await tab(term, "/msg c", "/msg carol ");
    assert.match(row, /› \/msg carol$/, "one candidate, no (1/2) hint");
  } finally {
    await term?.close();
    await again?.cleanup();
    await server.cleanup();
  }
});
