/**
 * The cluster benchmark's report: medians over the repetitions of each load run, the ratios
 * of the issue's goals (each repetition's cluster figure over the single-process figure of
 * the same repetition, then the median of those), the failover runs, the verdicts, and a
 * scaling estimate from the measured CPU costs, as Markdown tables and one JSON object.
 */
import type { FailoverResult } from "./cluster_failover.ts";
import type { LoadResult, LoadScenario } from "./cluster_load.ts";

/** Everything one benchmark run measured. */
export interface ClusterReport {
  /** Load runs, each tagged with its repetition (1-based). */
  loads: (LoadResult & { rep: number })[];
  failovers: FailoverResult[];
  failures: { what: string; error: string }[];
  /** What the machine was doing (load averages, core count). */
  machine: { cpus: number; loadBefore: string; loadAfter: string };
}

/** Medians of one (scenario, deployment) over its repetitions. */
export interface LoadSummary {
  scenario: LoadScenario;
  deployment: string;
  runs: number;
  clients: number;
  rooms: number;
  senders: number;
  offeredRate: number | null;
  deliveriesPerSec: number;
  ackedPerSec: number;
  p50: number;
  p99: number;
  max: number;
  lost: number;
  duplicates: number;
  reordered: number;
  dropped: number;
  /** Median CPU µs of each instance (in instance order) per acknowledged message. */
  instanceUsPerMessage: number[];
  /** Median CPU µs of each instance per delivery to its own clients. */
  instanceUsPerDelivery: number[];
  natsUsPerMessage: number | null;
  dbUsPerMessage: number | null;
  machineBusyCores: number;
  /** Median ms after the last delivery until MySQL held every acked message; null: not seen. */
  storedAfterMs: number | null;
  storedPerSec: number | null;
  /** Acked messages still missing from MySQL when the waits ended, all runs together. */
  storedBehind: number;
  /** WARN/ERROR events the instances logged, all runs together. */
  warnings: Record<string, number>;
}

/** A goal of the issue and whether this run met it. */
export interface ClusterVerdict {
  target: string;
  measured: string;
  met: boolean;
}

/**
 * The figure each scenario is compared by (the ×single column): deliveries/s, p99, acked/s,
 * and for `bus` the CPU per message of all instances together.
 */
export const HEADLINE: Record<LoadScenario, (r: LoadResult) => number> = {
  fanout: (r) => r.deliveriesPerSec,
  latency: (r) => r.latencyMs.p99,
  durable: (r) => r.ackedPerSec,
  bus: (r) => r.usPerMessage,
};

/** The median of `values` (0 when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const two = (n: number) => n.toFixed(2);
const one = (n: number) => n.toFixed(1);

function _runsOf(report: ClusterReport, scenario: LoadScenario, deployment: string) {
  return report.loads.filter((r) => r.scenario === scenario && r.deployment === deployment);
}

const SCENARIO_ORDER: LoadScenario[] = ["fanout", "latency", "durable", "bus"];

/** The medians of every (scenario, deployment): by scenario, then deployment. */
export function summarize(report: ClusterReport): LoadSummary[] {
  // In the order they ran (single first).
  const deployments = [...new Set(report.loads.map((r) => r.deployment))];
  const keys = SCENARIO_ORDER.flatMap((s) => deployments.map((d) => `${s}|${d}`))
    .filter((key) => report.loads.some((r) => `${r.scenario}|${r.deployment}` === key));
  return keys.map((key) => {
    const runs = report.loads.filter((r) => `${r.scenario}|${r.deployment}` === key);
    const first = runs[0]!;
    const m = (f: (r: LoadResult) => number) => Math.round(median(runs.map(f)) * 100) / 100;
    const sum = (f: (r: LoadResult) => number) => runs.reduce((t, r) => t + f(r), 0);
    return {
      scenario: first.scenario,
      deployment: first.deployment,
      runs: runs.length,
      clients: first.clients,
      rooms: first.rooms,
      senders: first.senders,
      offeredRate: first.offeredRate === null ? null : m((r) => r.offeredRate ?? 0),
      deliveriesPerSec: Math.round(m((r) => r.deliveriesPerSec)),
      ackedPerSec: Math.round(m((r) => r.ackedPerSec)),
      p50: m((r) => r.latencyMs.p50),
      p99: m((r) => r.latencyMs.p99),
      max: m((r) => r.latencyMs.max),
      lost: sum((r) => r.lost),
      duplicates: sum((r) => r.duplicates),
      reordered: sum((r) => r.reordered),
      dropped: sum((r) => r.dropped),
      instanceUsPerMessage: first.instances.map((_, i) =>
        m((r) => r.instances[i]?.usPerMessage ?? 0)
      ),
      instanceUsPerDelivery: first.instances.map((_, i) =>
        m((r) => r.instances[i]?.usPerDelivery ?? 0)
      ),
      natsUsPerMessage: first.natsUsPerMessage === null ? null : m((r) => r.natsUsPerMessage ?? 0),
      dbUsPerMessage: first.dbUsPerMessage === null ? null : m((r) => r.dbUsPerMessage ?? 0),
      machineBusyCores: m((r) => r.machineBusyCores),
      storedAfterMs: runs.some((r) => r.storedAfterMs === null)
        ? null
        : Math.round(m((r) => r.storedAfterMs!)),
      storedPerSec: runs.some((r) => r.storedPerSec === null)
        ? null
        : Math.round(m((r) => r.storedPerSec!)),
      storedBehind: sum((r) => r.storedBehind),
      warnings: runs.reduce((all, r) => {
        for (const [event, n] of Object.entries(r.warnings)) all[event] = (all[event] ?? 0) + n;
        return all;
      }, {} as Record<string, number>),
    };
  });
}

