/**
 * The interactive client renders the protocol 1.1 additions, against a scripted server that
 * has them (the real one may not yet): `/me` actions, tombstones, edited marks, edits and
 * deletions in place (full screen), topic changes, and `room_deleted`.
 */
import assert from "node:assert/strict";
import { type FakeConnection, FakeServer, type Request } from "./fake_server.ts";
import { TmuxTerminal } from "./tmux.ts";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;
const TS = new Date().toISOString();

const HISTORY = [
  {
    msgid: "0000000000000001",
    room: "general",
    user: "bob",
    text: "waves",
    ts: TS,
    kind: "action",
  },
  { msgid: "0000000000000002", room: "general", user: "bob", text: "", ts: TS, deleted: true },
  {
    msgid: "0000000000000003",
    room: "general",
    user: "bob",
    text: "fixed typo",
    ts: TS,
    edited: TS,
  },
  { msgid: "0000000000000004", room: "general", user: "bob", text: "to be edited", ts: TS },
];

const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString();

/** A room whose history spans two days. */
const ARCHIVE = [
  {
    msgid: "0000000000000008",
    room: "archive",
    user: "bob",
    text: "from yesterday",
    ts: YESTERDAY,
  },
  { msgid: "0000000000000009", room: "archive", user: "bob", text: "from today", ts: TS },
];

/** Answers every request like a 1.1 server would; `said` collects the `say` requests. */
async function serve(conn: FakeConnection, said: Request[]): Promise<void> {
  await conn.welcome({ maxServerFrame: 1_048_576 }, {
    features: ["action", "topic", "edit", "delete", "resume", "read_markers", "search"],
  });
  const rooms = [{ name: "general", topic: "old topic", members: ["bob"] }];
  for await (const request of conn.served()) {
    switch (request.type) {
      case "login":
        await conn.ok(request, { user: request.user, rooms, roomsMore: false, token: "tok" });
        break;
      case "rooms":
        await conn.ok(request, { rooms, more: false });
        break;
      case "join":
        await conn.ok(request, {
          room: request.room,
          topic: "old topic",
          members: ["ann", "bob"],
          history: request.room === "general" ? HISTORY : request.room === "archive" ? ARCHIVE : [],
          more: false,
        });
        break;
      case "search":
        said.push(request);
        await conn.ok(request, {
          messages: [{ ...HISTORY[3], text: "hello there" }, {
            ...HISTORY[0],
            room: undefined,
            to: "ann",
          }],
          more: false,
        });
        break;
      case "mark_read":
        said.push(request);
        await conn.ok(request, { room: request.room, msgid: request.msgid });
        break;
      case "say":
        said.push(request);
        await conn.ok(request, { msgid: `00000000000001${said.length}0`, ts: TS });
        break;
      case "logout":
        await conn.ok(request);
        conn.close();
        return;
      default:
        await conn.ok(request);
    }
  }
}

async function withClient(
  plain: boolean,
  body: (term: TmuxTerminal, conn: () => FakeConnection, said: Request[]) => Promise<void>,
): Promise<void> {
  const said: Request[] = [];
  const server = FakeServer.start((conn) => serve(conn, said));
  const args = ["--user", "ann", "--room", "general", ...(plain ? ["--plain"] : [])];
  const term = await TmuxTerminal.start(
    [
      Deno.execPath(),
      "run",
      ...CLIENT_BINARY.permissions,
      CLIENT,
      `127.0.0.1:${server.port}`,
      ...args,
    ],
    {},
    { columns: 100, rows: 24 },
  );
  try {
    await term.waitFor("Password:");
    await term.line("any password");
    await term.waitFor("Joined general");
    await body(term, () => server.connections.at(-1)!, said);
  } finally {
    await term.close();
    await server.close();
  }
}

