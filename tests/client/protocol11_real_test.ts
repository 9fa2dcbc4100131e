/**
 * The protocol 1.1 commands of the terminal client against the REAL server, in tmux
 * terminals: `/edit`, `/delete`, `/me`, `/search`, `/report`, read markers shared by two
 * devices of one account, and what a bad `/edit` says; pipe mode's JSON lines of the new
 * events.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { UNTIL_TIME } from "./support.ts";
import { TmuxTerminal } from "./tmux.ts";
import {
  clientCommand,
  loginTerminal,
  PASSWORD,
  registerAccounts as register,
} from "./client_terminal.ts";

/** A logged-in client in a terminal (line mode unless `fullScreen`). */
async function chatTerminal(
  port: number,
  user: string,
  room = "general",
  fullScreen = false,
): Promise<TmuxTerminal> {
  const extra = fullScreen ? [] : ["--plain"];
  return await loginTerminal(port, user, { columns: 110, rows: 40, room, extra });
}

/** Waits until the visible screen's last non-empty row (line mode: the prompt) passes `check`. */
async function promptUntil(term: TmuxTerminal, what: string, check: (row: string) => boolean) {
  for (let i = 0; i < 200; i++) {
    const row = (await term.rows()).filter((r) => r !== "").at(-1) ?? "";
    if (check(row)) return row;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}:\n${await term.screen()}`);
}

Deno.test("real server: alice edits and deletes, bob sees the (edited) mark and (deleted); /me shows * alice waves", async () => {
  const server = await startServer();
  const terms: TmuxTerminal[] = [];
  try {
    await register(server.port, "alice", "bob");
    const alice = await chatTerminal(server.port, "alice");
    terms.push(alice);
    const bob = await chatTerminal(server.port, "bob", "general", true);
    terms.push(bob);
    await alice.line("frist post");
    await alice.line("second one");
    await bob.waitFor("alice: second one");
    await alice.line("/edit 2 first post");
    await alice.waitFor(/✎ \d\d:\d\d alice: first post \(edited\)/);
    // Full screen: changed in place, the old text gone.
    let screen = await bob.waitFor(/alice: first post \(edited\)/);
    assert.doesNotMatch(screen, /frist post/);
    await alice.line("/delete");
    screen = await bob.waitFor(/\d\d:\d\d alice: \(deleted\)/);
    assert.doesNotMatch(screen, /second one/);
    await alice.waitFor(/✗ \d\d:\d\d alice: \(deleted\)/);
    await alice.line("/me waves");
    await bob.waitFor(/\d\d:\d\d \* alice waves/);
    await alice.waitFor(/\d\d:\d\d \* alice waves/);
  } finally {
    for (const term of terms) await term.close();
    await server.cleanup();
  }
});

Deno.test("real server: bad input: /edit with nothing of yours, someone else's message, a too large N, a too long text, a deleted one", async () => {
  const server = await startServer();
  const terms: TmuxTerminal[] = [];
  try {
    await register(server.port, "alice", "bob");
    const alice = await chatTerminal(server.port, "alice");
    terms.push(alice);
    const bob = await chatTerminal(server.port, "bob");
    terms.push(bob);
    await alice.line("alice speaking");
    await bob.waitFor("alice: alice speaking");
    // Only alice's message is in the room: bob has nothing to edit, and cannot edit hers.
    await bob.line("/edit hijacked");
    await bob.waitFor(
      "!! You have no message in general to edit: only your own messages can be edited",
    );
    await bob.line("/delete");
    await bob.waitFor("!! You have no message in general to delete");
    await bob.line("mine");
    await bob.line("/edit 2 too far");
    await bob.waitFor(
      "!! You have only 1 message in general that you can edit: /edit 1 is your newest.",
    );
    await bob.line("/edit 0 zero");
    await bob.waitFor("!! Usage: /edit [N] text, N from 1");
    await bob.line("/edit");
    await bob.waitFor("!! Usage: /edit [N] text");
    // The text rules of `say` hold for an edit.
    await bob.line("/edit " + "x".repeat(4_001));
    await bob.waitFor("!! Could not edit the message: The message is too long");
    // Once deleted, a message no longer counts: nothing of bob's is left to edit.
    await bob.line("/delete");
    await alice.waitFor(/bob: \(deleted\)/);
    await bob.line("/edit resurrected");
    const noEdit = "!! You have no message in general to edit";
    for (let i = 0; i < 200 && (await bob.screen()).split(noEdit).length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await bob.screen()).split(noEdit).length - 1, 2, "said again after /delete");
    const screen = await alice.screen();
    assert.doesNotMatch(screen, /hijacked|too far|zero|resurrected/, "nothing was changed");
    assert.doesNotMatch(screen, /\(edited\)/);
  } finally {
    for (const term of terms) await term.close();
    await server.cleanup();
  }
});

Deno.test("real server: /search shows room, time and author with in: and from:; /report shows the report id", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const terms: TmuxTerminal[] = [];
  let bob: FrameClient | null = null;
  try {
    await register(server.port, "alice");
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob");
    await bob.ok({ type: "create_room", room: "dev" });
    await bob.ok({ type: "join", room: "dev" });
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "say", room: "dev", text: "Bonjour le café" });
    await bob.ok({ type: "say", room: "general", text: "cafe in general" });
    const alice = await chatTerminal(server.port, "alice");
    terms.push(alice);
    await alice.line("/search cafe");
    let screen = await alice.waitFor(/-- 2 results for "cafe":\n.*\n.*cafe in general/);
    assert.match(screen, /\[dev\] \d\d:\d\d bob: Bonjour le café/);
    assert.match(screen, /\[general\] \d\d:\d\d bob: cafe in general/);
    await alice.line("/search caf in:dev from:bob");
    screen = await alice.waitFor('-- 1 result for "caf" in dev from bob:');
    await alice.line("/search cafe from:nobody");
    await alice.waitFor("!! There is no user with that name.");
    await alice.line("/search zzzz");
    await alice.waitFor('-- Nothing found for "zzzz".');

    // /report alone numbers the room's messages; /report N reason sends that one.
    await bob.ok({ type: "say", room: "general", text: "buy cheap pills" });
    await alice.waitFor("bob: buy cheap pills");
    await alice.line("/report");
    screen = await alice.waitFor(/\(1 = the newest in general\):\n.*\n.*bob: cafe in general/);
    assert.match(screen, /^\s+1\s+\d\d:\d\d bob: buy cheap pills$/m);
    assert.match(screen, /^\s+2\s+\d\d:\d\d bob: cafe in general$/m);
    await alice.line("/report 1 spam");
    screen = await alice.waitFor(
      /Reported bob's message "buy cheap pills" to the moderators: report #\S+\./,
    );
    const id = /report #(\S+)\./.exec(screen)![1];
    // The staff's queue shows the same id.
    const reports = await admin(server.adminPort, "GET", "/api/reports");
    assert.equal(reports.status, 200);
    const listed = (reports.body as { reports: { id: unknown; reason: string }[] }).reports;
    assert.ok(listed.some((r) => String(r.id) === id && r.reason === "spam"), "the same id");
    // Reported again: the server keeps the first report; the client says so.
    await alice.line("/report 1 really spam");
    await alice.waitFor(
      `You had already reported bob's message "buy cheap pills": the moderators have it (report #${id})`,
    );
    await alice.line("/report 9 spam");
    await alice.waitFor("!! general shows only 2 messages: /report alone lists them with their N.");
  } finally {
    for (const term of terms) await term.close();
    bob?.close();
    await server.cleanup();
  }
});