/**
 * Per repetition, `figure` of `deployment` over that of `single` in the same scenario and
 * repetition; the median and each value (in repetition order).
 */
export function ratios(
  report: ClusterReport,
  scenario: LoadScenario,
  deployment: string,
  figure: (r: LoadResult) => number,
): { median: number; each: number[] } {
  const each: number[] = [];
  for (const run of _runsOf(report, scenario, deployment)) {
    const base = _runsOf(report, scenario, "single").find((r) => r.rep === run.rep);
    if (base && figure(base) > 0) each.push(figure(run) / figure(base));
  }
  return { median: median(each), each };
}

/** Whether a load run lost, repeated or reordered anything, or had connections dropped. */
export function loadUnclean(r: LoadResult): boolean {
  return r.lost > 0 || r.duplicates > 0 || r.reordered > 0 || r.dropped > 0 ||
    r.deliveries !== r.expectedDeliveries;
}

/** Whether a failover lost, doubled or left unacknowledged a message, or a client stayed away. */
export function failoverUnclean(f: FailoverResult): boolean {
  return f.lost > 0 || f.storedTwice > 0 || f.unacked > 0 || f.recovered < f.dropped ||
    f.dropped < f.victims;
}

function _ratioText(r: { median: number; each: number[] }): string {
  return r.each.length === 0 ? "no pair" : `${two(r.median)} (each: ${r.each.map(two).join(", ")})`;
}

/** The issue's goals, checked against the figures there are. */
export function clusterVerdicts(report: ClusterReport): ClusterVerdict[] {
  const out: ClusterVerdict[] = [];
  const goal = (s: LoadScenario, what: string, test: (ratio: number) => boolean) => {
    if (_runsOf(report, s, "cluster-1").length === 0) return;
    const r = ratios(report, s, "cluster-1", HEADLINE[s]);
    out.push({
      target: `cluster-1 / single: ${what}`,
      measured: _ratioText(r),
      met: r.each.length > 0 && test(r.median),
    });
  };
  goal("fanout", "deliveries/s (fan-out) ≥ 0.7", (x) => x >= 0.7);
  goal("durable", "acked durable msgs/s ≥ 0.7", (x) => x >= 0.7);
  goal("latency", "p99 at half load ≤ 2", (x) => x <= 2);
  for (const victim of ["other", "applier"] as const) {
    const runs = report.failovers.filter((f) => f.victim === victim);
    if (runs.length === 0) continue;
    const p99s = runs.map((f) => f.failoverMs.p99);
    out.push({
      target: `failover through HAProxy, killed: ${victim}: p99 ≤ 5 s (kill -9 → chatting again)`,
      measured: `median p99 ${fmt(median(p99s))} ms (each: ${p99s.map(fmt).join(", ")})`,
      met: median(p99s) <= 5_000 && runs.every((f) => f.recovered === f.dropped),
    });
  }
  if (report.failovers.length > 0) {
    const lost = report.failovers.reduce((t, f) => t + f.lost, 0);
    const acked = report.failovers.reduce((t, f) => t + f.acked, 0);
    out.push({
      target: "failover: acknowledged messages lost = 0",
      measured: `${lost} of ${fmt(acked)} acked`,
      met: lost === 0,
    });
  }
  const unclean = report.loads.filter(loadUnclean);
  out.push({
    target: "zero loss, duplicates, reordering in every load run",
    measured: unclean.length === 0
      ? `${report.loads.length} runs clean` +
        (report.failures.length === 0 ? "" : `; ${report.failures.length} failed (below)`)
      : unclean.map((r) =>
        `${r.scenario}/${r.deployment}#${r.rep}: lost ${r.lost} dup ${r.duplicates} ` +
        `reord ${r.reordered} dropped ${r.dropped}`
      ).join("; "),
    met: unclean.length === 0 && report.failures.length === 0,
  });
  return out;
}

