/**
 * A FastChat cluster for tests, all real processes: a fresh MySQL database, NATS with
 * JetStream (a single node or a 3-node cluster, `nats.ts`), and N `fastchat-server`
 * instances started with `--cluster`, each on its own free ports. Instances can be killed
 * (SIGKILL), stopped and restarted on the same ports; `cleanup()` ends every process and
 * drops the database.
 *
 * The cluster tests (`tests/cluster/`) always need MySQL: under `deno task test
 * --sqlite-only` (or without any MySQL server) the runner sets `FASTCHAT_TEST_NO_MYSQL` and
 * {@linkcode clusterTest} ignores them, saying why in their names.
 */
import { ADMIN_TOKEN } from "../server/support.ts";
import { createTestDatabase, type TestDatabase } from "./mysql_db.ts";
import { type NatsDeployment, type NatsKind, startNats } from "./nats.ts";
import { type RequirementName, requiring } from "./requires.ts";
import { type ServerProcess, startServer } from "./server_process.ts";

/** Options of {@linkcode startCluster}. */
export interface ClusterOptions {
  /** How many FastChat instances (default 3), named `n1`, `n2`… */
  instances?: number;
  /** NATS as a single node (default) or a 3-node JetStream cluster. */
  nats?: NatsKind;
  /** The MySQL server to create the database on (default: the test server, `mysql_db.ts`). */
  mysqlAdminUrl?: string;
  /** Extra server flags for every instance (after the cluster flags, so they win). */
  args?: string[];
  /**
   * The instances stand behind HAProxy on this machine (`haproxy.ts`, which sends the PROXY
   * protocol by default): they run with `--proxy-protocol 127.0.0.1`, take each client's
   * address from HAProxy's header, and so refuse a direct chat connection from 127.0.0.1
   * (it has no header). Default false.
   */
  haproxy?: boolean;
  /** Extra environment variables for every instance. */
  env?: Record<string, string>;
}

/** One FastChat instance of a {@linkcode TestCluster}. */
export interface ClusterInstance {
  /** Its `--instance` name. */
  readonly name: string;
  /** Its chat port (the same after a restart). */
  readonly port: number;
  /** Its admin port (the same after a restart). */
  readonly adminPort: number;
  /** Whether it runs (not killed or stopped since its last start). */
  readonly running: boolean;
  /** Its current process (the last one when not running). */
  readonly process: ServerProcess;
  /** Everything its processes wrote to stderr, every run in order. */
  log(): string;
}

/** A running cluster: database, NATS and instances. */
export interface TestCluster {
  /** The `--cluster-name` of its instances (unique per cluster). */
  readonly name: string;
  readonly db: TestDatabase;
  readonly nats: NatsDeployment;
  readonly instances: readonly ClusterInstance[];
  /** Kills instance `i` (SIGKILL: a crash) and waits for its exit. */
  kill(i: number): Promise<void>;
  /** Stops instance `i` with `signal` (default SIGTERM); resolves with its exit code. */
  stop(i: number, signal?: Deno.Signal): Promise<number>;
  /** Starts instance `i` again (after a kill or a stop) on the same ports and name. */
  restart(i: number): Promise<void>;
  /** The logs of every instance, each headed by its name (for a failed test's message). */
  logs(): string;
  /** The names of the steps that failed ({@linkcode clusterStep}); their logs are kept. */
  readonly failedSteps: string[];
  /** Kills every instance and NATS node and drops the database. Never throws. */
  cleanup(): Promise<void>;
}

class Instance implements ClusterInstance {
  readonly name: string;
  #runs: ServerProcess[] = [];
  #running = false;

  constructor(name: string, first: ServerProcess) {
    this.name = name;
    this.#add(first);
  }

  #add(process: ServerProcess): void {
    this.#runs.push(process);
    this.#running = true;
    void process.exited.then(() => {
      if (this.process === process) this.#running = false;
    });
  }

  get process(): ServerProcess {
    return this.#runs.at(-1)!;
  }

  get port(): number {
    return this.#runs[0]!.port;
  }

  get adminPort(): number {
    return this.#runs[0]!.adminPort;
  }

  get running(): boolean {
    return this.#running;
  }

  log(): string {
    return this.#runs.map((run, i) => `[run ${i + 1}]\n${run.log()}`).join("\n");
  }

  async stop(signal: Deno.Signal): Promise<number> {
    const code = await this.process.stop(signal);
    this.#running = false;
    return code;
  }

  restarted(process: ServerProcess): void {
    this.#add(process);
  }
}

function _clusterArgs(nats: NatsDeployment, name: string, instance: string): string[] {
  return ["--cluster", nats.urls, "--cluster-name", name, "--instance", instance];
}

