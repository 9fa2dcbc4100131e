/**
 * The PROXY protocol (`--proxy-protocol`) over real sockets. A server trusting 127.0.0.1
 * reads a version 1 or 2 header first on each connection, and the client it names stands
 * for the connection: in the admin API's sessions, for address bans and for `--conn-limit`.
 * `UNKNOWN` and `LOCAL` keep the proxy's own address. Bad input, each named (a header split
 * over several writes works; a v1 line over 107 bytes, a v2 header announcing 64 KiB,
 * garbage, silence, bad addresses are closed, logged and counted, and the server goes on).
 * A PROXY line from a peer the server does not trust is a bad frame like any other. Last,
 * a real HAProxy with `send-proxy-v2` in front of one server: the session shows the
 * client's own address and port, not HAProxy's. The parser and the setting are also checked
 * on their own.
 */
import assert from "node:assert/strict";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { waitFor } from "../support/wait.ts";
import { requiring } from "../support/requires.ts";
import { startHaproxy, type TestHaproxy } from "../support/haproxy.ts";
import { admin, ADMIN_TOKEN, PASSWORD, uniqueName } from "../server/support.ts";
import {
  MAX_V1_HEADER,
  parseProxyHeader,
  type ProxyHeaderParse,
} from "../../lib/server/net/proxy_header.ts";
import { formatNetwork, parseAddress } from "../../lib/server/moderation/ip_network.ts";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };
const encoder = new TextEncoder();

/** The header deadline of the test server: `--frame-timeout 1` brings it down to 1 s. */
const HEADER_DEADLINE_FLAGS = ["--frame-timeout", "1"];

/** A version 1 line for `client:port` (TCP6 when the address has a colon). */
function v1(client: string, port: number): string {
  return client.includes(":")
    ? `PROXY TCP6 ${client} ::1 ${port} 9000\r\n`
    : `PROXY TCP4 ${client} 127.0.0.1 ${port} 9000\r\n`;
}

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/**
 * A version 2 header: PROXY for `client` (4 or 16 bytes) and `port`, or LOCAL, with `tlv`
 * bytes after the addresses; `length` overrides the announced length.
 */
function v2(
  options: { client?: number[]; port?: number; local?: boolean; tlv?: number[]; length?: number },
): Uint8Array {
  const client = options.client ?? [];
  const port = options.port ?? 0;
  const six = client.length === 16;
  const destination = six ? [...new Array(15).fill(0), 1] : [127, 0, 0, 1];
  const addresses = options.local
    ? []
    : [...client, ...destination, port >> 8, port & 255, 0x23, 0x28];
  const body = [...addresses, ...(options.tlv ?? [])];
  const length = options.length ?? body.length;
  const family = options.local ? 0x00 : six ? 0x21 : 0x11;
  return Uint8Array.from([
    ...SIGNATURE,
    options.local ? 0x20 : 0x21,
    family,
    length >> 8,
    length & 255,
    ...body,
  ]);
}

const bytes = (data: string | Uint8Array) => typeof data === "string" ? encoder.encode(data) : data;

/** Opens a TCP connection from 127.0.0.1 (no Nagle delay: each write leaves at once). */
async function dial(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  return conn;
}

/**
 * Connects as a proxy would: writes each of `writes` (a header, in one piece or several,
 * maybe with frames after it), pausing between them so that they arrive as separate reads,
 * then waits for `welcome`.
 */
async function viaProxy(
  port: number,
  ...writes: (string | Uint8Array)[]
): Promise<FrameClient & { localPort: number }> {
  const conn = await dial(port);
  for (const [i, data] of writes.entries()) {
    // Pacing (not an assertion): the pieces of a split header reach the server apart.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 60));
    await conn.write(bytes(data));
  }
  const client = FrameClient.over(conn);
  await client.next((f) => f.type === "welcome");
  return Object.assign(client, { localPort: (conn.localAddr as Deno.NetAddr).port });
}

