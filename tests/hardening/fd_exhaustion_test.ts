/**
 * Issue 11, item 2: running out of file descriptors must not kill the server. A real server
 * runs under `ulimit -n 256` (through bash); hundreds of idle admin and chat sockets are
 * opened, more than the process could hold, then closed; the server must still answer both
 * ports and must not have exited.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { SERVER } from "../../scripts/lib/binaries.ts";
import { freshDatabase } from "../support/server_process.ts";
import { ADMIN_TOKEN, jsonLogLines, waitFor } from "./support.ts";

const SERVER_TS = new URL("../../server.ts", import.meta.url).pathname;
const FD_LIMIT = 256;

interface Started {
  child: Deno.ChildProcess;
  port: number;
  adminPort: number;
  log(): string;
  exitCode(): number | null;
}

async function startLimited(db: string): Promise<Started> {
  const args = [
    "run",
    ...SERVER.permissions,
    SERVER_TS,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--admin-port",
    "0",
    "--db",
    db,
    "--log-format",
    "json",
    "--conn-limit",
    "off",
    "--conn-rate",
    "off",
  ];
  const quoted = [Deno.execPath(), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  const child = new Deno.Command("bash", {
    args: ["-c", `ulimit -n ${FD_LIMIT} && exec ${quoted.join(" ")}`],
    env: { FASTCHAT_ADMIN_PASSWORD: "fd-test-password", FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let log = "";
  let code: number | null = null;
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stdout) out += decoder.decode(chunk, { stream: true });
  })();
  void (async () => {
    for await (const chunk of child.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  void child.status.then((status) => void (code = status.code));
  const match = await waitFor(
    "the listening line",
    () => code === null ? /fastchat listening chat=(\d+) admin=(\d+)/.exec(out) ?? false : "exited",
    30_000,
  );
  if (match === "exited") throw new Error(`server exited before listening:\n${log}`);
  return {
    child,
    port: Number(match[1]),
    adminPort: Number(match[2]),
    log: () => log,
    exitCode: () => code,
  };
}

/** Opens `count` idle sockets to `port` (those the server refuses or resets count too). */
async function openIdle(port: number, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    socket.on("data", () => {});
    sockets.push(socket);
    await new Promise<void>((resolve) => {
      socket.once("connect", () => resolve());
      socket.once("error", () => resolve());
      socket.once("close", () => resolve());
    });
  }
  return sockets;
}

/** Connects to the chat port and returns the first frame the server sends. */
function firstChatFrame(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      socket.destroy();
      resolve(JSON.parse(buffered.slice(0, nl)));
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("closed before a frame")));
  });
}

Deno.test("fd exhaustion: idle admin and chat sockets beyond ulimit -n 256 do not kill the server", async () => {
  const database = await freshDatabase();
  const server = await startLimited(database.db);
  try {
    const budget = jsonLogLines(server.log()).find((line) => line.event === "fd_budget");
    assert.ok(budget, `no fd_budget line in the log:\n${server.log()}`);
    assert.equal(budget.soft_limit, FD_LIMIT);
    assert.ok(
      typeof budget.max_connections === "number" && budget.max_connections < FD_LIMIT,
      `max_connections not lowered: ${JSON.stringify(budget)}`,
    );

    const admin = await openIdle(server.adminPort, 300);
    const chat = await openIdle(server.port, 300);
    // While full, an admin request is refused (503), never crashes the process.
    assert.equal(server.exitCode(), null, `server exited:\n${server.log()}`);
    for (const socket of [...admin, ...chat]) socket.destroy();

    const status = await retry(async () => {
      const res = await fetch(`http://127.0.0.1:${server.adminPort}/api/stats`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      await res.body?.cancel();
      return res.status === 200 ? 200 : null;
    });
    assert.equal(status, 200);
    const welcome = await retry(async () => {
      const frame = await firstChatFrame(server.port);
      return frame.type === "welcome" ? frame : null;
    });
    assert.equal(welcome.type, "welcome");
    assert.equal(server.exitCode(), null, `server exited:\n${server.log()}`);
    // The excerpt around it, not the whole log (hundreds of refused connections).
    const log = server.log();
    const uncaught = log.indexOf("Uncaught");
    assert.equal(uncaught, -1, log.slice(Math.max(0, uncaught - 200), uncaught + 2_000));
  } finally {
    try {
      server.child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await server.child.status;
    await database.drop();
  }
});

/** Calls `attempt` until it returns a value (refused connections are retried). */
async function retry<T>(attempt: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 15_000;
  while (true) {
    try {
      const value = await attempt();
      if (value !== null) return value;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error("no answer in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
