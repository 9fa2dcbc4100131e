/** The peer comparison's latency chart (bench/peer_table.ts) and the generic line chart under it. */
import { equal, ok } from "node:assert/strict";
import { peerLatencyChart, type PeerRun } from "../../bench/peer_table.ts";
import { lineChart } from "../../bench/chart.ts";

function run(server: string, rate: number, p50: number, p99: number): PeerRun {
  return {
    label: `${server}/fanout/N=500/S=10/R=${rate}/W=1/#1`,
    rate,
    fanout: {
      offeredDeliveriesPerS: rate * 10 * 499,
      deliveriesPerS: rate * 10 * 499,
      p50ms: p50,
      p99ms: p99,
      lost: 0,
      reordered: 0,
      disconnects: 0,
      cpu: { machineBusyPct: 150, serverCpuPct: 60, genCpuPct: 80 },
    },
  };
}

Deno.test("peer chart: a p50 and a p99 line per server at the medians of the reps; unpaced runs left out", () => {
  const runs = [
    run("fastchat", 200, 16, 83),
    run("fastchat", 200, 18, 99),
    run("fastchat", 200, 14, 43),
    run("inspircd", 200, 11, 44),
    run("fastchat", 400, 9_000, 24_000),
    run("inspircd", 400, 5_000, 16_000),
    run("fastchat", 0, 300, 800),
  ];
  const svg = peerLatencyChart(runs, "test");
  equal(svg.match(/<polyline /g)?.length, 4, "fastchat p99/p50, inspircd p99/p50");
  for (const name of ["fastchat p99", "fastchat p50", "inspircd p99", "inspircd p50"]) {
    ok(svg.includes(`>${name}</text>`), name);
  }
  equal(svg.match(/<circle /g)?.length, 8, "two loads per line: the unpaced run is not a point");
  ok(!svg.includes("NaN"), "every coordinate is a number");
  // Log scale: decades from 10 ms (below the smallest, 11) to 100,000 ms (above 24,000).
  for (const tick of ["10", "100", "1000", "10000", "100000"]) {
    ok(svg.includes(`text-anchor="end">${tick}</text>`), `tick ${tick}`);
  }
  // The fastchat p99 line goes through its median at 1 M (83), above inspircd's (44).
  const p99At = (color: string) => {
    const line = svg.split("\n").find((l) =>
      l.startsWith("<polyline") && l.includes(color) && l.includes('dasharray=""')
    )!;
    return Number(/points="[\d.]+,([\d.]+)/.exec(line)![1]);
  };
  ok(p99At("#c0392b") < p99At("#2c3e50"), "higher latency is drawn higher (smaller y)");
});

Deno.test("peer chart: bad input no paced fan-out run (a ramp, only unpaced) gives no chart", () => {
  equal(peerLatencyChart([], "empty"), "");
  equal(peerLatencyChart([run("fastchat", 0, 300, 800)], "unpaced only"), "");
  equal(peerLatencyChart([{ label: "fastchat/ramp/N=5000/#1", rate: 0 }], "ramp"), "");
});

Deno.test("line chart: a linear axis starts at 0; titles and names are escaped", () => {
  const svg = lineChart({
    title: "a <b> & c",
    xLabel: "x",
    yLabel: "y",
    xTick: (v) => v.toFixed(0),
    series: [{ name: "<s>", color: "red", dash: "", points: [[1, 5], [2, 50]] }],
  });
  ok(svg.includes("a &lt;b> &amp; c"));
  ok(svg.includes(">&lt;s></text>"));
  ok(svg.includes('text-anchor="end">0</text>'), "linear axis from 0");
});
