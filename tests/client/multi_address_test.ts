/**
 * The client's protocol core given several addresses (issue 16, "The one address"), against
 * real server processes: a dead first address is skipped, a killed server is left for the
 * next one (log in, re-join with `after`, resend by `cid`), a `shutdown` sends the client on
 * at once; and against scripted servers: the order of addresses and the back-off only
 * after every address failed in a row, a login answered `unavailable` or a keepalive `ping`
 * left unanswered moving to the next address.
 *
 * The real servers here are two independent single-process servers, each with its own
 * SQLite database; both are given the same history first (the same messages said on each,
 * so their msgids agree), as instances of one service would share it.
 */
import assert from "node:assert/strict";
import { backoffDelay } from "../../lib/client/backoff.ts";
import { ChatClient } from "../../lib/client/chat_client.ts";
import { ConnectError, dial, type Endpoint } from "../../lib/client/transport.ts";
import { AdminClient } from "../admin/admin_client.ts";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { FakeServer } from "./fake_server.ts";
import { waitFor } from "../support/wait.ts";
import { EventLog } from "./support.ts";
import { ADMIN_PASSWORD, at, deadPort, PASSWORD, sameHistory } from "./multi_address_support.ts";

/** One endpoint for the loopback `ports`, in that order. */
function endpoints(...ports: number[]): Endpoint {
  return {
    host: "127.0.0.1",
    port: ports[0]!,
    tls: false,
    servers: ports.map((port) => ({ host: "127.0.0.1", port })),
  };
}

/** The text of every `notice` event so far. */
function notices(log: EventLog): string[] {
  return log.events.flatMap((e) => e.type === "notice" ? [e.text] : []);
}

Deno.test("multi-address: a dead first address is skipped; with every address dead, one line each", async () => {
  const server = await startServer();
  const dead = deadPort();
  let client: ChatClient | null = null;
  try {
    client = await ChatClient.connect({ endpoint: endpoints(dead, server.port) });
    assert.equal(client.address, at(server.port));
    assert.deepEqual(client.addresses, [at(dead), at(server.port)]);
    assert.ok((await client.register("ann", PASSWORD)).ok);
    assert.ok((await client.login("ann", PASSWORD)).ok, "the session runs on the second");

    const other = deadPort();
    const refused = await ChatClient.connect({ endpoint: endpoints(dead, other) }).then(
      () => null,
      (error) => error,
    );
    assert.ok(refused instanceof ConnectError, String(refused));
    const lines = refused.message.split("\n");
    assert.equal(lines[0], "None of the 2 servers could be reached:");
    assert.match(lines[1]!, new RegExp(`^  Cannot connect to 127\\.0\\.0\\.1:${dead}: `));
    assert.match(lines[2]!, new RegExp(`^  Cannot connect to 127\\.0\\.0\\.1:${other}: `));
    assert.equal(lines.length, 3);
  } finally {
    client?.close();
    await server.cleanup();
  }
});

Deno.test("multi-address: the connected server killed: the client moves to the next, logs in, catches up, resends once", async () => {
  const a = await startServer();
  const b = await startServer();
  let alice: ChatClient | null = null;
  let carol: FrameClient | null = null;
  try {
    await sameHistory([a, b], ["alice", "carol"], ["h1", "h2"]);
    // Alice's reconnects wait at this gate, so that messages pile up while she moves.
    let gate = Promise.withResolvers<void>();
    gate.resolve();
    const dialed: number[] = [];
    const gatedDial = async (target: Endpoint) => {
      dialed.push(target.port);
      await gate.promise;
      return dial(target);
    };
    alice = await ChatClient.connect({
      endpoint: endpoints(a.port, b.port),
      dialer: gatedDial,
      backoff: { baseMs: 5_000, maxMs: 5_000 },
    });
    const log = new EventLog(alice);
    assert.ok((await alice.login("alice", PASSWORD)).ok);
    const joined = await alice.join("general");
    assert.ok(joined.ok);
    assert.deepEqual(joined.history.map((m) => m.text), ["h1", "h2"]);
    assert.equal(alice.address, at(a.port));

    gate = Promise.withResolvers<void>();
    await a.stop("SIGKILL");
    await log.until((e) => e.some((x) => x.type === "reconnecting"), "reconnecting");
    const reconnecting = log.events.find((e) => e.type === "reconnecting");
    assert.ok(reconnecting?.type === "reconnecting" && reconnecting.first);
    assert.equal(reconnecting.delayMs, 0, "the next address is tried at once, no back-off");
    const switching = alice.say("general", "typed while switching");
    carol = await FrameClient.connect(b.port);
    await carol.ok({ type: "login", user: "carol", password: PASSWORD });
    await carol.ok({ type: "join", room: "general" });
    await carol.ok({ type: "say", room: "general", text: "said on b while alice moved" });
    gate.resolve();

    assert.ok((await switching).ok);
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    assert.equal(alice.address, at(b.port));
    assert.deepEqual(dialed.slice(-1), [b.port], "the second address, not the dead one again");
    assert.deepEqual(notices(log), [`Now connected to ${at(b.port)}.`]);
    await carol.ok({ type: "say", room: "general", text: "live on b" });
    await log.until(() => log.texts().includes("live on b"), "the live message on b");

    // Everything b holds, once each, in b's order; nothing from before shown again.
    const stored = await carol.ok({ type: "history", room: "general", limit: 200 });
    const expected = (stored.messages as { msgid: string; text: string }[]).slice(2);
    assert.deepEqual(
      log.events.flatMap((e) => e.type === "message" ? [e.message.msgid] : []),
      expected.map((m) => m.msgid),
    );
    assert.deepEqual(log.texts(), [
      "said on b while alice moved",
      "typed while switching",
      "live on b",
    ]);
    assert.equal(alice.unacknowledged, 0);
    assert.ok(!log.events.some((e) => e.type === "ended"));
  } finally {
    alice?.close();
    carol?.close();
    await b.cleanup();
    await a.cleanup();
  }
});

