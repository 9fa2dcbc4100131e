/**
 * One load run of the cluster benchmark on a running deployment: the load-generator workers
 * of `bench/worker.ts` (connect + login → join → go → drain, in lock-step), with client `i`
 * on instance `i mod N` (so a room's members and its senders are spread over every
 * instance), and the figures: deliveries/s, acked/s, latency percentiles, loss, and the CPU
 * time each instance, the NATS server and MariaDB spent while the load ran (from
 * /proc/PID/stat), per delivered and per acknowledged message, until the database held every
 * acknowledged message (cluster mode writes MySQL after the `ok`: how far behind it was is
 * measured too).
 */
import { Fleet } from "../fleet.ts";
import { Histogram } from "../histogram.ts";
import type { ClientSpec, SenderReport, WorkerPlan, WorkerStats } from "../plan.ts";
import { readUsage } from "../processes.ts";
import { BENCH_PASSWORD, roomName, userName } from "../provision.ts";
import type { Deployment } from "./cluster_deploy.ts";

/** The load shapes of the benchmark. */
export type LoadScenario = "fanout" | "latency" | "durable" | "bus";

/** What load to offer. */
export interface LoadSpec {
  scenario: LoadScenario;
  clients: number;
  rooms: number;
  /** Senders are clients `0 … senders-1`. */
  senders: number;
  /** Offered messages per second, all senders together; null = unpaced (window-bound). */
  rate: number | null;
  /** Unacknowledged messages per sender. */
  window: number;
  textSize: number;
  durationMs: number;
  /** Load-generator processes (rounded up to a multiple of the instance count). */
  workers: number;
}

/** What one instance did during a run. */
export interface InstanceFigures {
  name: string;
  cpuSeconds: number;
  /** Deliveries to the clients connected to it. */
  deliveries: number;
  /** CPU µs per delivery to its clients. */
  usPerDelivery: number;
  /** CPU µs per message acknowledged in the whole deployment. */
  usPerMessage: number;
}

/** What a run measured. */
export interface LoadResult {
  scenario: LoadScenario;
  /** The deployment's label (`single`, `cluster-1`, `cluster-3`). */
  deployment: string;
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
  /** Connections the servers closed during the run. */
  dropped: number;
  errors: Record<string, number>;
  deliveriesPerSec: number;
  ackedPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Wall seconds from `go` to the end of `drain`: the CPU figures' window. */
  wallSeconds: number;
  instances: InstanceFigures[];
  /** Every instance together: CPU µs per delivery and per acknowledged message. */
  usPerDelivery: number;
  usPerMessage: number;
  /** The NATS server's CPU (cluster mode), and per acknowledged message. */
  natsCpuSeconds: number | null;
  natsUsPerMessage: number | null;
  /** MariaDB's CPU (shared with anything else using it), when its pid is readable. */
  dbCpuSeconds: number | null;
  dbUsPerMessage: number | null;
  /** Cores the whole machine kept busy meanwhile (everyone's processes, from /proc/stat). */
  machineBusyCores: number;
  /**
   * After the last delivery: how long until the database held every acknowledged message
   * (ms; 0 when it did already, as in single-process mode where `ok` follows the commit);
   * null when it had not after {@linkcode STORED_LIMIT_MS}.
   */
  storedAfterMs: number | null;
  /** Acknowledged messages over the time from `go` until the database held them all. */
  storedPerSec: number | null;
  /** Acknowledged messages the database still lacked when the wait for them ended. */
  storedBehind: number;
  /** WARN and ERROR events the instances logged during the run, by event name. */
  warnings: Record<string, number>;
}

/** WARN and ERROR events in `log` at or after `since` (epoch ms), counted by event name. */
export function logWarnings(log: string, since: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of log.split("\n")) {
    const match = /^(\S+) (WARN|ERROR) (\S+)/.exec(line);
    if (!match || !(Date.parse(match[1]!) >= since)) continue;
    out[match[3]!] = (out[match[3]!] ?? 0) + 1;
  }
  return out;
}

/** How long a run waits for the database to hold every acknowledged message. */
export const STORED_LIMIT_MS = 60_000;

/** CPU seconds the whole machine has been busy (all cores, idle and iowait excluded). */
export function machineBusySeconds(): number {
  try {
    const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0]!.trim().split(/\s+/);
    const ticks = cpu.slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / 100;
  } catch {
    return 0;
  }
}

