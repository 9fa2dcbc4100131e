/**
 * The failover measurement: three instances in cluster mode behind HAProxy (the deployment
 * configuration, `cluster_haproxy.ts`: TCP mode, `leastconn`, health checks on the chat port
 * every 500 ms), clients chatting in one room through HAProxy, then `kill -9` of
 * one instance. For each of its clients: the time from the kill until it has reconnected
 * through HAProxy, logged in, re-joined and had a new message acknowledged
 * (`cluster_failover_client.ts`). Afterwards, every acknowledged message must be in the
 * room's history (lost = acknowledged but absent), none stored twice, and every client must
 * have seen every message once.
 */
import { waitFor } from "../../tests/support/wait.ts";
import { BENCH_PASSWORD, roomName, userName } from "../provision.ts";
import { deploy, type Deployment } from "./cluster_deploy.ts";
import { FailoverClient } from "./cluster_failover_client.ts";
import { type BenchHaproxy, type ServerStats, startBenchHaproxy } from "./cluster_haproxy.ts";

/** What to run. */
export interface FailoverSpec {
  /** Clients through HAProxy (about a third are on the killed instance). */
  clients: number;
  /** Each client says a message every `intervalMs`. */
  intervalMs: number;
  /** Chatting before the kill. */
  warmupMs: number;
  /** Chatting after the last client of the killed instance is back. */
  afterMs: number;
  /**
   * Which instance to kill: the one writing the log into MySQL (the applier, which another
   * instance then takes over) or another one.
   */
  victim: "applier" | "other";
  mysqlAdminUrl: string;
}

/** What one failover measured. */
export interface FailoverResult {
  /** What was killed (see {@linkcode FailoverSpec.victim}). */
  victim: "applier" | "other";
  clients: number;
  /** Connections HAProxy had on the killed instance just before the kill. */
  victims: number;
  /** Clients whose connection dropped after the kill (should equal `victims`). */
  dropped: number;
  /** Of those, chatting again before the measurement gave up. */
  recovered: number;
  /** Kill → the client saw its connection end, the slowest (ms). */
  detectMsMax: number;
  /** Kill → logged in and re-joined on a new connection, median and slowest (ms). */
  rejoinedMs: { p50: number; max: number };
  /** Kill → chatting again, over the dropped clients (ms). */
  failoverMs: { p50: number; p99: number; max: number; min: number };
  /** Connection attempts per recovered client: mean and max. */
  attempts: { mean: number; max: number };
  /** Kill → HAProxy's health checks say DOWN (ms), null if not seen. */
  haproxyDownMs: number | null;
  /** The slowest reconnect's wait from connecting to HAProxy until the welcome (ms). */
  welcomeMsMax: number;
  /** What HAProxy counted on the killed instance: failed connects, retries, redispatches. */
  killedStats: Pick<ServerStats, "connectErrors" | "retries" | "redispatches"> | null;
  sent: number;
  acked: number;
  /** Acknowledged but absent from the history (or stored under another msgid). */
  lost: number;
  /** Messages (cids) stored more than once. */
  storedTwice: number;
  /** Sent and never acknowledged by the end. */
  unacked: number;
  /** Messages a client saw twice (event and catch-up). */
  duplicatesSeen: number;
  /** Stored messages some client never saw, summed over clients. */
  missedOnScreen: number;
  /** Error replies to `say` by code (`unavailable` ones were resent). */
  errors: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value at or below which `p` percent of `values` lie (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** Polls HAProxy's statistics until `name` is DOWN; the ms after `since`, or null. */
async function _downAfter(
  haproxy: BenchHaproxy,
  name: string,
  since: number,
  limitMs: number,
): Promise<number | null> {
  while (Date.now() - since < limitMs) {
    const states = await haproxy.stats().catch(() => null);
    if (states?.[name]?.status.startsWith("DOWN")) return Date.now() - since;
    await sleep(25);
  }
  return null;
}

/** Runs one failover; see the module doc. */
export async function runFailover(spec: FailoverSpec): Promise<FailoverResult> {
  const room = roomName(0);
  let deployment: Deployment | null = null;
  let haproxy: BenchHaproxy | null = null;
  const clients: FailoverClient[] = [];
  let reader: FailoverClient | null = null;
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    deployment = await deploy({
      kind: { mode: "cluster", instances: 3 },
      mysqlAdminUrl: spec.mysqlAdminUrl,
      users: spec.clients + 1,
      rooms: 1,
      // HAProxy passes each client's address on in a PROXY v2 header (the deployment's config).
      args: ["--proxy-protocol", "127.0.0.1"],
    });
    const instances = deployment.instances;
    haproxy = await startBenchHaproxy(instances.map((i) => ({ name: i.name, port: i.port })));
    const port = haproxy.port;
    // One after the other, so that `leastconn` spreads them evenly.
    for (let i = 0; i < spec.clients; i++) {
      clients.push(await FailoverClient.start(port, userName(i), room, BENCH_PASSWORD));
    }
    clients.forEach((client, i) => {
      const offset = Math.round((i / clients.length) * spec.intervalMs);
      timers.push(setTimeout(() => {
        client.say();
        timers.push(setInterval(() => client.say(), spec.intervalMs));
      }, offset));
    });
    await sleep(spec.warmupMs);

    // Instance 1 starts first and takes the applier's lock.
    const leads = (i: number) => instances[i]!.log().includes("cluster_applier_leading");
    const applier = [0, 1, 2].find(leads) ?? 0;
    const victim = instances[spec.victim === "applier" ? applier : (applier + 1) % 3]!;
    const victims = (await haproxy.stats())[victim.name]?.sessions ?? 0;
    const killedAt = Date.now();
    const down = _downAfter(haproxy, victim.name, killedAt, 30_000);
    await victim.kill();
    const droppedClients = () =>
      clients.filter((c) => c.episodes.some((e) => e.lostAt >= killedAt));
    const back = (c: FailoverClient) =>
      c.episodes.some((e) => e.lostAt >= killedAt && e.chattingAt !== null);
    await waitFor(
      "the killed instance's clients to chat again",
      () => droppedClients().length >= victims && droppedClients().every(back),
      60_000,
    ).catch(() => {});
    await sleep(spec.afterMs);
    for (const timer of timers) clearTimeout(timer);
    await waitFor(
      "every message to be acknowledged",
      () => clients.every((c) => c.pending.size === 0),
      30_000,
    )
      .catch(() => {});

    reader = await FailoverClient.start(port, userName(spec.clients), room, BENCH_PASSWORD);
    const history = await reader.fullHistory();
    const ids = history.map((m) => m.msgid as string);
    await waitFor(
      "every client to have seen every message",
      () => clients.every((c) => ids.every((id) => c.seen.has(id))),
      10_000,
    ).catch(() => {});
    const killedStats = (await haproxy.stats().catch(() => null))?.[victim.name] ?? null;
    return _figures(spec, clients, history, {
      killedAt,
      victims,
      dropped: droppedClients(),
      haproxyDownMs: await down,
      killedStats,
    });
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const client of clients) client.close();
    reader?.close();
    await haproxy?.stop();
    await deployment?.stop();
  }
}

