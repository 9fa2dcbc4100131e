/**
 * The client's protocol core against servers that send too much or drop connections
 * (issue 11, items 1 and 10): oversize frames are skipped, not fatal; connections that fail
 * soon after connecting are retried ever more slowly; reconnects log in with the resume
 * token and fall back to the password; room lists and histories are paged.
 */
import assert from "node:assert/strict";
import { backoffDelay } from "../../lib/client/backoff.ts";
import { ChatClient, RESTART_MAX_DELAY_MS } from "../../lib/client/chat_client.ts";
import { serverFrameLimit } from "../../lib/client/connection.ts";
import { dial, type Endpoint } from "../../lib/client/transport.ts";
import { type FakeConnection, FakeServer } from "./fake_server.ts";
import { EventLog } from "./support.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";

const PASSWORD = "correct horse";
const MiB = 1_048_576;

function endpoint(port: number): Endpoint {
  return { host: "127.0.0.1", port, tls: false };
}

/** A frame of about `bytes` bytes (a notice with a long text). */
function bigNotice(bytes: number): string {
  return JSON.stringify({ type: "notice", text: "x".repeat(bytes) }) + "\n";
}

Deno.test("resilience: an oversize event is skipped with an event; the connection goes on", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome(); // No maxServerFrame: the client's 1 MiB default applies.
    await conn.send(bigNotice(2 * MiB));
    await conn.send({ type: "notice", text: "still here" });
    await conn.next("logout").catch(() => {});
  });
  const client = await ChatClient.connect({ endpoint: endpoint(server.port) });
  try {
    const log = new EventLog(client);
    await log.until(
      (events) => events.some((e) => e.type === "notice" && e.text === "still here"),
      "the notice after the oversize frame",
    );
    const dropped = log.events.find((e) => e.type === "frame_too_large");
    assert.ok(dropped && dropped.type === "frame_too_large", "the skipped frame is reported");
    assert.equal(dropped.limit, MiB);
    assert.ok(dropped.bytes > 2 * MiB);
    assert.ok(client.online);
    assert.equal(server.connections.length, 1, "no reconnect");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("resilience: maxServerFrame from welcome sizes the decoder; a bigger reply is an error value", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome({ maxServerFrame: 3 * MiB });
    const login = await conn.next("login");
    // 2 MiB: over the default, within what this server announced.
    await conn.ok(login, {
      user: "ada",
      rooms: [{ name: "r", topic: "t".repeat(2 * MiB), members: [] }],
    });
    const rooms = await conn.next("rooms");
    await conn.send(
      `{"type":"ok","id":${rooms.id},"rooms":[{"name":"big","topic":"${"y".repeat(4 * MiB)}"}]}\n`,
    );
    const ping = await conn.next("ping");
    await conn.ok(ping);
    await conn.next("logout").catch(() => {});
  });
  const client = await ChatClient.connect({ endpoint: endpoint(server.port) });
  try {
    const login = await client.login("ada", PASSWORD);
    assert.ok(login.ok, "a 2 MiB login reply is accepted under a 3 MiB announcement");
    const listed = await client.request({ type: "rooms" });
    assert.ok(!listed.ok);
    assert.equal(listed.error.code, "frame_too_large");
    assert.match(listed.error.message, /too large/);
    assert.ok((await client.request({ type: "ping" })).ok, "the connection still works");
    assert.equal(server.connections.length, 1);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("resilience: a server that drops every connection after login is retried with growing delays", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    const login = await conn.next("login");
    await conn.ok(login, { user: "ada", rooms: [] });
    if (conn.index > 0) conn.close(); // Each reconnect fails right after logging in.
    else await conn.next("never").catch(() => {});
  });
  const random = () => 0;
  const backoff = { baseMs: 20, maxMs: 200, random };
  const client = await ChatClient.connect({ endpoint: endpoint(server.port), backoff });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    server.connections[0]!.close();
    const reconnecting = () => log.events.filter((e) => e.type === "reconnecting");
    await log.until(() => reconnecting().length >= 7, "seven reconnect attempts");
    const attempts = reconnecting().map((e) => e.type === "reconnecting" ? e.attempt : 0);
    const delays = reconnecting().map((e) => e.type === "reconnecting" ? e.delayMs : 0);
    // The count keeps growing across connections that failed soon after connecting.
    assert.deepEqual(attempts.slice(0, 7), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      delays.slice(0, 7),
      [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, backoff)),
    );
    assert.equal(delays[6], 100, "capped at maxMs, with the kept half of equal jitter");
    // Connections made: the first one plus one per attempt, never more.
    assert.ok(server.connections.length <= reconnecting().length + 1);
    assert.ok(!log.events.some((e) => e.type === "ended"), "the client does not give up");
  } finally {
    client.close();
    await server.close();
  }
});