/** Registers and logs in a fresh user on `client`; returns the name. */
async function logIn(client: FrameClient): Promise<string> {
  const user = uniqueName("pp");
  await client.ok({ type: "register", user, password: PASSWORD });
  await client.ok({ type: "login", user, password: PASSWORD });
  return user;
}

/** The addresses of `user`'s sessions in the admin API's `GET /api/users`. */
async function sessionAddresses(adminPort: number, user: string): Promise<string[]> {
  const reply = await admin(adminPort, "GET", "/api/users");
  assert.equal(reply.status, 200);
  const { users } = reply.body as { users: { user: string; sessions: { address: string }[] }[] };
  return users.find((u) => u.user === user)?.sessions.map((s) => s.address) ?? [];
}

/** How many connections were closed for a bad PROXY header (`/api/stats`). */
async function headerFailures(adminPort: number): Promise<number> {
  const stats = await admin(adminPort, "GET", "/api/stats");
  return (stats.body as { errors: Record<string, number> }).errors.proxy_header ?? 0;
}

/** Everything the server sends until it closes the connection (which must come in time). */
async function untilClosed(conn: Deno.Conn, timeoutMs = 10_000): Promise<Frame[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the server kept the connection open for ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const text = await Promise.race([new Response(conn.readable).text(), late]);
    return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // Closed with its stream.
    }
  }
}

/**
 * Sends `writes` from the trusted address and expects the connection closed with nothing
 * sent (no `welcome`), a `proxy_header_failed` log line saying `reason`, and one more
 * `proxy_header` in the counters.
 */
async function assertRejected(
  server: ServerProcess,
  reason: string,
  ...writes: (string | Uint8Array)[]
): Promise<void> {
  const before = await headerFailures(server.adminPort);
  const conn = await dial(server.port);
  for (const [i, data] of writes.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 60));
    await conn.write(bytes(data));
  }
  const frames = await untilClosed(conn);
  assert.deepEqual(frames, [], "closed without a frame (no welcome)");
  await waitFor(
    `a proxy_header_failed line saying "${reason}"`,
    () =>
      server.log().split("\n").some((line) =>
        line.includes("proxy_header_failed") && line.includes(reason)
      ),
  );
  await waitFor(
    "the failure counted",
    async () => (await headerFailures(server.adminPort)) === before + 1,
  );
}

