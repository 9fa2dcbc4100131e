/**
 * Starts a real `fastchat-server` subprocess for tests (through the shared launcher,
 * `scripts/lib/server_launcher.ts`), on free ports, with a fresh database: SQLite in a temp
 * dir by default, or a throwaway MySQL database when `FASTCHAT_TEST_STORE=mysql` (the test
 * runner's second pass).
 */
import { createTestDatabase } from "./mysql_db.ts";
import { launchServer } from "../../scripts/lib/server_launcher.ts";

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

/**
 * With `FASTCHAT_TEST_CLUSTER=nats://…` (the test runner's cluster pass), a MySQL server
 * runs in cluster mode, as a one-instance cluster of its own (a fresh cluster name), so
 * that the conformance suite proves every rule holds through the cluster's log too.
 */
function clusterArgs(db: string, args: readonly string[]): string[] {
  const nats = Deno.env.get("FASTCHAT_TEST_CLUSTER");
  if (!nats || !db.startsWith("mysql://") || args.includes("--cluster")) return [];
  // Named after the database, so that a restart on the same database rejoins its log.
  const name = db.replace(/^.*\//, "").replace(/[^A-Za-z0-9_-]/g, "_");
  return ["--cluster", nats, "--cluster-name", name];
}

/** Starts a server and waits for its `fastchat listening` line. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const fresh = options.db === undefined ? await freshDatabase() : null;
  const db = options.db ?? fresh!.db;
  const args = [...clusterArgs(db, options.args ?? []), ...(options.args ?? [])];
  // Sources run with exactly the compiled binary's permissions, so the suite proves they suffice.
  const server = await launchServer({
    db,
    args,
    rateLimits: options.limits === true,
    adminPassword: "test-admin-password",
    env: options.env,
  }).catch(async (error) => {
    await fresh?.drop();
    throw error;
  });
  const stop = async (signal: Deno.Signal = "SIGTERM") => (await server.stop(signal)).code;
  return {
    port: server.port,
    adminPort: server.adminPort,
    db,
    child: server.child,
    log: server.log,
    stdout: server.stdout,
    stop,
    exited: server.exited,
    async cleanup() {
      await stop("SIGKILL");
      await fresh?.drop();
    },
  };
}