Deno.test("real server: /topic refusals say why: who may, too long, too often (with the wait), muted (until when)", async () => {
  // The default limits, so that topic changes are rate limited as in production.
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN }, limits: true });
  const terms: TmuxTerminal[] = [];
  try {
    await register(server.port, "alice");
    const alice = await chatTerminal(server.port, "alice");
    terms.push(alice);
    // `general` has no creator: only staff may change its topic.
    await alice.line("/topic my topic");
    await alice.waitFor(
      "!! Only moderators, admins and the creator of general may change its topic.",
    );
    await alice.line("/create lab");
    await alice.waitFor("Joined lab");
    await alice.line(`/topic ${"x".repeat(301)}`);
    await alice.waitFor(
      "!! The topic is too long (301 characters): a topic is at most 300 characters.",
    );
    // The creator may, until the rate limit: then the wait is said.
    for (let i = 1; i <= 10; i++) {
      await alice.line(`/topic take ${i}`);
      await alice.waitFor(`The topic of lab is now "take ${i}" by alice.`);
    }
    await alice.line("/topic take 11");
    await alice.waitFor(
      /!! You have changed topics too often lately; try again in (\d+ seconds?|1 minute)\./,
    );
    const muted = await admin(server.adminPort, "POST", "/api/mute", {
      user: "alice",
      duration: "10m",
    });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    await alice.line("/topic muted now");
    await alice.waitFor(
      new RegExp(
        `!! You are muted until ${UNTIL_TIME}\\. While you are muted you cannot change a topic either\\.`,
      ),
    );
    assert.doesNotMatch(await alice.screen(), /You are not allowed to do that here/);
  } finally {
    for (const term of terms) await term.close();
    await server.cleanup();
  }
});

