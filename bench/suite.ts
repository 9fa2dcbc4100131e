/**
 * Runs every scenario of one mode, in order, each FastChat run next to its relay run, and
 * collects the results. A failed run is recorded and the suite goes on; runs that would
 * start past the deadline are skipped and listed.
 */
import { openFileLimit } from "./processes.ts";
import { measureRawInsert, type RawInsertResult } from "./raw_insert.ts";
import { runOnce, type RunResult, type RunSpec } from "./run.ts";
import {
  type Common,
  durableSpecs,
  fanoutSpecs,
  latencySpecs,
  type ModeSizes,
  rampSpecs,
  roomsSpecs,
} from "./scenarios.ts";

/** Scenario names, for `--only`. */
export const SCENARIOS = ["fanout", "rooms", "ramp", "durable", "latency"] as const;
/** One scenario name. */
export type Scenario = typeof SCENARIOS[number];

/** Options of {@linkcode runSuite}. */
export interface SuiteOptions extends Common {
  sizes: ModeSizes;
  only: readonly Scenario[];
  /** Whether to run the MariaDB parts (false when no server answers). */
  mysql: boolean;
  /** `performance.now()` after which no new run starts. */
  deadline: number;
  /** Told about each run as it ends. */
  onRun?: (line: string) => void;
}

/** Everything one suite measured. */
export interface SuiteReport {
  runs: RunResult[];
  raw: RawInsertResult[];
  failures: { label: string; target: string; error: string }[];
  skipped: string[];
  /** What the machine imposed (e.g. a capped connection count). */
  notes: string[];
}

/** Runs the suite; see the module doc. */
export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const report: SuiteReport = { runs: [], raw: [], failures: [], skipped: [], notes: [] };
  const say = options.onRun ?? (() => {});
  const run = async (spec: RunSpec) => {
    if (performance.now() > options.deadline) {
      report.skipped.push(`${spec.label} (${spec.target})`);
      return;
    }
    try {
      const result = await runOnce(spec);
      report.runs.push(result);
      say(_line(result));
    } catch (error) {
      const message = String((error as Error)?.message ?? error).slice(0, 2000);
      report.failures.push({ label: spec.label, target: spec.target, error: message });
      say(`${spec.label} ${spec.target}: FAILED ${message.split("\n")[0]}`);
    }
  };
  const wants = (s: Scenario) => options.only.includes(s);
  if (wants("fanout")) { for (const spec of fanoutSpecs(options.sizes, options)) await run(spec); }
  if (wants("rooms")) { for (const spec of roomsSpecs(options.sizes, options)) await run(spec); }
  if (wants("ramp")) {
    // Each connection is a file descriptor of the server, which needs a few of its own.
    const cap = (await openFileLimit()) - 256;
    const sizes = { ...options.sizes, rampClients: Math.min(options.sizes.rampClients, cap) };
    if (sizes.rampClients < options.sizes.rampClients) {
      const note = `ramp capped at ${sizes.rampClients} connections: the open-file limit is ` +
        `${cap + 256} and prlimit cannot raise it here (run as root, or ulimit -n 65536 first)`;
      report.notes.push(note);
      say(note);
    }
    for (const spec of rampSpecs(sizes, options)) await run(spec);
  }
  if (wants("durable")) {
    for (const spec of durableSpecs(options.sizes, options, options.mysql)) await run(spec);
    for (const store of options.mysql ? ["sqlite", "mysql"] as const : ["sqlite"] as const) {
      if (performance.now() > options.deadline) {
        report.skipped.push(`raw-insert-${store}`);
        continue;
      }
      const raw = await measureRawInsert(store, {
        rows: options.sizes.rawRows,
        batch: 1_000,
        textSize: options.textSize,
        mysqlAdminUrl: options.mysqlAdminUrl,
      });
      report.raw.push(raw);
      say(`raw-insert-${store}: ${raw.rowsPerSec} rows/s (${raw.batch} rows per transaction)`);
    }
  }
  if (wants("latency")) {
    const fanout = report.runs.find((r) => r.label === "fanout-200" && r.target === "fastchat");
    // Without a fan-out run to size it, a rate this machine sustains comfortably.
    const max = fanout?.ackedPerSec ?? 2_000;
    for (const spec of latencySpecs(options.sizes, options, max)) await run(spec);
  }
  return report;
}

function _line(r: RunResult): string {
  if (r.rssPerConnection !== null) {
    return `${r.label} ${r.target}: ${r.clients} connections, ${
      Math.round(r.rssPerConnection)
    } B RSS each, ${r.serverRssMB.toFixed(0)} MB`;
  }
  return `${r.label} ${r.target}${r.store && r.target === "fastchat" ? `/${r.store}` : ""}: ` +
    `${r.deliveriesPerSec} deliveries/s, ${r.ackedPerSec} acked/s, p50 ${r.latencyMs.p50} ms, ` +
    `p99 ${r.latencyMs.p99} ms, lost ${r.lost}, dup ${r.duplicates}, reordered ${r.reordered}` +
    `, server CPU ${r.serverCpuShare}`;
}