/** The per-message and per-delivery costs the scaling estimate starts from (µs of CPU). */
export interface UnitCosts {
  /** Per message in the log, on the busiest instance of three (bus load: one delivery each). */
  instancePerMessage: number;
  /** Per delivery to an instance's own clients (latency load minus the per-message part). */
  instancePerDelivery: number;
  /** NATS per message with one instance reading the stream, and with three. */
  natsPerMessage1: number;
  natsPerMessage3: number;
}

/** The unit costs, from the medians over repetitions; null without the runs they need. */
export function unitCosts(report: ClusterReport): UnitCosts | null {
  const bus3 = _runsOf(report, "bus", "cluster-3");
  const lat3 = _runsOf(report, "latency", "cluster-3");
  const bus1 = _runsOf(report, "bus", "cluster-1");
  if (bus3.length === 0 || lat3.length === 0 || bus1.length === 0) return null;
  const perDelivery: number[] = [];
  for (const lat of lat3) {
    const bus = bus3.find((r) => r.rep === lat.rep);
    if (!bus) continue;
    lat.instances.forEach((instance, i) => {
      const perMessage = (bus.instances[i]?.cpuSeconds ?? 0) / Math.max(1, bus.acked);
      const rest = instance.cpuSeconds - perMessage * lat.acked;
      if (instance.deliveries > 0) {
        perDelivery.push(Math.max(0, (rest * 1e6) / instance.deliveries));
      }
    });
  }
  return {
    instancePerMessage: median(
      bus3.map((r) => Math.max(...r.instances.map((i) => i.usPerMessage))),
    ),
    instancePerDelivery: median(perDelivery),
    natsPerMessage1: median(bus1.map((r) => r.natsUsPerMessage ?? 0)),
    natsPerMessage3: median(bus3.map((r) => r.natsUsPerMessage ?? 0)),
  };
}

/** One row of the scaling estimate. */
export interface ScalingRow {
  /** Average online recipients per message (the sender's own sessions included). */
  fanout: number;
  deliveriesPerSec: number;
  /** Instances for the CPU, with one spare for a failover. */
  instancesForCpu: number | null;
  /** Instances for the connections (`--max-connections` 10,000 each), with one spare. */
  instancesForConnections: number;
  instances: number | null;
  /** Cores of the busiest NATS node at that instance count. */
  natsCores: number;
}

/** The assumptions of {@linkcode scalingEstimate}. */
export const SCALING = {
  users: 100_000,
  messagesPerSec: 10_000,
  fanouts: [10, 50, 200],
  /** Share of its core an instance may use (Deno runs the chat on one thread). */
  utilization: 0.6,
  connectionsPerInstance: 10_000,
};

/**
 * Instances and NATS cores for {@link SCALING}'s users and rate: each instance reads every
 * message of the log (`instancePerMessage`, measured with three instances, so it includes a
 * third of the accepting and the applier's share on the busiest one) and delivers to its own
 * clients (`instancePerDelivery` × fan-out ÷ N); NATS costs `p + N·q` per message, fitted to
 * one and three readers.
 */
