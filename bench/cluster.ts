/**
 * The cluster benchmark (`deno task bench --only cluster [--quick]`): in one run, FastChat's
 * single-process mode on MariaDB beside cluster mode with one and with three instances (one
 * throwaway `nats-server` with JetStream, fresh `fcbench_*` databases), then failover behind
 * HAProxy. Per repetition, each deployment is started fresh and takes three loads in turn:
 *
 * - `fanout`: 200 clients in one room, 10 senders, unpaced (deliveries/s);
 * - `latency`: the same, paced at half of the single-process acked msg/s of that repetition
 *   (p99 at half load);
 * - `durable`: 50 senders each alone in a room, pipelined (acked durable msgs/s);
 * - `bus`: the same 50 senders paced at a fixed total rate (5,000 msg/s), one delivery per
 *   message: the CPU per message of each process at equal work in every deployment.
 *
 * With three instances client `i` is on instance `i mod 3`, so every room and the senders
 * span all three; each instance's CPU time (and the NATS server's) per delivered and per
 * acknowledged message is the bus's cost. Figures are medians over the repetitions; the
 * goals are ratios to the single-process figure of the same repetition. Then `failover`
 * (`cluster_failover.ts`), per repetition twice: killing an instance that does not write the
 * log into MySQL, and the one that does (its applier is taken over by another). Prints the tables and one JSON line, writes `cluster.json` and
 * `cluster.md` to `--out`. Exits 1 when a run lost, duplicated or reordered a message or
 * failed; a missed goal is reported, not an error.
 */
import { parseArgs } from "node:util";
import { isInstalled } from "../tests/support/requires.ts";
import {
  databasePid,
  deploy,
  type Deployment,
  type DeploymentKind,
  kindLabel,
} from "./lib/cluster_deploy.ts";
import { runFailover } from "./lib/cluster_failover.ts";
import { type LoadResult, type LoadSpec, runLoad } from "./lib/cluster_load.ts";
import {
  clusterJson,
  clusterMarkdown,
  type ClusterReport,
  failoverUnclean,
  loadUnclean,
} from "./lib/cluster_report.ts";

/** Sizes of one mode. */
export interface ClusterSizes {
  reps: number;
  /** Clients of the fan-out and latency loads (one room, 10 senders). */
  clients: number;
  /** Seconds each load sends. */
  seconds: number;
  /** Senders of the durable and bus loads, each alone in a room. */
  durableSenders: number;
  /** Messages per second of the bus load, all senders together. */
  busRate: number;
  failoverReps: number;
  /** Clients of the failover (0: no failover). */
  failoverClients: number;
}

/** Full mode: the shapes, three repetitions (about 6 minutes here). */
export const CLUSTER_FULL: ClusterSizes = {
  reps: 3,
  clients: 200,
  seconds: 5,
  durableSenders: 50,
  busRate: 5_000,
  failoverReps: 3,
  failoverClients: 60,
};

/** Quick mode: one repetition, shorter loads (about a minute). */
export const CLUSTER_QUICK: ClusterSizes = {
  reps: 1,
  clients: 200,
  seconds: 1,
  durableSenders: 50,
  busRate: 5_000,
  failoverReps: 1,
  failoverClients: 30,
};

const HELP = `Usage: deno task bench --only cluster [options]

  --quick               one repetition, 1 s loads, one failover of each kind (about a minute)
  --reps N              repetitions of every load and failover (default 3; quick 1)
  --clients N           clients of the fan-out and latency loads (default 200)
  --seconds S           how long each load sends (default 5; quick 1)
  --durable-senders N   senders of the durable and bus loads (default 50)
  --bus-rate N          msg/s of the bus load, all senders together (default 5000)
  --failover-clients N  clients through HAProxy in the failover (default 60; quick 30; 0: none)
  --workers N           load-generator processes (default 2; 3 with three instances)
  --mysql-url URL       MariaDB admin URL; it creates and drops fcbench_* databases
                        (default $FASTCHAT_TEST_MYSQL_ADMIN_URL or mysql://root@127.0.0.1:3306/)
  --out DIR             where cluster.json and cluster.md go (default bench/results)
  --help

Needs /usr/sbin/nats-server, /usr/sbin/haproxy (Debian packages nats-server, haproxy) and
a MariaDB server.`;

const DEPLOYMENTS: DeploymentKind[] = [
  { mode: "single" },
  { mode: "cluster", instances: 1 },
  { mode: "cluster", instances: 3 },
];