/**
 * A session on a fake server whose first connection logs in and then, with `announce`,
 * sends `shutdown` before closing; `later` scripts every later connection. Returns the
 * delays of the first eight reconnect attempts (jitter off: the kept half of each delay).
 */
async function reconnectDelays(
  announce: boolean,
  later: (conn: FakeConnection) => Promise<void>,
  settledMs: number,
): Promise<number[]> {
  const server = FakeServer.start(async (conn) => {
    if (conn.index > 0) return await later(conn);
    await conn.welcome();
    const login = await conn.next("login");
    await conn.ok(login, { user: "ada", rooms: [] });
    await conn.next("never").catch(() => {});
  });
  const backoff = { baseMs: 40, maxMs: 10_000, random: () => 0 };
  const client = await ChatClient.connect({
    endpoint: endpoint(server.port),
    backoff,
    settledMs,
  });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    if (announce) {
      await server.connections[0]!.send({ type: "shutdown", message: "Restarting", in: 0 });
      await log.until((e) => e.some((x) => x.type === "shutdown"), "the shutdown event");
    }
    server.connections[0]!.close();
    const reconnecting = () => log.events.filter((e) => e.type === "reconnecting");
    await log.until(() => reconnecting().length >= 8, "eight reconnect attempts");
    return reconnecting().map((e) => e.type === "reconnecting" ? e.delayMs : -1).slice(0, 8);
  } finally {
    client.close();
    await server.close();
  }
}

/** The growing delays of attempts 0–6 with the settings of {@linkcode reconnectDelays}. */
const GROWING = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 40, random: () => 0 }));

/** A server still starting: it closes every connection before its welcome. */
const starting = (conn: FakeConnection) => Promise.resolve(conn.close());

Deno.test("resilience: after an announced shutdown the delays stop growing at a second while the server is down", async () => {
  const delays = await reconnectDelays(true, starting, 0);
  const cap = RESTART_MAX_DELAY_MS / 2; // the kept half with random() = 0
  assert.equal(delays[0], 0, "the first attempt after a shutdown goes at once");
  assert.deepEqual(delays.slice(1), GROWING.map((d) => Math.min(d, cap)));
  assert.equal(delays.at(-1), cap, "capped at a second (its kept half)");
});

Deno.test("resilience: after a plain drop the delays grow on past a second", async () => {
  const delays = await reconnectDelays(false, starting, 0);
  assert.deepEqual(delays.slice(0, 7), GROWING);
  assert.ok(delays[6]! > RESTART_MAX_DELAY_MS / 2, "not capped");
});

Deno.test("resilience: bad input a restarted server that answers unavailable: the window ends at its first accepted connection", async () => {
  const delays = await reconnectDelays(true, async (conn) => {
    await conn.welcome();
    const login = await conn.next("login");
    await conn.error(login, "unavailable", "Starting.");
    conn.close();
  }, 0);
  assert.equal(delays[0], 0);
  assert.deepEqual(delays.slice(1), GROWING, "growing again once the server answered");
});

Deno.test("resilience: bad input a server that announces a shutdown right after each login is not retried in a loop", async () => {
  const delays = await reconnectDelays(true, starting, 60_000);
  assert.deepEqual(
    delays.slice(0, 7),
    GROWING,
    "counted as a failure: no immediate attempt, no cap",
  );
});

