/**
 * The interactive client in real terminals (tmux) against a real server: the problems of
 * issue 17, each reproduced and checked on screen (at 100, 60 and 40 columns where the
 * width matters): no duplicate line, the cursor where the text ends, nothing above erased.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { settle, TmuxTerminal } from "./tmux.ts";
import {
  lineModeCommand as clientCommand,
  loginTerminal,
  PASSWORD,
  registerAccounts,
} from "./client_terminal.ts";
import { UNTIL_TIME } from "./support.ts";

const PROMPT = "[general] › ";

/** How often `needle` occurs in `haystack`. */
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The last non-empty row: the input row in line mode. */
function inputRow(rows: string[]): string {
  return rows.filter((row) => row !== "").at(-1) ?? "";
}

/** Starts a logged-in client (`--user`, `--room`) in a terminal of `columns`. */
async function loggedInTerminal(
  port: number,
  user: string,
  columns: number,
  room = "general",
): Promise<TmuxTerminal> {
  return await loginTerminal(port, user, { columns, rows: 30, room, extra: ["--plain"] });
}

for (const columns of [100, 60, 40]) {
  Deno.test(`screen at ${columns} columns: full-width and CJK lines once, emoji edited by cluster, resize leaves no stale row, Ctrl-D quits`, async () => {
    const server = await startServer();
    let term: TmuxTerminal | null = null;
    try {
      await registerAccounts(server.port, "alice");
      term = await loggedInTerminal(server.port, "alice", columns);

      // Prompt + text fill the row exactly.
      const full = "F" + "a".repeat(columns - PROMPT.length - 2) + "Z";
      await term.type(full);
      await term.keys("Enter");
      // The prompt shows ⧗1 until the server's ok: the state awaited is after it.
      let rows = await settle(
        term,
        "the full-width line, acknowledged",
        (r) => r.join("").includes("alice: Faa") && !inputRow(r).includes("⧗"),
      );
      let screen = await term.screen();
      assert.equal(count(screen.replaceAll("\n", ""), full), 1, "the full-width line shows once");
      assert.equal(inputRow(rows), PROMPT.trimEnd(), "the input row is empty after sending");

      // Wrapped CJK text.
      const cjk = "日本語のテキスト".repeat(6);
      await term.type(cjk);
      await term.keys("Enter");
      rows = await settle(
        term,
        "the CJK line, acknowledged",
        (r) => r.join("").includes("alice: 日本語") && !inputRow(r).includes("⧗"),
      );
      screen = (await term.screen()).replaceAll("\n", "");
      assert.equal(count(screen, "alice: 日本語"), 1, "the CJK line shows once");
      assert.equal(count(screen, full), 1, "the line before it is still there, once");

      // Emoji sequences: the cursor lands after them; ← and Backspace move by cluster.
      await term.type("x👨‍👩‍👧y👍🏽z🇫🇷");
      rows = await settle(term, "the emoji input", (r) => inputRow(r).endsWith("z🇫🇷"));
      assert.equal(
        (await term.cursorAt(PROMPT.length + 9)).x,
        PROMPT.length + 9,
        "cursor after 9 columns of text",
      );
      await term.keys("Left", "Left", "BSpace");
      rows = await settle(
        term,
        "the skin-toned thumb removed",
        (r) => inputRow(r).endsWith("yz🇫🇷"),
      );
      assert.equal(inputRow(rows), `${PROMPT}x👨‍👩‍👧yz🇫🇷`, "the whole 👍🏽 went, nothing split");
      assert.equal((await term.cursorAt(PROMPT.length + 4)).x, PROMPT.length + 4);
      await term.keys("End", "Enter");
      await settle(term, "the emoji line", (r) => r.join("").includes("alice: x👨‍👩‍👧yz🇫🇷"));

      // Narrowing the terminal leaves no stale copy of the input row.
      const typed = "stale-check " + "s".repeat(columns - PROMPT.length - 14);
      await term.type(typed);
      await settle(term, "the typed text", (r) => inputRow(r).includes("stale-check"));
      await term.resize(Math.floor(columns / 2), 30);
      rows = await settle(term, "the redrawn input", (r) => inputRow(r).startsWith("[general]"));
      assert.equal(
        count(rows.join("\n"), "stale-check"),
        inputRow(rows).includes("stale-check") ? 1 : 0,
      );
      assert.ok(rows.join("").includes("alice: x👨‍👩‍👧yz🇫🇷"), "nothing above the input erased");
      await term.resize(columns, 30);
      await term.keys("C-u");
      await settle(term, "an empty input", (r) => inputRow(r) === PROMPT.trimEnd());

      // Ctrl-D on an empty line quits cleanly (it used to crash with exit code 1).
      await term.keys("C-d");
      await term.waitFor("EXIT=0");
      assert.doesNotMatch(await term.screen(), /readline was closed|Uncaught/);
    } finally {
      await term?.close();
      await server.cleanup();
    }
  });
}

