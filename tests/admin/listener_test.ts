/**
 * The admin relay (`lib/admin/listener.ts`) over real loopback sockets, with a small
 * handler: where the private HTTP server listens and who may reach it, per-request head and
 * body deadlines (slowloris), eviction when the cap is full, the 413 that stops reading,
 * request framing the relay refuses, and Host headers that make the URL unparsable.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  AdminListener,
  type AdminListenerOptions,
  MAX_UNIX_SOCKET_PATH_BYTES,
  PrivateServerError,
  RELAY_HEADER,
} from "../../lib/admin/listener.ts";
import {
  ClientAbortedError,
  errorResponse,
  HttpError,
  readJson,
  requestUrl,
} from "../../lib/admin/http.ts";
import net from "node:net";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A listener whose handler echoes the client address and reads JSON bodies (64 KiB cap). */
function relay(options: Partial<AdminListenerOptions> = {}): AdminListener {
  const listener = AdminListener.bind({
    hostname: "127.0.0.1",
    port: 0,
    log: { log() {} },
    ...options,
  });
  listener.serve(async (req, info) => {
    try {
      const url = requestUrl(req);
      const body = req.method === "POST" ? await readJson(req) : null;
      return Response.json({
        address: `${info.remoteAddr.hostname}:${info.remoteAddr.port}`,
        path: url.pathname,
        relayHeader: req.headers.get(RELAY_HEADER),
        body,
      });
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error);
      if (error instanceof ClientAbortedError) return new Response(null, { status: 400 });
      throw error;
    }
  });
  return listener;
}

/** A raw connection that collects everything the server sends until it closes. */
class Raw {
  received = "";
  closed: Promise<void>;
  #conn: Deno.TcpConn;
  #open = true;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.closed = (async () => {
      const buffer = new Uint8Array(16 * 1024);
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) break;
          this.received += decoder.decode(buffer.subarray(0, n));
        }
      } catch {
        // Reset: closed all the same.
      }
      this.#open = false;
    })();
  }

  static async open(port: number, hostname = "127.0.0.1"): Promise<Raw> {
    return new Raw(await Deno.connect({ hostname, port }));
  }

  get open(): boolean {
    return this.#open;
  }

  get localAddr(): Deno.NetAddr {
    return this.#conn.localAddr;
  }

  /** Writes; false once the server has closed the connection. */
  async send(text: string | Uint8Array): Promise<boolean> {
    try {
      await this.#conn.write(typeof text === "string" ? encoder.encode(text) : text);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Resolves when `p` settles or after `ms` (a bound, never a timing assertion). */
function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<"timeout">((resolve) => timer = setTimeout(() => resolve("timeout"), ms)),
  ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function get(port: number, path = "/x"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

Deno.test("the private HTTP server is a Unix socket in a 0700 directory: no TCP port to find, a direct connection gets 403", async () => {
  const listener = relay();
  try {
    const inner = listener.innerAddr;
    assert.equal(inner?.transport, "unix");
    const path = (inner as Deno.UnixAddr).path;
    assert.equal((await Deno.stat(dirname(path))).mode! & 0o777, 0o700);
    // Even a process of the same user that finds the socket is not served: it cannot name a
    // relayed connection (the header carries a per-process secret).
    const direct = await Deno.connect({ transport: "unix", path });
    const forged = `${"0".repeat(32)} 1`;
    await direct.write(
      encoder.encode(
        `GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n${RELAY_HEADER}: ${forged}\r\nconnection: close\r\n\r\n`,
      ),
    );
    const reply = decoder.decode(await readAll(direct));
    assert.match(reply, /^HTTP\/1\.1 403/);
    const relayed = await get(listener.addr.port);
    assert.equal(relayed.status, 200);
  } finally {
    await listener.close();
  }
});

Deno.test("TCP fallback (no Unix sockets): direct connections from 127.0.0.1 and 127.0.0.2 are refused 403", async () => {
  const listener = relay({ innerTransport: "tcp" });
  try {
    const inner = listener.innerAddr as Deno.NetAddr;
    assert.equal(inner.transport, "tcp");
    // Hold a relayed connection open so that relayed connection id 1 exists.
    const held = await Raw.open(listener.addr.port);
    await held.send("GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    // The attack: connect to the private port from another loopback address, even from the
    // relay's own local port number, with a guessed header.
    const relayPort = held.localAddr.port;
    for (const localAddress of ["127.0.0.1", "127.0.0.2"]) {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port: inner.port, localAddress });
        let text = "";
        socket.setEncoding("latin1");
        socket.on("data", (chunk: string) => void (text += chunk));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
        socket.write(
          `GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n${RELAY_HEADER}: ${"0".repeat(32)} 1\r\n` +
            "connection: close\r\n\r\n",
        );
      });
      assert.match(reply, /^HTTP\/1\.1 403/, `${localAddress} (relay port ${relayPort})`);
    }
    assert.equal((await get(listener.addr.port)).status, 200);
    held.close();
  } finally {
    await listener.close();
  }
});

