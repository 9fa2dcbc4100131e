/**
 * Memory per connection stays bounded, measured as the RSS growth of a real server
 * subprocess (margins are generous: the figures measured are in docs/security.md):
 * - a peer that trickles a frame one byte per TCP segment costs about a byte per byte
 *   (one `slice()` per read used to cost ~600 bytes of RSS per byte received);
 * - a logged-in connection that asks for large histories and never reads holds about one
 *   reply, not all of them (replies are produced one at a time, as the client reads).
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";

const PASSWORD = "correct horse battery";
const MIB = 1024 * 1024;

/** Resident set size of a process, in bytes (Linux). */
async function rss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The highest RSS seen while sampling every 100 ms for `ms` (a wait, not a measurement). */
async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = await rss(pid);
  for (let waited = 0; waited < ms; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    peak = Math.max(peak, await rss(pid));
  }
  return peak;
}

/** CPU time (user + system, in clock ticks) process `pid` has used. */
async function cpuTicks(pid: number): Promise<number> {
  const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until process `pid` has used no CPU for a whole second (at most 15 s): the work a
 * warm-up started in the background (the search index's first passes, a just-started
 * thread's first idle collection, which compacts its heap) is then done, and does not land
 * in the measurement window. Not a timing check: it only waits.
 */
async function quiet(pid: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let since = Date.now();
  let last = await cpuTicks(pid);
  while (Date.now() < deadline && Date.now() - since < 1_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await cpuTicks(pid);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Reads frames from `conn` until `count` replies (frames with an id) arrived. */
async function readReplies(conn: Deno.Conn, count: number): Promise<Record<string, unknown>[]> {
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256 * 1024);
  const replies: Record<string, unknown>[] = [];
  let text = "";
  while (replies.length < count) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`Closed after ${replies.length} of ${count} replies`);
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    let nl;
    while ((nl = text.indexOf("\n")) >= 0) {
      const frame = JSON.parse(text.slice(0, nl)) as Record<string, unknown>;
      text = text.slice(nl + 1);
      if ("id" in frame) replies.push(frame);
    }
  }
  return replies;
}

Deno.test("memory: bad input 1-byte trickles from 100 peers cost about a byte per byte, not an array per read", async () => {
  // A capped heap makes garbage collection keep up, so the RSS growth measures what is
  // held rather than when V8 last collected (docs/security.md has the figures).
  const server = await startServer({ env: { DENO_V8_FLAGS: "--max-old-space-size=64" } });
  const peers: Deno.Conn[] = [];
  try {
    const PEERS = 100;
    const BYTES = 8_000;
    for (let i = 0; i < PEERS; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      conn.setNoDelay(true);
      peers.push(conn);
    }
    const head = new TextEncoder().encode(`{"type":"ping","id":"t","pad":"`);
    const prefix = new Uint8Array(BYTES).fill(0x61);
    prefix.set(head);
    // The server's start-up work (its search index opens in the background) is done.
    await quiet(server.child.pid);
    const before = await rss(server.child.pid);
    // Round robin, one byte per write: each peer's next byte comes long after the server
    // read the previous one, so every read returns a single byte.
    for (let i = 0; i < BYTES; i++) {
      for (const conn of peers) await conn.write(prefix.subarray(i, i + 1));
    }
    const growth = (await peakRss(server.child.pid, 500)) - before;
    // 100 × 8,000 bytes held is 0.8 MB of frames; the old decoder (one array per read)
    // grew RSS by ~95 MiB here, this one by 12–36 MiB (collector noise, not held memory).
    assert.ok(
      growth < 64 * MIB,
      `RSS grew by ${(growth / MIB).toFixed(1)} MiB for ${PEERS} × ${BYTES} trickled bytes`,
    );
    // Every trickled frame is whole: finishing it gets its answer.
    await Promise.all(peers.map(async (conn) => {
      await writeAll(conn, new TextEncoder().encode(`"}\n`));
      const [reply] = await readReplies(conn, 1);
      assert.equal(reply!.type, "ok", JSON.stringify(reply));
      assert.equal(reply!.id, "t");
    }));
  } finally {
    for (const conn of peers) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    await server.cleanup();
  }
});

Deno.test("memory: bad input a logged-in client that never reads its large histories holds about one reply", async () => {
  const server = await startServer();
  const writer = await FrameClient.connect(server.port);
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    const tag = crypto.randomUUID().slice(0, 8);
    const room = `big_${tag}`;
    await writer.registerAndLogin(`w_${tag}`, PASSWORD);
    await writer.ok({ type: "create_room", room });
    await writer.ok({ type: "join", room });
    // 200 messages of 4,000 control characters: each JSON-escapes to ~24 KB, so an
    // unbounded `history limit 200` would be ~4.8 MB.
    const text = "\u0001".repeat(4_000);
    let batch = "";
    for (let i = 0; i < 200; i++) {
      batch += JSON.stringify({ type: "say", id: `s${i}`, room, text }) + "\n";
    }
    await writer.writeRaw(batch);
    await writer.next((f) => f.id === "s199", 30_000);
    // Warm up the paths measured below, with a reader that reads; a search first lets the
    // search index (SQLite: its own thread) take in those messages outside the window.
    await writer.ok({ type: "search", query: "warm" });
    await writer.ok({ type: "history", room, limit: 200 });
    await quiet(server.child.pid);

    const REQUESTS = 12;
    const user = `s_${tag}`;
    let frames = JSON.stringify({ type: "register", id: "r", user, password: PASSWORD }) + "\n" +
      JSON.stringify({ type: "login", id: "l", user, password: PASSWORD }) + "\n";
    for (let i = 0; i < REQUESTS; i++) {
      frames += JSON.stringify({ type: "history", id: i, room, limit: 200 }) + "\n";
    }
    const before = await rss(server.child.pid);
    await writeAll(stalled, new TextEncoder().encode(frames));
    const growth = (await peakRss(server.child.pid, 3_000)) - before;
    // About one ~512 KiB reply is queued (plus what the kernel's socket buffers took); the
    // 12 unbounded replies used to be ~58 MB.
    assert.ok(
      growth < 24 * MIB,
      `RSS grew by ${(growth / MIB).toFixed(1)} MiB for ${REQUESTS} unread history replies`,
    );
    // The server is still answering others meanwhile.
    await writer.ok({ type: "ping" });
    // Once the client reads, every request gets its answer, in order.
    const replies = await readReplies(stalled, REQUESTS + 2);
    assert.deepEqual(replies.map((r) => r.id), [
      "r",
      "l",
      ...Array.from({ length: REQUESTS }, (_, i) => i),
    ]);
    for (const reply of replies) {
      assert.equal(reply.type, "ok", JSON.stringify(reply).slice(0, 200));
    }
    for (const reply of replies.slice(2)) assert.equal(reply.more, true);
  } finally {
    writer.close();
    try {
      stalled.close();
    } catch {
      // Already closed.
    }
    await server.cleanup();
  }
});
