/** Turns a suite's results into target verdicts and Markdown tables. */
import type { RunResult } from "./run.ts";
import type { SuiteReport } from "./suite.ts";

/** One target of the issue and whether this run met it. */
export interface Verdict {
  target: string;
  measured: string;
  met: boolean;
}

function _pair(report: SuiteReport, label: string): { fc?: RunResult; relay?: RunResult } {
  return {
    fc: report.runs.find((r) => r.label === label && r.target === "fastchat"),
    relay: report.runs.find((r) => r.label === label && r.target === "relay"),
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** Checks each target the suite has figures for. */
export function verdicts(report: SuiteReport): Verdict[] {
  const out: Verdict[] = [];
  for (const label of new Set(report.runs.map((r) => r.label))) {
    const { fc, relay } = _pair(report, label);
    if (label.startsWith("fanout-") && fc && relay) {
      const ratio = fc.deliveriesPerSec / Math.max(1, relay.deliveriesPerSec);
      out.push({
        target: `${label}: deliveries/s ≥ 0.7 × relay`,
        measured: `${fmt(fc.deliveriesPerSec)} vs ${fmt(relay.deliveriesPerSec)} = ${
          ratio.toFixed(2)
        }`,
        met: ratio >= 0.7,
      });
    }
    if (label.startsWith("ramp-") && fc && fc.rssPerConnection !== null) {
      out.push({
        target: `${label}: ≤ 20 KB RSS per idle connection`,
        measured: `${fmt(fc.rssPerConnection)} B (${fc.clients} connections)`,
        met: fc.rssPerConnection <= 20 * 1024 && fc.dropped === 0,
      });
    }
    if (label === "latency-50%" && fc) {
      out.push({
        target: "p99 ≤ 50 ms at half the maximum rate",
        measured: `p99 ${fc.latencyMs.p99} ms at ${fmt(fc.offeredRate ?? 0)} msg/s`,
        met: fc.latencyMs.p99 <= 50,
      });
    }
  }
  const sqlite = report.runs.find((r) => r.label === "durable-sqlite");
  if (sqlite) {
    out.push({
      target: "SQLite: ≥ 50,000 acked messages/s",
      measured: `${fmt(sqlite.ackedPerSec)}/s (raw bound ${
        fmt(report.raw.find((r) => r.store === "sqlite")?.rowsPerSec ?? 0)
      } rows/s)`,
      met: sqlite.ackedPerSec >= 50_000,
    });
  }
  const mysql = report.runs.find((r) => r.label === "durable-mysql");
  const rawMysql = report.raw.find((r) => r.store === "mysql");
  if (mysql && rawMysql) {
    const ratio = mysql.ackedPerSec / rawMysql.rowsPerSec;
    out.push({
      target: "MariaDB: acked/s ≥ 0.6 × raw multi-row insert",
      measured: `${fmt(mysql.ackedPerSec)} vs ${fmt(rawMysql.rowsPerSec)} = ${ratio.toFixed(2)}`,
      met: ratio >= 0.6,
    });
  }
  const unclean = report.runs.filter(isUnclean);
  out.push({
    target: "zero loss, duplicates, reordering in every run",
    measured: unclean.length === 0
      ? `${report.runs.length} runs clean`
      : unclean.map((r) =>
        `${r.label}/${r.target}: lost ${r.lost} dup ${r.duplicates} reord ${r.reordered} dropped ${r.dropped}`
      ).join("; "),
    met: unclean.length === 0 && report.failures.length === 0,
  });
  return out;
}

/** Whether a run lost, repeated or reordered anything, or had connections dropped. */
export function isUnclean(r: RunResult): boolean {
  return r.lost > 0 || r.duplicates > 0 || r.reordered > 0 || r.dropped > 0 ||
    r.deliveries !== r.expectedDeliveries;
}

/** The results as Markdown: the runs, the raw bounds, the verdicts. */
export function markdown(report: SuiteReport): string {
  const lines = [
    "| run | server | clients/rooms/senders | offered msg/s | deliveries/s | ×relay | acked/s | p50 ms | p99 ms | max ms | lost/dup/reord | server CPU | RSS MB |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.runs.filter((x) => x.rssPerConnection === null)) {
    const relay = _pair(report, r.label).relay;
    const ratio = r.target === "fastchat" && relay
      ? (r.deliveriesPerSec / Math.max(1, relay.deliveriesPerSec)).toFixed(2)
      : "";
    lines.push(
      `| ${r.label} | ${
        r.target === "fastchat" ? `fastchat/${r.store}` : "relay"
      } | ${r.clients}/${r.rooms}/${r.senders} | ${
        r.offeredRate === null ? "unpaced" : fmt(r.offeredRate)
      } | ${fmt(r.deliveriesPerSec)} | ${ratio} | ${
        fmt(r.ackedPerSec)
      } | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.lost}/${r.duplicates}/${r.reordered} | ${r.serverCpuShare} | ${r.serverRssMB} |`,
    );
  }
  const idle = report.runs.filter((x) => x.rssPerConnection !== null);
  if (idle.length > 0) {
    lines.push(
      "",
      "| run | server | idle connections | RSS per connection | server RSS MB |",
      "|---|---|---|---|---|",
    );
    for (const r of idle) {
      lines.push(
        `| ${r.label} | ${r.target} | ${fmt(r.clients)} | ${fmt(r.rssPerConnection!)} B | ${
          r.serverRssMB.toFixed(0)
        } |`,
      );
    }
  }
  if (report.raw.length > 0) {
    lines.push(
      "",
      "| raw insert bound | rows | rows per transaction | rows/s |",
      "|---|---|---|---|",
    );
    for (const r of report.raw) {
      lines.push(`| ${r.store} | ${fmt(r.rows)} | ${r.batch} | ${fmt(r.rowsPerSec)} |`);
    }
  }
  lines.push("", "| target | measured | met |", "|---|---|---|");
  for (const v of verdicts(report)) {
    lines.push(`| ${v.target} | ${v.measured} | ${v.met ? "yes" : "**no**"} |`);
  }
  for (const f of report.failures) {
    lines.push("", `Run ${f.label} (${f.target}) failed: ${f.error.split("\n")[0]}`);
  }
  for (const note of report.notes) lines.push("", `Note: ${note}.`);
  if (report.skipped.length > 0) {
    lines.push("", `Skipped (time limit): ${report.skipped.join(", ")}`);
  }
  return lines.join("\n");
}