/**
 * Starts a cluster: the database, NATS as asked, then every instance at once (as a
 * deployment would). Call `cleanup()` in a `finally` (or use {@linkcode withCluster}).
 */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.instances ?? 3;
  const name = `fc${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const env = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env };
  const extraArgs = [
    ...(options.haproxy ? ["--proxy-protocol", "127.0.0.1"] : []),
    ...(options.args ?? []),
  ];
  const db = await createTestDatabase({ adminUrl: options.mysqlAdminUrl });
  let nats: NatsDeployment | null = null;
  const started: ServerProcess[] = [];
  try {
    nats = await startNats(options.nats ?? "single");
    const names = Array.from({ length: count }, (_, i) => `n${i + 1}`);
    const results = await Promise.allSettled(names.map(async (instance) => {
      const server = await startServer({
        db: db.url,
        env,
        args: [..._clusterArgs(nats!, name, instance), ...extraArgs],
      });
      started.push(server);
      return server;
    }));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const servers = results.map((r) => (r as PromiseFulfilledResult<ServerProcess>).value);
    const instances = servers.map((server, i) => new Instance(names[i]!, server));
    return _cluster(name, db, nats, instances, env, extraArgs);
  } catch (error) {
    await Promise.all(started.map((server) => server.stop("SIGKILL").catch(() => 0)));
    await nats?.cleanup();
    await db.drop().catch(() => {});
    throw error;
  }
}

function _cluster(
  name: string,
  db: TestDatabase,
  nats: NatsDeployment,
  instances: Instance[],
  env: Record<string, string>,
  extraArgs: string[],
): TestCluster {
  const at = (i: number): Instance => {
    const instance = instances[i];
    if (!instance) throw new RangeError(`No instance ${i} in a cluster of ${instances.length}`);
    return instance;
  };
  return {
    name,
    db,
    nats,
    instances,
    failedSteps: [],
    async kill(i) {
      await at(i).stop("SIGKILL");
    },
    stop(i, signal = "SIGTERM") {
      return at(i).stop(signal);
    },
    async restart(i) {
      const instance = at(i);
      if (instance.running) throw new Error(`Instance ${instance.name} is still running`);
      const server = await startServer({
        db: db.url,
        env,
        args: [
          ..._clusterArgs(nats, name, instance.name),
          ...["--port", String(instance.port), "--admin-port", String(instance.adminPort)],
          ...extraArgs,
        ],
      });
      instance.restarted(server);
    },
    logs() {
      return instances.map((instance) => `--- ${instance.name}\n${instance.log()}`).join("\n");
    },
    async cleanup() {
      await Promise.all(instances.map((instance) => instance.stop("SIGKILL").catch(() => 0)));
      await nats.cleanup();
      await db.drop().catch((error) => console.error(`Cannot drop ${db.name}: ${error}`));
    },
  };
}

/** Where a failed cluster test leaves the full logs of its instances and NATS nodes. */
const ARTIFACTS = new URL("../../test-artifacts/cluster/", import.meta.url).pathname;

/**
 * The end of a log with runs of the same line (timestamps aside) collapsed into one line
 * and a count, so that a flood of one warning does not hide what came before it.
 */
export function condenseLog(log: string, lines = 40): string {
  const out: { text: string; key: string; count: number }[] = [];
  for (const line of log.split("\n")) {
    if (line === "") continue;
    const key = line.replace(/^\S*\d{2}:\d{2}:\d{2}\S*\s*/, "");
    const previous = out.at(-1);
    if (previous?.key === key) previous.count++;
    else out.push({ text: line, key, count: 1 });
  }
  return out.slice(-lines)
    .map((l) => (l.count > 1 ? `${l.text} (x${l.count})` : l.text)).join("\n");
}

/** Writes every log of `cluster` under `test-artifacts/cluster/<name>/`; returns the folder. */
async function _saveLogs(cluster: TestCluster): Promise<string> {
  const dir = `${ARTIFACTS}${cluster.name}`;
  await Deno.mkdir(dir, { recursive: true });
  for (const instance of cluster.instances) {
    await Deno.writeTextFile(`${dir}/${instance.name}.log`, instance.log());
  }
  await Deno.writeTextFile(`${dir}/nats.log`, await cluster.nats.logs(Infinity));
  return dir;
}

/**
 * Runs `fn` on a fresh cluster and cleans it up afterwards, whatever happens. When `fn`
 * fails, the end of each instance's log is printed (condensed) and the full logs are kept
 * under `test-artifacts/cluster/`.
 */
export async function withCluster(
  options: ClusterOptions,
  fn: (cluster: TestCluster) => Promise<void>,
): Promise<void> {
  const cluster = await startCluster(options);
  const report = async () => {
    const dir = await _saveLogs(cluster).catch((e) => `(not saved: ${e})`);
    const ends = cluster.instances.map((i) => `--- ${i.name}\n${condenseLog(i.log())}`);
    console.error(`Cluster ${cluster.name} (full logs in ${dir}):\n${ends.join("\n")}`);
  };
  try {
    await fn(cluster);
    if (cluster.failedSteps.length > 0) await report();
  } catch (error) {
    await report();
    throw error;
  } finally {
    await cluster.cleanup();
  }
}

/**
 * `t.step(name, fn)` on a cluster's test: a failed step (which does not throw) is recorded,
 * so that {@linkcode withCluster} keeps the logs. Resolves with whether the step passed.
 */
export async function clusterStep(
  t: Deno.TestContext,
  cluster: TestCluster,
  name: string,
  fn: () => Promise<void> | void,
): Promise<boolean> {
  const passed = await t.step(name, fn);
  if (!passed) cluster.failedSteps.push(name);
  return passed;
}

/**
 * `Deno.test` options of a cluster test: ignored, saying why in its name, without MySQL
 * (`FASTCHAT_TEST_NO_MYSQL`, set by the runner) or without `nats-server` or another program
 * it `needs`.
 */
export function clusterTest(
  name: string,
  ...needs: RequirementName[]
): { name: string; ignore: boolean } {
  const noMysql = Deno.env.get("FASTCHAT_TEST_NO_MYSQL");
  if (noMysql) return { name: `${name} [skipped: needs MySQL; ${noMysql}]`, ignore: true };
  return requiring(name, "nats", ...needs);
}
