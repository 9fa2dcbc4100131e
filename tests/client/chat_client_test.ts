/**
 * The client's protocol core against a real server subprocess that is stopped and
 * restarted: after the reconnect the user sees every message once, in order.
 */
import assert from "node:assert/strict";
import { ChatClient } from "../../lib/client/chat_client.ts";
import { dial, type Endpoint } from "../../lib/client/transport.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { EventLog } from "./support.ts";

const PASSWORD = "correct horse";

async function loggedIn(endpoint: Endpoint, user: string, dialer = dial): Promise<ChatClient> {
  const client = await ChatClient.connect({
    endpoint,
    dialer,
    backoff: { baseMs: 50, maxMs: 400 },
  });
  const registered = await client.register(user, PASSWORD);
  assert.ok(registered.ok || registered.error.code === "user_taken");
  const login = await client.login(user, PASSWORD);
  assert.ok(login.ok, "login failed");
  return client;
}

Deno.test("client core: after a server restart, re-joins with after and resends: no gap, no duplicate", async () => {
  const first = await startServer();
  let second: Awaited<ReturnType<typeof startServer>> | null = null;
  const clients: ChatClient[] = [];
  let carol: FrameClient | null = null;
  try {
    const endpoint = { host: "127.0.0.1", port: first.port, tls: false };
    // Alice's reconnects wait at this gate, so messages pile up while she is away.
    let gate = Promise.withResolvers<void>();
    gate.resolve();
    const gatedDial = async (target: Endpoint) => {
      await gate.promise;
      return dial(target);
    };
    const alice = await loggedIn(endpoint, "alice", gatedDial);
    clients.push(alice);
    const log = new EventLog(alice);
    const joined = await alice.join("general");
    assert.ok(joined.ok);
    for (let i = 1; i <= 3; i++) assert.ok((await alice.say("general", `before ${i}`)).ok);
    await log.until(() => log.texts().length === 3, "the first messages");

    gate = Promise.withResolvers<void>();
    // kill -9: no goodbye frame; a message sent right now may or may not be stored.
    const racing = alice.say("general", "racing the crash");
    await first.stop("SIGKILL");
    await log.until((e) => e.some((x) => x.type === "reconnecting"), "reconnecting");
    const offline = alice.say("general", "typed while offline");

    second = await startServer({ db: first.db, args: ["--port", String(first.port)] });
    carol = await FrameClient.connect(second.port);
    await carol.registerAndLogin("carol");
    await carol.ok({ type: "join", room: "general" });
    for (let i = 1; i <= 5; i++) {
      await carol.ok({ type: "say", room: "general", text: `missed ${i}` });
    }
    gate.resolve();

    assert.ok((await racing).ok);
    assert.ok((await offline).ok);
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    await carol.ok({ type: "say", room: "general", text: "after the reconnect" });
    await log.until(() => log.texts().includes("after the reconnect"), "the live message");

    const stored = await carol.ok({ type: "history", room: "general", limit: 200 });
    const expected = (stored.messages as { msgid: string }[]).map((m) => m.msgid);
    const seen = log.events.flatMap((e) => e.type === "message" ? [e.message.msgid] : []);
    assert.deepEqual(seen, expected);
    const texts = log.texts();
    assert.equal(texts.filter((t) => t === "racing the crash").length, 1);
    assert.equal(texts.filter((t) => t === "typed while offline").length, 1);
    assert.ok(texts.includes("missed 5"));
    assert.equal(alice.unacknowledged, 0);
  } finally {
    for (const client of clients) client.close();
    carol?.close();
    await second?.cleanup();
    await first.cleanup();
  }
});

Deno.test("client core: a direct message sent while the server is down arrives once after it is back", async () => {
  const first = await startServer();
  let second: Awaited<ReturnType<typeof startServer>> | null = null;
  const clients: ChatClient[] = [];
  try {
    const endpoint = { host: "127.0.0.1", port: first.port, tls: false };
    const alice = await loggedIn(endpoint, "alice");
    const bob = await loggedIn(endpoint, "bob");
    clients.push(alice, bob);
    const bobLog = new EventLog(bob);
    assert.ok((await alice.dm("bob", "hello bob")).ok);
    await bobLog.until((e) => e.some((x) => x.type === "dm"), "the first dm");
    await first.stop("SIGTERM");
    await bobLog.until((e) => e.some((x) => x.type === "reconnecting"), "reconnecting");
    const pending = alice.dm("bob", "while down");
    second = await startServer({ db: first.db, args: ["--port", String(first.port)] });
    assert.ok((await pending).ok);
    await bobLog.until(
      (e) => e.some((x) => x.type === "dm" && x.message.text === "while down"),
      "the dm sent while down",
    );
    const dms = bobLog.events.flatMap((e) => e.type === "dm" ? [e.message.text] : []);
    assert.deepEqual(dms, ["hello bob", "while down"]);
    assert.ok(bobLog.events.some((e) => e.type === "shutdown"));
  } finally {
    for (const client of clients) client.close();
    await second?.cleanup();
    await first.cleanup();
  }
});
