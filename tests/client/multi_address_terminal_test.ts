/**
 * The real client in real terminals (tmux) given several addresses (issue 16): it skips a
 * dead first address and says where it is connected; when its server is killed it moves to
 * the next address, and a message typed while it moves is shown once; when its server
 * announces a shutdown it moves on at once (in French here), while that server still runs.
 * Two independent single-process servers stand for two instances of one service (same
 * accounts and history on each, `multi_address_support.ts`).
 */
import assert from "node:assert/strict";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";
import { AdminClient } from "../admin/admin_client.ts";
import { FrameClient } from "../support/frame_client.ts";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import { settle, TmuxTerminal } from "./tmux.ts";
import { ADMIN_PASSWORD, at, deadPort, PASSWORD, sameHistory } from "./multi_address_support.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;

/** A clock time as the client shows it: `14:05`, or `2:05 PM` in an English locale. */
const TIME = String.raw`\d{1,2}:\d\d(?: [AP]M)?`;

/** A chat line of `user` saying `text`. */
function said(user: string, text: string): RegExp {
  return new RegExp(`${TIME} ${user}: ${text}`);
}

/** How often `pattern` matches in `text`. */
function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, "g"))?.length ?? 0;
}

/**
 * Starts the client for the address list of `ports` as `alice` in `general` (with
 * `extra` arguments and environment), types the password, waits for `joined`.
 */
async function startAlice(
  ports: number[],
  extra: string[],
  env: Record<string, string>,
  texts: { password: string; joined: string },
): Promise<TmuxTerminal> {
  const list = ports.map(at).join(",");
  const term = await TmuxTerminal.start(
    [
      Deno.execPath(),
      "run",
      ...CLIENT_BINARY.permissions,
      CLIENT,
      list,
      "--user",
      "alice",
      "--room",
      "general",
      ...extra,
    ],
    { NO_COLOR: "1", ...env },
    { columns: 100, rows: 30 },
  );
  try {
    await term.waitFor(texts.password);
    await term.line(PASSWORD);
    await term.waitFor(texts.joined);
    return term;
  } catch (error) {
    await term.close();
    throw error;
  }
}

Deno.test("multi-address terminal: a dead first address skipped; the server killed: the next one, a message typed meanwhile shown once", async () => {
  const a = await startServer();
  const b = await startServer();
  let bAgain: ServerProcess | null = null;
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    await sameHistory([a, b], ["alice"], ["h1", "h2"]);
    const dead = deadPort();
    term = await startAlice([dead, a.port, b.port], ["--plain"], {}, {
      password: "Password:",
      joined: "Joined general",
    });
    let screen = await term.screen();
    assert.match(screen, new RegExp(`Connecting to ${at(dead)}, ${at(a.port)}, ${at(b.port)}…`));
    assert.match(screen, new RegExp(`Connected to fastchat/\\S+ at ${at(a.port)}\\.`));

    // b goes down first (SIGTERM), then a is killed: nowhere to go for a moment.
    const bDb = b.db;
    const bPort = b.port;
    await b.stop("SIGTERM");
    await a.stop("SIGKILL");
    await term.waitFor("Connection lost");
    await term.line("typed while switching");
    await term.waitFor("⧗ general: typed while switching");
    bAgain = await startServer({ db: bDb, args: ["--port", String(bPort)] });
    bob = await FrameClient.connect(bPort);
    await bob.ok({ type: "login", user: "bob", password: PASSWORD });
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "say", room: "general", text: "said on b meanwhile" });

    screen = await term.waitFor(`Now connected to ${at(bPort)}.`);
    screen = await term.waitFor(said("alice", "typed while switching"));
    // Alice may reach b before bob's join, between his join and his say, or after it: her
    // message is then in his join's history, or an event before or after his say's reply.
    // Whichever, b holds it exactly once.
    const stored = await bob.ok({ type: "history", room: "general" });
    const texts = (stored.messages as { text: string }[]).map((m) => m.text);
    assert.equal(texts.filter((t) => t === "typed while switching").length, 1, texts.join(" | "));
    await bob.ok({ type: "say", room: "general", text: "live on b" });
    screen = await term.waitFor(said("bob", "live on b"));
    assert.equal(count(screen, said("alice", "typed while switching")), 1, screen);
    assert.equal(count(screen, said("bob", "said on b meanwhile")), 1, screen);
    assert.equal(count(screen, said("bob", "h2")), 1, "the history is not shown again");
    assert.ok(screen.indexOf("said on b meanwhile") < screen.indexOf("live on b"));
    await settle(term, "no pending count", (rows) => !rows.join("\n").includes("⧗1"));
  } finally {
    bob?.close();
    await term?.close();
    await bAgain?.cleanup();
    await b.cleanup();
    await a.cleanup();
  }
});

Deno.test("multi-address terminal: a shutdown moves the client to the next address at once (French, full screen)", async () => {
  const a = await startServer();
  const b = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    await sameHistory([a, b], ["alice"], ["h1"]);
    let aExited = false;
    a.exited.then(() => aExited = true);
    term = await startAlice([a.port, b.port], [], { LANG: "fr_FR.UTF-8" }, {
      password: "Mot de passe :",
      joined: "Vous avez rejoint general",
    });
    await settle(term, "the status bar", (rows) => rows.some((r) => /alice · en ligne/.test(r)));

    const admin = new AdminClient(a.adminPort);
    await admin.login(ADMIN_PASSWORD);
    const kill = await admin.call("POST", "/api/shutdown", { message: "Maintenance", delay: 60 });
    assert.equal(kill.status, 202, JSON.stringify(kill.body));
    const rows = await settle(
      term,
      "the move to b",
      (r) => r.some((row) => row.includes(`Connexion établie avec ${at(b.port)}.`)),
    );
    assert.ok(!aExited, "moved while a still gives its 60 s of warning");
    assert.ok(rows.some((row) => row.includes("Maintenance")), "the shutdown notice is shown");
    assert.ok(rows.some((row) => /alice · en ligne sur /.test(row)), rows.join("\n"));

    bob = await FrameClient.connect(b.port);
    await bob.ok({ type: "login", user: "bob", password: PASSWORD });
    await bob.ok({ type: "join", room: "general" });
    await term.line("bonjour depuis b");
    await bob.next((f) => f.type === "message" && f.text === "bonjour depuis b");
    const shown = await settle(
      term,
      "the message on b",
      (r) => r.some((row) => said("alice", "bonjour depuis b").test(row)),
    );
    assert.equal(count(shown.join("\n"), said("alice", "bonjour depuis b")), 1);
  } finally {
    bob?.close();
    await term?.close();
    await b.cleanup();
    await a.cleanup();
  }
});
