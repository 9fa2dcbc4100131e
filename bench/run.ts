/**
 * One measured run: a server (FastChat on a fresh database, or the relay), a fleet of
 * workers with its clients, the phases connect → join → go → drain, and the figures.
 * Every process it starts is ended before it returns or throws.
 */
import { Fleet } from "./fleet.ts";
import { Histogram } from "./histogram.ts";
import type { ClientSpec, SenderReport, Target, WorkerPlan, WorkerStats } from "./plan.ts";
import { type ServerHandle, startFastchat, startRelay } from "./processes.ts";
import {
  BENCH_PASSWORD,
  freshDatabase,
  provision,
  roomName,
  type StoreKind,
  userName,
} from "./provision.ts";

/** What to run. */
export interface RunSpec {
  /** Label in reports, e.g. `fanout-200`. */
  label: string;
  target: Target;
  /** FastChat's database (ignored by the relay). */
  store: StoreKind;
  clients: number;
  rooms: number;
  senders: number;
  /** Offered messages per second, all senders together; null = unpaced. */
  rate: number | null;
  /** Unacknowledged messages per sender. */
  window: number;
  textSize: number;
  durationMs: number;
  workers: number;
  /** Idle connections only: connect (and read the welcome), no login, no traffic. */
  idle?: boolean;
  /** Extra FastChat flags. */
  serverArgs?: string[];
  /** Deno flags for the FastChat process (e.g. `--cpu-prof`). */
  denoFlags?: string[];
  mysqlAdminUrl: string;
}

/** What a run measured. */
export interface RunResult {
  label: string;
  target: Target;
  store: StoreKind | null;
  clients: number;
  rooms: number;
  senders: number;
  offeredRate: number | null;
  sent: number;
  acked: number;
  refused: number;
  /** Messages a paced sender could not offer on time (window full). */
  behind: number;
  deliveries: number;
  expectedDeliveries: number;
  lost: number;
  duplicates: number;
  reordered: number;
  dropped: number;
  errors: Record<string, number>;
  deliveriesPerSec: number;
  ackedPerSec: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  /** Server CPU seconds while sending and draining, and per wall second. */
  serverCpuSeconds: number;
  serverCpuShare: number;
  serverRssMB: number;
  /** Idle runs: RSS added per connection, bytes. */
  rssPerConnection: number | null;
  setupSeconds: number;
}