Deno.test("proxy protocol: the parser on its own (bounds, syntax, families)", () => {
  const parse = (data: string | Uint8Array): ProxyHeaderParse =>
    parseProxyHeader(bytes(data), parseAddress);
  const longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff " +
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  assert.equal(longest.length, MAX_V1_HEADER);
  assert.deepEqual(parse(longest), {
    kind: "complete",
    header: { version: 1, source: null, length: 107 },
  });
  assert.equal(parse(longest.replace("UNKNOWN", "UNKNOWN ")).kind, "invalid", "108 bytes");
  assert.equal(parse("PRO").kind, "incomplete");
  assert.equal(parse(v2({ client: [192, 0, 2, 1], port: 1 }).subarray(0, 20)).kind, "incomplete");
  assert.deepEqual(parse("PROXY TCP4 192.0.2.1 127.0.0.1 5 6\r\nrest"), {
    kind: "complete",
    header: { version: 1, source: { address: parseAddress("192.0.2.1")!, port: 5 }, length: 36 },
  });
  for (
    const bad of [
      "PROXY TCP4 192.0.2.01 127.0.0.1 5 6\r\n", // leading zero in the address
      "PROXY TCP4 192.0.2.1 127.0.0.1 05 6\r\n", // leading zero in the port
      "PROXY TCP4 192.0.2.1 127.0.0.1 65536 6\r\n", // port over 65535
      "PROXY TCP4 2001:db8::1 127.0.0.1 5 6\r\n", // IPv6 under TCP4
      "PROXY TCP6 192.0.2.1 ::1 5 6\r\n", // IPv4 under TCP6
      "PROXY TCP4 192.0.2.1 127.0.0.1 5\r\n", // a field missing
      "PROXY TCP4  192.0.2.1 127.0.0.1 5 6\r\n", // two spaces
      "PROXY UDP4 192.0.2.1 127.0.0.1 5 6\r\n", // not a protocol of v1
      "PROXY TCP4 192.0.2.1 127.0.0.1 5 6\n", // bare LF
      "PROXY TCP4 192.0.2.1\x00", // a NUL byte
      "PROXZ", // not the signature
      "GET / HTTP/1.1\r\n", // another protocol
    ]
  ) {
    assert.equal(parse(bad).kind, "invalid", JSON.stringify(bad));
  }
  // An IPv4-mapped IPv6 client is its IPv4 address, as address bans have it.
  const mapped = [...new Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 9];
  const header = parse(v2({ client: mapped, port: 7 }));
  assert.equal(header.kind, "complete");
  assert.deepEqual(
    header.kind === "complete" ? header.header.source : null,
    { address: parseAddress("192.0.2.9")!, port: 7 },
  );
  const wrongVersion = v2({ client: [192, 0, 2, 1], port: 1 });
  wrongVersion[12] = 0x11;
  assert.equal(parse(wrongVersion).kind, "invalid", "version 1 in a v2 signature");
  const wrongCommand = v2({ client: [192, 0, 2, 1], port: 1 });
  wrongCommand[12] = 0x22;
  assert.equal(parse(wrongCommand).kind, "invalid", "command 2");
  const wrongFamily = v2({ client: [192, 0, 2, 1], port: 1 });
  wrongFamily[13] = 0x41;
  assert.equal(parse(wrongFamily).kind, "invalid", "family 4");
  assert.equal(parse(v2({ client: [192, 0, 2, 1], port: 1, length: 8 })).kind, "invalid");
});

Deno.test("proxy protocol: the setting takes addresses and networks, or off; not with TLS", () => {
  assert.equal(parseServerConfig([], {}).proxyProtocol, null, "off by default");
  const { proxyProtocol } = parseServerConfig([], {
    FASTCHAT_PROXY_PROTOCOL: "10.0.0.10, 192.0.2.0/24,2001:db8::/32",
  });
  assert.deepEqual(proxyProtocol?.map(formatNetwork), [
    "10.0.0.10/32",
    "192.0.2.0/24",
    "2001:db8::/32",
  ]);
  for (const bad of ["10.0.0.300", "haproxy.local", "10.0.0.0/33", "10.0.0.1,"]) {
    assert.throws(() => parseServerConfig(["--proxy-protocol", bad], {}), ConfigError, bad);
  }
  assert.throws(
    () =>
      parseServerConfig(
        ["--proxy-protocol", "10.0.0.10", "--tls-cert", "c.pem", "--tls-key", "k.pem"],
        {},
      ),
    /--proxy-protocol and --tls-cert do not go together/,
  );
});

