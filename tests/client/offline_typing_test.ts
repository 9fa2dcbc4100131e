/**
 * The real client in a real terminal (tmux) while its server is down: every line typed is
 * shown as waiting at once (not only the first), local commands answer at once, and once
 * the server is back every message is sent once, in the order typed.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import { settle, type TmuxTerminal } from "./tmux.ts";
import { loginTerminal, PASSWORD, registerAccounts } from "./client_terminal.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";

Deno.test("offline typing: three lines typed while the server is down all show as waiting, /help answers at once, and all are sent once in order when it is back", async () => {
  const server = await startServer();
  let again: ServerProcess | null = null;
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    await registerAccounts(server.port, "alice", "bob");
    term = await loginTerminal(server.port, "alice", { columns: 100, rows: 30 });

    const { db, port } = server;
    await server.stop("SIGKILL");
    await term.waitFor("Connection lost");
    await term.line("first offline");
    await term.line("second offline");
    await term.line("/msg bob third offline");
    // Each line shows as waiting at once, and the count says 3.
    const rows = await settle(
      term,
      "three waiting lines",
      (r) => r.some((row) => row.includes("⧗ 3 pending")),
    );
    const screen = rows.join("\n");
    for (
      // The dm names its recipient as a sent dm does (not "bob: …", which reads as from bob).
      const text of [
        "general: first offline",
        "general: second offline",
        "\\[dm\\] you → bob: third offline",
      ]
    ) {
      assert.match(screen, new RegExp(`⧗ ${text}`), screen);
    }
    // A local command answers at once, while offline.
    await term.line("/help");
    await settle(term, "the help", (r) => r.some((row) => row.includes("log out and exit")));

    again = await startServer({ db, args: ["--port", String(port)] });
    bob = await FrameClient.connect(port);
    await bob.ok({ type: "login", user: "bob", password: PASSWORD });
    // The client reconnects on its own schedule: wait until the dm, sent last, is stored.
    const deadline = Date.now() + 30_000;
    const texts = async (frame: Record<string, unknown>) =>
      ((await bob!.ok({ type: "history", ...frame })).messages as { text: string }[])
        .map((m) => m.text).filter((t) => t.endsWith("offline"));
    while ((await texts({ with: "alice" })).length === 0) {
      assert.ok(Date.now() < deadline, "the messages typed offline never arrived");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(await texts({ with: "alice" }), ["third offline"]);
    assert.deepEqual(await texts({ room: "general" }), ["first offline", "second offline"]);
    await settle(term, "nothing waiting", (r) => !r.join("\n").includes("pending"));
  } finally {
    bob?.close();
    await term?.close();
    await again?.cleanup();
    await server.cleanup();
  }
});

Deno.test("offline /quit: a /me typed offline waits, the first /quit only warns and the client stays; back online the action is stored once as an action; a second /quit with a message waiting drops it and exits 0", async () => {
  const server = await startServer();
  let again: ServerProcess | null = null;
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    await registerAccounts(server.port, "alice", "bob");
    term = await loginTerminal(server.port, "alice", { columns: 120, rows: 30 });

    const { db, port } = server;
    await server.stop("SIGKILL");
    await term.waitFor("Connection lost");
    await term.line("/me waves offline");
    // Shown as an action line, not as the command typed.
    await term.waitFor("⧗ general: * you waves offline");
    await term.line("/quit");
    await term.waitFor("1 message is not sent yet (offline)");
    // Still running: a local command answers, and nothing said goodbye.
    await term.line("/help");
    await settle(term, "the help", (r) => r.some((row) => row.includes("log out and exit")));
    assert.doesNotMatch(await term.screen(), /EXIT=|Bye\./);

    again = await startServer({ db, args: ["--port", String(port)] });
    bob = await FrameClient.connect(port);
    await bob.ok({ type: "login", user: "bob", password: PASSWORD });
    const deadline = Date.now() + 30_000;
    const stored = async () =>
      ((await bob!.ok({ type: "history", room: "general" })).messages as {
        text: string;
        kind?: string;
      }[]).filter((m) => m.text.endsWith("offline"));
    while ((await stored()).length === 0) {
      assert.ok(Date.now() < deadline, "the action typed offline never arrived");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(
      (await stored()).map((m) => [m.kind ?? "text", m.text]),
      [["action", "waves offline"]],
    );
    await settle(term, "nothing waiting", (r) => !r.join("\n").includes("pending"));

    // Down again with one line waiting: /quit warns, a second /quit drops it and exits 0.
    await again.stop("SIGKILL");
    await term.waitFor("Connection lost");
    await term.line("never sent");
    await term.waitFor("⧗ general: never sent");
    await term.line("/quit");
    await term.waitFor("1 message is not sent yet (offline)");
    await term.line("/quit");
    const end = await term.waitFor("EXIT=0");
    assert.match(end, /1 message was not confirmed by the server/, end);
    assert.doesNotMatch(end, /Wait for "Reconnected\."/, end);
  } finally {
    bob?.close();
    await term?.close();
    await again?.cleanup();
    await server.cleanup();
  }
});

Deno.test("online /quit: Ctrl-C while a message awaits its answer (server paused by SIGSTOP) waits for it, then exits 0 once the server answers; the message is stored once", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  let paused = false;
  try {
    await registerAccounts(server.port, "alice", "bob");
    term = await loginTerminal(server.port, "alice", { columns: 120, rows: 30 });
    await term.waitFor("Joined general");
    server.child.kill("SIGSTOP");
    paused = true;
    await term.line("sent while paused");
    // Sent and unanswered (Ctrl-C read with the Enter could come before the line is sent).
    await term.waitFor("⧗ 1 pending");
    await term.keys("C-c");
    await term.waitFor("Waiting for the server to confirm 1 message");
    assert.doesNotMatch(await term.screen(), /EXIT=/);
    server.child.kill("SIGCONT");
    paused = false;
    const end = await term.waitFor("EXIT=0");
    assert.doesNotMatch(end, /not confirmed/, end);

    bob = await FrameClient.connect(server.port);
    await bob.ok({ type: "login", user: "bob", password: PASSWORD });
    const history = await bob.ok({ type: "history", room: "general" });
    assert.deepEqual(
      (history.messages as { text: string }[]).map((m) => m.text).filter((t) =>
        t === "sent while paused"
      ),
      ["sent while paused"],
    );
  } finally {
    if (paused) server.child.kill("SIGCONT");
    bob?.close();
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("slow mode, online: a message held by slow mode says why and when it goes, and never holds the commands typed after it", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "alice", "bob");
    const slow = await admin(server.adminPort, "PUT", "/api/rooms/general/slowmode", {
      seconds: 600,
    });
    assert.equal(slow.status, 200, JSON.stringify(slow.body));
    term = await loginTerminal(server.port, "alice", { columns: 120, rows: 30 });
    await term.waitFor("Joined general");
    await term.line("first");
    await term.waitFor(/\d\d:\d\d alice: first/);
    await term.line("second");
    await term.waitFor(/Slow mode in general: your message is sent in (9|10) minutes/);
    // Held, not lost: it waits in the status bar, and a command answers meanwhile.
    await term.line("/help");
    const rows = await settle(
      term,
      "the help while the message waits",
      (r) => r.some((row) => row.includes("log out and exit")),
    );
    assert.match(rows.join("\n"), /⧗ 1 pending/);
  } finally {
    await term?.close();
    await server.cleanup();
  }
});
