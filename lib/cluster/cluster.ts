/**
 * Cluster mode (`--cluster`): joins the NATS servers and the cluster's log, and builds the
 * {@linkcode ClusterPlug} the chat server runs with. Loaded by `lib/app/start.ts` only when
 * `--cluster` is given, so that one process never loads the NATS client.
 *
 * The parts: `bus.ts` (the NATS connection), `log_stream.ts` and `log_entry.ts` (the
 * JetStream stream that orders every message and control event of the cluster),
 * `cluster_log.ts` (appending and reading it), `applier.ts` (writing it into MySQL),
 * `applied.ts` and `gated_store.ts` (reads wait for the database to catch up),
 * `presence.ts` (who is where, across instances), `admin_views.ts`. See docs/cluster.md.
 */
import type { Logger } from "../common/log.ts";
import type { Store } from "../store/store.ts";
import type { ClusterEvent } from "../server/chat/cluster_events.ts";
import type { ClusterLink } from "../server/chat/cluster_link.ts";
import type { PresenceHooks } from "../server/chat/presence_hooks.ts";
import { Fanout, type LocalDeliveryParts } from "../server/chat/delivery.ts";
import type { ChatServer, ClusterPlug } from "../server/chat_server.ts";
import { applyRemoteEvent } from "../server/remote_events.ts";
import { AppliedPosition } from "./applied.ts";
import { APPLIED_SUBJECT, LogApplier } from "./applier.ts";
import { ClusterBus } from "./bus.ts";
import { ClusterDelivery } from "./cluster_delivery.ts";
import { ClusterLog } from "./cluster_log.ts";
import { gateMessageReads } from "./gated_store.ts";
import { type PresenceParts, startPresence } from "./presence.ts";
import { entryTop, openLogStream } from "./log_stream.ts";

/** How long an announcement waits to be applied by every instance before going on. */
const ANNOUNCE_MS = 2_000;

/** The subject on which instances answer once they have read an entry of the log. */
const READ_THROUGH_SUBJECT = "log.read-through";

/** `promise`'s value, or null after `ms`. */
async function _within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a presence barrier waits for NATS before the reply goes anyway. */
const BARRIER_MS = 500;

/**
 * How long a stopping instance waits for the database to hold the log entries it has read
 * (see `close` in {@linkcode joinCluster}).
 */
const DRAIN_MS = 10_000;

