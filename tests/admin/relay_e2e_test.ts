/**
 * Issue 11 re-test (admin side) against a real server process over loopback: no private
 * TCP port to find, slowloris on a full connection cap, a local flood of wrong passwords
 * and tokens against the real admin, and Host headers that broke URL parsing.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { startServer } from "../support/server_process.ts";
import { AdminClient } from "./admin_client.ts";

const PASSWORD = "test-admin-password";
const TOKEN = "relay-e2e-token-0123456789";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** TCP ports the process listens on (Linux: its socket inodes matched in /proc/net/tcp*). */
async function listeningTcpPorts(pid: number): Promise<Set<number>> {
  const inodes = new Set<string>();
  for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
    const target = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const ports = new Set<number>();
  for (const file of ["tcp", "tcp6"]) {
    const table = await Deno.readTextFile(`/proc/${pid}/net/${file}`).catch(() => "");
    for (const line of table.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

async function rssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

/**
 * Sends raw bytes; resolves with everything received once the server closes, and the local
 * port the request came from (the `address` the server logs).
 */
function rawSend(port: number, request: string): Promise<{ text: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let text = "";
    let localPort = 0;
    socket.setEncoding("latin1");
    socket.on("connect", () => void (localPort = socket.localPort!));
    socket.on("data", (chunk: string) => void (text += chunk));
    socket.on("close", () => resolve({ text, localPort }));
    socket.on("error", reject);
    socket.write(request);
  });
}

/** {@linkcode rawSend}, keeping only what was received. */
async function rawExchange(port: number, request: string): Promise<string> {
  return (await rawSend(port, request)).text;
}

Deno.test("the real server listens on no TCP port but chat and admin: the private HTTP server is not findable", async () => {
  const server = await startServer();
  try {
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD); // The private server is up and used.
    const ports = await listeningTcpPorts(server.child.pid);
    assert.deepEqual([...ports].sort(), [server.port, server.adminPort].sort());
  } finally {
    await server.cleanup();
  }
});

/** Resolves once `ready()` holds (polled every 50 ms); throws after `limitMs` (a bound only). */
async function until(ready: () => boolean, limitMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!ready()) {
    if (Date.now() - start > limitMs) throw new Error(`still waiting after ${limitMs} ms`);
    await sleep(50);
  }
}

Deno.test("admin slowloris: 64 connections trickling POST bodies cannot keep the real admin out; RSS stays bounded", async () => {
  const server = await startServer();
  const sockets = new Set<net.Socket>();
  let running = true;
  let connects = 0;
  /**
   * One attacker slot: a POST head declaring a body under the 64 KiB limit (a larger one is
   * answered 413 at once, which is a connection flood, not a slowloris), then 1 body byte a
   * second; reconnects when cut (at the 10 s body deadline, or evicted).
   */
  const attacker = async () => {
    while (running) {
      const socket = net.connect({ host: "127.0.0.1", port: server.adminPort });
      connects++;
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("data", () => {});
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.write(
        "POST /api/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
          "content-length: 60000\r\n\r\n",
      );
      let open = true;
      void closed.then(() => void (open = false));
      while (running && open) {
        socket.write(" ");
        await Promise.race([sleep(1_000), closed]);
      }
      socket.destroy();
      sockets.delete(socket);
      if (running) await sleep(50);
    }
  };
  try {
    // Warm up first: the first password verifications (argon2) cost tens of MiB themselves.
    for (let i = 0; i < 3; i++) await new AdminClient(server.adminPort).login(PASSWORD);
    const before = await rssKiB(server.child.pid);
    const attackers = Array.from({ length: 64 }, () => attacker());
    // Warm-up: every slot has been cut (body deadline or eviction) and taken again at least
    // once, so the relay's per-connection cost for the full cap is paid.
    await until(() => connects >= 2 * 64);
    const warm = await rssKiB(server.child.pid);
    // Two more turns of the whole cap: 128 more connections cut and replaced.
    const mark = connects;
    await until(() => connects >= mark + 2 * 64);
    // Measured before the logins below: each argon2 verification (19 MiB) may be kept by
    // the allocator of the thread that ran it, which says nothing about the relay.
    const after = await rssKiB(server.child.pid);
    for (let i = 0; i < 2; i++) {
      // Right after a wave of reconnects every place may be younger than the eviction grace
      // (2 s): the cap then answers 503 with retry-after, and the admin, retrying as told,
      // gets in (a wave comes every 10 s, at the attackers' body deadline).
      const admin = new AdminClient(server.adminPort);
      let login = await admin.call("POST", "/api/login", { user: "admin", password: PASSWORD });
      for (let tries = 1; login.status === 503 && tries < 4; tries++) {
        await sleep(5_000);
        login = await admin.call("POST", "/api/login", { user: "admin", password: PASSWORD });
      }
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.equal((await admin.call("GET", "/api/session")).status, 200);
    }
    running = false;
    for (const socket of sockets) socket.destroy();
    await Promise.all(attackers);
    // Bounded by the connection cap, not by the attack's length (docs/security.md): the cap's
    // cost is paid during the warm-up (+20 to +31 MiB measured; before the relay held trickled
    // bodies, each trickled byte held a 64 KiB buffer: +55 to +118 MiB), and the next 128
    // connections add only collector noise (-6 to +11 MiB measured): a leak of 0.25 MiB per
    // connection, or a buffer kept per trickled byte (64 x 20 s x 64 KiB), would pass 32 MiB.
    const warmUp = warm - before;
    const steady = after - warm;
    assert.ok(warmUp < 96 * 1024, `server RSS grew by ${warmUp} KiB during the warm-up`);
    assert.ok(steady < 32 * 1024, `server RSS grew by ${steady} KiB after the warm-up`);
    assert.match(server.log(), /admin_connection_(evicted|closed)/);
  } finally {
    running = false;
    for (const socket of sockets) socket.destroy();
    await server.cleanup();
  }
});

