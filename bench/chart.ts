/** An SVG chart of latency (p50 and p99) against offered load, one line per server. */
import type { RunResult } from "./run.ts";

const W = 640;
const H = 400;
const PAD = { left: 64, right: 150, top: 30, bottom: 50 };

function _escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

/** The chart of the `latency-*` runs (empty string when there are fewer than one). */
export function latencyChart(runs: RunResult[], title: string): string {
  const points = runs.filter((r) => r.label.startsWith("latency-") && r.offeredRate !== null);
  if (points.length === 0) return "";
  // Offered load in deliveries/s: every message goes to every client of the room.
  const load = (r: RunResult) => (r.offeredRate! * r.clients) / r.rooms;
  const maxX = Math.max(...points.map(load)) * 1.1;
  const maxY = Math.max(10, ...points.map((r) => r.latencyMs.p99)) * 1.1;
  const x = (v: number) => PAD.left + (v / maxX) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const series = [
    { target: "fastchat", key: "p99", color: "#c0392b", dash: "" },
    { target: "fastchat", key: "p50", color: "#c0392b", dash: "6 4" },
    { target: "relay", key: "p99", color: "#2c3e50", dash: "" },
    { target: "relay", key: "p50", color: "#2c3e50", dash: "6 4" },
  ] as const;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${_escape(title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${
      H - PAD.bottom
    }" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${
      H - PAD.bottom
    }" stroke="black"/>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${
      H - 12
    }" text-anchor="middle">offered load (deliveries/s)</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${
      H / 2
    })" text-anchor="middle">latency (ms)</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const vx = (maxX * i) / 4;
    const vy = (maxY * i) / 4;
    parts.push(
      `<text x="${x(vx)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${
        Math.round(vx / 1000)
      }k</text>`,
      `<text x="${PAD.left - 6}" y="${y(vy) + 4}" text-anchor="end">${vy.toFixed(0)}</text>`,
      `<line x1="${PAD.left}" y1="${y(vy)}" x2="${W - PAD.right}" y2="${y(vy)}" stroke="#ddd"/>`,
    );
  }
  series.forEach((s, i) => {
    const pts = points.filter((r) => r.target === s.target).sort((a, b) => load(a) - load(b));
    if (pts.length === 0) return;
    const path = pts.map((r) => `${x(load(r)).toFixed(1)},${y(r.latencyMs[s.key]).toFixed(1)}`);
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${
        path.join(" ")
      }"/>`,
      ...pts.map((r) =>
        `<circle cx="${x(load(r)).toFixed(1)}" cy="${
          y(r.latencyMs[s.key]).toFixed(1)
        }" r="3" fill="${s.color}"/>`
      ),
      `<line x1="${W - PAD.right + 10}" y1="${PAD.top + 10 + i * 18}" x2="${
        W - PAD.right + 34
      }" y2="${
        PAD.top + 10 + i * 18
      }" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
      `<text x="${W - PAD.right + 40}" y="${PAD.top + 14 + i * 18}">${s.target} ${s.key}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