Deno.test("real server: reading a room on one device clears its unread count on the other (same account)", async () => {
  const server = await startServer();
  const terms: TmuxTerminal[] = [];
  let bob: FrameClient | null = null;
  try {
    await register(server.port, "alice");
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob");
    await bob.ok({ type: "create_room", room: "dev" });
    await bob.ok({ type: "join", room: "general" });
    const phone = await chatTerminal(server.port, "alice");
    terms.push(phone);
    const laptop = await chatTerminal(server.port, "alice");
    terms.push(laptop);
    await laptop.line("/join dev");
    await laptop.waitFor("Joined dev");
    await bob.ok({ type: "say", room: "general", text: "one" });
    await bob.ok({ type: "say", room: "general", text: "two" });
    // The laptop shows dev: general's two messages are unread there.
    await promptUntil(laptop, "general:2 on the laptop", (row) => row.includes("(general:2)"));
    // The phone shows general: it tells the server, and the laptop's count goes.
    await phone.waitFor("bob: two");
    await promptUntil(laptop, "general read on the phone", (row) => !row.includes("general:"));

    // A direct message shown on a device is read: a later login does not count it again.
    await bob.ok({ type: "dm", to: "alice", text: "psst" });
    await phone.waitFor("psst");
    const probe = await FrameClient.connect(server.port);
    try {
      await probe.ok({ type: "login", user: "alice", password: PASSWORD });
      const deadline = Date.now() + 10_000;
      while (true) {
        const counts = await probe.ok({ type: "unread" });
        const dm = (counts.dms as { with: string; unread: number }[]).find((d) => d.with === "bob");
        if (dm?.unread === 0) break;
        assert.ok(Date.now() < deadline, `the dm stays unread: ${JSON.stringify(counts.dms)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      probe.close();
    }

    // A device that logs in later learns from the server what is unread elsewhere.
    await phone.line("/quit");
    await phone.waitFor("EXIT=0");
    await bob.ok({ type: "say", room: "general", text: "three" });
    const tablet = await chatTerminal(server.port, "alice", "dev");
    terms.push(tablet);
    await tablet.waitFor("-- Unread elsewhere: general 1 (/join ROOM, /msg USER).");
  } finally {
    for (const term of terms) await term.close();
    bob?.close();
    await server.cleanup();
  }
});

Deno.test("real server: pipe mode --json prints edited, deleted, topic, read and room_deleted events", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  let bob: FrameClient | null = null;
  let botElsewhere: FrameClient | null = null;
  let child: Deno.ChildProcess | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob");
    await bob.ok({ type: "create_room", room: "lab" });
    await bob.ok({ type: "join", room: "lab" });
    await bob.ok({ type: "register", user: "bot", password: PASSWORD });
    const [deno, ...args] = clientCommand(server.port, "--user", "bot", "--room", "lab", "--json");
    child = new Deno.Command(deno!, {
      args,
      env: { NO_COLOR: "1", FASTCHAT_PASSWORD: PASSWORD },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await bob.next((f) => f.type === "joined" && f.user === "bot");
    const said = await bob.ok({ type: "say", room: "lab", text: "draft" });
    await bob.ok({ type: "edit", msgid: said.msgid, text: "final" });
    await bob.ok({ type: "delete", msgid: said.msgid });
    await bob.ok({ type: "topic", room: "lab", topic: "experiments" });
    botElsewhere = await FrameClient.connect(server.port);
    await botElsewhere.ok({ type: "login", user: "bot", password: PASSWORD });
    await botElsewhere.ok({ type: "mark_read", room: "lab", msgid: said.msgid });
    const lines: Record<string, unknown>[] = [];
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const want = ["message", "edited", "deleted", "topic", "read", "room_deleted"];
    let deletedRoom = false;
    while (!want.every((type) => lines.some((line) => line.type === type))) {
      if (!deletedRoom && lines.some((line) => line.type === "read")) {
        deletedRoom = true;
        assert.equal((await admin(server.adminPort, "DELETE", "/api/rooms/lab")).status, 204);
      }
      const { value, done } = await stdout.read();
      if (done) break;
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts.filter((p) => p !== "").map((p) => JSON.parse(p)));
    }
    const byType = (type: string) => lines.find((line) => line.type === type);
    assert.deepEqual(byType("edited"), {
      type: "edited",
      msgid: said.msgid,
      room: "lab",
      user: "bob",
      text: "final",
      ts: said.ts,
      edited: byType("edited")!.edited,
    });
    assert.equal(typeof byType("edited")!.edited, "string");
    assert.deepEqual(byType("deleted"), {
      type: "deleted",
      msgid: said.msgid,
      room: "lab",
      by: "bob",
    });
    assert.deepEqual(byType("topic"), {
      type: "topic",
      room: "lab",
      topic: "experiments",
      user: "bob",
    });
    assert.deepEqual(byType("read"), { type: "read", room: "lab", msgid: said.msgid });
    assert.deepEqual(byType("room_deleted"), { type: "room_deleted", room: "lab" });
    await stdout.cancel();
    await child.stdin.close();
    await child.status;
    child = null;
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    bob?.close();
    botElsewhere?.close();
    await server.cleanup();
  }
});