/** Posts a login over a raw socket; resolves with the status and the local port used. */
async function rawLogin(
  port: number,
  password: string,
  cookie: string,
): Promise<{ status: number; localPort: number }> {
  const body = JSON.stringify({ user: "admin", password });
  const { text, localPort } = await rawSend(
    port,
    `POST /api/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncookie: ${cookie}\r\n` +
      `content-type: application/json\r\ncontent-length: ${body.length}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), localPort };
}

Deno.test("a local flood of wrong passwords and tokens: the real admin's browser (device cookie) and the right token still get in", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: TOKEN } });
  let flooding = true;
  try {
    const base = `http://127.0.0.1:${server.adminPort}`;
    // The real admin logged in once from this browser: it holds a device cookie.
    const first = await fetch(`${base}/api/login`, {
      method: "POST",
      body: JSON.stringify({ user: "admin", password: PASSWORD }),
    });
    await first.body?.cancel();
    assert.equal(first.status, 200);
    const cookies = first.headers.getSetCookie();
    const device = cookies.find((c) => c.startsWith("fastchat_admin_device="));
    assert.ok(device, `no device cookie in ${JSON.stringify(cookies)}`);
    assert.match(device, /HttpOnly/);
    assert.match(device, /SameSite=Strict/);
    const deviceCookie = device.split(";")[0]!;

    // No request below sends the right password from the address alone: nothing clears the
    // address's failures, so from its sixth failure on it is held or counting up, whatever
    // the timing. (When exactly its delays end is the throttle's business, tested with a
    // frozen clock in login_flood_test.ts; here only what cannot race is asserted.)
    let throttled = 0;
    const flood = (async () => {
      while (flooding) {
        const res = await fetch(`${base}/api/login`, {
          method: "POST",
          body: JSON.stringify({ user: "admin", password: "wrong" }),
        }).catch(() => null);
        if (res?.status === 429) throttled++;
        await res?.body?.cancel();
        const bad = await fetch(`${base}/api/stats`, {
          headers: { authorization: "Bearer wrong" },
        }).catch(() => null);
        await bad?.body?.cancel();
        await sleep(50);
      }
    })();
    await until(() => throttled > 0); // The flood is past the five free failures: it is real.
    const login = (cookie: string) =>
      fetch(`${base}/api/login`, {
        method: "POST",
        headers: { cookie },
        body: JSON.stringify({ user: "admin", password: PASSWORD }),
      });
    const withDevice = await login(deviceCookie);
    await withDevice.body?.cancel();
    assert.equal(withDevice.status, 200, "the browser with a device cookie gets in");

    // A forged device cookie counts for nothing: its login is one more from the address, so
    // it is refused (429: the address is held) or, in a gap of the address's delays,
    // counted as the address's next failure, past the free ones: delay_ms > 0 in the log.
    // A forged cookie taken for a device would get a fresh key: 401 with delay_ms=0.
    const forgedCookie = deviceCookie.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    const forged = await rawLogin(server.adminPort, "wrong", forgedCookie);
    if (forged.status !== 429) {
      assert.equal(forged.status, 401, "a forged device cookie with a wrong password");
      const line = new RegExp(
        `admin_login_failed .*address=127\\.0\\.0\\.1:${forged.localPort}\\b.*delay_ms=(\\d+)`,
      );
      await until(() => line.test(server.log()));
      const delay = Number(line.exec(server.log())![1]);
      assert.ok(delay > 0, `a forged device cookie got a fresh throttle key (delay ${delay})`);
    }

    const token = await fetch(`${base}/api/stats`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await token.body?.cancel();
    assert.equal(token.status, 200, "the right token passes whatever the flood");
    flooding = false;
    await flood;
  } finally {
    flooding = false;
    await server.cleanup();
  }
});

Deno.test("Host: evil.com:127.0.0.1 and Host: xn--localhost get 400 from the real server, with no ERROR in its log", async () => {
  const server = await startServer();
  try {
    for (const host of ["evil.com:127.0.0.1", "xn--localhost"]) {
      const reply = await rawExchange(
        server.adminPort,
        `GET /api/session HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`,
      );
      assert.match(reply, /^HTTP\/1\.1 400/, host);
      assert.match(reply, /bad_host/, host);
    }
    assert.doesNotMatch(server.log(), /admin_error|ERROR|Uncaught/i);
  } finally {
    await server.cleanup();
  }
});

Deno.test("a 413 for an over-long login body closes the connection on the real server", async () => {
  const server = await startServer();
  try {
    const socket = net.connect({ host: "127.0.0.1", port: server.adminPort });
    socket.on("error", () => {});
    let reply = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => void (reply += chunk));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    let ended = false;
    void closed.then(() => void (ended = true));
    socket.write(
      "POST /api/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
        `content-length: ${400 << 20}\r\n\r\n`,
    );
    const chunk = new Uint8Array(1 << 20).fill(0x20);
    let sent = 0;
    while (sent < 400 && !ended) {
      sent++;
      if (!socket.write(chunk)) {
        await Promise.race([new Promise((r) => socket.once("drain", r)), closed]);
      }
    }
    await Promise.race([closed, sleep(15_000)]);
    assert.ok(ended, "the server closed the connection");
    assert.match(reply, /^HTTP\/1\.1 413/);
    assert.match(reply, /connection: close/i);
    assert.ok(sent < 64, `the server kept reading: ${sent} MiB sent`);
  } finally {
    await server.cleanup();
  }
});
