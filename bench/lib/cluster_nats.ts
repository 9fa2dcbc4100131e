/**
 * A throwaway single-node `nats-server` with JetStream for the cluster benchmark: free ports
 * on loopback, its store in a temp dir, its pid known (the benchmark reads its CPU time from
 * /proc), killed and removed by `stop()`. The machine's own NATS is never touched.
 */
import { join } from "node:path";
import { freePorts } from "../../tests/support/ports.ts";
import { waitFor } from "../../tests/support/wait.ts";
import { spawnThrowaway, withRetries } from "./throwaway_process.ts";

/** The Debian package's binary. */
export const NATS_SERVER = "/usr/sbin/nats-server";

/** A running `nats-server`. */
export interface BenchNats {
  /** `nats://127.0.0.1:PORT`: FastChat's `--cluster`. */
  readonly url: string;
  readonly pid: number;
  /** Its HTTP monitor's port (`/jsz`, `/healthz`). */
  readonly monitorPort: number;
  /** Kills it (SIGKILL) and removes its store. Idempotent. */
  stop(): Promise<void>;
}

async function _jetstreamUp(monitorPort: number): Promise<boolean> {
  try {
    const response = await fetch(
      `http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`,
      { signal: AbortSignal.timeout(2_000) },
    );
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function _attempt(): Promise<BenchNats> {
  const dir = await Deno.makeTempDir({ prefix: "fcbench-nats-" });
  const [port, monitorPort] = freePorts(2) as [number, number];
  const daemon = spawnThrowaway(NATS_SERVER, [
    ...["-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)],
    ...["-js", "-sd", join(dir, "js"), "-l", join(dir, "nats.log")],
  ], dir);
  const stop = daemon.stop;
  try {
    await waitFor(`nats-server on port ${port} with JetStream`, () => {
      if (daemon.exited()) throw new Error(`nats-server exited at start (port ${port} taken?)`);
      return _jetstreamUp(monitorPort);
    }, 15_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `nats://127.0.0.1:${port}`, pid: daemon.pid, monitorPort, stop };
}

/** Starts a node on free ports (trying others when one was taken meanwhile). */
export function startBenchNats(): Promise<BenchNats> {
  return withRetries(_attempt);
}