interface Observed {
  killedAt: number;
  victims: number;
  dropped: FailoverClient[];
  haproxyDownMs: number | null;
  killedStats: ServerStats | null;
}

function _figures(
  spec: FailoverSpec,
  clients: FailoverClient[],
  history: Record<string, unknown>[],
  o: Observed,
): FailoverResult {
  const stored = new Map<string, string[]>();
  for (const m of history) {
    const ids = stored.get(m.text as string) ?? [];
    ids.push(m.msgid as string);
    stored.set(m.text as string, ids);
  }
  const episodes = o.dropped.map((c) => c.episodes.find((e) => e.lostAt >= o.killedAt)!);
  const recovered = episodes.filter((e) => e.chattingAt !== null);
  const times = recovered.map((e) => e.chattingAt! - o.killedAt);
  const rejoined = recovered.map((e) => e.joinedAt! - o.killedAt);
  const detect = episodes.map((e) => e.lostAt - o.killedAt);
  const attempts = recovered.map((e) => e.attempts);
  let lost = 0;
  let acked = 0;
  let sent = 0;
  let unacked = 0;
  let duplicatesSeen = 0;
  let missedOnScreen = 0;
  const errors: Record<string, number> = {};
  for (const c of clients) {
    acked += c.acked.size;
    unacked += c.pending.size;
    sent += c.acked.size + c.pending.size;
    duplicatesSeen += c.duplicatesSeen;
    for (const [cid, msgid] of c.acked) if (!stored.get(cid)?.includes(msgid)) lost++;
    for (const m of history) if (!c.seen.has(m.msgid as string)) missedOnScreen++;
    for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
  }
  return {
    victim: spec.victim,
    clients: spec.clients,
    victims: o.victims,
    dropped: o.dropped.length,
    recovered: recovered.length,
    detectMsMax: detect.length === 0 ? 0 : Math.max(...detect),
    rejoinedMs: {
      p50: percentile(rejoined, 50),
      max: rejoined.length === 0 ? 0 : Math.max(...rejoined),
    },
    failoverMs: {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: times.length === 0 ? 0 : Math.max(...times),
      min: times.length === 0 ? 0 : Math.min(...times),
    },
    attempts: {
      mean: attempts.length === 0
        ? 0
        : Math.round((attempts.reduce((a, b) => a + b, 0) / attempts.length) * 10) / 10,
      max: attempts.length === 0 ? 0 : Math.max(...attempts),
    },
    haproxyDownMs: o.haproxyDownMs,
    welcomeMsMax: Math.max(0, ...recovered.map((e) => e.welcomeMs ?? 0)),
    killedStats: o.killedStats === null ? null : {
      connectErrors: o.killedStats.connectErrors,
      retries: o.killedStats.retries,
      redispatches: o.killedStats.redispatches,
    },
    sent,
    acked,
    lost,
    storedTwice: [...stored.values()].filter((ids) => ids.length > 1).length,
    unacked,
    duplicatesSeen,
    missedOnScreen,
    errors,
  };
}
