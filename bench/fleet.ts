/**
 * The load-generator workers of one run: spawns them, steps them through their phases in
 * lock-step (every worker finishes a phase before any starts the next), and always ends
 * them, whatever happened.
 */
import type { WorkerCommand, WorkerEvent, WorkerPlan } from "./plan.ts";
import { denoCommand } from "./processes.ts";
import { lines } from "./lines.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Member {
  child: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  events: WorkerEvent[];
  waiters: ((event: WorkerEvent) => void)[];
  stderr: string;
}

/** A set of worker processes driven together. */
export class Fleet {
  #members: Member[];

  private constructor(members: Member[]) {
    this.#members = members;
  }

  /** Spawns one worker per plan. */
  static async start(plans: WorkerPlan[]): Promise<Fleet> {
    const members: Member[] = [];
    for (const plan of plans) {
      const command = await denoCommand(["run", "-A", "bench/worker.ts"], { stdin: "piped" });
      const child = command.spawn();
      // The plan goes first on stdin: 5,000 clients are too long for a command line.
      const stdin = child.stdin.getWriter();
      await stdin.write(encoder.encode(JSON.stringify(plan) + "\n"));
      const member: Member = {
        child,
        stdin,
        events: [],
        waiters: [],
        stderr: "",
      };
      void (async () => {
        for await (const line of lines(child.stdout)) {
          const event = JSON.parse(line) as WorkerEvent;
          const waiter = member.waiters.shift();
          if (waiter) waiter(event);
          else member.events.push(event);
        }
      })();
      void (async () => {
        for await (const chunk of child.stderr) {
          member.stderr = (member.stderr + decoder.decode(chunk, { stream: true })).slice(-8000);
        }
      })();
      members.push(member);
    }
    return new Fleet(members);
  }

  /**
   * Sends a command to every worker and waits for each one's answer (at most `timeoutMs`).
   * Throws when a worker failed or took too long.
   */
  async step<E extends WorkerEvent["event"]>(
    command: WorkerCommand,
    expected: E,
    timeoutMs: number,
  ): Promise<Extract<WorkerEvent, { event: E }>[]> {
    const line = encoder.encode(command + "\n");
    await Promise.all(this.#members.map((m) => m.stdin.write(line)));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Workers did not finish "${command}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const events = await Promise.race([
        Promise.all(this.#members.map((m) => this.#next(m))),
        timeout,
      ]);
      return events.map((event, i) => {
        if (event.event !== expected) {
          const detail = event.event === "failed" ? event.message : JSON.stringify(event);
          throw new Error(
            `Worker ${i} failed at "${command}": ${detail}\n${this.#members[i]!.stderr}`,
          );
        }
        return event as Extract<WorkerEvent, { event: E }>;
      });
    } finally {
      clearTimeout(timer);
    }
  }

  #next(member: Member): Promise<WorkerEvent> {
    const queued = member.events.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      member.waiters.push(resolve);
      void member.child.status.then((status) =>
        resolve({
          event: "failed",
          message: `worker exited (code ${status.code}): ${member.stderr}`,
        })
      );
    });
  }

  /** Tells every worker to close its connections and exit; kills those that do not. */
  async stop(graceMs = 5_000): Promise<void> {
    await Promise.all(this.#members.map(async (m) => {
      try {
        await m.stdin.write(encoder.encode("close\n"));
        await m.stdin.close();
      } catch {
        // Already gone.
      }
      const killer = setTimeout(() => {
        try {
          m.child.kill("SIGKILL");
        } catch { /* exited meanwhile */ }
      }, graceMs);
      await m.child.status;
      clearTimeout(killer);
    }));
  }
}
