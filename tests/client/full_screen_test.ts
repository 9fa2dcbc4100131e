/**
 * The full-screen window in real terminals (tmux) against a real server: bars, room list
 * with unread and mention counts, nick list, scrollback, the "new messages" line, input
 * editing by cluster, and the normal screen given back on every way out.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { settle, TmuxTerminal } from "./tmux.ts";
import { loginTerminal, PASSWORD, registerAccounts } from "./client_terminal.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { UNTIL_TIME } from "./support.ts";

const ROWS = 24;

const has = (text: string) => (rows: string[]) => rows.join("\n").includes(text);

/** Starts `user`'s client in `general` and types the password (no wait for the join). */
function start(port: number, user: string, columns: number, ...extra: string[]) {
  return loginTerminal(port, user, { columns, rows: ROWS, extra, waitJoined: false });
}

for (const columns of [100, 60]) {
  Deno.test(`full screen at ${columns} columns: bars, counts, new-messages line, scrollback, cluster editing, screen restored`, async () => {
    const server = await startServer();
    let term: TmuxTerminal | null = null;
    let bob: FrameClient | null = null;
    try {
      bob = await FrameClient.connect(server.port);
      await bob.registerAndLogin("bob", PASSWORD);
      await bob.ok({ type: "create_room", room: "dev", topic: "building things" });
      await bob.ok({ type: "join", room: "general" });
      await bob.ok({ type: "register", user: "alice", password: PASSWORD });
      term = await start(server.port, "alice", columns);
      let rows = await settle(
        term,
        "the window",
        (r) => r[0]!.includes("general") && r[0]!.includes("2 online"),
      );
      assert.equal(rows.length, ROWS);
      rows = await settle(
        term,
        "the status bar",
        (r) => /alice · connected · lag \d+ ms/.test(r[ROWS - 2]!),
      );
      assert.ok(rows.some((row) => row.includes("Rooms")), "the room list");
      assert.ok(rows.some((row) => row.includes("1 general")));
      if (columns >= 90) assert.ok(rows.some((row) => /│bob\s*$/.test(row)), "the nick list");

      // A mention is marked.
      await bob.ok({ type: "say", room: "general", text: "hello alice, welcome" });
      await settle(
        term,
        "the mention",
        (r) => r.some((row) => /» \d\d:\d\d bob: hello alice/.test(row)),
      );

      // The input: emoji edited by cluster, the cursor where the text ends.
      await term.type("x👨‍👩‍👧y👍🏽z🇫🇷");
      await settle(term, "the input", (r) => r[ROWS - 1]!.endsWith("z🇫🇷"));
      assert.deepEqual(await term.cursorAt("[general] › ".length + 9, ROWS - 1), {
        x: "[general] › ".length + 9,
        y: ROWS - 1,
      });
      await term.keys("Left", "Left", "BSpace", "End", "Enter");
      rows = await settle(term, "the sent line", has("alice: x👨‍👩‍👧yz🇫🇷"));
      assert.equal(rows.join("\n").split("alice: x👨‍👩‍👧yz🇫🇷").length - 1, 1, "shown once");
      assert.equal(rows[ROWS - 1], "[general] ›");

      // Another room: messages in general count as unread, a mention as a mention.
      await term.line("/join dev");
      await settle(term, "dev", (r) => r[0]!.includes("dev — building things"));
      for (const text of ["one", "two", "alice: three"]) {
        await bob.ok({ type: "say", room: "general", text });
      }
      rows = await settle(term, "the counts", (r) => r.some((row) => /1 gen\S* 3 @1/.test(row)));
      await term.keys("M-1");
      rows = await settle(term, "back in general", (r) => r[0]!.includes("general"));
      const marker = rows.findIndex((row) => row.includes("── new messages ──"));
      const first = rows.findIndex((row) => row.includes("bob: one"));
      assert.ok(marker > 0 && first > marker, "the new-messages line is just above the unread");

      // Scrollback: PageUp shows older lines, End comes back.
      for (let i = 1; i <= 40; i++) {
        await bob.ok({ type: "say", room: "general", text: `filler ${i}` });
      }
      await settle(term, "the last filler", has("bob: filler 40"));
      await term.keys("PPage");
      rows = await settle(term, "scrolled up", (r) => r[ROWS - 2]!.includes("scrolled up"));
      assert.ok(!rows.join("\n").includes("filler 40"), "the newest line is below");
      // A message arriving meanwhile does not move what is being read.
      await bob.ok({ type: "say", room: "general", text: "late arrival" });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const still = await term.rows();
      assert.deepEqual(still.slice(1, ROWS - 2), rows.slice(1, ROWS - 2));
      await term.keys("End");
      await settle(term, "following again", has("bob: late arrival"));

      // F2 hides the room list.
      await term.keys("F2");
      await settle(term, "no room list", (r) => !r.some((row) => row.includes("Rooms")));

      // /quit gives the normal screen back, with none of the window left on it.
      await term.line("/quit");
      const after = await term.waitFor("EXIT=0");
      assert.match(after, /Bye\./);
      assert.doesNotMatch(after, /filler|lag \d+ ms/, "the alternate screen is gone");
    } finally {
      bob?.close();
      await term?.close();
      await server.cleanup();
    }
  });
}

