/**
 * `deno task bench --storm [options]`: the reconnect storm of issue 13. N clients of the
 * terminal client's own protocol core (`lib/client/chat_client.ts`: its back-off, its token
 * login, its re-join with `after=`) log in with a password, keep their resume tokens and join
 * rooms; then the server is stopped (SIGTERM: it sends `shutdown`) and started again on the
 * same database and port, and each client, reconnecting on its own, sends one message. The
 * figure is the time from the restart to every client's message acknowledged again.
 *
 * The clients run in worker processes (`--worker`, this same file), a few thousand each.
 * Accounts are created in the database first with a cheap hash (`provision.ts`), as in the
 * other benchmarks. Each worker's dialer counts how each login on a new connection was made
 * (token or password), so a token that stopped working shows. It asserts nothing.
 */
import { parseArgs } from "node:util";
import { ChatClient } from "../lib/client/chat_client.ts";
import type { Endpoint } from "../lib/client/transport.ts";
import type { ClientEvent } from "../lib/client/events.ts";
import { SERVER } from "../scripts/lib/binaries.ts";
import { fromSource, launchServer } from "../scripts/lib/server_launcher.ts";
import { BENCH_PASSWORD, freshDatabase, provision, roomName, userName } from "./provision.ts";
import { denoCommand, readUsage } from "./processes.ts";
import { lines } from "./lines.ts";

const HELP = `Usage: deno task bench --storm [options]

  --clients N     clients (default 5000)
  --rooms R       rooms; client i joins room i mod R (default 50)
  --workers W     load-generator processes (default: one per 2,500 clients)
  --limits MODE   off: every rate limit off on both servers (as ../shared/peerbench does);
                  deployment: the restarted server keeps the default message, login and
                  registration rates, only the per-address connection limits are off (every
                  client of this benchmark comes from 127.0.0.1) (default off)
  --timeout S     give up on clients not chatting again S seconds after the restart (default 60)
  --out DIR       where storm.json goes (default bench/results)
  --profile DIR   the restarted server runs with --cpu-prof, its profile written to DIR
  --help

Run under \`flock /tmp/fastchat-bench.lock\` on a shared machine; the machine load is printed.`;

/** Clients one worker process drives by default. */
const CLIENTS_PER_WORKER = 2_500;
/** Set-up requests under way at once per worker. */
const SETUP_CONCURRENCY = 100;

/** What a worker is told on its first stdin line. */
interface StormPlan {
  host: string;
  port: number;
  /** Indexes of its clients (account `userName(i)`, room `roomName(i % rooms)`). */
  first: number;
  count: number;
  rooms: number;
  password: string;
}

/** One client's story across the restart (wall-clock ms, `Date.now`). */
interface ClientRecord {
  /** When the connection to the stopping server dropped (first `reconnecting`). */
  droppedAt: number | null;
  reconnectedAt: number | null;
  /** When the attempt that succeeded started (after its back-off delay). */
  lastAttemptAt: number | null;
  /** When the one message after the reconnect was acknowledged. */
  chattingAt: number | null;
  /** `reconnecting` events (connection attempts after the drop). */
  attempts: number;
  /** Logins on new connections, by what they carried. */
  tokenLogins: number;
  passwordLogins: number;
  error: string | null;
}

type WorkerEvent =
  | { event: "ready"; ms: number; failed: number; errors: string[] }
  | { event: "result"; records: ClientRecord[] }
  | { event: "failed"; message: string };

// ---------------------------------------------------------------- worker process

const LOGIN_MARK = new TextEncoder().encode('"type":"login"');

