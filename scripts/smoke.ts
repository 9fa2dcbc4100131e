/**
 * The release smoke run: starts a server, checks `--version` of both programs and that the
 * admin page is served, then has the client send one message in pipe mode and checks that it
 * reaches another session in the room. It runs the compiled binaries in the release workflow
 * and the sources with the binaries' exact permissions in the test suite.
 *
 * Usage: `deno run -A scripts/smoke.ts --server PATH --client PATH`
 *        `deno run -A scripts/smoke.ts --source` (run server.ts / client.ts with `deno run`)
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import { CLIENT, SERVER } from "./lib/binaries.ts";
import { fromSource, launchServer, type Program } from "./lib/server_launcher.ts";
import { WireConnection } from "./lib/wire.ts";

export { fromSource, type Program } from "./lib/server_launcher.ts";

/** How long a program may take to finish. */
const TIMEOUT_MS = 30_000;

async function _run(
  program: Program,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(program.command, {
    args: [...program.args, ...args],
    env: { NO_COLOR: "1", ...options.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(options.input ?? ""));
    await writer.close();
  } catch {
    // The program exited without reading its input; its exit status tells why.
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  try {
    return await child.output();
  } finally {
    clearTimeout(timer);
  }
}

async function _checkVersion(name: string, program: Program): Promise<void> {
  const { code, stdout } = await _run(program, ["--version"]);
  const printed = new TextDecoder().decode(stdout).trim();
  if (code !== 0 || !printed.includes(denoJson.version)) {
    throw new Error(
      `${name} --version printed "${printed}" (exit ${code}), not ${denoJson.version}`,
    );
  }
}

/** A started server: its ports, its log so far, and how to stop it. */
interface RunningServer {
  chatPort: number;
  adminPort: number;
  log(): string;
  stop(): Promise<Deno.CommandStatus>;
}

async function _startServer(program: Program, dir: string): Promise<RunningServer> {
  const server = await launchServer({
    program,
    db: `sqlite:${join(dir, "smoke.db")}`,
    adminPassword: "smoke-admin-password",
    timeoutMs: TIMEOUT_MS,
  });
  return {
    chatPort: server.port,
    adminPort: server.adminPort,
    log: () => server.stdout().join("\n") + "\n" + server.log(),
    stop: () => server.stop(),
  };
}

async function _checkAdminPage(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  const body = await response.text();
  if (response.status !== 200 || !/<html|<!doctype/i.test(body)) {
    throw new Error(`GET / on the admin port answered ${response.status}: ${body.slice(0, 200)}`);
  }
}

async function _roundTrip(server: RunningServer, client: Program): Promise<void> {
  const password = "smoke-password-1";
  const watcher = await WireConnection.connect("127.0.0.1", server.chatPort);
  try {
    await watcher.next((f) => f.type === "welcome");
    await watcher.request({ type: "register", user: "smoke_sender", password });
    await watcher.request({ type: "register", user: "smoke_watcher", password });
    await watcher.request({ type: "login", user: "smoke_watcher", password });
    await watcher.request({ type: "join", room: "general" });
    const text = `smoke test ${crypto.randomUUID()}`;
    const target = `127.0.0.1:${server.chatPort}`;
    const result = await _run(client, [target, "--user", "smoke_sender", "--room", "general"], {
      input: `${text}\n`,
      env: { FASTCHAT_PASSWORD: password },
    });
    if (result.code !== 0) {
      const decoder = new TextDecoder();
      throw new Error(
        `the client exited with ${result.code}:\n${decoder.decode(result.stdout)}${
          decoder.decode(result.stderr)
        }`,
      );
    }
    await watcher.next((f) =>
      f.type === "message" && f.user === "smoke_sender" && f.room === "general" && f.text === text
    );
  } finally {
    watcher.close();
  }
}

/** Options of {@linkcode smoke}. */
export interface SmokeOptions {
  /** Receives one line per step passed (default: none). */
  log?: (line: string) => void;
  /** Folder in which the server's database folder is made (default: the system's temp). */
  dir?: string;
}

/**
 * Runs the whole smoke check; resolves when everything passed.
 *
 * @throws {Error} naming the first step that failed, with the server's log.
 */
export async function smoke(
  server: Program,
  client: Program,
  options: SmokeOptions = {},
): Promise<void> {
  const log = options.log ?? (() => {});
  await _checkVersion("server", server);
  await _checkVersion("client", client);
  log(`smoke: both programs print version ${denoJson.version}`);
  const dir = await Deno.makeTempDir({ dir: options.dir, prefix: "fastchat-smoke-" });
  try {
    const running = await _startServer(server, dir);
    let stopped: Deno.CommandStatus;
    try {
      log(`smoke: server listening, chat=${running.chatPort} admin=${running.adminPort}`);
      await _checkAdminPage(running.adminPort);
      log("smoke: admin page served");
      await _roundTrip(running, client);
      log("smoke: a message sent by the client in pipe mode reached another session");
    } catch (error) {
      throw new Error(
        `${error instanceof Error ? error.message : error}\nserver log:\n${running.log()}`,
      );
    } finally {
      stopped = await running.stop();
    }
    if (stopped.code !== 0) {
      throw new Error(
        `the server exited with ${stopped.code} on SIGTERM, not 0:\n${running.log()}`,
      );
    }
    log("smoke: server stopped cleanly on SIGTERM");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function _main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      server: { type: "string" },
      client: { type: "string" },
      source: { type: "boolean" },
    },
    strict: true,
  });
  let server: Program;
  let client: Program;
  if (values.source) {
    server = fromSource(SERVER);
    client = fromSource(CLIENT);
  } else if (values.server !== undefined && values.client !== undefined) {
    server = { command: values.server, args: [] };
    client = { command: values.client, args: [] };
  } else {
    console.error("Usage: smoke.ts --server PATH --client PATH | smoke.ts --source");
    return 2;
  }
  try {
    await smoke(server, client, { log: console.log });
  } catch (error) {
    console.error(`smoke: FAILED: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  console.log("smoke: ok");
  return 0;
}

if (import.meta.main) Deno.exit(await _main());
