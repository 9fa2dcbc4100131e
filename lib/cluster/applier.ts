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

/** How often the writer records that it is alive. */
const HEARTBEAT_MS = 1_000;

/** How long a writer may stay silent, holding the lock, before another one takes over. */
export const STALE_WRITER_MS = 10_000;

/** Deadlocks and lock waits one batch may meet before they count as refusals. */
const MAX_CONFLICTS = 50;

/** Whether a database error is a transient conflict with another transaction. */
function _isConflict(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/**
 * When the lock's holder counts as gone: its heartbeat older than
 * {@linkcode STALE_WRITER_MS}, or none of its own seen for that long.
 */
export class Takeover {
  #holder: number | null = null;
  #since = 0;

  /** `age`: ms since the holder's heartbeat, or null when it has none of its own. */
  stale(holder: number, age: number | null, now: number): boolean {
    if (holder !== this.#holder) {
      this.#holder = holder;
      this.#since = now;
    }
    if (age !== null) return age > STALE_WRITER_MS;
    return now - this.#since > STALE_WRITER_MS;
  }
}

/** How long a partial batch waits for more entries before it is applied. */
const BATCH_WAIT_MS = 20;

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
      const takeover = new Takeover();
      try {
        while (!this.#stopped && !connection.broken) {
          if (await connection.tryLock(lockName)) {
            await this.#lead(connection);
            continue;
          }
          await this.#checkWriter(connection, lockName, takeover);
          await sleep(RETRY_MS);
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

  /**
   * Another connection holds the lock: when its heartbeat has been stale for
   * {@linkcode STALE_WRITER_MS} (its process is frozen, or cut off while its connection
   * stays open), that connection is ended, which frees the lock for this instance.
   */
  async #checkWriter(
    connection: LogApplierConnection,
    lockName: string,
    takeover: Takeover,
  ): Promise<void> {
    const holder = await connection.lockHolder(lockName);
    if (holder === null) return;
    const age = await connection.heartbeatAge(this.#heartbeatKey, holder);
    if (!takeover.stale(holder, age, Date.now())) return;
    this.#log.log("warn", "cluster_applier_taken_over", { connection: holder, silent_ms: age });
    await connection.kill(holder).catch((error) =>
      this.#log.log("warn", "cluster_applier_kill_failed", { error: String(error) })
    );
  }

  get #heartbeatKey(): string {
    return `${this.#stream.appliedKey}:writer`;
  }

  /** Applies the log while this connection holds the lock. */
  async #lead(connection: LogApplierConnection): Promise<void> {
    this.leading = true;
    let position = Number(await connection.readSetting(this.#stream.appliedKey) ?? 0);
    this.#log.log("info", "cluster_applier_leading", { from: position + 1 });
    this.#applied.update(position);
    /** The last entry received (applied, being applied, or waiting in `batch`). */
    let received = position;
    let batch: JsMsg[] = [];
    const lost = Promise.withResolvers<void>();
    let applying: Promise<void> = Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Applies what is waiting, after what is being applied (one transaction at a time). */
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      const entries = batch;
      batch = [];
      if (entries.length === 0) return applying;
      applying = applying.then(async () => {
        if (this.#stopped || connection.broken) return;
        const last = entries[entries.length - 1]!.seq;
        if (!await this.#applyBatch(connection, entries)) {
          lost.resolve();
          return;
        }
        position = last;
        this.#applied.update(position);
        this.#bus.publish(APPLIED_SUBJECT, { entry: position });
      });
      return applying;
    };
    const follower = follow(this.#bus, this.#stream, this.#log, {
      name: "applier",
      from: () => received + 1,
      onEntry: async (msg, more) => {
        received = msg.seq;
        batch.push(msg);
        // `more` counts the log's entries after this one when it was delivered; should one
        // not come (the consumer recreated), a short timer applies the batch anyway.
        if (more > 0 && batch.length < MAX_ENTRIES) {
          timer ??= setTimeout(() => void flush(), BATCH_WAIT_MS);
          return;
        }
        await flush();
      },
    });
    this.#close = async () => {
      lost.resolve();
      await follower.stop();
    };
    const watch = setInterval(() => {
      if (this.#stopped || connection.broken) lost.resolve();
    }, RETRY_MS / 2);
    const beat = () =>
      connection.heartbeat(this.#heartbeatKey).catch((error) =>
        this.#log.log("warn", "cluster_applier_heartbeat_failed", { error: String(error) })
      );
    await beat();
    const beating = setInterval(beat, HEARTBEAT_MS);
    try {
      await lost.promise;
    } finally {
      clearInterval(watch);
      clearInterval(beating);
      clearTimeout(timer);
      this.leading = false;
      await follower.stop();
      await applying.catch(() => {});
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
      let conflicts = 0;
      for (let attempt = 1; attempt <= REFUSALS; attempt++) {
        try {
          await connection.apply(ops, this.#stream.appliedKey, String(last));
          return "ok";
        } catch (error) {
          this.#log.log("warn", "cluster_apply_failed", { attempt, error: String(error) });
          if (this.#stopped || connection.broken) return "broken";
          // A deadlock or lock wait (a room deletion at the same moment) is no refusal.
          if (_isConflict(error) && ++conflicts <= MAX_CONFLICTS) attempt--;
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
