/**
 * The cluster's ordered log: one JetStream stream per cluster name, file storage,
 * replicated on up to three NATS nodes. Every message, edit, deletion and control event of
 * every instance is appended to it; its order is the chat's one order. Appends are batched
 * (one stream entry holds up to {@linkcode OPS_PER_ENTRY} operations), so the msgid of
 * operation `i` of stream entry `s` is `offset + s * OPS_PER_ENTRY + i`: ids sort in log
 * order across instances and restarts, and start above every message the database held
 * before the stream existed (`offset`).
 */
import {
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";
import type { Store } from "../store/store.ts";
import type { ClusterBus } from "./bus.ts";

/** Operations one stream entry may hold (the stride of msgids per entry). */
export const OPS_PER_ENTRY = 1_000;

/** Bytes of JSON one stream entry may hold (NATS refuses messages over 1 MiB by default). */
export const ENTRY_BYTES = 512 * 1024;

/** How long the stream keeps entries (the applier must have written them by then). */
const MAX_AGE_MS = 7 * 24 * 3600_000;

/** The de-duplication window of the stream (entries carry an id per instance boot and batch). */
const DUPLICATE_WINDOW_MS = 2 * 60_000;

const NANOS_PER_MS = 1_000_000;

/** How long a JetStream API call may take (a busy NATS cluster electing a leader is slow). */
const JS_TIMEOUT_MS = 10_000;

/** The stream of a cluster, its creation and the msgid offset of its entries. */
export interface LogStream {
  readonly name: string;
  /** The subject entries are published on. */
  readonly subject: string;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The stream's creation time (ISO), which names its settings in the database. */
  readonly created: string;
  /** Added to `entry * OPS_PER_ENTRY + index` to make a msgid's sequence number. */
  readonly offset: number;
  /** The settings key of the last entry applied to the database. */
  readonly appliedKey: string;
  /** The last entry stored when this instance joined. */
  readonly lastEntry: number;
}

/** The stream's name for a cluster name (letters, digits, `_` and `-` only). */
export function streamName(clusterName: string): string {
  return `FASTCHAT_${clusterName.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** The sequence number of operation `index` of entry `entry`. */
export function opSeq(stream: Pick<LogStream, "offset">, entry: number, index: number): number {
  return stream.offset + entry * OPS_PER_ENTRY + index;
}

/** The highest sequence number entry `entry` can hold (a join's bound after it). */
export function entryTop(stream: Pick<LogStream, "offset">, entry: number): number {
  return opSeq(stream, entry, OPS_PER_ENTRY - 1);
}

/** The entry a sequence number belongs to (0 for the messages from before the stream). */
export function entryOf(stream: Pick<LogStream, "offset">, seq: number): number {
  return Math.max(0, Math.floor((seq - stream.offset) / OPS_PER_ENTRY));
}

async function _info(jsm: JetStreamManager, name: string): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(name);
  } catch (error) {
    if (/not found/i.test(String((error as Error).message))) return null;
    throw error;
  }
}

/** Creates the stream, replicated on `replicas` nodes, falling back to fewer when refused. */
async function _create(
  jsm: JetStreamManager,
  name: string,
  subject: string,
  replicas: number,
): Promise<StreamInfo> {
  for (let r = replicas; r >= 1; r--) {
    try {
      return await jsm.streams.add({
        name,
        subjects: [subject],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: MAX_AGE_MS * NANOS_PER_MS,
        duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS,
        num_replicas: r,
      });
    } catch (error) {
      const text = String((error as Error).message);
      // Another instance created it meanwhile.
      if (/already in use|exists/i.test(text)) {
        const info = await _info(jsm, name);
        if (info) return info;
      }
      if (r === 1 || !/insufficient|resources|replica|peers/i.test(text)) throw error;
    }
  }
  throw new Error("unreachable");
}

/**
 * Opens (creating when missing) the cluster's stream and agrees on its msgid offset through
 * the database: the first instance to open a new stream stores `offset` (above every
 * message stored so far) under the stream's creation time; the others read it.
 */
export async function openLogStream(
  bus: ClusterBus,
  store: Store,
  replicas: number,
): Promise<LogStream> {
  const jsm = await jetstreamManager(bus.nc, { timeout: JS_TIMEOUT_MS });
  const name = streamName(bus.clusterName);
  const subject = bus.subject("log");
  const info = await _info(jsm, name) ?? await _create(jsm, name, subject, replicas);
  const created = info.created;
  const offsetKey = `cluster:${bus.clusterName}:offset:${created}`;
  let offset = Number(await store.getSetting(offsetKey) ?? NaN);
  if (!Number.isSafeInteger(offset)) {
    // Above every stored message, and a whole number of entries so that ids read well.
    const last = await store.lastMessageSeq();
    offset = Math.ceil((last + 1) / OPS_PER_ENTRY) * OPS_PER_ENTRY;
    await store.setSetting(offsetKey, String(offset));
    // Two instances opening a new stream at once compute the same value; read it back.
    offset = Number(await store.getSetting(offsetKey) ?? offset);
  }
  const js = jetstream(bus.nc, { timeout: JS_TIMEOUT_MS });
  const lastEntry = await _skipStoredSeqs(js, subject, store, offset, info.state.last_seq);
  return {
    name,
    subject,
    js,
    jsm,
    created,
    offset,
    appliedKey: `cluster:${bus.clusterName}:applied:${created}`,
    lastEntry,
  };
}

/** Empty entries appended at most to move the log past messages stored without it. */
const MAX_FILLER_ENTRIES = 100_000;

/**
 * The database may hold messages the log never carried, with sequence numbers the log's
 * next entries would take (a server ran on it without `--cluster` after the cluster had
 * stopped). Empty entries move the log past them, so that no msgid is ever given twice;
 * returns the log's last entry.
 */
async function _skipStoredSeqs(
  js: JetStreamClient,
  subject: string,
  store: Store,
  offset: number,
  lastEntry: number,
): Promise<number> {
  const stored = await store.lastMessageSeq();
  const needed = entryOf({ offset }, stored);
  if (needed <= lastEntry) return lastEntry;
  const count = needed - lastEntry;
  if (count > MAX_FILLER_ENTRIES) {
    throw new Error(
      `the database holds messages up to sequence ${stored}, written without this cluster's ` +
        `log and beyond what it can skip; start the cluster under another --cluster-name`,
    );
  }
  const filler = new TextEncoder().encode(JSON.stringify({ o: "", b: "", n: 0, ops: [] }));
  let last = lastEntry;
  for (let done = 0; done < count; done += 1_000) {
    const acks = await Promise.all(
      Array.from({ length: Math.min(1_000, count - done) }, () => js.publish(subject, filler)),
    );
    for (const ack of acks) last = Math.max(last, ack.seq);
  }
  return last;
}
