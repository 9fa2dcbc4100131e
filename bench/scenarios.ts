/**
 * The benchmark scenarios of the issue, in a full and a quick size. Each yields run specs;
 * the latency sweep is sized from what the fan-out run measured.
 */
import type { RunSpec } from "./run.ts";

/** Sizes of one mode. */
export interface ModeSizes {
  durationMs: number;
  fanout: number[];
  roomsClients: number;
  roomsCount: number;
  rampClients: number;
  durableSeconds: number;
  rawRows: number;
  /** Fractions of the maximum rate offered in the latency sweep. */
  sweep: number[];
}

/** Full mode: the sizes the issue names. */
export const FULL: ModeSizes = {
  durationMs: 6_000,
  fanout: [200, 2_000],
  roomsClients: 10_000,
  roomsCount: 1_000,
  rampClients: 20_000,
  durableSeconds: 6,
  rawRows: 200_000,
  sweep: [0.1, 0.25, 0.5, 0.75],
};

/** Quick mode: the same shapes, smaller, in well under two minutes. */
export const QUICK: ModeSizes = {
  durationMs: 2_000,
  fanout: [200],
  roomsClients: 1_000,
  roomsCount: 100,
  rampClients: 2_000,
  durableSeconds: 2,
  rawRows: 30_000,
  sweep: [0.5],
};

/** Settings shared by every run. */
export interface Common {
  mysqlAdminUrl: string;
  textSize: number;
  workers: number;
}

type Base = Omit<RunSpec, "label" | "target" | "clients" | "rooms" | "senders" | "rate">;

function _base(common: Common, durationMs: number): Base {
  return { ...common, store: "sqlite", window: 32, durationMs };
}

/** (1) Fan-out: N clients in one room, 10 senders, unpaced. */
export function fanoutSpecs(sizes: ModeSizes, common: Common): RunSpec[] {
  return sizes.fanout.flatMap((clients) =>
    (["relay", "fastchat"] as const).map((target) => ({
      ..._base(common, sizes.durationMs),
      label: `fanout-${clients}`,
      target,
      clients,
      rooms: 1,
      senders: 10,
      rate: null,
      window: clients >= 1_000 ? 8 : 32,
    }))
  );
}

/** (2) Many rooms: one sender per room, unpaced with a small window. */
export function roomsSpecs(sizes: ModeSizes, common: Common): RunSpec[] {
  return (["relay", "fastchat"] as const).map((target) => ({
    ..._base(common, sizes.durationMs),
    label: `rooms-${sizes.roomsClients}`,
    target,
    clients: sizes.roomsClients,
    rooms: sizes.roomsCount,
    senders: sizes.roomsCount,
    rate: null,
    window: 4,
    workers: Math.max(common.workers, 4),
  }));
}

/** (3) Connection ramp: idle connections, RSS per connection. */
export function rampSpecs(sizes: ModeSizes, common: Common): RunSpec[] {
  return (["relay", "fastchat"] as const).map((target) => ({
    ..._base(common, 0),
    label: `ramp-${sizes.rampClients}`,
    target,
    clients: sizes.rampClients,
    rooms: 1,
    senders: 0,
    rate: null,
    idle: true,
    workers: 4,
    serverArgs: ["--max-connections", "off", "--login-timeout", "off"],
  }));
}

/** (4) Durable throughput: 50 senders, each alone in its room, so acks dominate. */
export function durableSpecs(sizes: ModeSizes, common: Common, mysql: boolean): RunSpec[] {
  const stores = mysql ? (["sqlite", "mysql"] as const) : (["sqlite"] as const);
  return stores.map((store) => ({
    ..._base(common, sizes.durableSeconds * 1000),
    label: `durable-${store}`,
    target: "fastchat" as const,
    store,
    clients: 50,
    rooms: 50,
    senders: 50,
    rate: null,
    window: 64,
  }));
}

/** (5) Latency against offered load: 200 clients, 10 senders, paced at fractions of `max`. */
export function latencySpecs(
  sizes: ModeSizes,
  common: Common,
  maxMessagesPerSec: number,
): RunSpec[] {
  return sizes.sweep.flatMap((fraction) =>
    (["relay", "fastchat"] as const).map((target) => ({
      ..._base(common, sizes.durationMs),
      label: `latency-${Math.round(fraction * 100)}%`,
      target,
      clients: 200,
      rooms: 1,
      senders: 10,
      rate: Math.max(10, Math.round(maxMessagesPerSec * fraction)),
      window: 10_000,
    }))
  );
}
