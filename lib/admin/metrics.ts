/** `GET /metrics`: the server counters in the Prometheus text exposition format (0.0.4). */
import type { ServerStats } from "../server/control.ts";

/** The content type of the Prometheus text format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Kind = "gauge" | "counter";

/** Renders server counters as Prometheus text. */
export function renderMetrics(stats: ServerStats): string {
  const out: string[] = [];
  const metric = (name: string, kind: Kind, help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
    for (const [labels, value] of samples) out.push(`${name}${labels} ${formatValue(value)}`);
  };
  metric("fastchat_connections", "gauge", "Open TCP connections, logged in or not.", [
    ["", stats.connections],
  ]);
  metric("fastchat_sessions", "gauge", "Logged-in sessions.", [["", stats.sessions]]);
  metric("fastchat_messages_accepted_total", "counter", "Messages accepted since start.", [
    ["", stats.messagesAccepted],
  ]);
  metric("fastchat_messages_stored", "gauge", "Messages in the store.", [
    ["", stats.messagesStored],
  ]);
  metric("fastchat_store_commits_total", "counter", "Store batch commits since start.", [
    ["", stats.storeCommits],
  ]);
  metric(
    "fastchat_store_commit_seconds_total",
    "counter",
    "Total time spent in store batch commits.",
    [["", stats.storeCommitMs / 1000]],
  );
  metric(
    "fastchat_store_failures_total",
    "counter",
    "Requests answered unavailable because the store failed.",
    [["", stats.storeFailures]],
  );
  metric(
    "fastchat_password_hashes_total",
    "counter",
    "argon2 password hashes and verifications (accounts and admin logins) since start.",
    [["", stats.passwordHashes]],
  );
  const errors = Object.entries(stats.errors).sort(([a], [b]) => a.localeCompare(b));
  metric(
    "fastchat_errors_total",
    "counter",
    "Error replies sent since start, by code.",
    errors.map(([code, n]) => [`{code="${escapeLabel(code)}"}`, n]),
  );
  metric("fastchat_uptime_seconds", "gauge", "Seconds since the server started.", [
    ["", stats.uptime],
  ]);
  const cluster = stats.cluster;
  if (cluster) {
    metric("fastchat_cluster_instances", "gauge", "Live instances of the cluster.", [
      ["", cluster.instances],
    ]);
    metric("fastchat_cluster_nats_connected", "gauge", "1 while the link to NATS is up.", [
      ["", cluster.natsConnected ? 1 : 0],
    ]);
    metric("fastchat_cluster_log_read_entry", "gauge", "Last log entry read by this instance.", [
      ["", cluster.readEntry],
    ]);
    metric(
      "fastchat_cluster_log_applied_entry",
      "gauge",
      "Last log entry written into the database.",
      [["", cluster.appliedEntry]],
    );
    metric("fastchat_cluster_applier", "gauge", "1 on the instance writing the log.", [
      ["", cluster.applier ? 1 : 0],
    ]);
  }
  return out.join("\n") + "\n";
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