Deno.test("a relay header sent by the client is dropped: the handler sees the real client address", async () => {
  const listener = relay();
  try {
    const raw = await Raw.open(listener.addr.port);
    await raw.send(
      `GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n${RELAY_HEADER}: spoofed 7\r\nconnection: close\r\n\r\n`,
    );
    await within(raw.closed, 5_000);
    const body = JSON.parse(raw.received.slice(raw.received.indexOf("\r\n\r\n") + 4));
    assert.equal(body.address, `127.0.0.1:${raw.localAddr.port}`);
    assert.equal(body.relayHeader, null);
  } finally {
    await listener.close();
  }
});

Deno.test("slowloris: a full cap of connections trickling a POST body cannot keep a new client out, and each is cut at its body deadline", async () => {
  const listener = relay({
    maxConnections: 4,
    headTimeoutMs: 500,
    bodyTimeoutMs: 500,
    evictGraceMs: 100,
  });
  try {
    const trickling: Raw[] = [];
    for (let i = 0; i < 4; i++) {
      const raw = await Raw.open(listener.addr.port);
      await raw.send("POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 1000\r\n\r\n");
      trickling.push(raw);
    }
    let trickle = true;
    const feeding = (async () => {
      while (trickle) {
        for (const raw of trickling) if (raw.open) await raw.send("{");
        await sleep(50);
      }
    })();
    await sleep(200);
    assert.equal((await get(listener.addr.port)).status, 200, "the new client gets in");
    for (const raw of trickling) {
      assert.notEqual(await within(raw.closed, 10_000), "timeout", "a trickler is closed");
    }
    trickle = false;
    await feeding;
  } finally {
    await listener.close();
  }
});

