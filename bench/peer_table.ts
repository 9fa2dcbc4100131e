/**
 * One Markdown table from the peer harness's JSON lines (`bench/peer.ts`): per server and
 * offered rate, the median of the interleaved reps and every rep's value, so that the table
 * in `docs/benchmarks.md` can be quoted as is.
 *
 * Run: `deno run -A bench/peer_table.ts [--svg CHART.svg] FILE.jsonl [FILE.jsonl …]`
 * (`--svg` also writes {@linkcode peerLatencyChart}).
 */
import { lineChart } from "./chart.ts";

/** The fields of one harness line that the table uses. */
export interface PeerRun {
  label: string;
  rate: number;
  serverRssKB_afterFanout?: number;
  fanout?: {
    offeredDeliveriesPerS: number;
    deliveriesPerS: number;
    p50ms: number;
    p99ms: number;
    lost: number;
    reordered: number;
    disconnects: number;
    acks?: { p50ms?: number };
    cpu: {
      machineBusyPct: number;
      serverCpuPct: number;
      genCpuPct: number;
      ksoftirqdPct?: number;
    };
  };
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU used by unrelated processes during a run (% of one core). */
function other(run: PeerRun): number {
  const c = run.fanout!.cpu;
  return c.machineBusyPct - c.serverCpuPct - c.genCpuPct - (c.ksoftirqdPct ?? 0);
}

/** The table: one row per server and rate, fan-out runs only. */
export function peerTable(runs: readonly PeerRun[]): string {
  const groups = new Map<string, PeerRun[]>();
  for (const run of runs) {
    if (!run.fanout) continue;
    const key = `${run.label.split("/")[0]}|${run.rate}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  const fmt = (values: number[], digits = 0) => {
    const all = values.map((v) => v.toFixed(digits)).join(" / ");
    return values.length > 1 ? `**${median(values).toFixed(digits)}** (${all})` : all;
  };
  const lines = [
    "| server | offered deliveries/s | runs | delivered M/s | p50 ms | p99 ms | ok p50 ms | lost / reordered / cut | RSS after MB | other CPU % |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const [key, group] of groups) {
    const [server, rate] = key.split("|");
    const f = (pick: (r: PeerRun) => number, digits = 0) => fmt(group.map(pick), digits);
    const offered = rate === "0"
      ? "unpaced"
      : `${(group[0]!.fanout!.offeredDeliveriesPerS / 1e6).toFixed(1)} M`;
    const bad = group.map((r) =>
      `${r.fanout!.lost}/${r.fanout!.reordered}/${r.fanout!.disconnects}`
    );
    lines.push(
      `| ${server} | ${offered} | ${group.length} | ${
        f((r) => r.fanout!.deliveriesPerS / 1e6, 2)
      } | ${f((r) => r.fanout!.p50ms, 1)} | ${f((r) => r.fanout!.p99ms, 1)} | ${
        group.every((r) => r.fanout!.acks?.p50ms !== undefined)
          ? f((r) => r.fanout!.acks!.p50ms!, 1)
          : "-"
      } | ${bad.join(" ")} | ${f((r) => (r.serverRssKB_afterFanout ?? 0) / 1024)} | ${f(other)} |`,
    );
  }
  return lines.join("\n");
}

/** Line colours by server; others get grey. */
const COLORS: Record<string, string> = {
  fastchat: "#c0392b",
  inspircd: "#2c3e50",
  ngircd: "#27ae60",
  before: "#8e44ad",
};

/**
 * p50 and p99 (medians of the reps, log scale) against the offered deliveries/s of the
 * paced fan-out runs, one pair of lines per server; empty string when there are none.
 */
export function peerLatencyChart(runs: readonly PeerRun[], title: string): string {
  const groups = new Map<string, Map<number, PeerRun[]>>();
  for (const run of runs) {
    if (!run.fanout || run.rate === 0 || !(run.fanout.offeredDeliveriesPerS > 0)) continue;
    const server = run.label.split("/")[0]!;
    const byLoad = groups.get(server) ?? new Map<number, PeerRun[]>();
    const load = run.fanout.offeredDeliveriesPerS;
    byLoad.set(load, [...(byLoad.get(load) ?? []), run]);
    groups.set(server, byLoad);
  }
  const series = [...groups].flatMap(([server, byLoad]) =>
    (["p99ms", "p50ms"] as const).map((key) => ({
      name: `${server} ${key.slice(0, 3)}`,
      color: COLORS[server] ?? "#7f8c8d",
      dash: key === "p99ms" ? "" : "6 4",
      points: [...byLoad].map(([load, group]) =>
        [load, median(group.map((r) => r.fanout![key]))] as [number, number]
      ),
    }))
  );
  return lineChart({
    title,
    xLabel: "offered deliveries/s (500 clients in one room)",
    yLabel: "latency (ms, log scale; medians of the reps)",
    xTick: (v) => `${(v / 1e6).toFixed(1)} M`,
    logY: true,
    series,
  });
}

if (import.meta.main) {
  const runs: PeerRun[] = [];
  const args = [...Deno.args];
  const svgAt = args.indexOf("--svg");
  const svg = svgAt >= 0 ? args.splice(svgAt, 2)[1] : undefined;
  for (const file of args) {
    for (const line of (await Deno.readTextFile(file)).split("\n")) {
      if (line.trim() === "") continue;
      const run = JSON.parse(line) as PeerRun;
      if (file.endsWith("before.jsonl")) run.label = run.label.replace(/^fastchat/, "before");
      runs.push(run);
    }
  }
  console.log(peerTable(runs));
  if (svg) await Deno.writeTextFile(svg, peerLatencyChart(runs, "FastChat and its peer: latency"));
}
