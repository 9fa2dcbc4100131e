/**
 * The deployments the cluster benchmark compares, each on a fresh MariaDB database
 * (`fcbench_<random>`, created and dropped here): FastChat in its single-process mode on
 * MySQL, or N instances in cluster mode (`--cluster`) on one throwaway `nats-server` with
 * JetStream. Instances are started like every benchmarked server (`bench/processes.ts`:
 * rate limits off, raised open-file limit, loopback, free ports); their pids are known so
 * that their CPU time can be read and one can be killed with SIGKILL.
 */
import mysql from "mysql2/promise";
import { type ProcessUsage, readUsage, type ServerHandle, startFastchat } from "../processes.ts";
import { provision } from "../provision.ts";
import { type BenchNats, startBenchNats } from "./cluster_nats.ts";

/** Single-process mode, or cluster mode with `instances` instances. */
export type DeploymentKind = { mode: "single" } | { mode: "cluster"; instances: number };

/** Its label in tables: `single`, `cluster-1`, `cluster-3`. */
export function kindLabel(kind: DeploymentKind): string {
  return kind.mode === "single" ? "single" : `cluster-${kind.instances}`;
}

/** One FastChat process of a deployment. */
export interface BenchInstance {
  /** `--instance` (cluster mode) or `single`. */
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  usage(): ProcessUsage;
  /** What it wrote to stderr (its log), the newest part. */
  log(): string;
  /** `kill -9`: SIGKILL, resolves once it has exited. */
  kill(): Promise<void>;
}

/** A running deployment; `stop()` ends every process and drops the database. */
export interface Deployment {
  readonly kind: DeploymentKind;
  readonly label: string;
  /** The `--db` value. */
  readonly db: string;
  readonly instances: readonly BenchInstance[];
  /** The NATS server's pid (cluster mode), else null. */
  readonly natsPid: number | null;
  /** The NATS server's monitor port (cluster mode), else null. */
  readonly natsMonitorPort: number | null;
  /** Rows in the database's `messages` table now (what the database holds). */
  storedMessages(): Promise<number>;
  /** Ends every process and drops the database. Never throws. */
  stop(): Promise<void>;
}

/** What to deploy and provision. */
export interface DeployOptions {
  kind: DeploymentKind;
  /** Admin URL of the MariaDB server (it creates and drops `fcbench_*` databases). */
  mysqlAdminUrl: string;
  /** Accounts `b00000…` and rooms `r0000…` created before the servers start. */
  users: number;
  rooms: number;
  /** Extra server flags for every instance (e.g. `--proxy-protocol` behind HAProxy). */
  args?: readonly string[];
}

function _randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates `fcbench_<random>` and returns its URL (the admin URL's account) and how to drop
 * it. The name is generated here (hex): no outside text reaches the DDL.
 */
export async function createBenchDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fcbench_${_randomHex(6)}`;
  const admin = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5_000 });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5_000 });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** The pid of the local MariaDB/MySQL server (`mariadbd`, `mysqld`), when there is one. */
export function databasePid(): number | null {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const comm = Deno.readTextFileSync(`/proc/${entry.name}/comm`).trim();
      if (comm === "mariadbd" || comm === "mysqld") return Number(entry.name);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return null;
}

function _instance(name: string, server: ServerHandle): BenchInstance {
  return {
    name,
    port: server.port,
    pid: server.pid,
    usage: () => readUsage(server.pid),
    log: () => server.log(),
    async kill() {
      try {
        Deno.kill(server.pid, "SIGKILL");
      } catch {
        // Exited already.
      }
      await server.stop(0);
    },
  };
}

/** Starts a deployment; see the module doc. */
export async function deploy(options: DeployOptions): Promise<Deployment> {
  const database = await createBenchDatabase(options.mysqlAdminUrl);
  const servers: ServerHandle[] = [];
  let nats: BenchNats | null = null;
  let counter: mysql.Connection | null = null;
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop(2_000).catch(() => {})));
    await nats?.stop();
    await counter?.end().catch(() => {});
    await database.drop().catch((error) => console.error(`cannot drop the database: ${error}`));
  };
  try {
    await provision(database.url, options.users, options.rooms);
    const kind = options.kind;
    const names: string[] = [];
    if (kind.mode === "single") {
      servers.push(await startFastchat(database.url, [...options.args ?? []]));
      names.push("single");
    } else {
      nats = await startBenchNats();
      const cluster = `fcbench${_randomHex(4)}`;
      const start = (name: string) =>
        startFastchat(database.url, [
          ...["--cluster", nats!.url, "--cluster-name", cluster, "--instance", name],
          ...options.args ?? [],
        ]);
      // The first creates the stream; the others join it together, as a deployment would.
      names.push("i1");
      servers.push(await start("i1"));
      const rest = Array.from({ length: kind.instances - 1 }, (_, i) => `i${i + 2}`);
      const results = await Promise.allSettled(rest.map(start));
      for (const result of results) {
        if (result.status === "fulfilled") servers.push(result.value);
      }
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      names.push(...rest);
    }
    return {
      kind,
      label: kindLabel(kind),
      db: database.url,
      instances: servers.map((s, i) => _instance(names[i]!, s)),
      natsPid: nats?.pid ?? null,
      natsMonitorPort: nats?.monitorPort ?? null,
      async storedMessages() {
        counter ??= await mysql.createConnection({ uri: database.url, connectTimeout: 5_000 });
        const [rows] = await counter.query("SELECT COUNT(*) AS n FROM messages");
        return Number((rows as { n: number }[])[0]?.n ?? 0);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