/** The workers' plans: worker `w` drives instance `w mod N`; client `i` is on `i mod N`. */
export function loadPlans(spec: LoadSpec, ports: readonly number[]): WorkerPlan[] {
  const n = ports.length;
  const perInstance = Math.max(1, Math.ceil(spec.workers / n));
  const clients: ClientSpec[][] = Array.from({ length: n * perInstance }, () => []);
  for (let i = 0; i < spec.clients; i++) {
    const instance = i % n;
    const worker = instance + n * (Math.floor(i / n) % perInstance);
    clients[worker]!.push({
      user: userName(i),
      room: roomName(i % spec.rooms),
      sender: i < spec.senders ? i : null,
    });
  }
  return clients.map((list, w) => ({
    target: "fastchat" as const,
    host: "127.0.0.1",
    port: ports[w % n]!,
    password: BENCH_PASSWORD,
    clients: list,
    ratePerSender: spec.rate === null ? null : spec.rate / spec.senders,
    window: spec.window,
    textSize: spec.textSize,
    durationMs: spec.durationMs,
    concurrency: 100,
  })).filter((plan) => plan.clients.length > 0);
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Runs one load on `deployment`; see the module doc. */
export async function runLoad(
  deployment: Deployment,
  spec: LoadSpec,
  dbPid: number | null,
): Promise<LoadResult> {
  const ports = deployment.instances.map((i) => i.port);
  const plans = loadPlans(spec, ports);
  const fleet = await Fleet.start(plans);
  try {
    const setupLimit = 60_000 + spec.clients * 20;
    await fleet.step("connect", "connected", setupLimit);
    await fleet.step("join", "joined", setupLimit);
    const cpu = () => ({
      instances: deployment.instances.map((i) => i.usage().cpuSeconds),
      nats: deployment.natsPid === null ? null : readUsage(deployment.natsPid).cpuSeconds,
      db: dbPid === null ? null : readUsage(dbPid).cpuSeconds,
      machine: machineBusySeconds(),
    });
    const storedBefore = await deployment.storedMessages();
    const startedAt = Date.now();
    const before = cpu();
    const wallStart = performance.now();
    const sent = await fleet.step("go", "sent", spec.durationMs + 40_000);
    const stats = await fleet.step("drain", "stats", 40_000);
    const drained = performance.now();
    // In cluster mode the applier writes the log into MySQL after the acks: its work (and
    // its lag) belongs to this load, and the next load's joins would wait for it.
    const acked = sent.flatMap((e) => e.senders).reduce((t, s) => t + s.acked, 0);
    let stored: number | null = null;
    let behind = 0;
    while (true) {
      behind = Math.max(0, storedBefore + acked - await deployment.storedMessages());
      if (behind === 0) stored = performance.now();
      if (behind === 0 || performance.now() - drained > STORED_LIMIT_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const warnings: Record<string, number> = {};
    for (const instance of deployment.instances) {
      for (const [event, n] of Object.entries(logWarnings(instance.log(), startedAt))) {
        warnings[event] = (warnings[event] ?? 0) + n;
      }
    }
    const after = cpu();
    const wallSeconds = (performance.now() - wallStart) / 1000;
    return _figures(deployment, spec, plans, {
      senders: sent.flatMap((e) => e.senders),
      startedAt: Math.min(...sent.map((e) => e.startedAt)),
      stats: stats.map((e) => e.stats),
      wallSeconds,
      instanceCpu: after.instances.map((t, i) => t - before.instances[i]!),
      natsCpu: after.nats === null ? null : after.nats - before.nats!,
      dbCpu: after.db === null || before.db === null ? null : after.db - before.db,
      machineCpu: after.machine - before.machine,
      storedAfterMs: stored === null ? null : Math.max(0, Math.round(stored - drained)),
      storedSeconds: stored === null ? null : (stored - wallStart) / 1000,
      storedBehind: behind,
      warnings,
    });
  } finally {
    await fleet.stop();
  }
}

interface Measured {
  senders: SenderReport[];
  startedAt: number;
  /** One per plan, in plan order. */
  stats: WorkerStats[];
  wallSeconds: number;
  instanceCpu: number[];
  natsCpu: number | null;
  dbCpu: number | null;
  machineCpu: number;
  storedAfterMs: number | null;
  /** From `go` until the database held every acknowledged message. */
  storedSeconds: number | null;
  storedBehind: number;
  warnings: Record<string, number>;
}

function _figures(
  deployment: Deployment,
  spec: LoadSpec,
  plans: WorkerPlan[],
  m: Measured,
): LoadResult {
  const membersOf = new Map<string, number>();
  for (const plan of plans) {
    for (const c of plan.clients) membersOf.set(c.room!, (membersOf.get(c.room!) ?? 0) + 1);
  }
  const delivered = new Map<number, number>();
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  let lastDelivery = 0;
  let lastAck = 0;
  for (const s of m.stats) {
    for (const [sender, n] of s.perSender) delivered.set(sender, (delivered.get(sender) ?? 0) + n);
    latency.merge(s.latency);
    lastDelivery = Math.max(lastDelivery, s.lastDelivery);
    lastAck = Math.max(lastAck, s.lastAck);
    for (const [code, n] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  // Every acknowledged message reaches every member of its room, its sender included.
  let expected = 0;
  let lost = 0;
  for (const s of m.senders) {
    const want = (s.sent - s.refused) * (membersOf.get(roomName(s.sender % spec.rooms)) ?? 0);
    expected += want;
    lost += Math.max(0, want - (delivered.get(s.sender) ?? 0));
  }
  const total = (f: (s: WorkerStats) => number) => m.stats.reduce((t, s) => t + f(s), 0);
  const deliveries = total((s) => s.deliveries);
  const acked = m.senders.reduce((t, s) => t + s.acked, 0);
  const perSecond = (count: number, end: number) =>
    Math.round(count / Math.max(1e-6, (end - m.startedAt) / 1e6));
  const ms = (us: number) => round(us / 1000);
  const us = (seconds: number, count: number) => round((seconds * 1e6) / Math.max(1, count), 1);
  const instanceCpu = m.instanceCpu.reduce((a, b) => a + b, 0);
  const instances = deployment.instances.map((instance, i) => {
    const mine = m.stats.reduce(
      (t, s, w) => t + (plans[w]!.port === instance.port ? s.deliveries : 0),
      0,
    );
    return {
      name: instance.name,
      cpuSeconds: round(m.instanceCpu[i]!),
      deliveries: mine,
      usPerDelivery: us(m.instanceCpu[i]!, mine),
      usPerMessage: us(m.instanceCpu[i]!, acked),
    };
  });
  return {
    scenario: spec.scenario,
    deployment: deployment.label,
    clients: spec.clients,
    rooms: spec.rooms,
    senders: spec.senders,
    offeredRate: spec.rate,
    sent: m.senders.reduce((t, s) => t + s.sent, 0),
    acked,
    refused: m.senders.reduce((t, s) => t + s.refused, 0),
    behind: m.senders.reduce((t, s) => t + s.behind, 0),
    deliveries,
    expectedDeliveries: expected,
    lost,
    duplicates: total((s) => s.duplicates),
    reordered: total((s) => s.reordered),
    dropped: total((s) => s.dropped),
    errors,
    deliveriesPerSec: perSecond(deliveries, lastDelivery),
    ackedPerSec: perSecond(acked, lastAck),
    latencyMs: {
      p50: ms(latency.percentile(50)),
      p99: ms(latency.percentile(99)),
      max: ms(latency.max),
    },
    wallSeconds: round(m.wallSeconds),
    instances,
    usPerDelivery: us(instanceCpu, deliveries),
    usPerMessage: us(instanceCpu, acked),
    natsCpuSeconds: m.natsCpu === null ? null : round(m.natsCpu),
    natsUsPerMessage: m.natsCpu === null ? null : us(m.natsCpu, acked),
    dbCpuSeconds: m.dbCpu === null ? null : round(m.dbCpu),
    dbUsPerMessage: m.dbCpu === null ? null : us(m.dbCpu, acked),
    machineBusyCores: round(m.machineCpu / Math.max(1e-6, m.wallSeconds)),
    storedAfterMs: m.storedAfterMs,
    storedPerSec: m.storedSeconds === null ? null : Math.round(acked / m.storedSeconds),
    storedBehind: m.storedBehind,
    warnings: m.warnings,
  };
}