Deno.test("protocol 1.1, line mode: /me, tombstones, edited marks, topic changes, room_deleted", async () => {
  await withClient(true, async (term, conn, said) => {
    const screen = await term.waitFor("to be edited");
    assert.match(screen, /\d\d:\d\d \* bob waves/);
    assert.match(screen, /\d\d:\d\d bob: \(deleted\)/);
    assert.match(screen, /bob: fixed typo \(edited\)/);
    await term.line("/me is here");
    await term.waitFor("-- Type a message");
    for (let i = 0; i < 200 && !said.some((request) => request.type === "say"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const action = said.find((request) => request.type === "say")!;
    assert.equal(action.kind, "action");
    assert.equal(action.text, "is here");
    await conn().send({ type: "topic", room: "general", topic: "new topic", user: "bob" });
    await term.waitFor('The topic of general is now "new topic" by bob.');
    await conn().send({ ...HISTORY[3], type: "edited", text: "now edited", edited: TS });
    await term.waitFor(/✎ \d\d:\d\d bob: now edited \(edited\)/);
    // This server does not list `report`: the command is not offered, and /help says so.
    await term.line("/report 1 spam");
    await term.waitFor(
      "!! This server does not offer /report (its welcome does not list the feature).",
    );
    await term.line("/help");
    await term.waitFor("Not on this server: /report.");
    assert.ok(!said.some((request) => request.type === "report"));
    await conn().send({ type: "room_deleted", room: "general" });
    await term.waitFor("The room general was deleted by an admin. You are no longer in general.");
  });
});

Deno.test("protocol 1.1, full screen: an edit and a deletion change the message in place", async () => {
  await withClient(false, async (term, conn) => {
    await term.waitFor("to be edited");
    await conn().send({ ...HISTORY[3], type: "edited", text: "edited in place", edited: TS });
    let rows = await term.rows();
    for (let i = 0; i < 100 && !rows.join("\n").includes("edited in place"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await term.rows();
    }
    const text = rows.join("\n");
    assert.match(text, /bob: edited in place \(edited\)/);
    assert.doesNotMatch(text, /to be edited/, "the old text is replaced, not repeated");
    assert.doesNotMatch(text, /✎/);
    await conn().send({ type: "deleted", msgid: HISTORY[0]!.msgid, room: "general", by: "mod" });
    await term.waitFor(/\d\d:\d\d bob: \(deleted\) — by mod/);
    assert.doesNotMatch(await term.screen(), /bob waves/);
  });
});

/** A message event for room `room`. */
function message(room: string, msgid: string, text: string) {
  return { type: "message", msgid, room, user: "bob", text, ts: TS };
}

Deno.test("protocol 1.1: read markers are sent for the room on screen and clear counts from other sessions; /search lists matches", async () => {
  await withClient(true, async (term, conn, said) => {
    await term.waitFor("to be edited");
    await conn().send(message("general", "0000000000000005", "seen here"));
    await term.waitFor("bob: seen here");
    const marked = async (msgid: string) => {
      for (let i = 0; i < 100; i++) {
        if (said.some((r) => r.type === "mark_read" && r.msgid === msgid)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no mark_read up to ${msgid}`);
    };
    await marked("0000000000000005");
    const mark = said.find((r) => r.type === "mark_read" && r.msgid === "0000000000000005")!;
    assert.equal(mark.room, "general");

    await term.line("/join dev");
    await term.waitFor("Joined dev");
    await conn().send(message("general", "0000000000000006", "one"));
    await conn().send(message("general", "0000000000000007", "two"));
    await term.waitFor("(general:2)");
    await conn().send({ type: "read", room: "general", msgid: "0000000000000007" });
    for (let i = 0; i < 100 && (await term.rows()).join("\n").includes("(general:2)"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.doesNotMatch(
      (await term.rows()).at(-1) ?? "",
      /general:2/,
      "read elsewhere: no longer unread",
    );

    await term.line("/search hello");
    const found = await term.waitFor(/2 results for "hello":\n.*\n.*bob: hello there/);
    assert.match(found, /\[dm bob → ann\] \d\d:\d\d \* bob waves/);
    assert.match(found, /\[general\] \d\d:\d\d bob: hello there/);
    assert.equal(said.find((r) => r.type === "search")!.query, "hello");
  });
});

Deno.test("protocol 1.1, full screen: a line with the date starts each day", async () => {
  await withClient(false, async (term) => {
    await term.waitFor("to be edited");
    await term.line("/join archive");
    const screen = await term.waitFor("from today");
    const day = (iso: string) =>
      new Date(iso).toLocaleDateString(undefined, {
        weekday: "long",
        year: "numeric",
        month: "long",
        day: "numeric",
      });
    const rows = screen.split("\n");
    const yesterday = rows.findIndex((row) => row.includes(`── ${day(YESTERDAY)} ──`));
    const today = rows.findIndex((row) => row.includes(`── ${day(TS)} ──`));
    const first = rows.findIndex((row) => row.includes("bob: from yesterday"));
    const second = rows.findIndex((row) => row.includes("bob: from today"));
    assert.ok(yesterday >= 0 && yesterday < first, screen);
    assert.ok(first < today && today < second, "a day line between the two days");
  });
});

Deno.test("protocol 1.1, full screen: /search results open in a pane of their own; Esc goes back", async () => {
  await withClient(false, async (term) => {
    await term.waitFor("to be edited");
    await term.line("/search hello");
    let screen = await term.waitFor('Search: 2 results for "hello"');
    assert.match(screen, /\[general\] \d\d:\d\d bob: hello there/);
    assert.doesNotMatch(screen, /to be edited/, "the room's lines are not in the search pane");
    await term.keys("Escape");
    screen = await term.waitFor("to be edited");
    assert.doesNotMatch(screen, /Search:/);
    // Escape and "/" typed together arrive as one Alt-/: the pane closes and the "/" is kept,
    // so the next search is a command, not a message.
    await term.line("/search hello");
    await term.waitFor('Search: 2 results for "hello"');
    await term.keys("Escape", "/");
    await term.line("search there");
    screen = await term.waitFor('Search: 2 results for "there"');
    assert.doesNotMatch(screen, /: search there/, "not sent as a message");
  });
});