Deno.test("proxy protocol: a trusted proxy's header names the client everywhere; bad headers are closed", async (t) => {
  const server = await startServer({
    env: ENV,
    args: ["--proxy-protocol", "127.0.0.1", "--conn-limit", "3", ...HEADER_DEADLINE_FLAGS],
  });
  const open: FrameClient[] = [];
  const connect = async (...writes: (string | Uint8Array)[]) => {
    const client = await viaProxy(server.port, ...writes);
    open.push(client);
    return client;
  };
  const expectAddress = async (client: FrameClient, address: string) => {
    const user = await logIn(client);
    assert.deepEqual(await sessionAddresses(server.adminPort, user), [address]);
  };
  try {
    await t.step("v1 TCP4: the session has the header's address and port", async () => {
      await expectAddress(await connect(v1("203.0.113.7", 40001)), "203.0.113.7:40001");
    });
    await t.step("v1 TCP6", async () => {
      await expectAddress(await connect(v1("2001:db8::7", 40002)), "[2001:db8::7]:40002");
    });
    await t.step("v2 TCP over IPv4, with a TLV after the addresses (skipped)", async () => {
      const header = v2({ client: [198, 51, 100, 20], port: 50000, tlv: [0x04, 0, 3, 1, 2, 3] });
      await expectAddress(await connect(header), "198.51.100.20:50000");
    });
    await t.step("v2 TCP over IPv6", async () => {
      const client = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x20];
      await expectAddress(await connect(v2({ client, port: 50001 })), "[2001:db8::20]:50001");
    });
    await t.step("the first frames in the same write as the header are not lost", async () => {
      const user = uniqueName("pp");
      const frames = [
        { type: "register", user, password: PASSWORD, id: "r" },
        { type: "login", user, password: PASSWORD, id: "l" },
      ].map((frame) => JSON.stringify(frame) + "\n").join("");
      const client = await connect(v1("203.0.113.8", 40003) + frames);
      assert.equal((await client.next((f) => f.id === "r")).type, "ok");
      assert.equal((await client.next((f) => f.id === "l")).type, "ok");
      assert.deepEqual(await sessionAddresses(server.adminPort, user), ["203.0.113.8:40003"]);
    });
    await t.step("bad input: a v2 header split across three writes (works)", async () => {
      const header = v2({ client: [198, 51, 100, 21], port: 50002 });
      const ping = encoder.encode(JSON.stringify({ type: "ping", id: "p" }) + "\n");
      const client = await connect(
        header.subarray(0, 1),
        header.subarray(1, 14),
        Uint8Array.from([...header.subarray(14), ...ping]),
      );
      assert.equal((await client.next((f) => f.id === "p")).type, "ok", "the ping after it");
      await expectAddress(client, "198.51.100.21:50002");
    });
    await t.step("a v1 line split across writes (works)", async () => {
      const line = v1("203.0.113.9", 40004);
      const client = await connect(line.slice(0, 9), line.slice(9, -1), line.slice(-1));
      await expectAddress(client, "203.0.113.9:40004");
    });
    await t.step("bad input: UNKNOWN (a health check) keeps the proxy's address", async () => {
      const client = await connect("PROXY UNKNOWN\r\n");
      await expectAddress(client, `127.0.0.1:${client.localPort}`);
    });
    await t.step("v2 LOCAL keeps the proxy's address", async () => {
      const client = await connect(v2({ local: true }));
      await expectAddress(client, `127.0.0.1:${client.localPort}`);
    });

    await t.step("an address ban on the header's address refuses that client only", async () => {
      const added = await admin(server.adminPort, "POST", "/api/address-bans", {
        address: "203.0.113.66",
        reason: "proxied trouble",
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      try {
        const conn = await dial(server.port);
        await conn.write(encoder.encode(v1("203.0.113.66", 40005)));
        const frames = await untilClosed(conn);
        assert.deepEqual(frames.map((f) => [f.type, f.code, f.reason]), [
          ["error", "banned", "proxied trouble"],
        ]);
        await expectAddress(await connect(v1("203.0.113.67", 40006)), "203.0.113.67:40006");
        // The proxy itself is not banned: its own connections (UNKNOWN) get in.
        const own = await connect("PROXY UNKNOWN\r\n");
        await expectAddress(own, `127.0.0.1:${own.localPort}`);
      } finally {
        const { id } = added.body as { id: number };
        await admin(server.adminPort, "DELETE", `/api/address-bans/${id}`);
      }
    });

    await t.step("--conn-limit 3 counts per header address, not per proxy", async () => {
      for (const port of [41001, 41002, 41003]) await connect(v1("192.0.2.10", port));
      const conn = await dial(server.port);
      await conn.write(encoder.encode(v1("192.0.2.10", 41009)));
      const frames = await untilClosed(conn);
      assert.deepEqual(frames.map((f) => [f.type, f.code, f.message]), [
        ["error", "rate_limited", "Too many connections from your address."],
      ]);
      // Another client behind the same proxy is not held back.
      for (const port of [41004, 41005, 41006]) await connect(v1("192.0.2.11", port));
    });

    await t.step("bad input: a v1 line longer than 107 bytes", async () => {
      await assertRejected(
        server,
        "longer than 107 bytes",
        `PROXY UNKNOWN ${"x".repeat(120)}\r\n`,
      );
    });
    await t.step("bad input: a v2 header announcing 65535 bytes (not waited for)", async () => {
      await assertRejected(
        server,
        "announces 65535 bytes",
        v2({ client: [192, 0, 2, 1], port: 1, length: 65535 }),
      );
    });
    await t.step("bad input: garbage (a JSON frame) instead of a header", async () => {
      await assertRejected(
        server,
        "not a PROXY protocol header",
        JSON.stringify({ type: "ping", id: 1 }) + "\n",
      );
    });
    await t.step("bad input: a TCP4 line with an address that is not one", async () => {
      await assertRejected(
        server,
        "with an address that is not TCP4",
        "PROXY TCP4 999.0.0.1 127.0.0.1 5 6\r\n",
      );
    });
    await t.step("bad input: no header, then silence (the 1 s deadline)", async () => {
      await assertRejected(server, "no complete PROXY header within 1000 ms");
    });
    await t.step("bad input: half a header, then silence", async () => {
      await assertRejected(
        server,
        "no complete PROXY header within 1000 ms",
        "PROXY TCP4 192.0.2.1 ",
      );
    });
    await t.step("the server goes on: a good header after all that gets in", async () => {
      await expectAddress(await connect(v1("203.0.113.99", 40099)), "203.0.113.99:40099");
    });
  } finally {
    for (const client of open) client.close();
    await server.cleanup();
  }
});

Deno.test("proxy protocol: an untrusted peer's PROXY line is a bad frame, and it keeps its own address", async () => {
  const server = await startServer({ env: ENV, args: ["--proxy-protocol", "10.9.9.9/32"] });
  const conn = await dial(server.port);
  const client = FrameClient.over(conn);
  try {
    await client.next((f) => f.type === "welcome");
    await client.writeRaw(v1("203.0.113.5", 40000));
    const error = await client.next((f) => f.type === "error");
    assert.equal(error.code, "bad_frame", JSON.stringify(error));
    const user = await logIn(client);
    const own = `127.0.0.1:${(conn.localAddr as Deno.NetAddr).port}`;
    assert.deepEqual(await sessionAddresses(server.adminPort, user), [own]);
    assert.equal(await headerFailures(server.adminPort), 0);
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test(
  requiring(
    "proxy protocol: behind a real HAProxy (send-proxy-v2), the session shows the client's own address",
    "haproxy",
  ),
  async () => {
    const server = await startServer({ env: ENV, args: ["--proxy-protocol", "127.0.0.1"] });
    let haproxy: TestHaproxy | null = null;
    const clients: FrameClient[] = [];
    try {
      haproxy = await startHaproxy([{ name: "only", port: server.port }]);
      for (let i = 0; i < 2; i++) {
        const conn = await dial(haproxy.port);
        const client = FrameClient.over(conn);
        clients.push(client);
        await client.next((f) => f.type === "welcome");
        const user = await logIn(client);
        const own = `127.0.0.1:${(conn.localAddr as Deno.NetAddr).port}`;
        assert.deepEqual(await sessionAddresses(server.adminPort, user), [own], "not HAProxy's");
      }
      // HAProxy's health checks (LOCAL headers) are read as the proxy's own connections.
      assert.equal(await headerFailures(server.adminPort), 0, server.log());
    } finally {
      for (const client of clients) client.close();
      await haproxy?.cleanup();
      await server.cleanup();
    }
  },
);
