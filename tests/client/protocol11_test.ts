/**
 * The interactive client renders the protocol 1.1 additions, against a scripted server that
 * has them (the real one may not yet): `/me` actions, tombstones, edited marks, edits and
 * deletions in place (full screen), topic changes, and `room_deleted`.
 */
import assert from "node:assert/strict";
import { type FakeConnection, FakeServer, type Request } from "./fake_server.ts";
import { settle, TmuxTerminal } from "./tmux.ts";
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

/** Noon of the local day `days` before today, as an ISO time. */
function daysAgo(days: number): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days, 12).toISOString();
}

/** A message of `room` by bob. */
function byBob(room: string, msgid: number, text: string, ts: string) {
  return { msgid: String(msgid).padStart(16, "0"), room, user: "bob", text, ts };
}

/**
 * Rooms whose `join` shows the newest page of a history over several days (`more`), and
 * the older page that `history` then answers: in `older` that page ends on the day the
 * joined page starts with; in `recent` the joined page is today's, the older one not.
 */
const PAGED = {
  older: {
    joined: [byBob("older", 21, "yesterday late", daysAgo(1))],
    before: [
      byBob("older", 19, "two days ago", daysAgo(2)),
      byBob("older", 20, "yesterday early", daysAgo(1)),
    ],
  },
  recent: {
    joined: [byBob("recent", 31, "today first", TS)],
    before: [byBob("recent", 30, "yesterday only", daysAgo(1))],
  },
} as Record<string, { joined: unknown[]; before: unknown[] }>;

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
      case "join": {
        const paged = PAGED[request.room as string];
        await conn.ok(request, {
          room: request.room,
          topic: "old topic",
          members: ["ann", "bob"],
          history: request.room === "general"
            ? HISTORY
            : request.room === "archive"
            ? ARCHIVE
            : paged?.joined ?? [],
          more: paged !== undefined,
        });
        break;
      }
      case "history":
        await conn.ok(request, {
          messages: PAGED[request.room as string]?.before ?? [],
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

Deno.test("protocol 1.1, full screen: older messages loaded with PageUp get a line at each day, once per day, where they meet the others too", async () => {
  const day = (iso: string) =>
    `── ${
      new Date(iso).toLocaleDateString(undefined, {
        weekday: "long",
        year: "numeric",
        month: "long",
        day: "numeric",
      })
    } ──`;
  /** The visible rows once `text` is among them and they hold still. */
  const shown = (term: TmuxTerminal, text: string) =>
    settle(term, text, (rows) => rows.some((row) => row.includes(text)));
  /** The row showing `text` (the first one); -1 when none does. */
  const at = (rows: string[], text: string) => rows.findIndex((row) => row.includes(text));
  /** How many rows show `text`. */
  const count = (rows: string[], text: string) => rows.filter((row) => row.includes(text)).length;
  await withClient(false, async (term, conn) => {
    await term.waitFor("to be edited");

    // The older page ends on the day the pane starts with: that day's line moves above it.
    await term.line("/join older");
    await shown(term, "bob: yesterday late");
    await term.keys("PPage");
    let rows = await shown(term, "Start of older.");
    const order = [
      "Start of older.",
      day(daysAgo(2)),
      "bob: two days ago",
      day(daysAgo(1)),
      "bob: yesterday early",
      "Joined older",
      "Older messages: /history",
      "bob: yesterday late",
    ].map((text) => at(rows, text));
    assert.ok(
      order.every((row, i) => row >= 0 && (i === 0 || row > order[i - 1]!)),
      rows.join("\n"),
    );
    assert.equal(count(rows, day(daysAgo(1))), 1, "yesterday's line once");
    assert.equal(count(rows, day(daysAgo(2))), 1);
    assert.equal(order[7], order[6]! + 1, "no row left where the repeated line was");
    // A live message of today after them: today's line, once.
    await conn().send({ type: "message", ...byBob("older", 22, "live today", TS) });
    rows = await shown(term, "bob: live today");
    assert.ok(at(rows, "bob: yesterday late") < at(rows, day(TS)), rows.join("\n"));
    assert.equal(at(rows, day(TS)) + 1, at(rows, "bob: live today"));
    assert.equal(count(rows, day(daysAgo(1))), 1);

    // The pane starts today, without a line; the older page is yesterday's: a line between.
    await term.line("/join recent");
    await shown(term, "bob: today first");
    assert.equal(count(await term.rows(), "── "), 0, "no line above today's first message");
    await term.keys("PPage");
    rows = await shown(term, "Start of recent.");
    const between = [
      "Start of recent.",
      day(daysAgo(1)),
      "bob: yesterday only",
      day(TS),
      "Joined recent",
      "bob: today first",
    ].map((text) => at(rows, text));
    assert.ok(
      between.every((row, i) => row >= 0 && (i === 0 || row > between[i - 1]!)),
      rows.join("\n"),
    );
    assert.equal(count(rows, "── "), 2, "one line per day");
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
