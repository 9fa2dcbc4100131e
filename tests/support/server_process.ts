/**
 * Starts a real `fastchat-server` subprocess for tests, on free ports, with a fresh
 * database: SQLite in a temp dir by default, or a throwaway MySQL database when
 * `FASTCHAT_TEST_STORE=mysql` (the test runner's second pass).
 */
import { createTestDatabase } from "./mysql_db.ts";
import { SERVER as SERVER_BINARY } from "../../scripts/lib/binaries.ts";

const SERVER = new URL("../../server.ts", import.meta.url).pathname;

/** Options of {@linkcode startServer}. */
export interface StartOptions {
  /** Extra flags, after the test defaults (so they win). */
  args?: string[];
  /** A `--db` value to use instead of a fresh database (e.g. to restart on the same one). */
  db?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Keep the default limits on (by default tests turn the four rate limits off). */
  limits?: boolean;
}

/** A running server subprocess. */
export interface ServerProcess {
  port: number;
  adminPort: number;
  /** The `--db` value it runs on (pass it to a second start to reuse the data). */
  db: string;
  child: Deno.ChildProcess;
  /** Everything the server wrote to stderr (its log) so far. */
  log(): string;
  /** Lines written to stdout so far. */
  stdout(): string[];
  /** Sends a signal and waits for the exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Waits for the process to exit by itself. */
  exited: Promise<Deno.CommandStatus>;
  /** Stops the server (if running) and deletes its database. */
  cleanup(): Promise<void>;
}

/** Whether the test run targets MySQL. */
export function usingMysql(): boolean {
  return Deno.env.get("FASTCHAT_TEST_STORE") === "mysql";
}

/** A fresh database for a server: its `--db` value and how to remove it. */
export async function freshDatabase(): Promise<{ db: string; drop(): Promise<void> }> {
  if (usingMysql()) {
    const database = await createTestDatabase();
    return { db: database.url, drop: database.drop };
  }
  const dir = await Deno.makeTempDir({ prefix: "fastchat-test-" });
  return {
    db: `sqlite:${dir}/fastchat.db`,
    drop: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** Starts a server and waits for its `fastchat listening` line. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const fresh = options.db === undefined ? await freshDatabase() : null;
  const db = options.db ?? fresh!.db;
  const limits = options.limits
    ? []
    : ["--msg-rate", "off", "--conn-limit", "off", "--conn-rate", "off", "--auth-rate", "off"];
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      // Exactly the compiled binary's permissions, so the suite proves they suffice.
      ...SERVER_BINARY.permissions,
      SERVER,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--admin-port",
      "0",
      "--db",
      db,
      ...limits,
      ...(options.args ?? []),
    ],
    env: { FASTCHAT_ADMIN_PASSWORD: "test-admin-password", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let log = "";
  const decoder = new TextDecoder();
  const listening = Promise.withResolvers<{ port: number; adminPort: number }>();
  (async () => {
    let buffered = "";
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        const match = /^fastchat listening chat=(\d+) admin=(\d+)$/.exec(line);
        if (match) listening.resolve({ port: Number(match[1]), adminPort: Number(match[2]) });
      }
    }
  })();
  (async () => {
    for await (const chunk of child.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  const exited = child.status;
  exited.then((status) =>
    listening.reject(new Error(`Server exited (${status.code}) before listening:\n${log}`))
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ports = await Promise.race([
    listening.promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Server did not start:\n${log}`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  let running = true;
  exited.then(() => running = false);
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (running) {
      try {
        child.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
    return (await exited).code;
  };
  return {
    ...ports,
    db,
    child,
    log: () => log,
    stdout: () => lines,
    stop,
    exited,
    async cleanup() {
      await stop("SIGKILL");
      await fresh?.drop();
    },
  };
}
