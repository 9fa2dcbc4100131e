/**
 * Writes the cluster's log into the database. Every instance runs one; the one whose
 * connection holds the database's named lock is the writer, the others wait for the lock
 * (taken over within a second or two when the writer dies: the database frees the lock of
 * a connection that is gone). The writer reads the log in order from the position stored
 * in the database and applies each batch of entries together with its new position in one
 * transaction, so that nothing is applied twice or skipped, then tells every instance how
 * far the database has got (`applied` on NATS).
 */
import type { JsMsg } from "@nats-io/jetstream";
import { follow } from "./follower.ts";
import type { Logger } from "../common/log.ts";
import { type LogApplierConnection, openLogApplierConnection } from "../store/mysql_log_applier.ts";
import type { MessageOp as StoreOp } from "../store/store.ts";
import type { AppliedPosition } from "./applied.ts";
import type { ClusterBus } from "./bus.ts";
import { decodeEntry } from "./log_entry.ts";
import { type LogStream, opSeq } from "./log_stream.ts";

/** Entries applied in one transaction at most. */
const MAX_ENTRIES = 200;

/** Refusals of one batch by a reachable database before it is taken apart. */
const REFUSALS = 5;

/** Pause between tries to take the lock, or to reach the database. */
const RETRY_MS = 1_000;

/** The subject of the applied-position notices. */
export const APPLIED_SUBJECT = "applied";

/** The database operations of one log entry. */
export function storeOps(stream: LogStream, entryNo: number, data: Uint8Array): StoreOp[] {
  const entry = decodeEntry(data);
  if (entry === null) return [];
  const ops: StoreOp[] = [];
  for (const [i, op] of entry.ops.entries()) {
    if (op.t === "m") {
      ops.push({
        op: "insert",
        message: {
          seq: opSeq(stream, entryNo, i),
          roomId: op.room,
          senderId: op.from,
          recipientId: op.to,
          text: op.text,
          ts: op.ts,
          cid: op.cid,
          ...(op.kind === "action" ? { kind: "action" as const } : {}),
        },
      });
    } else if (op.t === "e") {
      ops.push({
        op: "edit",
        seq: op.message.seq,
        text: op.message.text,
        at: op.message.editedAt ?? op.message.ts,
      });
    } else if (op.t === "d") {
      ops.push({ op: "delete", seq: op.message.seq, audit: op.audit });
    }
  }
  return ops;
}

async function _lockName(stream: LogStream): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${stream.name}\u0000${stream.created}`),
  );
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `fastchat-log-${hex.slice(0, 40)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The log's writer into the database; see the module doc. */
export class LogApplier {
  #bus: ClusterBus;
  #stream: LogStream;
  #dbUrl: string;
  #log: Logger;
  #applied: AppliedPosition;
  #stopped = false;
  #connection: LogApplierConnection | null = null;
  #close: (() => Promise<void>) | null = null;
  #running: Promise<void> | null = null;
  /** Whether this instance is the writer now. */
  leading = false;

  constructor(options: {
    bus: ClusterBus;
    stream: LogStream;
    dbUrl: string;
    log: Logger;
    applied: AppliedPosition;
  }) {
    this.#bus = options.bus;
    this.#stream = options.stream;
    this.#dbUrl = options.dbUrl;
    this.#log = options.log;
    this.#applied = options.applied;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async #run(): Promise<void> {
    const lockName = await _lockName(this.#stream);
    while (!this.#stopped) {
      try {
        this.#connection = await openLogApplierConnection(this.#dbUrl);
      } catch (error) {
        this.#log.log("warn", "cluster_applier_db_unreachable", { error: String(error) });
        await sleep(RETRY_MS);
        continue;
      }
      const connection = this.#connection;
      try {
        while (!this.#stopped && !connection.broken) {
          if (await connection.tryLock(lockName)) await this.#lead(connection);
          else await sleep(RETRY_MS);
        }
      } catch (error) {
        if (!this.#stopped) {
          this.#log.log("warn", "cluster_applier_failed", { error: String(error) });
        }
      } finally {
        this.leading = false;
        await connection.close();
        this.#connection = null;
      }
      if (!this.#stopped) await sleep(RETRY_MS);
    }
  }

  /** Applies the log while this connection holds the lock. */
  async #lead(connection: LogApplierConnection): Promise<void> {
    this.leading = true;
    let position = Number(await connection.readSetting(this.#stream.appliedKey) ?? 0);
    this.#log.log("info", "cluster_applier_leading", { from: position + 1 });
    this.#applied.update(position);
    let batch: JsMsg[] = [];
    const lost = Promise.withResolvers<void>();
    const follower = follow(this.#bus, this.#stream, this.#log, {
      name: "applier",
      from: () => position + 1 + batch.length,
      onEntry: async (msg, more) => {
        batch.push(msg);
        if (more > 0 && batch.length < MAX_ENTRIES) return;
        const last = batch[batch.length - 1]!.seq;
        if (!await this.#applyBatch(connection, batch)) {
          batch = [];
          lost.resolve();
          throw new Error("the applier lost its database connection");
        }
        position = last;
        batch = [];
        this.#applied.update(position);
        this.#bus.publish(APPLIED_SUBJECT, { entry: position });
      },
    });
    this.#close = async () => {
      lost.resolve();
      await follower.stop();
    };
    const watch = setInterval(() => {
      if (this.#stopped || connection.broken) lost.resolve();
    }, RETRY_MS / 2);
    try {
      await lost.promise;
    } finally {
      clearInterval(watch);
      this.leading = false;
      await follower.stop();
    }
  }

  /**
   * Applies a batch of entries with their position; false when the connection broke (the
   * lock went with it). A batch the database refuses again and again (not for being
   * unreachable) is applied entry by entry, and an entry refused on its own is skipped and
   * logged, so that one bad entry cannot stop the cluster's history.
   */
  async #applyBatch(connection: LogApplierConnection, batch: JsMsg[]): Promise<boolean> {
    const tryApply = async (
      entries: JsMsg[],
      last: number,
    ): Promise<"ok" | "broken" | "refused"> => {
      const ops = entries.flatMap((m) => storeOps(this.#stream, m.seq, m.data));
      for (let attempt = 1; attempt <= REFUSALS; attempt++) {
        try {
          await connection.apply(ops, this.#stream.appliedKey, String(last));
          return "ok";
        } catch (error) {
          this.#log.log("warn", "cluster_apply_failed", { attempt, error: String(error) });
          if (this.#stopped || connection.broken) return "broken";
          await sleep(RETRY_MS / 2);
        }
      }
      return "refused";
    };
    const whole = await tryApply(batch, batch[batch.length - 1]!.seq);
    if (whole !== "refused") return whole === "ok";
    for (const entry of batch) {
      const one = await tryApply([entry], entry.seq);
      if (one === "broken") return false;
      if (one === "refused") {
        this.#log.log("error", "cluster_entry_skipped", { entry: entry.seq });
        const skipped = await tryApply([], entry.seq);
        if (skipped !== "ok") return false;
      }
    }
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#close?.().catch(() => {});
    await this.#connection?.close();
    await this.#running?.catch(() => {});
  }
}