function _contains(bytes: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** A connection whose writes are watched for `login` frames (token or password). */
function _watchedDial(record: ClientRecord): (endpoint: Endpoint) => Promise<Deno.Conn> {
  const tokenMark = new TextEncoder().encode('"token":');
  return async (endpoint) => {
    const conn = await Deno.connect({ hostname: endpoint.host, port: endpoint.port });
    conn.setNoDelay(true);
    const write = conn.write.bind(conn);
    conn.write = (bytes: Uint8Array) => {
      if (_contains(bytes, LOGIN_MARK)) {
        if (_contains(bytes, tokenMark)) record.tokenLogins++;
        else record.passwordLogins++;
      }
      return write(bytes);
    };
    return conn;
  };
}

async function _pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

class StormWorker {
  #plan: StormPlan;
  #records: ClientRecord[] = [];
  #clients: ChatClient[] = [];
  #settled = 0;
  #allSettled = Promise.withResolvers<void>();

  constructor(plan: StormPlan) {
    this.#plan = plan;
  }

  async setup(): Promise<WorkerEvent> {
    const started = performance.now();
    const plan = this.#plan;
    const indexes = Array.from({ length: plan.count }, (_, k) => plan.first + k);
    const errors: string[] = [];
    await _pool(indexes, SETUP_CONCURRENCY, async (i) => {
      const record: ClientRecord = {
        droppedAt: null,
        reconnectedAt: null,
        lastAttemptAt: null,
        chattingAt: null,
        attempts: 0,
        tokenLogins: 0,
        passwordLogins: 0,
        error: null,
      };
      const room = roomName(i % plan.rooms);
      try {
        const client = await ChatClient.connect({
          endpoint: { host: plan.host, port: plan.port, tls: false },
          dialer: _watchedDial(record),
        });
        const login = await client.login(userName(i), plan.password);
        if (!login.ok) throw new Error(`login: ${login.error.code}`);
        const joined = await client.join(room);
        if (!joined.ok) throw new Error(`join: ${joined.code}`);
        record.tokenLogins = record.passwordLogins = 0;
        client.on((event) => this.#observe(client, record, room, event));
        this.#clients.push(client);
        this.#records.push(record);
      } catch (error) {
        if (errors.length < 5) errors.push(String((error as Error)?.message ?? error));
      }
    });
    return {
      event: "ready",
      ms: Math.round(performance.now() - started),
      failed: plan.count - this.#records.length,
      errors,
    };
  }

  #observe(client: ChatClient, record: ClientRecord, room: string, event: ClientEvent): void {
    const type = event.type;
    if (event.type === "reconnecting") {
      record.droppedAt ??= Date.now();
      record.attempts++;
      if (record.reconnectedAt === null) record.lastAttemptAt = Date.now() + event.delayMs;
    } else if (type === "reconnected" && record.reconnectedAt === null) {
      record.reconnectedAt = Date.now();
      void client.say(room, `back ${Date.now()}`).then((reply) => {
        if (reply.ok) record.chattingAt = Date.now();
        else record.error = reply.error.code;
        this.#settle();
      }, (error) => {
        record.error = String((error as Error)?.message ?? error);
        this.#settle();
      });
    } else if (type === "ended" && record.chattingAt === null && record.error === null) {
      record.error = "ended";
      this.#settle();
    }
  }

  #settle(): void {
    if (++this.#settled >= this.#records.length) this.#allSettled.resolve();
  }

  /** Waits until every client chats again (or failed), at most `timeoutMs`. */
  async collect(timeoutMs: number): Promise<WorkerEvent> {
    if (this.#records.length === 0) this.#allSettled.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#allSettled.promise,
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
    return { event: "result", records: this.#records };
  }

  close(): void {
    for (const client of this.#clients) client.close();
  }
}

async function _workerMain(): Promise<void> {
  let worker: StormWorker | null = null;
  const emit = (event: WorkerEvent) => console.log(JSON.stringify(event));
  for await (const raw of lines(Deno.stdin.readable)) {
    const line = raw.trim();
    if (worker === null) {
      worker = new StormWorker(JSON.parse(line) as StormPlan);
      continue;
    }
    const [command, arg] = line.split(" ");
    try {
      if (command === "setup") emit(await worker.setup());
      else if (command === "collect") emit(await worker.collect(Number(arg)));
      else if (command === "close") {
        worker.close();
        Deno.exit(0);
      } else emit({ event: "failed", message: `unknown command ${line}` });
    } catch (error) {
      emit({ event: "failed", message: String((error as Error)?.message ?? error) });
    }
  }
  worker?.close();
  Deno.exit(0);
}

// ---------------------------------------------------------------- coordinator

interface Member {
  child: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  next(): Promise<WorkerEvent>;
  stderr(): string;
}

async function _spawnWorker(plan: StormPlan): Promise<Member> {
  const command = await denoCommand(["run", "-A", "bench/reconnect_storm.ts", "--worker"], {
    stdin: "piped",
  });
  const child = command.spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode(JSON.stringify(plan) + "\n"));
  const queue: WorkerEvent[] = [];
  const waiters: ((event: WorkerEvent) => void)[] = [];
  let stderr = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const line of lines(child.stdout)) {
      const event = JSON.parse(line) as WorkerEvent;
      const waiter = waiters.shift();
      if (waiter) waiter(event);
      else queue.push(event);
    }
  })();
  void (async () => {
    for await (const chunk of child.stderr) {
      stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-8000);
    }
  })();
  return {
    child,
    stdin,
    stderr: () => stderr,
    next: () => {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => {
        waiters.push(resolve);
        void child.status.then((status) =>
          resolve({ event: "failed", message: `worker exited (${status.code}): ${stderr}` })
        );
      });
    },
  };
}