export function scalingEstimate(costs: UnitCosts): ScalingRow[] {
  const { users, messagesPerSec: rate, utilization } = SCALING;
  const perReader = Math.max(0, (costs.natsPerMessage3 - costs.natsPerMessage1) / 2);
  const base = Math.max(0, costs.natsPerMessage1 - perReader);
  const left = utilization - (rate * costs.instancePerMessage) / 1e6;
  return SCALING.fanouts.map((fanout) => {
    const deliveries = rate * fanout;
    const forCpu = left <= 0
      ? null
      : Math.ceil((deliveries * costs.instancePerDelivery) / 1e6 / left) + 1;
    const forConnections = Math.ceil(users / SCALING.connectionsPerInstance) + 1;
    const instances = forCpu === null ? null : Math.max(forCpu, forConnections);
    const readers = instances ?? forConnections;
    return {
      fanout,
      deliveriesPerSec: deliveries,
      instancesForCpu: forCpu,
      instancesForConnections: forConnections,
      instances,
      natsCores: Math.round(((rate * (base + readers * perReader)) / 1e6) * 10) / 10,
    };
  });
}

function _scalingMarkdown(report: ClusterReport): string[] {
  const costs = unitCosts(report);
  if (costs === null) return [];
  const { users, messagesPerSec, utilization } = SCALING;
  const lines = [
    "",
    `Scaling estimate for ${fmt(users)} connected users and ${fmt(messagesPerSec)} msg/s ` +
    `(from this run's medians: ${one(costs.instancePerMessage)} µs per message per instance, ` +
    `${two(costs.instancePerDelivery)} µs per delivery, NATS ${one(costs.natsPerMessage1)} µs ` +
    `per message with 1 reader and ${one(costs.natsPerMessage3)} with 3; an instance at most ` +
    `${utilization * 100}% of its core; ${fmt(SCALING.connectionsPerInstance)} connections ` +
    "per instance; one spare instance for a failover):",
    "",
    "| fan-out (recipients per message) | deliveries/s | instances for CPU | instances for connections | instances | NATS cores (busiest node) |",
    "|---|---|---|---|---|---|",
  ];
  for (const row of scalingEstimate(costs)) {
    lines.push(
      `| ${row.fanout} | ${fmt(row.deliveriesPerSec)} | ${
        row.instancesForCpu ?? "never: the per-message cost alone is over the budget"
      } | ${row.instancesForConnections} | ${row.instances ?? "—"} | ${row.natsCores} |`,
    );
  }
  return lines;
}

