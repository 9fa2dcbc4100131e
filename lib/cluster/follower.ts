/**
 * Reads the cluster's log in order from a position, for as long as it is asked to, across
 * NATS reconnections and the loss of a NATS node: the log's reader (`cluster_log.ts`) and
 * its applier (`applier.ts`) both follow it this way. JetStream's ordered consumer recreates
 * itself after a gap, but after a node's death it may only notice when heartbeats are
 * missed (tens of seconds by default); here the consumer is recreated from the last entry
 * handled at once after a reconnection, after missed heartbeats, and when the stream holds
 * entries that have not come for a while.
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { ConsumerMessages } from "@nats-io/jetstream";
import type { Logger } from "../common/log.ts";
import type { ClusterBus } from "./bus.ts";
import type { LogStream } from "./log_stream.ts";

/** How often a follower that received nothing checks that the stream holds nothing new. */
const STALL_CHECK_MS = 2_000;

/** Pause before recreating a consumer after a failure. */
const RETRY_MS = 250;

/** What a follower does with the log. */
export interface FollowOptions {
  /** The first entry wanted now (called again at each recreation). */
  from(): number;
  /**
   * Handles one entry, in order; `more` is the number of entries after it in the log
   * when it was delivered (0 = the last one of a burst). The next entry waits for it.
   */
  onEntry(msg: JsMsg, more: number): Promise<void>;
  /** For the log: who follows. */
  name: string;
}

/** A running follower. */
export interface Follower {
  /** Recreates the consumer from `from()` (e.g. after a failure to apply). */
  restart(): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows `stream` from `options.from()`; see the module doc. */
export function follow(
  bus: ClusterBus,
  stream: LogStream,
  log: Logger,
  options: FollowOptions,
): Follower {
  let stopped = false;
  let current: ConsumerMessages | null = null;
  let lastActivity = Date.now();
  const restart = () => {
    void current?.close().catch(() => {});
  };
  const unsubscribe = bus.onReconnect(restart);
  const stall = setInterval(async () => {
    if (stopped || current === null || !bus.connected) return;
    if (Date.now() - lastActivity < STALL_CHECK_MS) return;
    try {
      const info = await stream.jsm.streams.info(stream.name);
      if (info.state.last_seq >= options.from() && Date.now() - lastActivity >= STALL_CHECK_MS) {
        log.log("warn", "cluster_follower_stalled", {
          follower: options.name,
          at: options.from(),
          last: info.state.last_seq,
        });
        lastActivity = Date.now();
        restart();
      }
    } catch {
      // NATS is unreachable: the reconnection restarts the follower.
    }
  }, STALL_CHECK_MS);
  const running = (async () => {
    while (!stopped) {
      try {
        const consumer = await stream.js.consumers.get(stream.name, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Math.max(1, options.from()),
        });
        const messages = await consumer.consume({ max_messages: 1_000, expires: 5_000 });
        current = messages;
        lastActivity = Date.now();
        void (async () => {
          for await (const status of messages.status()) {
            if (status.type === "heartbeats_missed") restart();
          }
        })().catch(() => {});
        for await (const msg of messages) {
          if (stopped) break;
          lastActivity = Date.now();
          if (msg.seq < options.from()) continue;
          // The server's count, at delivery, of the log's entries after this one for this
          // consumer: 0 for the last one of a burst. (The client's own count of buffered
          // messages sometimes still included the entry handed out.)
          await options.onEntry(msg, msg.info.pending);
          lastActivity = Date.now();
        }
      } catch (error) {
        if (!stopped) {
          log.log("warn", "cluster_follower_failed", {
            follower: options.name,
            error: String(error),
          });
        }
      } finally {
        const done = current;
        current = null;
        await done?.close().catch(() => {});
      }
      if (!stopped) await sleep(RETRY_MS);
    }
  })();
  return {
    restart,
    async stop() {
      stopped = true;
      clearInterval(stall);
      unsubscribe();
      restart();
      await running;
    },
  };
}
