/**
 * Issue 11 (admin side) against a real server over real HTTP: the names `.` and `..`
 * (which URL normalisation removes from paths) are addressable, a 400 MiB chunked body to
 * the unauthenticated login costs no memory, and a foreign `Host` is refused.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { SERVER } from "../../scripts/lib/binaries.ts";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { AdminClient } from "./admin_client.ts";

const PASSWORD = "test-admin-password";

Deno.test("names '.' and '..' are addressable: ban user '..' then lift it, delete room '.'", async () => {
  const server = await startServer();
  try {
    const user = await FrameClient.connect(server.port);
    await user.registerAndLogin("..");
    user.close();
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);

    assert.equal((await admin.call("POST", "/api/ban", { user: ".." })).status, 200);
    let bans = (await admin.call("GET", "/api/moderation")).body.bans;
    assert.deepEqual(bans.map((b: { user: string }) => b.user), [".."]);
    // In a path, `..` and `%2e%2e` are eaten by URL normalisation; the query form works.
    const lifted = await admin.call("DELETE", `/api/bans?user=${encodeURIComponent("..")}`);
    assert.equal(lifted.status, 204);
    bans = (await admin.call("GET", "/api/moderation")).body.bans;
    assert.deepEqual(bans, []);

    assert.equal((await admin.call("POST", "/api/rooms", { name: "." })).status, 201);
    const topic = await admin.call("PUT", "/api/topic?room=.", { topic: "dots" });
    assert.equal(topic.status, 200);
    assert.equal(topic.body.room.topic, "dots");
    assert.equal((await admin.call("DELETE", "/api/rooms?name=.")).status, 204);
    const rooms = (await admin.call("GET", "/api/rooms")).body.rooms;
    assert.ok(!rooms.some((r: { name: string }) => r.name === "."), "room '.' is gone");
    const missing = await admin.call("DELETE", "/api/rooms");
    assert.equal(missing.status, 400, "the query parameter is required");
  } finally {
    await server.cleanup();
  }
});

/** The server process's resident memory in KiB (Linux). */
async function rssKiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
}

Deno.test("a 400 MiB chunked login body is cut off at 64 KiB: 413, server RSS grows by far less than the body", async () => {
  const server = await startServer();
  try {
    const before = await rssKiB(server.child.pid);
    const socket = net.connect({ host: "127.0.0.1", port: server.adminPort });
    socket.on("error", () => {});
    let reply = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => void (reply += chunk));
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      `POST /api/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `transfer-encoding: chunked\r\n\r\n`,
    );
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const head = new TextEncoder().encode(`${chunk.length.toString(16)}\r\n`);
    const tail = new TextEncoder().encode("\r\n");
    let sent = 0;
    let ended = false;
    void closed.then(() => void (ended = true));
    while (sent < 400 && !ended && !reply.includes("\r\n\r\n")) {
      const flushed = socket.write(head) && socket.write(chunk) && socket.write(tail);
      sent++;
      if (!flushed) {
        await Promise.race([new Promise((r) => socket.once("drain", r)), closed]);
      }
    }
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000))]);
    socket.destroy();
    assert.match(reply, /^HTTP\/1\.1 413/, `reply: ${reply.slice(0, 200)}`);
    const grown = (await rssKiB(server.child.pid)) - before;
    // Generous margin: the whole body would be 400 MiB; the limit is 64 KiB.
    assert.ok(grown < 64 * 1024, `server RSS grew by ${grown} KiB`);
  } finally {
    await server.cleanup();
  }
});

Deno.test("a request whose Host is a foreign name (DNS rebinding) gets 421 from the real server", async () => {
  const server = await startServer();
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port: server.adminPort });
      let text = "";
      socket.setEncoding("latin1");
      socket.on("data", (c: string) => void (text += c));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
      const body = JSON.stringify({ user: "admin", password: PASSWORD });
      socket.write(
        "POST /api/login HTTP/1.1\r\nhost: attacker.example:9080\r\nconnection: close\r\n" +
          `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
    });
    assert.match(reply, /^HTTP\/1\.1 421/);
    assert.match(reply, /bad_host/);
  } finally {
    await server.cleanup();
  }
});

Deno.test("a busy admin port: the error names the port and the 'shown once' password is not lost", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "fastchat-busy-" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...SERVER.permissions,
        new URL("../../server.ts", import.meta.url).pathname,
        "--port",
        "0",
        "--admin-port",
        String(busy.addr.port),
        "--db",
        `sqlite:${dir}/fastchat.db`,
      ],
      env: { FASTCHAT_ADMIN_PASSWORD: "" },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2);
    assert.match(stderr, new RegExp(`admin port 127\\.0\\.0\\.1:${busy.addr.port}`));
    assert.doesNotMatch(stdout, /shown once/, "no password is shown before both ports are bound");
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});