Deno.test("slowloris on keep-alive: after one complete request, a trickled second head is cut at its head deadline", async () => {
  const listener = relay({ headTimeoutMs: 500, bodyTimeoutMs: 500 });
  try {
    const raw = await Raw.open(listener.addr.port);
    await raw.send("GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    const head = "GET /y HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: " + "a".repeat(200);
    let sent = 0;
    while (raw.open && sent < head.length) {
      await raw.send(head[sent++]!);
      await sleep(20);
    }
    assert.notEqual(await within(raw.closed, 10_000), "timeout");
    assert.ok(sent < head.length, `the whole trickled head (${sent} bytes) was accepted`);
    assert.match(raw.received, /^HTTP\/1\.1 200/, "the first request was answered");
  } finally {
    await listener.close();
  }
});

Deno.test("a full cap of idle keep-alive connections: a new client evicts the oldest instead of getting 503", async () => {
  const listener = relay({ maxConnections: 3, evictGraceMs: 100 });
  try {
    const idle: Raw[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = await Raw.open(listener.addr.port);
      await raw.send("GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
      idle.push(raw);
    }
    await sleep(300);
    assert.equal((await get(listener.addr.port)).status, 200);
    assert.notEqual(await within(idle[0]!.closed, 5_000), "timeout", "the oldest was evicted");
    for (const raw of idle) raw.close();
  } finally {
    await listener.close();
  }
});

for (const chunked of [false, true]) {
  Deno.test(`an over-long ${chunked ? "chunked" : "Content-Length"} body: 413 with connection: close, and the rest is not read`, async () => {
    const listener = relay();
    try {
      const raw = await Raw.open(listener.addr.port);
      await raw.send(
        "POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
          (chunked ? "transfer-encoding: chunked\r\n\r\n" : `content-length: ${100 << 20}\r\n\r\n`),
      );
      const piece = new Uint8Array(64 * 1024).fill(0x20);
      const framed = chunked
        ? new Uint8Array([...encoder.encode("10000\r\n"), ...piece, 13, 10])
        : piece;
      let sent = 0;
      // Up to 100 MiB; the server must close long before (loopback buffers hold a few MiB).
      while (sent < 100 << 20 && raw.open) {
        if (!(await raw.send(framed))) break;
        sent += piece.length;
      }
      assert.notEqual(await within(raw.closed, 10_000), "timeout", "the connection is closed");
      assert.match(raw.received, /^HTTP\/1\.1 413/);
      assert.match(raw.received, /connection: close/i);
      assert.ok(sent < 32 << 20, `the server read on: ${sent} bytes sent`);
    } finally {
      await listener.close();
    }
  });
}

Deno.test("framing the relay refuses: both lengths, conflicting lengths, folded lines, bad chunks, huge heads", async () => {
  const listener = relay();
  const cases: [string, RegExp][] = [
    [
      "POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n",
      /^HTTP\/1\.1 400/,
    ],
    [
      "POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n",
      /^HTTP\/1\.1 400/,
    ],
    ["GET /x HTTP/1.1\r\nhost: a\r\nx-a: 1\r\n  folded\r\n\r\n", /^HTTP\/1\.1 400/],
    ["POST /x HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip\r\n\r\n", /^HTTP\/1\.1 400/],
    ["POST /x HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", /^HTTP\/1\.1 400/],
    [`GET /x HTTP/1.1\r\nhost: a\r\nx-big: ${"b".repeat(40_000)}\r\n\r\n`, /^HTTP\/1\.1 431/],
  ];
  try {
    for (const [request, expected] of cases) {
      const raw = await Raw.open(listener.addr.port);
      await raw.send(request);
      assert.notEqual(await within(raw.closed, 5_000), "timeout", request.slice(0, 60));
      assert.match(raw.received, expected, request.slice(0, 60));
    }
  } finally {
    await listener.close();
  }
});

Deno.test("Host headers that make the URL unparsable (evil.com:127.0.0.1, xn--localhost) get 400, not 500", async () => {
  const listener = relay();
  try {
    for (const host of ["evil.com:127.0.0.1", "xn--localhost"]) {
      const raw = await Raw.open(listener.addr.port);
      await raw.send(`GET /x HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
      await within(raw.closed, 5_000);
      assert.match(raw.received, /^HTTP\/1\.1 400/, host);
      assert.match(raw.received, /bad_host/, host);
    }
  } finally {
    await listener.close();
  }
});

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: number[] = [];
  const buffer = new Uint8Array(4096);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      parts.push(...buffer.subarray(0, n));
    }
  } finally {
    conn.close();
  }
  return new Uint8Array(parts);
}

Deno.test("a body trickled one byte per segment reaches the handler in a few reads, not one per byte (64 KiB each)", async () => {
  const listener = AdminListener.bind({ hostname: "127.0.0.1", port: 0, log: { log() {} } });
  const reads: number[] = [];
  listener.serve(async (req) => {
    const reader = req.body!.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(value.byteLength);
    }
    return new Response("done");
  });
  try {
    const raw = await Raw.open(listener.addr.port);
    const size = 300;
    await raw.send(
      `POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${size}\r\nconnection: close\r\n\r\n`,
    );
    for (let i = 0; i < size; i++) {
      await raw.send("a");
      if (i % 10 === 0) await sleep(2); // Separate segments, as a slowloris sends them.
    }
    await raw.closed;
    assert.match(raw.received, /^HTTP\/1\.1 200[^]*done$/);
    assert.equal(reads.reduce((a, b) => a + b, 0), size);
    // The HTTP server hands each read over as a view of its own 64 KiB buffer: one read per
    // trickled byte would hold 300 of them (19 MiB) for a 300-byte body.
    assert.ok(reads.length <= 2, `the handler saw ${reads.length} reads: ${reads}`);
  } finally {
    await listener.close();
  }
});

Deno.test("a body over 16 KiB sent in 1 KiB writes reaches the handler in a few reads", async () => {
  const listener = AdminListener.bind({ hostname: "127.0.0.1", port: 0, log: { log() {} } });
  const reads: number[] = [];
  listener.serve(async (req) => {
    const reader = req.body!.getReader();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(value.byteLength);
    }
    return new Response("done");
  });
  try {
    const raw = await Raw.open(listener.addr.port);
    const size = 40 * 1024;
    await raw.send(
      `POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${size}\r\nconnection: close\r\n\r\n`,
    );
    for (let sent = 0; sent < size; sent += 1024) await raw.send("b".repeat(1024));
    await raw.closed;
    assert.match(raw.received, /^HTTP\/1\.1 200/);
    assert.equal(reads.reduce((a, b) => a + b, 0), size);
    assert.ok(reads.length <= 8, `the handler saw ${reads.length} reads: ${reads}`);
  } finally {
    await listener.close();
  }
});

Deno.test("the private socket directory cannot be made: bind fails with one line naming the folder", async () => {
  const missing = `${await Deno.makeTempDir({ prefix: "fastchat-gone-" })}/missing`;
  try {
    let error: unknown;
    try {
      AdminListener.bind({
        hostname: "127.0.0.1",
        port: 0,
        log: { log() {} },
        socketParent: missing,
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof PrivateServerError, String(error));
    assert.match(error.message, /private socket directory in .*missing: .*set TMPDIR/);
    assert.doesNotMatch(error.message, /\n/);
  } finally {
    await Deno.remove(dirname(missing), { recursive: true });
  }
});

/**
 * Binds a relay whose private directory is made in `socketParent`, again and again until
 * its socket path is `bytes` long or the bind throws: Deno names the directory with a random
 * number in hex without leading zeros (16 digits, sometimes fewer).
 */
async function bindUntilPathIs(
  socketParent: string,
  bytes: number,
): Promise<AdminListener | PrivateServerError> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let listener: AdminListener;
    try {
      listener = relay({ socketParent });
    } catch (error) {
      if (error instanceof PrivateServerError) return error;
      throw error;
    }
    const path = (listener.innerAddr as Deno.UnixAddr).path;
    if (encoder.encode(path).length === bytes) return listener;
    assert.ok(encoder.encode(path).length < bytes, path);
    await listener.close();
  }
  throw new Error(`no socket path of ${bytes} bytes in 100 binds`);
}

Deno.test("a socket path over 107 bytes is refused with one line and leaves no directory; 107 bytes works", async () => {
  const base = await Deno.makeTempDir({ prefix: "fastchat-long-" });
  try {
    // The socket path is PARENT/fastchat-admin-XXXXXXXXXXXXXXXX/http.sock: at most 42 bytes
    // after PARENT.
    const parentOf = (pathBytes: number) => {
      const parent = `${base}/${"p".repeat(pathBytes - 42 - base.length - 1)}`;
      Deno.mkdirSync(parent);
      return parent;
    };
    const tooLong = parentOf(MAX_UNIX_SOCKET_PATH_BYTES + 1);
    const refused = await bindUntilPathIs(tooLong, MAX_UNIX_SOCKET_PATH_BYTES + 1);
    assert.ok(refused instanceof PrivateServerError, "a 108-byte socket path was accepted");
    assert.match(refused.message, /is 108 bytes, longer than .*\(107\); set TMPDIR/);
    assert.doesNotMatch(refused.message, /\n/);
    assert.deepEqual([...Deno.readDirSync(tooLong)], [], "the directory made is removed");

    const longest = await bindUntilPathIs(
      parentOf(MAX_UNIX_SOCKET_PATH_BYTES),
      MAX_UNIX_SOCKET_PATH_BYTES,
    );
    assert.ok(longest instanceof AdminListener, String(longest));
    try {
      assert.equal((await get(longest.addr.port)).status, 200);
    } finally {
      await longest.close();
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("bad input a full cap of busy keep-alive connections without credentials: a new client evicts the oldest of them, never an authenticated one", async () => {
  const listener = AdminListener.bind({
    hostname: "127.0.0.1",
    port: 0,
    log: { log() {} },
    maxConnections: 3,
    evictGraceMs: 100,
  });
  // "/auth" stands for a request the admin handler authenticated.
  listener.serve((req, info) => {
    if (requestUrl(req).pathname === "/auth") info.authenticated();
    return Promise.resolve(new Response("ok"));
  });
  const busy: Raw[] = [];
  let sending = true;
  try {
    const staff = await Raw.open(listener.addr.port);
    await staff.send("GET /auth HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    await sleep(50);
    for (let i = 0; i < 2; i++) busy.push(await Raw.open(listener.addr.port));
    // Two connections without credentials, one request every 30 ms: never idle.
    const loop = (async () => {
      while (sending) {
        for (const raw of busy) await raw.send("GET /x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        await sleep(30);
      }
    })();
    await sleep(300);
    assert.equal((await get(listener.addr.port)).status, 200, "the new client got in");
    assert.notEqual(await within(busy[0]!.closed, 5_000), "timeout", "the oldest busy one went");
    assert.ok(staff.open, "the authenticated connection stayed");
    sending = false;
    await loop;
    staff.close();
  } finally {
    sending = false;
    for (const raw of busy) raw.close();
    await listener.close();
  }
});