Deno.test("screen: --user goes straight to the password, a wrong one asks the password again, --room joins without the picker", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    const setup = await FrameClient.connect(server.port);
    await setup.registerAndLogin("carol", PASSWORD);
    await setup.ok({ type: "create_room", room: "dev" });
    setup.close();
    term = await TmuxTerminal.start(clientCommand(server.port, "--user", "carol", "--room", "dev"));
    await term.waitFor("Password:");
    await term.line("not the password");
    await term.waitFor("Wrong user name or password.");
    const after = await term.waitFor(/Type the password again[^\n]*\n(.*\n)*Password: ?$/m);
    assert.doesNotMatch(after, /Register|Log in/, "no start menu with --user");
    assert.equal(count(after, "User name:"), 1, "the name is not asked again");
    assert.doesNotMatch(after, /not the password/, "the password never shows");
    await term.line(PASSWORD);
    const joined = await term.waitFor("Joined dev");
    assert.doesNotMatch(joined, /Pick a room/, "--room skips the picker");
    assert.match(inputRow(await term.rows()), /^\[dev\] ›/);
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("screen: the room picker lists every room of a long list, and Esc does not quit", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    const setup = await FrameClient.connect(server.port);
    await setup.registerAndLogin("dave", PASSWORD);
    for (let i = 0; i < 260; i++) {
      await setup.ok({ type: "create_room", room: `zz-room-${String(i).padStart(3, "0")}` });
    }
    setup.close();
    term = await TmuxTerminal.start(clientCommand(server.port, "--user", "dave"), {}, {
      columns: 60,
      rows: 20,
    });
    await term.waitFor("Password:");
    await term.line(PASSWORD);
    await term.waitFor("Pick a room (261)");
    await term.keys("Escape");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.doesNotMatch(await term.screen(), /EXIT=/, "Esc in the picker does not quit");
    // End selects Quit; the two above it are Create and the last room.
    await term.keys("End", "Up", "Up");
    const rows = await settle(
      term,
      "the end of the list",
      (r) => r.join("\n").includes("❯ zz-room-259"),
    );
    assert.ok(rows.some((row) => row.includes("more above")));
    assert.ok(rows.length <= 20, "the menu fits the terminal");
    await term.keys("Enter");
    await term.waitFor("Joined zz-room-259");
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("screen: escape sequences in messages show as text; Tab cycles in place", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    const bobby = await FrameClient.connect(server.port);
    await bobby.registerAndLogin("bobby", PASSWORD);
    await bobby.ok({ type: "join", room: "general" });
    await bob.ok({ type: "register", user: "erin", password: PASSWORD });
    await bob.ok({ type: "join", room: "general" });
    term = await loggedInTerminal(server.port, "erin", 100);
    await term.line("marker line");
    await term.waitFor("erin: marker line");
    await bob.ok({
      type: "say",
      room: "general",
      text: "title\u001b]0;pwned\u0007 clear\u001b[2J bell\u0007 end",
    });
    const screen = await term.waitFor("bob: title");
    assert.ok(screen.includes("title␛]0;pwned␇ clear␛[2J bell␇ end"), screen);
    assert.ok(screen.includes("erin: marker line"), "the screen was not cleared");

    // Tab completes and cycles inside the input; nothing is listed into the scrollback.
    const before = await term.screen();
    await term.type("bo");
    await term.keys("Tab");
    await settle(term, "bob completed", (r) => inputRow(r).startsWith(`${PROMPT}bob: `));
    await term.keys("Tab");
    await settle(term, "bobby completed", (r) => inputRow(r).startsWith(`${PROMPT}bobby: `));
    await term.keys("Tab");
    const rows = await settle(term, "back to bob", (r) => inputRow(r).startsWith(`${PROMPT}bob: `));
    const above = rows.slice(0, rows.lastIndexOf(inputRow(rows))).join("\n");
    const listedBefore = count(before, "bobby");
    assert.equal(count(above, "bobby"), listedBefore, "no candidate list in the scrollback");
    bobby.close();
  } finally {
    bob?.close();
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("screen: mute notice in local time, a refused line goes back to the input, a paste of many lines asks first", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let term: TmuxTerminal | null = null;
  let reader: FrameClient | null = null;
  try {
    reader = await FrameClient.connect(server.port);
    await reader.registerAndLogin("reader", PASSWORD);
    await reader.ok({ type: "join", room: "general" });
    await reader.ok({ type: "register", user: "frank", password: PASSWORD });
    term = await loggedInTerminal(server.port, "frank", 60);

    await term.paste("line one\nline two\nline three");
    await settle(term, "the paste in the input", (r) => inputRow(r).includes("line one↵line two"));
    await term.keys("Enter");
    await term.waitFor("3 lines: Enter sends");
    await term.keys("Enter");
    const pasted = await reader.next((f) => f.type === "message" && f.user === "frank");
    assert.equal(pasted.text, "line one\nline two\nline three");

    // A long paste (accents, an emoji, 40 lines, ~3,900 characters) arrives whole and in
    // order: it is inserted a run of keys at a time, not a key at a time.
    const long = Array.from(
      { length: 40 },
      (_, i) => `${String(i).padStart(2, "0")} élève café 👍🏽 ${"x".repeat(70)}`,
    ).join("\n");
    await term.paste(long);
    await settle(term, "the long paste in the input", (r) => inputRow(r).endsWith("x".repeat(20)));
    await term.keys("Enter");
    await term.waitFor("40 lines: Enter sends");
    await term.keys("Enter");
    const whole = await reader.next((f) => f.type === "message" && f.user === "frank");
    assert.equal(whole.text, long);

    const muted = await admin(server.adminPort, "POST", "/api/mute", {
      user: "frank",
      duration: "5m",
    });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    const screen = await term.waitFor("You are muted until");
    assert.doesNotMatch(screen, /\d{4}-\d\d-\d\dT\d\d:\d\d/, "no raw ISO time");
    assert.match(screen, new RegExp(`You are muted until ${UNTIL_TIME}`));
    await term.line("are you there");
    const refused = await term.waitFor("Not sent:");
    assert.match(refused, new RegExp(`Not sent: You are muted until ${UNTIL_TIME}`));
    await settle(term, "the refused text back", (r) => inputRow(r).endsWith("are you there"));
  } finally {
    reader?.close();
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("screen: offline messages stay visible as pending and are sent once back; the shutdown notice reads well", async () => {
  const first = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let second: Awaited<ReturnType<typeof startServer>> | null = null;
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(first.port, "gina");
    term = await loggedInTerminal(first.port, "gina", 100);
    await first.stop("SIGTERM"); // A shutdown with no delay.
    let screen = await term.waitFor("Connection lost");
    assert.doesNotMatch(screen, /in 0 s/);
    assert.match(screen, /The server is shutting down now\. The client will reconnect/);
    await term.line("typed while offline");
    screen = await term.waitFor("⧗ general: typed while offline");
    assert.match(inputRow(await term.rows()), /⧗1/, "the prompt counts the pending message");
    second = await startServer({
      db: first.db,
      args: ["--port", String(first.port)],
      env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    await term.waitFor("Reconnected.");
    await term.waitFor(/\d\d:\d\d gina: typed while offline/);
    await settle(term, "no pending count", (r) => !inputRow(r).includes("⧗"));
  } finally {
    await term?.close();
    await second?.cleanup();
    await first.cleanup();
  }
});

Deno.test("screen: when an admin deletes the room you are in, the client moves to general and says why", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let term: TmuxTerminal | null = null;
  try {
    const setup = await FrameClient.connect(server.port);
    await setup.registerAndLogin("hal", PASSWORD);
    await setup.ok({ type: "create_room", room: "doomed" });
    setup.close();
    term = await loggedInTerminal(server.port, "hal", 100, "doomed");
    const deleted = await admin(server.adminPort, "DELETE", "/api/rooms/doomed");
    assert.equal(deleted.status, 204);
    await term.waitFor("doomed was deleted");
    // A server with `room_deleted` moves the client at once; one that only sends a notice
    // is found out at the next line, which is kept.
    await term.line("anyone here?");
    const screen = await term.waitFor("You are no longer in doomed.");
    assert.doesNotMatch(screen, /not in that room/);
    await settle(term, "the general prompt", (r) => inputRow(r).startsWith("[general]"));
  } finally {
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("screen: SIGTERM restores the terminal (cooked mode, input row cleared) and exits 143", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    await registerAccounts(server.port, "ivy");
    term = await loggedInTerminal(server.port, "ivy", 60);
    const shell = await term.shellPid();
    const children = await new Deno.Command("pgrep", { args: ["-P", String(shell)] }).output();
    const pid = Number(new TextDecoder().decode(children.stdout).trim().split("\n")[0]);
    assert.ok(pid > 0, "the client's process id");
    assert.match(await term.stty(), /-icanon/, "raw mode while the client runs");
    Deno.kill(pid, "SIGTERM");
    await term.waitFor("EXIT=143");
    // In cooked mode the shell's line starts at column 0 (raw mode would leave it offset).
    const rows = await term.rows();
    assert.ok(rows.some((row) => row === "EXIT=143"), rows.join("\n"));
    assert.match(await term.stty(), /(^|\s)icanon/, "cooked mode again");
  } finally {
    await term?.close();
    await server.cleanup();
  }
});