Deno.test("full screen: under 60 columns the client keeps line mode", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "carl");
    term = await start(server.port, "carl", 50);
    const screen = await term.waitFor("Joined general");
    assert.match(screen, /Password: •+/, "the start of the session is still on screen");
    assert.doesNotMatch(screen, /Rooms|lag/);
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("full screen: SIGTERM leaves the alternate screen and restores cooked mode", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "dora");
    term = await start(server.port, "dora", 80);
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("connected"));
    const children = await new Deno.Command("pgrep", {
      args: ["-P", String(await term.shellPid())],
    })
      .output();
    Deno.kill(Number(new TextDecoder().decode(children.stdout).trim().split("\n")[0]), "SIGTERM");
    const screen = await term.waitFor("EXIT=143");
    assert.doesNotMatch(screen, /connected|Rooms/, "the window is gone");
    assert.match(screen, /Password:/, "the normal screen is back as it was");
    assert.match(await term.stty(), /(^|\s)icanon/);
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("full screen: a kick closes the window and the reason stays readable on the normal screen", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "eve");
    term = await start(server.port, "eve", 80);
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("connected"));
    const kicked = await admin(server.adminPort, "POST", "/api/kick", {
      user: "eve",
      duration: "5m",
      reason: "flooding",
    });
    assert.equal(kicked.status, 200, JSON.stringify(kicked.body));
    const screen = await term.waitFor("EXIT=3");
    assert.match(
      screen,
      new RegExp(`You were kicked by a moderator until ${UNTIL_TIME}[^]*Reason: flooding\\.`),
    );
    assert.doesNotMatch(screen, /connected · lag/, "the window is gone");
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("full screen: PageUp at the top fetches older messages into the pane; a resize redraws the window", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    const bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    await bob.ok({ type: "join", room: "general" });
    for (let i = 1; i <= 120; i++) {
      await bob.ok({ type: "say", room: "general", text: `msg ${String(i).padStart(3, "0")}` });
    }
    await bob.ok({ type: "register", user: "finn", password: PASSWORD });
    bob.close();
    term = await start(server.port, "finn", 80);
    await settle(term, "the newest message", has("bob: msg 120"));
    let rows: string[] = [];
    for (let i = 0; i < 60 && !rows.join("\n").includes("Start of general."); i++) {
      await term.keys("PPage");
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await term.rows();
    }
    assert.ok(rows.join("\n").includes("Start of general."), rows.join("\n"));
    assert.ok(rows.join("\n").includes("bob: msg 001"), "the first message, fetched page by page");
    const text = rows.join("\n");
    assert.ok(text.indexOf("msg 001") < text.indexOf("msg 002"), "oldest first");

    await term.keys("End");
    await settle(term, "back at the bottom", has("bob: msg 120"));
    await term.resize(64, ROWS);
    // The redraw is not atomic on screen: wait for the message pane too, not only the bars.
    rows = await settle(
      term,
      "the narrower window",
      (r) => r[ROWS - 2]!.length <= 64 && r[0]!.includes("general") && has("bob: msg 120")(r),
    );
    assert.ok(rows.every((row) => [...row].length <= 64), "nothing wider than the terminal");
    assert.ok(rows.join("\n").includes("bob: msg 120"));
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("full screen: --bell rings for a mention, not for other messages", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "register", user: "gus", password: PASSWORD });
    term = await start(server.port, "gus", 80, "--bell");
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("connected"));
    await bob.ok({ type: "say", room: "general", text: "no name here" });
    await settle(term, "the plain line", has("bob: no name here"));
    assert.equal(await term.bellRang(), false, "no bell for an ordinary message");
    await bob.ok({ type: "say", room: "general", text: "gus: are you there?" });
    await settle(term, "the mention", has("» "));
    for (let i = 0; i < 50 && !await term.bellRang(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await term.bellRang(), true, "the bell rang for the mention");
  } finally {
    bob?.close();
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("full screen: --bell rings and the line is marked for a mention without the name's accents", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "register", user: "Élodie", password: PASSWORD });
    term = await start(server.port, "Élodie", 80, "--bell");
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("connected"));
    await bob.ok({ type: "say", room: "general", text: "@Elodie tu es là ?" });
    await settle(term, "the mention", (r) => r.some((row) => /» \d\d:\d\d bob: @Elodie/.test(row)));
    for (let i = 0; i < 50 && !await term.bellRang(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await term.bellRang(), true, "the bell rang for the mention");
  } finally {
    bob?.close();
    await term?.close();
    await server.cleanup();
  }
});