async function _command(members: Member[], line: string): Promise<WorkerEvent[]> {
  const bytes = new TextEncoder().encode(line + "\n");
  await Promise.all(members.map((m) => m.stdin.write(bytes)));
  const events = await Promise.all(members.map((m) => m.next()));
  for (const [i, event] of events.entries()) {
    if (event.event === "failed") {
      throw new Error(`worker ${i}: ${event.message}\n${members[i]!.stderr()}`);
    }
  }
  return events;
}

/** The q-quantile (0..1) of sorted numbers. */
function _quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function _loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

/** CPU seconds the whole machine has been busy (all cores, all processes), from /proc/stat. */
function _cpuTotal(): number {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = line.slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
  } catch {
    return 0;
  }
}

export async function stormMain(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        clients: { type: "string", default: "5000" },
        rooms: { type: "string", default: "50" },
        workers: { type: "string" },
        limits: { type: "string", default: "off" },
        timeout: { type: "string", default: "60" },
        out: { type: "string", default: "bench/results" },
        profile: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`bench --storm: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const clients = Number(values.clients);
  const rooms = Number(values.rooms);
  const workers = Number(values.workers ?? Math.ceil(clients / CLIENTS_PER_WORKER));
  const timeoutMs = Number(values.timeout) * 1000;
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (
    ![clients, rooms, workers].every(positive) || !(timeoutMs > 0) ||
    !["off", "deployment"].includes(values.limits)
  ) {
    console.error(
      `bench --storm: --clients, --rooms, --workers and --timeout take positive numbers, ` +
        `--limits off or deployment\n\n${HELP}`,
    );
    return 2;
  }
  const say = (line: string) => console.log(`storm: ${line}`);
  const database = await freshDatabase("sqlite", "");
  const members: Member[] = [];
  let server: Awaited<ReturnType<typeof launchServer>> | null = null;
  try {
    say(`${clients} clients, ${rooms} rooms, ${workers} workers, limits ${values.limits}`);
    await provision(database.db, clients, rooms);
    const launch = (extra: string[], limits: boolean, denoFlags: string[] = []) =>
      launchServer({
        db: database.db,
        program: fromSource(SERVER, denoFlags),
        args: [...(limits ? ["--conn-limit", "off", "--conn-rate", "off"] : []), ...extra],
        rateLimits: limits ? undefined : false,
        adminPassword: "bench-admin-password",
        logLimit: 100_000,
      });
    server = await launch([], false);
    const port = server.port;
    const per = Math.ceil(clients / workers);
    for (let w = 0; w < workers; w++) {
      const first = w * per;
      const count = Math.max(0, Math.min(per, clients - first));
      members.push(
        await _spawnWorker({
          host: "127.0.0.1",
          port,
          first,
          count,
          rooms,
          password: BENCH_PASSWORD,
        }),
      );
    }
    const ready = await _command(members, "setup") as Extract<WorkerEvent, { event: "ready" }>[];
    const failed = ready.reduce((sum, r) => sum + r.failed, 0);
    say(
      `set-up (login with password, join): ${
        Math.max(...ready.map((r) => r.ms))
      } ms, ${failed} failed ${ready.flatMap((r) => r.errors).slice(0, 3).join("; ")}`,
    );
    const before = readUsage(server.pid);
    say(`server before the stop: RSS ${(before.rssBytes / 2 ** 20).toFixed(0)} MB`);
    const loadBefore = _loadAverage();
    const collecting = _command(members, `collect ${timeoutMs + 30_000}`);
    const stopAt = Date.now();
    await server.stop("SIGTERM", 10_000);
    const exitedAt = Date.now();
    server = null;
    const busyAt = _cpuTotal();
    const spawnAt = Date.now();
    const busySince = spawnAt;
    const profile = values.profile === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${values.profile}`];
    server = await launch(["--port", String(port)], values.limits === "deployment", profile);
    const listeningAt = Date.now();
    const pid = server.pid;
    const cpuAtListen = readUsage(pid).cpuSeconds;
    const workerCpuAt = members.map((m) => readUsage(m.child.pid).cpuSeconds);
    // Server usage sampled until every worker reports (the storm is over by then).
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, readUsage(pid).rssBytes);
    }, 100);
    const results = await Promise.race([
      collecting,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("workers did not report")), timeoutMs + 60_000)
      ),
    ]) as Extract<WorkerEvent, { event: "result" }>[];
    const doneAt = Date.now();
    clearInterval(sampler);
    const after = readUsage(pid);
    const workerCpu = members.map((m, i) => readUsage(m.child.pid).cpuSeconds - workerCpuAt[i]!);
    const busy = _cpuTotal() - busyAt;
    const records = results.flatMap((r) => r.records);
    const chatting = records.filter((r) => r.chattingAt !== null);
    const last = Math.max(...chatting.map((r) => r.chattingAt!));
    const fromSpawn = chatting.map((r) => r.chattingAt! - spawnAt).sort((a, b) => a - b);
    const fromListen = chatting.map((r) => r.chattingAt! - listeningAt).sort((a, b) => a - b);
    const offline = chatting.map((r) => r.chattingAt! - r.droppedAt!).sort((a, b) => a - b);
    const resume = chatting.map((r) => r.reconnectedAt! - r.lastAttemptAt!).sort((a, b) => a - b);
    const firstSay = chatting.map((r) => r.chattingAt! - r.reconnectedAt!).sort((a, b) => a - b);
    const attempts = records.map((r) => r.attempts).sort((a, b) => a - b);
    const passwordLogins = records.reduce((sum, r) => sum + r.passwordLogins, 0);
    const tokenLogins = records.reduce((sum, r) => sum + r.tokenLogins, 0);
    const errors: Record<string, number> = {};
    for (const r of records) if (r.error) errors[r.error] = (errors[r.error] ?? 0) + 1;
    const serverCpu = after.cpuSeconds - cpuAtListen;
    const stormSeconds = (last - listeningAt) / 1000;
    const figures = {
      date: new Date().toISOString(),
      clients,
      rooms,
      workers,
      limits: values.limits,
      setupFailed: failed,
      stopMs: exitedAt - stopAt,
      startMs: listeningAt - spawnAt,
      chatting: chatting.length,
      errors,
      allChattingAfterRestartMs: last - spawnAt,
      allChattingAfterListeningMs: last - listeningAt,
      perClientFromRestartMs: {
        p50: _quantile(fromSpawn, 0.5),
        p99: _quantile(fromSpawn, 0.99),
        max: _quantile(fromSpawn, 1),
      },
      perClientFromListeningMs: {
        p50: _quantile(fromListen, 0.5),
        p99: _quantile(fromListen, 0.99),
        max: _quantile(fromListen, 1),
      },
      perClientOfflineMs: {
        p50: _quantile(offline, 0.5),
        p99: _quantile(offline, 0.99),
        max: _quantile(offline, 1),
      },
      perClientResumeMs: {
        p50: _quantile(resume, 0.5),
        p99: _quantile(resume, 0.99),
        max: _quantile(resume, 1),
      },
      perClientSayMs: {
        p50: _quantile(firstSay, 0.5),
        p99: _quantile(firstSay, 0.99),
        max: _quantile(firstSay, 1),
      },
      workerCpuSeconds: workerCpu.map((c) => Number(c.toFixed(2))),
      attempts: {
        p50: _quantile(attempts, 0.5),
        p99: _quantile(attempts, 0.99),
        max: _quantile(attempts, 1),
      },
      tokenLogins,
      passwordLogins,
      serverRssBeforeStopMb: Math.round(before.rssBytes / 2 ** 20),
      serverRssAfterMb: Math.round(after.rssBytes / 2 ** 20),
      serverPeakRssMb: Math.round(Math.max(peakRss, after.rssBytes) / 2 ** 20),
      serverCpuSecondsStorm: Number(serverCpu.toFixed(2)),
      serverCpuShareStorm: Number((serverCpu / Math.max(stormSeconds, 0.001)).toFixed(2)),
      machineBusyCpuSeconds: Number(busy.toFixed(2)),
      machineSeconds: Number(((doneAt - busySince) / 1000).toFixed(1)),
      loadAverageBefore: loadBefore,
      loadAverageAfter: _loadAverage(),
    };
    const q = (x: { p50: number; p99: number; max: number }) => `${x.p50}/${x.p99}/${x.max}`;
    say(
      `server stop (SIGTERM → exit) ${figures.stopMs} ms; start → listening ${figures.startMs} ms`,
    );
    say(
      `${chatting.length}/${records.length} chatting again; all within ${figures.allChattingAfterRestartMs} ms of the restart ` +
        `(${figures.allChattingAfterListeningMs} ms of listening)`,
    );
    say(`per client after restart p50/p99/max ms: ${q(figures.perClientFromRestartMs)}`);
    say(`per client after listening p50/p99/max ms: ${q(figures.perClientFromListeningMs)}`);
    say(`per client offline (drop → chatting) p50/p99/max ms: ${q(figures.perClientOfflineMs)}`);
    say(
      `per client, last attempt → logged in and rooms re-joined p50/p99/max ms: ${
        q(figures.perClientResumeMs)
      }; then say → ok: ${q(figures.perClientSayMs)}`,
    );
    say(`connection attempts p50/p99/max: ${q(figures.attempts)}`);
    say(
      `logins on new connections: ${tokenLogins} with a token, ${passwordLogins} with a password`,
    );
    say(`errors: ${JSON.stringify(errors)}`);
    say(
      `server: CPU ${figures.serverCpuSecondsStorm} s from listening to the last client ` +
        `(${figures.serverCpuShareStorm} of a core); load generators ${
          figures.workerCpuSeconds.join(" + ")
        } CPU s; RSS peak ${figures.serverPeakRssMb} MB, after ${figures.serverRssAfterMb} MB`,
    );
    say(
      `machine: ${figures.machineBusyCpuSeconds} CPU s busy in ${figures.machineSeconds} s (2 cores); ` +
        `load average before ${loadBefore}, after ${figures.loadAverageAfter}`,
    );
    await Deno.mkdir(values.out, { recursive: true });
    await Deno.writeTextFile(`${values.out}/storm.json`, JSON.stringify(figures, null, 2) + "\n");
    say(`wrote ${values.out}/storm.json`);
    return chatting.length === clients ? 0 : 1;
  } finally {
    await Promise.all(members.map(async (m) => {
      try {
        await m.stdin.write(new TextEncoder().encode("close\n"));
        await m.stdin.close();
      } catch {
        // Gone.
      }
      const killer = setTimeout(() => {
        try {
          m.child.kill("SIGKILL");
        } catch { /* exited */ }
      }, 5_000);
      await m.child.status;
      clearTimeout(killer);
    }));
    await server?.stop("SIGTERM", 5_000);
    await database.drop();
  }
}

if (import.meta.main && Deno.args.includes("--worker")) await _workerMain();