/** A round trip to NATS (its `PONG` comes after everything it had sent us), bounded. */
async function flushWithin(bus: ClusterBus, ms: number): Promise<void> {
  if (!bus.connected) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    bus.nc.flush().catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** Tries of each start step before the start fails. */
const START_ATTEMPTS = 5;

/** What joining needs. */
export interface JoinOptions {
  /** `--cluster`: the NATS URLs. */
  servers: string[];
  clusterName: string;
  instance: string;
  /** This instance's chat address, `host:port` (shown in `GET /api/instances`). */
  chat: string;
  /** `--db` (a mysql:// URL): the applier opens its own connection. */
  db: string;
  /** The store opened on `db`. */
  store: Store;
  log: Logger;
  clock: () => number;
}

/** A joined cluster. */
export interface JoinedCluster {
  plug: ClusterPlug;
  /** The store to give the chat server: message reads wait for the applier. */
  store: Store;
  bus: ClusterBus;
  /** Leaves the cluster: stops reading, writing and presence, closes the NATS connection. */
  close(): Promise<void>;
}

/** Presence hooks that forward to the real ones once the server exists. */
class LatePresence implements PresenceHooks {
  target: PresenceHooks | null = null;
  loggedIn(...args: Parameters<PresenceHooks["loggedIn"]>): void {
    this.target?.loggedIn(...args);
  }
  loggedOut(...args: Parameters<PresenceHooks["loggedOut"]>): void {
    this.target?.loggedOut(...args);
  }
  entered(...args: Parameters<PresenceHooks["entered"]>): void {
    this.target?.entered(...args);
  }
  left(...args: Parameters<PresenceHooks["left"]>): void {
    this.target?.left(...args);
  }
}

/** Connects to NATS, opens the log and starts the applier; throws one line on failure. */
export async function joinCluster(options: JoinOptions): Promise<JoinedCluster> {
  const { store, log } = options;
  const bus = await ClusterBus.connect({
    servers: options.servers,
    clusterName: options.clusterName,
    instance: options.instance,
    log,
  });
  try {
    const stream = await _retrying(
      "opening the cluster's stream",
      log,
      () => openLogStream(bus, store, Math.min(3, options.servers.length)),
    );
    const readApplied = async () => Number(await store.getSetting(stream.appliedKey) ?? 0);
    const applied = new AppliedPosition(await readApplied(), readApplied);
    const unsubscribe = bus.subscribe(APPLIED_SUBJECT, (data) => {
      const entry = (data as { entry?: unknown }).entry;
      if (typeof entry === "number") applied.update(entry);
    });
    const applier = new LogApplier({ bus, stream, dbUrl: options.db, log, applied });
    applier.start();
    const presence = new LatePresence();
    let clusterLog: ClusterLog | null = null;
    let deliveryParts: LocalDeliveryParts | null = null;
    let views: PresenceParts | null = null;
    const link: ClusterLink = {
      instance: options.instance,
      presence,
      async announce(event: ClusterEvent) {
        if (clusterLog === null) return;
        const entry = await _within(clusterLog.announce(event), ANNOUNCE_MS);
        const instances = views?.instances().length ?? 1;
        if (entry === null || instances <= 1) return;
        // Every instance answers, this one included, once it has read the entry.
        await bus.requestAll(READ_THROUGH_SUBJECT, { entry }, ANNOUNCE_MS, instances);
      },
      presenceBarrier: () => flushWithin(bus, BARRIER_MS),
      instances: () => views?.instances() ?? [],
      clusterUsers: () => views?.clusterUsers() ?? Promise.resolve([]),
      stats: () => ({
        instances: Math.max(1, views?.instances().length ?? 1),
        natsConnected: bus.connected,
        readEntry: clusterLog?.readEntry ?? stream.lastEntry,
        appliedEntry: applied.applied,
        applier: applier.leading,
      }),
    };
    const initialSeq = entryTop(stream, stream.lastEntry);
    const closers: (() => void)[] = [];
    const close = async () => {
      // Every message this instance acknowledged is in the log, but the database may not
      // hold it yet. Were this the last instance, a server started alone on the database
      // (without --cluster) would not know those messages and give their msgids again: it
      // did under load (mode_switch_test). So wait until the applier (here or elsewhere)
      // has written what this instance has read, within reason, still answering the other
      // instances' read-throughs meanwhile (the closers stop that). Also when NATS is down
      // at this moment: it may be back within the wait, and the position is read from the
      // database as well.
      const read = clusterLog?.readEntry ?? 0;
      await applied.waitFor(read, DRAIN_MS).catch(() => {
        log.log("warn", "cluster_stop_unapplied", { read, applied: applied.applied });
      });
      for (const closer of closers) closer();
      await views?.stop();
      await clusterLog?.stop();
      unsubscribe();
      await applier.stop();
      await bus.close();
    };
    const plug: ClusterPlug = {
      link,
      lastSeq: initialSeq,
      delivery(parts) {
        deliveryParts = parts;
        return new ClusterDelivery(parts, () => clusterLog?.lastSeq ?? initialSeq);
      },
      writer(callbacks) {
        if (deliveryParts === null) throw new Error("the delivery is made before the writer");
        clusterLog = new ClusterLog({
          bus,
          stream,
          callbacks,
          fanout: new Fanout(deliveryParts),
          applied,
          log,
          clock: options.clock,
          firstSends: store.findFirstSends?.bind(store),
        });
        return clusterLog;
      },
      async attach(server: ChatServer) {
        views = await startPresence(bus, server, log, { chat: options.chat });
        presence.target = views.hooks;
        const unanswer = bus.subscribe(READ_THROUGH_SUBJECT, (data, reply) => {
          const entry = (data as { entry?: unknown }).entry;
          if (reply === undefined || typeof entry !== "number") return;
          void clusterLog!.readThrough(entry, ANNOUNCE_MS).then((read) =>
            bus.respond(reply, { instance: options.instance, read })
          );
        });
        closers.push(unanswer);
        clusterLog!.startReading({
          room: (id) => server.core.rooms.byId(id) ?? null,
          control: (event) => applyRemoteEvent(server, event),
        });
        log.log("info", "cluster_joined", {
          cluster: options.clusterName,
          instance: options.instance,
          stream: stream.name,
          from_entry: stream.lastEntry,
        });
      },
    };
    const gated = gateMessageReads(store, () => clusterLog?.caughtUp() ?? Promise.resolve());
    return { plug, store: gated, bus, close };
  } catch (error) {
    await bus.close();
    throw error;
  }
}

/** Tries a start step a few times (NATS may be electing a leader); the error names the step. */
async function _retrying<T>(step: string, log: Logger, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await work();
    } catch (error) {
      const message = (error as Error).message;
      if (attempt >= START_ATTEMPTS) throw new Error(`${step} failed: ${message}`);
      log.log("warn", "cluster_start_retry", { step, attempt, error: message });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
