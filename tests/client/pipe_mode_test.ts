/**
 * `client.ts` as a subprocess in pipe mode, and its start-up failures, against a real
 * server subprocess. The client runs with exactly the permissions of `deno task client`.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";
import { UNTIL_TIME } from "./support.ts";
import { FakeServer } from "./fake_server.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;
const PASSWORD = "correct horse";

function spawnClient(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    // Exactly the compiled binary's permissions, so the suite proves they suffice.
    args: ["run", ...CLIENT_BINARY.permissions, CLIENT, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Every message of a room, oldest first, read page by page. */
async function roomTexts(client: FrameClient, room: string): Promise<string[]> {
  const texts: string[] = [];
  let after = "0000000000000000";
  while (true) {
    const page = await client.ok({ type: "history", room, after, limit: 200 });
    const messages = page.messages as { msgid: string; text: string }[];
    texts.push(...messages.map((m) => m.text));
    if (!page.more || messages.length === 0) return texts;
    after = messages[messages.length - 1]!.msgid;
  }
}

Deno.test("pipe mode: 1,000 lines piped in arrive in order, acknowledged, exit code 0", async () => {
  const server = await startServer();
  let reader: FrameClient | null = null;
  try {
    reader = await FrameClient.connect(server.port);
    await reader.registerAndLogin("reader");
    await reader.ok({ type: "register", user: "bot", password: PASSWORD });
    const child = spawnClient(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
    await writer.close();
    const result = await child.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 0, stderr);
    assert.deepEqual(await roomTexts(reader, "general"), lines);
  } finally {
    reader?.close();
    await server.cleanup();
  }
});

Deno.test("pipe mode: --json prints incoming messages as JSON lines", async () => {
  const server = await startServer();
  let bob: FrameClient | null = null;
  let child: Deno.ChildProcess | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob");
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "register", user: "bot", password: PASSWORD });
    child = spawnClient(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general", "--json"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    await bob.next((f) => f.type === "joined" && f.user === "bot");
    await bob.ok({ type: "say", room: "general", text: "hello pipe" });
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!printed.includes("\n")) {
      const { value, done } = await stdout.read();
      if (done) break;
      printed += value;
    }
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("bye\n"));
    await writer.close();
    const event = JSON.parse(printed.split("\n")[0]!);
    assert.equal(event.type, "message");
    assert.equal(event.user, "bob");
    assert.equal(event.text, "hello pipe");
    assert.equal(event.room, "general");
    await stdout.cancel();
    assert.equal((await child.status).code, 0);
    child = null;
    await bob.next((f) => f.type === "message" && f.text === "bye");
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    bob?.close();
    await server.cleanup();
  }
});

async function failure(args: string[], env: Record<string, string> = {}) {
  const child = spawnClient(args, env);
  await child.stdin.close();
  const result = await child.output();
  return { code: result.code, stderr: new TextDecoder().decode(result.stderr) };
}

Deno.test("pipe mode: bad input: a wrong password says so and exits 1", async () => {
  const server = await startServer();
  try {
    const setup = await FrameClient.connect(server.port);
    await setup.ok({ type: "register", user: "bot", password: PASSWORD });
    setup.close();
    const { code, stderr } = await failure(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: "wrong password" },
    );
    assert.equal(code, 1);
    assert.equal(stderr, "Cannot log in as bot: Wrong user name or password.\n");
  } finally {
    await server.cleanup();
  }
});

Deno.test("client: bad input: nothing listening on the port gives one sentence and exit 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { code, stderr } = await failure(
    [`127.0.0.1:${port}`, "--user", "bot", "--room", "general"],
    { FASTCHAT_PASSWORD: PASSWORD },
  );
  assert.equal(code, 1);
  assert.equal(
    stderr,
    `fastchat-client: Cannot connect to 127.0.0.1:${port}: nothing is listening there (is the server running, and is the port right?).\n`,
  );
});