Deno.test("resilience: a connection that stays healthy starts the delays from the shortest again", async () => {
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    const login = await conn.next("login");
    await conn.ok(login, { user: "ada", rooms: [] });
    // The first two reconnects fail at once; the third connection stays.
    if (conn.index === 1 || conn.index === 2) conn.close();
    else await conn.next("never").catch(() => {});
  });
  const backoff = { baseMs: 20, maxMs: 200, random: () => 0 };
  const client = await ChatClient.connect({
    endpoint: endpoint(server.port),
    backoff,
    healthyMs: 1_000,
  });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    server.connections[0]!.close();
    await log.until(
      (e) => e.some((x) => x.type === "reconnected") && server.connections.length === 4,
      "the lasting connection",
    );
    const attempts = (): number => client.reconnectAttempts;
    assert.equal(attempts(), 3, "three attempts counted");
    for (let i = 0; i < 200 && attempts() !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(attempts(), 0, "reset once the connection proved healthy");
    const before = log.events.length;
    server.connections[3]!.close();
    await log.until(
      (e) => e.slice(before).some((x) => x.type === "reconnecting"),
      "the next outage",
    );
    const next = log.events.slice(before).find((x) => x.type === "reconnecting");
    assert.ok(next?.type === "reconnecting" && next.attempt === 1 && next.first);
    assert.equal(next.delayMs, backoffDelay(0, backoff));
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("resilience: reconnects log in with the resume token, and with the password when it is refused", async () => {
  const logins: Record<string, unknown>[] = [];
  const server = FakeServer.start(async (conn) => {
    await conn.welcome({}, { features: ["resume"] });
    const login = await conn.next("login");
    logins.push(login);
    if (conn.index === 2) {
      await conn.error(login, "bad_credentials", "Unknown token.");
      const again = await conn.next("login");
      logins.push(again);
      await conn.ok(again, { user: "ada", rooms: [], token: "tok-3" });
      await conn.next("never").catch(() => {});
      return;
    }
    await conn.ok(login, { user: "ada", rooms: [], token: `tok-${conn.index + 1}` });
    if (conn.index === 0) await conn.next("never").catch(() => {});
    else conn.close();
  });
  const client = await ChatClient.connect({
    endpoint: endpoint(server.port),
    backoff: { baseMs: 10, maxMs: 50 },
  });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    assert.ok(client.hasToken);
    server.connections[0]!.close();
    await log.until(() => logins.length >= 4, "the password login after the refused token");
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    assert.deepEqual(logins[0], { type: "login", id: 1, user: "ada", password: PASSWORD });
    assert.equal(logins[1]!.token, "tok-1");
    assert.equal(logins[1]!.password, undefined, "no password sent with a token");
    assert.equal(logins[2]!.token, "tok-2", "the newest token is used");
    assert.equal(logins[3]!.password, PASSWORD, "refused token: the password it still holds");
    assert.equal(logins[3]!.token, undefined);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("resilience: maxServerFrame is read from welcome.limits or from the top level of welcome", () => {
  const welcome = { type: "welcome" as const, protocol: 1, server: "x", motd: "" };
  const limits = { maxFrame: 65536, maxText: 4000 };
  assert.equal(serverFrameLimit({ ...welcome, limits }), MiB, "absent: 1 MiB");
  assert.equal(
    serverFrameLimit({ ...welcome, limits: { ...limits, maxServerFrame: 3 * MiB } }),
    3 * MiB,
  );
  assert.equal(serverFrameLimit({ ...welcome, limits, maxServerFrame: 2 * MiB }), 2 * MiB);
  assert.equal(
    serverFrameLimit({ ...welcome, limits, maxServerFrame: 10 }),
    MiB,
    "never below 1 MiB",
  );
  assert.equal(
    serverFrameLimit({ ...welcome, limits, maxServerFrame: 2 ** 40 }),
    64 * MiB,
    "capped",
  );
});

Deno.test("resilience: the login room list's roomsMore is followed with rooms after=", async () => {
  const names = Array.from({ length: 25 }, (_, i) => `room-${String(i).padStart(2, "0")}`);
  const page = (from: number) => ({
    rooms: names.slice(from, from + 10).map((name) => ({ name, topic: null, members: [] })),
    more: from + 10 < names.length,
  });
  const afters: unknown[] = [];
  const server = FakeServer.start(async (conn) => {
    await conn.welcome({ maxServerFrame: MiB });
    const login = await conn.next("login");
    const first = page(0);
    await conn.ok(login, { user: "ada", rooms: first.rooms, roomsMore: first.more, token: "t" });
    while (true) {
      const request = await conn.next("rooms");
      afters.push(request.after);
      const at = typeof request.after === "string" ? names.indexOf(request.after) + 1 : 0;
      await conn.ok(request, page(at));
    }
  });
  const client = await ChatClient.connect({ endpoint: endpoint(server.port) });
  try {
    assert.ok((await client.login("ada", PASSWORD)).ok);
    const listed = await client.rooms(client.takeLoginRooms());
    assert.ok(listed.ok);
    assert.deepEqual(listed.rooms.map((room) => room.name), names);
    assert.deepEqual(afters, ["room-09", "room-19"]);
    assert.equal(client.takeLoginRooms(), null, "the login page is used once");
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("resilience: against the real server, 260 rooms all reach the room list, and a cut connection resumes", async () => {
  const server = await startServer();
  let maker: FrameClient | null = null;
  const conns: Deno.Conn[] = [];
  const written: string[] = [];
  // Records what the client writes, and lets the test cut its connection.
  const recordingDial = async (target: Endpoint) => {
    const conn = await dial(target);
    const write = conn.write.bind(conn);
    conn.write = (bytes: Uint8Array) => {
      written.push(new TextDecoder().decode(bytes));
      return write(bytes);
    };
    conns.push(conn);
    return conn;
  };
  const client = await ChatClient.connect({
    endpoint: endpoint(server.port),
    dialer: recordingDial,
    backoff: { baseMs: 20, maxMs: 100 },
  });
  try {
    maker = await FrameClient.connect(server.port);
    await maker.registerAndLogin("maker");
    for (let i = 0; i < 260; i++) {
      await maker.ok({ type: "create_room", room: `r${String(i).padStart(3, "0")}`, topic: "t" });
    }
    assert.ok((await client.register("ada", PASSWORD)).ok);
    const login = await client.login("ada", PASSWORD);
    assert.ok(login.ok);
    const listed = await client.rooms(client.takeLoginRooms());
    assert.ok(listed.ok);
    const names = new Set(listed.rooms.map((room) => room.name));
    assert.equal(names.size, 261, "general and the 260 rooms, each once");

    const log = new EventLog(client);
    assert.ok((await client.join("general")).ok);
    conns[0]!.close();
    await log.until((e) => e.some((x) => x.type === "reconnected"), "reconnected");
    const logins = written.join("").split("\n").filter((line) => line.includes('"login"'));
    assert.equal(logins.length, 2);
    const again = JSON.parse(logins[1]!);
    if (typeof login.frame.token === "string") {
      assert.equal(again.token, login.frame.token, "the reconnect uses the resume token");
      assert.equal(again.password, undefined);
    } else {
      // A server without resume tokens yet: the reconnect uses the password.
      assert.equal(again.password, PASSWORD);
    }
    assert.ok((await client.say("general", "after the cut")).ok);
  } finally {
    client.close();
    maker?.close();
    await server.cleanup();
  }
});

Deno.test("resilience: against the real server, a join whose history would be 1.2 MiB arrives bounded with more, and pages back", async () => {
  const server = await startServer();
  let writer: FrameClient | null = null;
  const client = await ChatClient.connect({ endpoint: endpoint(server.port) });
  try {
    writer = await FrameClient.connect(server.port);
    await writer.registerAndLogin("writer");
    await writer.ok({ type: "join", room: "general" });
    // Each text JSON-escapes to about 24 KB: 50 of them make a 1.2 MiB history.
    const heavy = "\u0001".repeat(4000);
    for (let i = 0; i < 50; i++) await writer.ok({ type: "say", room: "general", text: heavy });
    assert.ok((await client.register("ada", PASSWORD)).ok);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    const log = new EventLog(client);
    const joined = await client.join("general");
    assert.ok(joined.ok, "the join is answered");
    assert.ok(joined.history.length > 0 && joined.history.length < 50, "the newest that fit");
    assert.equal(joined.more, true);
    let oldest = joined.history[0]!.msgid;
    let total = joined.history.length;
    for (let pages = 0; pages < 50 && total < 50; pages++) {
      const page = await client.request({ type: "history", room: "general", before: oldest });
      assert.ok(page.ok);
      const messages = page.frame.messages as { msgid: string }[];
      if (messages.length === 0) break;
      total += messages.length;
      oldest = messages[0]!.msgid;
    }
    assert.equal(total, 50, "every message reached by paging back");
    assert.ok(!log.events.some((e) => e.type === "frame_too_large" || e.type === "reconnecting"));
  } finally {
    client.close();
    writer?.close();
    await server.cleanup();
  }
});

Deno.test("resilience: bad input a dm to a name the server refuses (no_such_user) is not caught up with after a reconnect; an accepted one is", async () => {
  const histories: string[] = [];
  const server = FakeServer.start(async (conn) => {
    await conn.welcome();
    for await (const request of conn.served()) {
      switch (request.type) {
        case "login":
          await conn.ok(request, { user: "ada", rooms: [] });
          break;
        case "dm":
          if (request.to !== "bob") {
            await conn.error(request, "no_such_user");
            break;
          }
          await conn.ok(request, { msgid: "0000000000000007", ts: new Date().toISOString() });
          // The server's echo: the client has seen a dm, so it catches up after reconnects.
          await conn.send({
            type: "dm",
            msgid: "0000000000000007",
            user: "ada",
            to: "bob",
            text: request.text,
            ts: new Date().toISOString(),
          });
          break;
        case "history":
          histories.push(String(request.with));
          await conn.ok(request, { messages: [], more: false });
          break;
        default:
          await conn.ok(request);
      }
    }
  });
  const backoff = { baseMs: 20, maxMs: 200, random: () => 0 };
  const client = await ChatClient.connect({ endpoint: endpoint(server.port), backoff });
  try {
    const log = new EventLog(client);
    assert.ok((await client.login("ada", PASSWORD)).ok);
    assert.equal((await client.dm("bbo", "typo")).ok, false);
    assert.ok((await client.dm("bob", "hello")).ok);
    await log.until(() => log.events.some((e) => e.type === "dm"), "the echo");
    server.connections[0]!.close();
    await log.until(() => log.events.some((e) => e.type === "reconnected"), "the reconnect");
    assert.deepEqual(histories, ["bob"]);
  } finally {
    client.close();
    await server.close();
  }
});
