/**
 * SVG line charts for the benchmark reports: latency (p50 and p99) against offered load,
 * one line per server and percentile. {@linkcode lineChart} draws any such series;
 * {@linkcode latencyChart} draws the relay comparison's `latency-*` runs.
 */
import type { RunResult } from "./run.ts";

const W = 640;
const H = 400;
const PAD = { left: 64, right: 170, top: 30, bottom: 50 };

function _escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** One line of a {@linkcode lineChart}. */
export interface Series {
  name: string;
  color: string;
  /** SVG `stroke-dasharray` ("" for a solid line). */
  dash: string;
  /** Points as [x, y]; drawn in order of x. */
  points: [number, number][];
}

/** What a {@linkcode lineChart} draws. */
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** How an x value is written under its tick. */
  xTick: (value: number) => string;
  /** A logarithmic y axis (decades), for latencies that span ms to s. */
  logY?: boolean;
  series: Series[];
}

/** The chart as an SVG document; empty string when no series has a point. */
export function lineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  if (all.length === 0) return "";
  const maxX = Math.max(...all.map(([vx]) => vx)) * 1.1;
  const ys = all.map(([, vy]) => vy);
  const log = chart.logY === true;
  // Log axis: whole decades around the values; linear: from 0 to 10 % above the largest.
  const lo = log ? 10 ** Math.floor(Math.log10(Math.max(Math.min(...ys), 1e-3))) : 0;
  const hi = log
    ? 10 ** Math.ceil(Math.log10(Math.max(...ys, lo * 10)))
    : Math.max(10, ...ys) * 1.1;
  const span = (v: number) => log ? Math.log10(Math.max(v, lo) / lo) / Math.log10(hi / lo) : v / hi;
  const x = (v: number) => PAD.left + (v / maxX) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - span(v) * (H - PAD.top - PAD.bottom);
  const bottom = H - PAD.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${_escape(chart.title)}</text>`,
    `<line x1="${PAD.left}" y1="${bottom}" x2="${W - PAD.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${bottom}" stroke="black"/>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 12}" text-anchor="middle">${
      _escape(chart.xLabel)
    }</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">${
      _escape(chart.yLabel)
    }</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const vx = (maxX * i) / 4;
    parts.push(
      `<text x="${x(vx)}" y="${bottom + 16}" text-anchor="middle">${chart.xTick(vx)}</text>`,
    );
  }
  const yTicks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
    : [0, 1, 2, 3, 4].map((i) => (hi * i) / 4);
  for (const vy of yTicks) {
    const label = vy >= 1 ? vy.toFixed(0) : String(vy);
    parts.push(
      `<text x="${PAD.left - 6}" y="${y(vy) + 4}" text-anchor="end">${label}</text>`,
      `<line x1="${PAD.left}" y1="${y(vy)}" x2="${W - PAD.right}" y2="${y(vy)}" stroke="#ddd"/>`,
    );
  }
  chart.series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    const path = pts.map(([vx, vy]) => `${x(vx).toFixed(1)},${y(vy).toFixed(1)}`);
    const legend = PAD.top + 10 + i * 18;
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${
        path.join(" ")
      }"/>`,
      ...pts.map(([vx, vy]) =>
        `<circle cx="${x(vx).toFixed(1)}" cy="${y(vy).toFixed(1)}" r="3" fill="${s.color}"/>`
      ),
      `<line x1="${W - PAD.right + 10}" y1="${legend}" x2="${
        W - PAD.right + 34
      }" y2="${legend}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
      `<text x="${W - PAD.right + 40}" y="${legend + 4}">${_escape(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** The chart of the `latency-*` runs (empty string when there are fewer than one). */
export function latencyChart(runs: RunResult[], title: string): string {
  const points = runs.filter((r) => r.label.startsWith("latency-") && r.offeredRate !== null);
  // Offered load in deliveries/s: every message goes to every client of the room.
  const load = (r: RunResult) => (r.offeredRate! * r.clients) / r.rooms;
  const lines = [
    { target: "fastchat", key: "p99", color: "#c0392b", dash: "" },
    { target: "fastchat", key: "p50", color: "#c0392b", dash: "6 4" },
    { target: "relay", key: "p99", color: "#2c3e50", dash: "" },
    { target: "relay", key: "p50", color: "#2c3e50", dash: "6 4" },
  ] as const;
  return lineChart({
    title,
    xLabel: "offered load (deliveries/s)",
    yLabel: "latency (ms)",
    xTick: (v) => `${Math.round(v / 1000)}k`,
    series: lines.map((line) => ({
      name: `${line.target} ${line.key}`,
      color: line.color,
      dash: line.dash,
      points: points.filter((r) => r.target === line.target).map((
        r,
      ) => [load(r), r.latencyMs[line.key]] as [number, number]),
    })),
  });
}