Deno.test("client: bad input: --tls against a plain server gives one sentence and exit 1", async () => {
  const server = await startServer();
  try {
    const { code, stderr } = await failure(
      [`127.0.0.1:${server.port}`, "--tls", "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    assert.equal(code, 1);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /^fastchat-client: TLS connection to 127\.0\.0\.1:\d+ failed/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  } finally {
    await server.cleanup();
  }
});

Deno.test("client: bad input: pipe mode without --user, --room or password explains and exits 2", async () => {
  const { code, stderr } = await failure(["127.0.0.1:1"]);
  assert.equal(code, 2);
  assert.match(stderr, /pipe mode, which needs --user NAME, --room ROOM, the FASTCHAT_PASSWORD/);
});

Deno.test("client: --lang fr --help prints the help in French (the language comes first)", async () => {
  const child = spawnClient(["--help", "--lang", "fr"], { LANG: "C.UTF-8" });
  await child.stdin.close();
  const result = await child.output();
  const stdout = new TextDecoder().decode(result.stdout);
  assert.equal(result.code, 0);
  assert.match(stdout, /le client de terminal de FastChat\./);
  assert.match(stdout, /Mode tube : quand l'entrée standard/);
});

Deno.test("client: bad input: start-up errors in French from LANG, exit codes unchanged", async () => {
  const env = { LANG: "fr_FR.UTF-8", LC_ALL: "", LC_MESSAGES: "", FASTCHAT_LANG: "" };
  const usage = await failure(["--port", "0"], env);
  assert.equal(usage.code, 2);
  assert.equal(
    usage.stderr,
    "fastchat-client: Port invalide « 0 » : donnez un nombre de 1 à 65535. Voir --help.\n",
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = await failure(
    [`127.0.0.1:${port}`, "--user", "bot", "--room", "general"],
    { ...env, FASTCHAT_PASSWORD: PASSWORD },
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^fastchat-client: Connexion à 127\.0\.0\.1:\d+ impossible : rien/);
});

/** Logs in to the admin API and returns a function that POSTs with the session cookie. */
async function adminPost(
  adminPort: number,
): Promise<(path: string, body: unknown) => Promise<Response>> {
  const base = `http://127.0.0.1:${adminPort}`;
  const login = await fetch(`${base}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: "admin", password: "test-admin-password" }),
  });
  assert.equal(login.status, 200, await login.text());
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
  return (path, body) =>
    fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify(body),
    });
}

Deno.test("pipe mode: a kick is reported with its end time and exits 3", async () => {
  const server = await startServer();
  let child: Deno.ChildProcess | null = null;
  let watcher: FrameClient | null = null;
  try {
    watcher = await FrameClient.connect(server.port);
    await watcher.registerAndLogin("watcher");
    await watcher.ok({ type: "join", room: "general" });
    await watcher.ok({ type: "register", user: "bot", password: PASSWORD });
    child = spawnClient(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    await watcher.next((f) => f.type === "joined" && f.user === "bot");
    const post = await adminPost(server.adminPort);
    const kick = await post("/api/kick", { user: "bot", duration: "5m", reason: "spam" });
    assert.equal(kick.status, 200, await kick.text());
    const result = await child.output();
    child = null;
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 3, stderr);
    assert.match(
      stderr,
      new RegExp(`You were kicked by a moderator until ${UNTIL_TIME}; .* Reason: spam\\.`),
    );
  } finally {
    if (child) {
      child.kill("SIGKILL");
      await child.status;
    }
    watcher?.close();
    await server.cleanup();
  }
});

Deno.test("pipe mode: bad input escape sequences from a hostile server reach stderr made visible, never raw", async () => {
  const ESC = "\u001b";
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    await conn.ok(await conn.next("login"), { user: "bot", token: "t" });
    await conn.ok(await conn.next("join"), { room: "general", members: ["bot"], history: [] });
    const say = await conn.next("say");
    await conn.send({ type: "room_deleted", room: `general${ESC}]2;PWNED${"\u0007"}` });
    await conn.send({
      type: "deleted",
      room: "general",
      msgid: "0000000000000001",
      by: `mod${ESC}[41;97m RED ${ESC}[0m`,
    });
    await conn.send({ type: "notice", text: `${ESC}]52;c;Y2xpcGJvYXJk${"\u0007"}` });
    await conn.ok(say, { msgid: "0000000000000002", ts: "2026-12-01T00:00:00.000Z" });
  });
  try {
    const child = spawnClient(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello\n"));
    await writer.close();
    const result = await child.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.ok(!stderr.includes(ESC), `no raw ESC on stderr: ${JSON.stringify(stderr)}`);
    assert.ok(!stderr.includes("\u0007"), "no raw BEL on stderr");
    assert.match(stderr, /PWNED/, "the deleted room is still reported");
    assert.match(stderr, /RED/, "the deletion is still reported");
  } finally {
    await server.close();
  }
});

Deno.test("pipe mode: a too long line is refused with the limit the server announced in welcome", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome({ maxText: 500 });
    await conn.ok(await conn.next("login"), { user: "bot", token: "t" });
    await conn.ok(await conn.next("join"), { room: "general", members: ["bot"], history: [] });
    // A sentence without the number: the client says the limit of `welcome`.
    await conn.error(await conn.next("say"), "text_too_long", "That message is too long.");
    await conn.ok(await conn.next("logout"));
  });
  try {
    const child = spawnClient(
      [`127.0.0.1:${server.port}`, "--user", "bot", "--room", "general"],
      { FASTCHAT_PASSWORD: PASSWORD },
    );
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${"x".repeat(501)}\n`));
    await writer.close();
    const result = await child.output();
    const stderr = new TextDecoder().decode(result.stderr);
    assert.equal(result.code, 1, stderr);
    assert.match(stderr, /The message is too long: messages are at most 500 characters\./);
  } finally {
    await server.close();
  }
});
