/**
 * A load-generator process: `deno run -A bench/worker.ts`, started by `fleet.ts`.
 *
 * Reads its plan (one `WorkerPlan` JSON line) on stdin, then one command per line
 * (`connect`, `join`, `go`, `drain`, `close`), and
 * answers each with one JSON line on stdout (see `plan.ts`). Several run side by side so
 * that the generator is not the bottleneck. Exits on `close`, on end of input, or when its
 * parent goes away.
 */
import { BenchClient, WorkerTotals } from "./bench_client.ts";
import { nowMicros } from "./payload.ts";
import type { WorkerCommand, WorkerEvent, WorkerPlan, WorkerStats } from "./plan.ts";
import { lines } from "./lines.ts";

/** Pacing tick of paced senders. */
const TICK_MS = 5;
/** How long `drain` waits for silence before reporting. */
const QUIET_MS = 500;
/** Longest wait for acknowledgements or deliveries after sending stops. */
const SETTLE_LIMIT_MS = 20_000;

function emit(event: WorkerEvent): void {
  console.log(JSON.stringify(event));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(lanes);
}

class Worker {
  #plan: WorkerPlan;
  #totals = new WorkerTotals();
  #clients: BenchClient[] = [];
  #startedAt = 0;

  constructor(plan: WorkerPlan) {
    this.#plan = plan;
  }

  async connect(): Promise<WorkerEvent> {
    const started = performance.now();
    const plan = this.#plan;
    await pool(plan.clients, plan.concurrency, async (spec) => {
      const conn = await Deno.connect({ hostname: plan.host, port: plan.port });
      conn.setNoDelay(true);
      const client = new BenchClient(spec, conn, {
        target: plan.target,
        totals: this.#totals,
        textSize: plan.textSize,
      });
      this.#clients.push(client);
      await client.welcome();
      if (spec.room !== null) await client.login(plan.password);
    });
    return {
      event: "connected",
      clients: this.#clients.length,
      ms: Math.round(performance.now() - started),
    };
  }

  async join(): Promise<WorkerEvent> {
    const started = performance.now();
    await pool(this.#clients, this.#plan.concurrency, (client) => client.join());
    return { event: "joined", ms: Math.round(performance.now() - started) };
  }

  async go(): Promise<WorkerEvent> {
    const plan = this.#plan;
    const senders = this.#clients.filter((c) => c.sender !== null);
    for (const client of this.#clients) client.startRun();
    this.#startedAt = nowMicros();
    const started = performance.now();
    let sending = true;
    if (plan.ratePerSender === null) {
      for (const client of senders) {
        client.onRead = () => {
          if (sending) client.sendMessages(plan.window - client.inFlight);
        };
        client.sendMessages(plan.window);
      }
      await sleep(plan.durationMs);
    } else {
      const rate = plan.ratePerSender;
      while (performance.now() - started < plan.durationMs) {
        const elapsed = performance.now() - started;
        for (const client of senders) {
          const s = client.sender!;
          const due = Math.floor((rate * elapsed) / 1000) - s.sent - s.behind;
          const room = plan.window - client.inFlight;
          if (due > room) s.behind += due - Math.max(room, 0);
          client.sendMessages(Math.min(due, room));
        }
        await sleep(TICK_MS);
      }
    }
    sending = false;
    const deadline = performance.now() + SETTLE_LIMIT_MS;
    while (senders.some((c) => c.inFlight > 0) && performance.now() < deadline) await sleep(20);
    return {
      event: "sent",
      startedAt: this.#startedAt,
      senders: senders.map((c) => ({
        sender: c.sender!.id,
        sent: c.sender!.sent,
        acked: c.sender!.acked,
        refused: c.sender!.refused,
        behind: c.sender!.behind,
      })),
    };
  }

  async drain(): Promise<WorkerEvent> {
    const deadline = performance.now() + SETTLE_LIMIT_MS;
    let seen = -1;
    while (seen !== this.#totals.deliveries && performance.now() < deadline) {
      seen = this.#totals.deliveries;
      await sleep(QUIET_MS);
    }
    const t = this.#totals;
    const stats: WorkerStats = {
      perSender: [...t.perSender],
      deliveries: t.deliveries,
      duplicates: t.duplicates,
      reordered: this.#clients.reduce((sum, c) => sum + c.reordered, 0),
      latency: t.latency.toJSON(),
      firstDelivery: t.firstDelivery,
      lastDelivery: t.lastDelivery,
      lastAck: t.lastAck,
      errors: t.errors,
      dropped: t.dropped,
    };
    return { event: "stats", stats };
  }

  close(): void {
    for (const client of this.#clients) client.close();
  }
}

async function main(): Promise<void> {
  let worker: Worker | null = null;
  for await (const raw of lines(Deno.stdin.readable)) {
    const line = raw.trim();
    if (worker === null) {
      const plan = JSON.parse(line) as WorkerPlan;
      if (!Array.isArray(plan?.clients)) {
        console.error("worker.ts: the first line on stdin must be a WorkerPlan (see fleet.ts)");
        Deno.exit(2);
      }
      worker = new Worker(plan);
      continue;
    }
    const command = line as WorkerCommand;
    if (command === "close") {
      worker.close();
      Deno.exit(0);
    }
    try {
      if (command === "connect") emit(await worker.connect());
      else if (command === "join") emit(await worker.join());
      else if (command === "go") emit(await worker.go());
      else if (command === "drain") emit(await worker.drain());
      else emit({ event: "failed", message: `unknown command ${JSON.stringify(command)}` });
    } catch (error) {
      emit({ event: "failed", message: String((error as Error)?.message ?? error) });
    }
  }
  // The coordinator went away: stop too.
  worker?.close();
  Deno.exit(0);
}

await main();