/** The progress line of one load. */
function _loadLine(label: string, rep: number, r: LoadResult): string {
  const stored = r.storedAfterMs === null
    ? `> 60 s (${r.storedBehind} acked still missing)`
    : `${r.storedAfterMs} ms`;
  const logged = Object.keys(r.warnings).length === 0
    ? ""
    : `, logged ${JSON.stringify(r.warnings)}`;
  return `${r.scenario} ${label} #${rep}: ${r.deliveriesPerSec} deliveries/s, ` +
    `${r.ackedPerSec} acked/s, p99 ${r.latencyMs.p99} ms, ` +
    `lost ${r.lost} dup ${r.duplicates} reord ${r.reordered}, in MySQL ${stored} after, ` +
    `CPU µs/msg ${r.instances.map((i) => i.usPerMessage).join("/")}` +
    (r.natsUsPerMessage === null ? "" : `, NATS µs/msg ${r.natsUsPerMessage}`) + logged;
}

/** The first line of an error, and the first `error` line of the log it quotes. */
function _gist(message: string): string {
  const [first, ...rest] = message.split("\n");
  const cause = rest.find((line) => /error/i.test(line))?.trim();
  return cause ? `${first} ${cause}` : first ?? "";
}

function _loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

async function _mysqlReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  try {
    (await Deno.connect({ hostname, port: Number(port || 3306) })).close();
    return true;
  } catch {
    return false;
  }
}

/** What {@linkcode runClusterBench} needs. */
export interface ClusterBenchOptions {
  sizes: ClusterSizes;
  workers: number;
  mysqlAdminUrl: string;
  /** Told about each run as it ends. */
  onRun?: (line: string) => void;
}

/** Runs every load and failover; see the module doc. */
export async function runClusterBench(options: ClusterBenchOptions): Promise<ClusterReport> {
  const { sizes } = options;
  const say = options.onRun ?? (() => {});
  const report: ClusterReport = {
    loads: [],
    failovers: [],
    failures: [],
    machine: { cpus: navigator.hardwareConcurrency, loadBefore: _loadavg(), loadAfter: "" },
  };
  const dbPid = databasePid();
  const base = { textSize: 64, durationMs: sizes.seconds * 1000, workers: options.workers };
  const fanout: LoadSpec = {
    ...base,
    scenario: "fanout",
    clients: sizes.clients,
    rooms: 1,
    senders: 10,
    rate: null,
    window: 32,
  };
  const durable: LoadSpec = {
    ...base,
    scenario: "durable",
    clients: sizes.durableSenders,
    rooms: sizes.durableSenders,
    senders: sizes.durableSenders,
    rate: null,
    window: 64,
  };
  const bus: LoadSpec = { ...durable, scenario: "bus", rate: sizes.busRate, window: 10_000 };
  let lastHalf = 1_000;
  for (let rep = 1; rep <= sizes.reps; rep++) {
    // Half of this repetition's single-process maximum (its fan-out run comes first).
    let half = lastHalf;
    for (const kind of DEPLOYMENTS) {
      const label = kindLabel(kind);
      let deployment: Deployment;
      try {
        deployment = await deploy({
          kind,
          mysqlAdminUrl: options.mysqlAdminUrl,
          users: Math.max(sizes.clients, sizes.durableSenders),
          rooms: sizes.durableSenders,
        });
      } catch (error) {
        report.failures.push({ what: `${label} #${rep} start`, error: String(error) });
        say(`${label} #${rep}: FAILED to start: ${_gist(String(error))}`);
        continue;
      }
      try {
        for (const shape of [fanout, "latency" as const, durable, bus]) {
          // The paced load's rate is known once this repetition's single fan-out has run.
          const spec: LoadSpec = shape === "latency"
            ? { ...fanout, scenario: "latency", rate: half, window: 10_000 }
            : shape;
          try {
            const result = await runLoad(deployment, spec, dbPid);
            report.loads.push({ ...result, rep });
            if (kind.mode === "single" && spec.scenario === "fanout" && result.ackedPerSec > 0) {
              half = lastHalf = Math.max(10, Math.round(result.ackedPerSec / 2));
            }
            say(_loadLine(label, rep, result));
          } catch (error) {
            const message = String((error as Error)?.message ?? error).slice(0, 2000);
            report.failures.push({ what: `${spec.scenario} ${label} #${rep}`, error: message });
            say(`${spec.scenario} ${label} #${rep}: FAILED ${_gist(message)}`);
          }
        }
      } finally {
        await deployment.stop();
      }
    }
  }
  if (sizes.failoverClients > 0) {
    for (let rep = 1; rep <= sizes.failoverReps; rep++) {
      for (const victim of ["other", "applier"] as const) {
        const what = `failover (killed: ${victim}) #${rep}`;
        try {
          const f = await runFailover({
            clients: sizes.failoverClients,
            intervalMs: 200,
            warmupMs: 2_000,
            afterMs: 1_000,
            victim,
            mysqlAdminUrl: options.mysqlAdminUrl,
          });
          report.failovers.push(f);
          say(
            `${what}: ${f.recovered}/${f.dropped} clients back (HAProxy had ${f.victims}), ` +
              `p50 ${f.failoverMs.p50} ms, p99 ${f.failoverMs.p99} ms, max ${f.failoverMs.max} ms, ` +
              `lost ${f.lost} of ${f.acked} acked, stored twice ${f.storedTwice}, ` +
              `unacked ${f.unacked}`,
          );
        } catch (error) {
          const message = String((error as Error)?.message ?? error).slice(0, 2000);
          report.failures.push({ what, error: message });
          say(`${what}: FAILED ${_gist(message)}`);
        }
      }
    }
  }
  report.machine.loadAfter = _loadavg();
  return report;
}