/** The report as Markdown: load medians, failovers, verdicts, scaling, the machine. */
export function clusterMarkdown(report: ClusterReport): string {
  const lines = [
    "| scenario | deployment | clients/rooms/senders | offered msg/s | deliveries/s | ×single | acked/s | in MySQL after ms | stored/s | p50 ms | p99 ms | max ms | lost/dup/reord | runs |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const summaries = summarize(report);
  for (const s of summaries) {
    const ratio = s.deployment === "single"
      ? ""
      : two(ratios(report, s.scenario, s.deployment, HEADLINE[s.scenario]).median);
    lines.push(
      `| ${s.scenario} | ${s.deployment} | ${s.clients}/${s.rooms}/${s.senders} | ${
        s.offeredRate === null ? "unpaced" : fmt(s.offeredRate)
      } | ${fmt(s.deliveriesPerSec)} | ${ratio} | ${fmt(s.ackedPerSec)} | ${
        s.storedAfterMs === null ? `> 60 s (${fmt(s.storedBehind)} missing)` : fmt(s.storedAfterMs)
      } | ${
        s.storedPerSec === null ? "" : fmt(s.storedPerSec)
      } | ${s.p50} | ${s.p99} | ${s.max} | ${s.lost}/${s.duplicates}/${s.reordered} | ${s.runs} |`,
    );
  }
  lines.push(
    "",
    "×single: each repetition's figure over single's in the same repetition, median — " +
      "fanout: deliveries/s; latency: p99; durable: acked/s; bus: CPU per message of all " +
      "instances together. In MySQL after: from the last delivery until the database held " +
      "every acknowledged message; stored/s: acknowledged messages over the time from the " +
      "start until then.",
    "",
    "| scenario | deployment | CPU µs per msg, each instance | CPU µs per delivery, each instance | NATS CPU µs per msg | MariaDB CPU µs per msg | machine busy cores |",
    "|---|---|---|---|---|---|---|",
  );
  for (const s of summaries) {
    lines.push(
      `| ${s.scenario} | ${s.deployment} | ${s.instanceUsPerMessage.map(one).join(" / ")} | ${
        s.instanceUsPerDelivery.map(two).join(" / ")
      } | ${s.natsUsPerMessage === null ? "" : one(s.natsUsPerMessage)} | ${
        s.dbUsPerMessage === null ? "" : one(s.dbUsPerMessage)
      } | ${two(s.machineBusyCores)} |`,
    );
  }
  const logged = summaries.filter((x) => Object.keys(x.warnings).length > 0);
  if (logged.length > 0) {
    lines.push("", "Warnings and errors the instances logged during the loads:", "");
    for (const x of logged) {
      const events = Object.entries(x.warnings).map(([event, n]) => `${event} ×${n}`);
      lines.push(`- ${x.scenario} ${x.deployment}: ${events.join(", ")}`);
    }
  }
  lines.push(
    "",
    "CPU from /proc/PID/stat from the start of a load until MySQL held all of it; MariaDB's " +
      "includes anything else it served meanwhile; machine busy cores: every process of the " +
      "machine (other engineers' included).",
  );
  if (report.failovers.length > 0) {
    lines.push(
      "",
      "| failover | killed | clients | on killed instance | dropped / back | drop seen after ms (max) | re-joined after ms p50 / max | p50 ms | p99 ms | max ms | attempts mean/max | slowest welcome ms | HAProxy DOWN after ms | HAProxy on killed: failed connects / retries / redispatches | acked | lost | stored twice | unacked | seen twice | missed on screen |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    report.failovers.forEach((f, i) => {
      lines.push(
        `| ${i + 1} | ${f.victim} | ${f.clients} | ${f.victims} | ${f.dropped} / ${f.recovered} | ${
          fmt(f.detectMsMax)
        } | ${fmt(f.rejoinedMs.p50)} / ${fmt(f.rejoinedMs.max)} | ${fmt(f.failoverMs.p50)} | ${
          fmt(f.failoverMs.p99)
        } | ${fmt(f.failoverMs.max)} | ${f.attempts.mean}/${f.attempts.max} | ${
          fmt(f.welcomeMsMax)
        } | ${f.haproxyDownMs === null ? "not seen" : fmt(f.haproxyDownMs)} | ${
          f.killedStats === null
            ? ""
            : `${f.killedStats.connectErrors} / ${f.killedStats.retries} / ${f.killedStats.redispatches}`
        } | ${
          fmt(f.acked)
        } | ${f.lost} | ${f.storedTwice} | ${f.unacked} | ${f.duplicatesSeen} | ${f.missedOnScreen} |`,
      );
    });
  }
  lines.push("", "| target | measured | met |", "|---|---|---|");
  for (const v of clusterVerdicts(report)) {
    lines.push(`| ${v.target} | ${v.measured} | ${v.met ? "yes" : "**no**"} |`);
  }
  lines.push(..._scalingMarkdown(report));
  for (const f of report.failures) lines.push("", `Failed: ${f.what}: ${f.error.split("\n")[0]}`);
  const m = report.machine;
  lines.push(
    "",
    `Machine: ${m.cpus} CPUs; load average (1/5/15 min) ${m.loadBefore} before, ${m.loadAfter} after.`,
  );
  return lines.join("\n");
}

/** The figures as one JSON-serialisable object (medians, ratios, every run). */
export function clusterJson(report: ClusterReport): Record<string, unknown> {
  const scenarios: LoadScenario[] = ["fanout", "latency", "durable", "bus"];
  const costs = unitCosts(report);
  return {
    benchmark: "cluster",
    machine: report.machine,
    summary: summarize(report),
    ratios: Object.fromEntries(scenarios.map((s) => [s, {
      cluster1: ratios(report, s, "cluster-1", HEADLINE[s]),
      cluster3: ratios(report, s, "cluster-3", HEADLINE[s]),
    }])),
    verdicts: clusterVerdicts(report),
    unitCosts: costs,
    scaling: costs === null ? null : { assumptions: SCALING, rows: scalingEstimate(costs) },
    failovers: report.failovers,
    loads: report.loads,
    failures: report.failures,
  };
}
