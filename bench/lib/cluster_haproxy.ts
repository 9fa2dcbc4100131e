/**
 * A throwaway HAProxy for the failover measurement, running exactly the deployment
 * configuration of `docs/cluster.md` (`haproxyConfig` of `tests/support/haproxy.ts`: TCP
 * mode, `leastconn`, the client's address in a PROXY v2 header — so the instances run with
 * `--proxy-protocol 127.0.0.1` —, health checks on the chat port, `retries 3`,
 * `option redispatch`) on free ports, with its statistics read whole: besides each server's state, the retries and
 * redispatches that tell where a reconnecting client was sent first.
 */
import { join } from "node:path";
import { haproxyConfig } from "../../tests/support/haproxy.ts";
import { accepts, freePorts } from "../../tests/support/ports.ts";
import { waitFor } from "../../tests/support/wait.ts";
import { spawnThrowaway, withRetries } from "./throwaway_process.ts";

/** The Debian package's binary. */
export const HAPROXY = "/usr/sbin/haproxy";

/** What the statistics say of one backend server. */
export interface ServerStats {
  /** `UP`, `DOWN`, `UP 1/2` (going down)… */
  status: string;
  /** Connections it forwards now. */
  sessions: number;
  /** Connections to it that failed (`econ`). */
  connectErrors: number;
  /** Connection attempts to it that were retried (`wretr`). */
  retries: number;
  /** Connections sent elsewhere after failing on it (`wredis`). */
  redispatches: number;
}

/** A running HAProxy. */
export interface BenchHaproxy {
  /** The one address's port on 127.0.0.1. */
  readonly port: number;
  /** Each backend server's statistics, by name. */
  stats(): Promise<Record<string, ServerStats>>;
  /** Stops it and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

async function _attempt(servers: readonly { name: string; port: number }[]): Promise<BenchHaproxy> {
  const dir = await Deno.makeTempDir({ prefix: "fcbench-haproxy-" });
  const [port, statsPort] = freePorts(2) as [number, number];
  const config = haproxyConfig({
    frontendPort: port,
    frontendHost: "127.0.0.1",
    servers: servers.map((s) => ({ name: s.name, host: "127.0.0.1", port: s.port })),
    statsPort,
  });
  await Deno.writeTextFile(join(dir, "haproxy.cfg"), config);
  // `-db`: in the foreground, no fork, so that the child is HAProxy itself.
  const daemon = spawnThrowaway(HAPROXY, ["-db", "-f", join(dir, "haproxy.cfg")], dir);
  const stop = daemon.stop;
  const stats = async () => {
    const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`, {
      signal: AbortSignal.timeout(2_000),
    });
    const [header, ...rows] = (await response.text()).split("\n").filter((l) => l.trim() !== "");
    const columns = (header ?? "").replace(/^# /, "").split(",");
    const at = (name: string) => columns.indexOf(name);
    const out: Record<string, ServerStats> = {};
    for (const row of rows) {
      const cells = row.split(",");
      const name = cells[at("svname")]!;
      if (cells[at("pxname")] !== "fastchat_instances" || name === "BACKEND") continue;
      const number = (column: string) => Number(cells[at(column)] || 0);
      out[name] = {
        status: cells[at("status")]!,
        sessions: number("scur"),
        connectErrors: number("econ"),
        retries: number("wretr"),
        redispatches: number("wredis"),
      };
    }
    return out;
  };
  try {
    await waitFor(`HAProxy on port ${port} with every server UP`, async () => {
      if (daemon.exited()) throw new Error(`haproxy exited at start (port ${port} taken?)`);
      if (!await accepts(port)) return false;
      const states = await stats().catch(() => ({} as Record<string, ServerStats>));
      return servers.every((s) => states[s.name]?.status === "UP");
    }, 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stats, stop };
}

/** Starts HAProxy in front of `servers` (chat ports on 127.0.0.1), once every one is UP. */
export function startBenchHaproxy(
  servers: readonly { name: string; port: number }[],
): Promise<BenchHaproxy> {
  return withRetries(() => _attempt(servers));
}