Deno.test("multi-address: a shutdown sends the client to the next address at once, while the server still runs", async () => {
  const a = await startServer();
  const b = await startServer();
  let alice: ChatClient | null = null;
  try {
    await sameHistory([a, b], ["alice"], ["h1"]);
    let aExited = false;
    a.exited.then(() => aExited = true);
    alice = await ChatClient.connect({
      endpoint: endpoints(a.port, b.port),
      // A long back-off: moving on must not wait for it.
      backoff: { baseMs: 30_000, maxMs: 30_000 },
    });
    const log = new EventLog(alice);
    assert.ok((await alice.login("alice", PASSWORD)).ok);
    assert.ok((await alice.join("general")).ok);

    const admin = new AdminClient(a.adminPort);
    await admin.login(ADMIN_PASSWORD);
    const kill = await admin.call("POST", "/api/shutdown", { message: "Moving", delay: 60 });
    assert.equal(kill.status, 202, JSON.stringify(kill.body));
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    assert.ok(!aExited, "moved during the server's 60 s of warning, not after it stopped");
    const shutdown = log.events.find((e) => e.type === "shutdown");
    assert.ok(shutdown?.type === "shutdown" && shutdown.message === "Moving" && shutdown.in === 60);
    const reconnecting = log.events.filter((e) => e.type === "reconnecting");
    assert.deepEqual(reconnecting.map((e) => e.type === "reconnecting" && e.delayMs), [0]);
    assert.equal(alice.address, at(b.port));
    assert.deepEqual(notices(log), [`Now connected to ${at(b.port)}.`]);

    const said = await alice.say("general", "hello from b");
    assert.ok(said.ok);
    await log.until(() => log.texts().includes("hello from b"), "the echo on b");
    assert.deepEqual(log.texts(), ["hello from b"]);
  } finally {
    alice?.close();
    await b.cleanup();
    await a.cleanup();
  }
});

Deno.test("multi-address: addresses in turn from the next one; the back-off only after every one failed in a row", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    const login = await conn.next("login");
    await conn.ok(login, { user: "ada", rooms: [] });
    await conn.next("never").catch(() => {});
  });
  const [dead1, dead2] = [deadPort(), deadPort()];
  const dialed: number[] = [];
  const counting = (target: Endpoint) => {
    dialed.push(target.port);
    return dial(target);
  };
  const backoff = { baseMs: 40, maxMs: 160, random: () => 0 };
  const client = await ChatClient.connect({
    endpoint: endpoints(server.port, dead1, dead2),
    dialer: counting,
    backoff,
  });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    await server.close(); // The connection drops and the address is refused from now on.
    const reconnecting = () => log.events.filter((e) => e.type === "reconnecting");
    await log.until(() => reconnecting().length >= 9, "three rounds of attempts");
    const delays = reconnecting().map((e) => e.type === "reconnecting" ? e.delayMs : -1);
    assert.deepEqual(delays.slice(0, 9), [
      0,
      0,
      backoffDelay(0, backoff),
      0,
      0,
      backoffDelay(1, backoff),
      0,
      0,
      backoffDelay(2, backoff),
    ]);
    const port = server.port;
    assert.deepEqual(dialed.slice(0, 9), [
      port,
      dead1,
      dead2,
      port,
      dead1,
      dead2,
      port,
      dead1,
      dead2,
    ]);
    assert.ok(!client.online);
    assert.ok(!log.events.some((e) => e.type === "ended"), "the client does not give up");
  } finally {
    client.close();
  }
});

Deno.test("multi-address: a login answered unavailable, or a keepalive ping never answered, moves to the next address", async () => {
  // a: logs in, then never answers again (a server that hangs); b: its store is down.
  const a = FakeServer.start(async (conn) => {
    await conn.welcome();
    await conn.ok(await conn.next("login"), { user: "ada", rooms: [] });
    await conn.next("never").catch(() => {});
  });
  const b = FakeServer.start(async (conn) => {
    await conn.welcome();
    await conn.error(await conn.next("login"), "unavailable", "The store is down.");
    await conn.next("never").catch(() => {});
  });
  const c = FakeServer.start(async (conn) => {
    await conn.welcome();
    await conn.ok(await conn.next("login"), { user: "ada", rooms: [] });
    while (true) {
      const ping = await conn.next("ping").catch(() => null);
      if (ping === null) return;
      await conn.ok(ping);
    }
  });
  const client = await ChatClient.connect({
    endpoint: endpoints(a.port, b.port, c.port),
    backoff: { baseMs: 30_000, maxMs: 30_000 },
    keepaliveMs: 200,
    pingTimeoutMs: 400,
  });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    assert.equal(client.address, at(c.port));
    assert.ok(a.connections[0]!.requests.some((r) => r.type === "ping"), "a was pinged");
    assert.equal(b.connections.length, 1, "b was tried once");
    assert.ok(b.connections[0]!.requests.some((r) => r.type === "login"));
    assert.equal(c.connections.length, 1);
    // c answers its pings: the client stays.
    const pings = () => c.connections[0]!.requests.filter((r) => r.type === "ping").length;
    await waitFor("two pings answered by c", () => pings() >= 2);
    assert.ok(client.online);
    assert.equal(c.connections.length, 1);
    assert.equal(log.events.filter((e) => e.type === "reconnected").length, 1);
  } finally {
    client.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});