/** Round-robin assignment of clients to workers; senders are the first `senders` clients. */
function _plans(spec: RunSpec, port: number): WorkerPlan[] {
  const perWorker: ClientSpec[][] = Array.from({ length: spec.workers }, () => []);
  for (let i = 0; i < spec.clients; i++) {
    perWorker[i % spec.workers]!.push({
      user: userName(i),
      room: spec.idle ? null : roomName(i % spec.rooms),
      sender: !spec.idle && i < spec.senders ? i : null,
    });
  }
  return perWorker.map((clients) => ({
    target: spec.target,
    host: "127.0.0.1",
    port,
    password: BENCH_PASSWORD,
    clients,
    ratePerSender: spec.rate === null ? null : spec.rate / spec.senders,
    window: spec.window,
    textSize: spec.textSize,
    durationMs: spec.durationMs,
    concurrency: 100,
  }));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one measurement; see the module doc. */
export async function runOnce(spec: RunSpec): Promise<RunResult> {
  const database = spec.target === "fastchat"
    ? await freshDatabase(spec.store, spec.mysqlAdminUrl)
    : null;
  let server: ServerHandle | null = null;
  let fleet: Fleet | null = null;
  try {
    if (database) {
      await provision(database.db, spec.idle ? 0 : spec.clients, spec.rooms);
      server = await startFastchat(database.db, spec.serverArgs, spec.denoFlags);
    } else {
      server = await startRelay();
    }
    await sleep(300);
    const baseline = server.usage();
    const setupStart = performance.now();
    fleet = await Fleet.start(_plans(spec, server.port));
    const setupLimit = 60_000 + spec.clients * 20;
    await fleet.step("connect", "connected", setupLimit);
    if (spec.idle) {
      await sleep(1_000);
      const after = server.usage();
      return _idleResult(spec, after.rssBytes - baseline.rssBytes, after.rssBytes, setupStart);
    }
    await fleet.step("join", "joined", setupLimit);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const before = server.usage();
    const wallStart = performance.now();
    const sent = await fleet.step("go", "sent", spec.durationMs + 40_000);
    const stats = await fleet.step("drain", "stats", 40_000);
    const after = server.usage();
    const wall = (performance.now() - wallStart) / 1000;
    return _result(spec, {
      senders: sent.flatMap((e) => e.senders),
      startedAt: Math.min(...sent.map((e) => e.startedAt)),
      stats: stats.map((e) => e.stats),
      cpu: after.cpuSeconds - before.cpuSeconds,
      wall,
      rss: after.rssBytes,
      setupSeconds,
    });
  } finally {
    await fleet?.stop();
    await server?.stop();
    await database?.drop();
  }
}

function _idleResult(spec: RunSpec, added: number, rss: number, setupStart: number): RunResult {
  return {
    ..._empty(spec),
    serverRssMB: rss / 2 ** 20,
    rssPerConnection: added / spec.clients,
    setupSeconds: (performance.now() - setupStart) / 1000,
  };
}

function _empty(spec: RunSpec): RunResult {
  return {
    label: spec.label,
    target: spec.target,
    store: spec.target === "fastchat" ? spec.store : null,
    clients: spec.clients,
    rooms: spec.rooms,
    senders: spec.idle ? 0 : spec.senders,
    offeredRate: spec.rate,
    sent: 0,
    acked: 0,
    refused: 0,
    behind: 0,
    deliveries: 0,
    expectedDeliveries: 0,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    dropped: 0,
    errors: {},
    deliveriesPerSec: 0,
    ackedPerSec: 0,
    latencyMs: { p50: 0, p99: 0, max: 0, mean: 0 },
    serverCpuSeconds: 0,
    serverCpuShare: 0,
    serverRssMB: 0,
    rssPerConnection: null,
    setupSeconds: 0,
  };
}

interface Collected {
  senders: SenderReport[];
  startedAt: number;
  stats: WorkerStats[];
  cpu: number;
  wall: number;
  rss: number;
  setupSeconds: number;
}

function _result(spec: RunSpec, c: Collected): RunResult {
  // Every client of a room receives each of its messages, the sender's own client included.
  const roomSize = (room: number) =>
    Math.floor(spec.clients / spec.rooms) + (room < spec.clients % spec.rooms ? 1 : 0);
  const delivered = new Map<number, number>();
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  let lastDelivery = 0;
  let lastAck = 0;
  for (const s of c.stats) {
    for (const [sender, n] of s.perSender) delivered.set(sender, (delivered.get(sender) ?? 0) + n);
    latency.merge(s.latency);
    lastDelivery = Math.max(lastDelivery, s.lastDelivery);
    lastAck = Math.max(lastAck, s.lastAck);
    for (const [code, n] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  let expected = 0;
  let lost = 0;
  for (const s of c.senders) {
    const want = (s.sent - s.refused) * roomSize(s.sender % spec.rooms);
    expected += want;
    lost += Math.max(0, want - (delivered.get(s.sender) ?? 0));
  }
  const sum = (f: (x: SenderReport) => number) => c.senders.reduce((t, s) => t + f(s), 0);
  const deliveries = c.stats.reduce((t, s) => t + s.deliveries, 0);
  const acked = sum((s) => s.acked);
  const seconds = (end: number) => Math.max(1e-6, (end - c.startedAt) / 1e6);
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    ..._empty(spec),
    sent: sum((s) => s.sent),
    acked,
    refused: sum((s) => s.refused),
    behind: sum((s) => s.behind),
    deliveries,
    expectedDeliveries: expected,
    lost,
    duplicates: c.stats.reduce((t, s) => t + s.duplicates, 0),
    reordered: c.stats.reduce((t, s) => t + s.reordered, 0),
    dropped: c.stats.reduce((t, s) => t + s.dropped, 0),
    errors,
    deliveriesPerSec: Math.round(deliveries / seconds(lastDelivery)),
    ackedPerSec: Math.round(acked / seconds(lastAck)),
    latencyMs: {
      p50: ms(latency.percentile(50)),
      p99: ms(latency.percentile(99)),
      max: ms(latency.max),
      mean: ms(latency.count === 0 ? 0 : latency.sum / latency.count),
    },
    serverCpuSeconds: Math.round(c.cpu * 100) / 100,
    serverCpuShare: Math.round((c.cpu / c.wall) * 100) / 100,
    serverRssMB: Math.round(c.rss / 2 ** 20),
    setupSeconds: Math.round(c.setupSeconds * 10) / 10,
  };
}