function _positive(value: string | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`not a valid number: ${value}`);
  }
  return n;
}

/** `deno task bench --only cluster …`: parses the options, runs, prints; the exit code. */
export async function clusterMain(args: string[]): Promise<number> {
  let values;
  let sizes: ClusterSizes;
  let workers: number;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean", default: false },
        reps: { type: "string" },
        clients: { type: "string" },
        seconds: { type: "string" },
        "durable-senders": { type: "string" },
        "bus-rate": { type: "string" },
        "failover-clients": { type: "string" },
        workers: { type: "string" },
        "mysql-url": { type: "string" },
        out: { type: "string", default: "bench/results" },
        help: { type: "boolean", default: false },
      },
    }));
    const mode = values.quick ? CLUSTER_QUICK : CLUSTER_FULL;
    const reps = _positive(values.reps, mode.reps);
    sizes = {
      reps,
      clients: _positive(values.clients, mode.clients),
      seconds: _positive(values.seconds, mode.seconds, false),
      durableSenders: _positive(values["durable-senders"], mode.durableSenders),
      busRate: _positive(values["bus-rate"], mode.busRate),
      failoverReps: values.reps === undefined ? mode.failoverReps : reps,
      failoverClients: _positive(values["failover-clients"], mode.failoverClients),
    };
    workers = _positive(values.workers, 2);
    if (
      sizes.reps < 1 || sizes.clients < 10 || sizes.seconds <= 0 || workers < 1 ||
      sizes.durableSenders < 1 || sizes.busRate < 1
    ) {
      throw new Error(
        "--reps, --workers, --durable-senders and --bus-rate take at least 1, " +
          "--clients at least 10, --seconds more than 0",
      );
    }
  } catch (error) {
    console.error(`bench cluster: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const mysqlAdminUrl = values["mysql-url"] ?? Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL") ??
    "mysql://root@127.0.0.1:3306/";
  const missing = [
    ...(isInstalled("nats") ? [] : ["nats-server (apt-get install nats-server)"]),
    ...(isInstalled("haproxy") || sizes.failoverClients === 0
      ? []
      : ["haproxy (apt-get install haproxy)"]),
    ...(await _mysqlReachable(mysqlAdminUrl)
      ? []
      : [`a MySQL server at ${new URL(mysqlAdminUrl).host} (--mysql-url)`]),
  ];
  if (missing.length > 0) {
    console.error(`bench cluster: needs ${missing.join(", ")}`);
    return 2;
  }
  const started = performance.now();
  const report = await runClusterBench({
    sizes,
    workers,
    mysqlAdminUrl,
    onRun: (line) => console.log(line),
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  const table = clusterMarkdown(report);
  const json = {
    ...clusterJson(report),
    mode: values.quick ? "quick" : "full",
    sizes,
    date: new Date().toISOString(),
    seconds,
    deno: Deno.version.deno,
  };
  console.log(`\n${table}\n`);
  console.log(JSON.stringify(json));
  console.log(`\nbench cluster: ${values.quick ? "quick" : "full"} mode took ${seconds} s`);
  await Deno.mkdir(values.out, { recursive: true });
  await Deno.writeTextFile(`${values.out}/cluster.json`, JSON.stringify(json, null, 2) + "\n");
  await Deno.writeTextFile(`${values.out}/cluster.md`, table + "\n");
  console.log(`bench cluster: wrote ${values.out}/cluster.json, cluster.md`);
  const bad = report.loads.some(loadUnclean) || report.failovers.some(failoverUnclean) ||
    report.failures.length > 0;
  return bad ? 1 : 0;
}
