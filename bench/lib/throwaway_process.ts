/**
 * A throwaway daemon of a benchmark (`nats-server`, HAProxy): spawned in the foreground with
 * its output discarded, its temp dir removed when it is stopped, and started again on other
 * free ports when a start fails (another process took a port meanwhile).
 */

/** A running daemon. */
export interface ThrowawayProcess {
  readonly pid: number;
  /** Whether it has exited (of itself or stopped). */
  exited(): boolean;
  /** Kills it (SIGKILL), waits for it and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Spawns `binary args` owning the temp dir `dir`. */
export function spawnThrowaway(binary: string, args: string[], dir: string): ThrowawayProcess {
  const child = new Deno.Command(binary, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  void child.status.then(() => exited = true);
  let stopped = false;
  return {
    pid: child.pid,
    exited: () => exited,
    async stop() {
      if (!stopped) {
        stopped = true;
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited already.
        }
        await child.status;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs `attempt` up to three times, returning its first success or throwing its last error. */
export async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1;; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= 3) throw error;
    }
  }
}
