/**
 * The worker that owns a SQLite connection (see `sqlite_worker_store.ts`): `node:sqlite` is
 * synchronous, so its commits (an fsync each) and checkpoints run here, off the event loop
 * of the server's network I/O. It answers each call in the order received.
 *
 * Messages in: `{ open: path }` once, then `{ id, method, args }`. Out: `{ id, value }` or
 * `{ id, error: { name, message } }` (id 0 answers `open`, with the store's description).
 * Between calls it checkpoints the WAL on a second connection ({@linkcode startCheckpoints}).
 */
import { DatabaseSync } from "node:sqlite";
import { holdIdleCollector } from "../common/idle_collector.ts";
import { openSqliteStore } from "./sqlite_store.ts";
import type { Store } from "./store.ts";
import { WORKER_NAME, type WorkerCall, type WorkerReply } from "./sqlite_worker_protocol.ts";

/** The worker's global scope, as far as this module uses it. */
interface WorkerScope {
  name: string;
  postMessage(message: WorkerReply): void;
  onmessage: ((event: MessageEvent<WorkerCall>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;

let store: Store | null = null;
/** Lets go of this thread's idle collector (held while the store is open). */
let releaseCollector = () => {};

/** The error as a plain object the other side rebuilds (classes do not cross threads). */
function plainError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

function reply(message: WorkerReply): void {
  scope.postMessage(message);
}

async function handle(call: WorkerCall): Promise<void> {
  if ("open" in call) {
    try {
      store = await openSqliteStore(call.open);
      startCheckpoints(call.open, CHECKPOINT_EVERY_MS);
      releaseCollector = holdIdleCollector();
      reply({ id: 0, value: store.description });
    } catch (error) {
      reply({ id: 0, error: plainError(error) });
    }
    return;
  }
  // The checkpoints' connection closes first: the store's close checkpoints the rest.
  if (call.method === "close") {
    stopCheckpoints?.();
    releaseCollector();
  }
  try {
    const method = store === null ? undefined : Reflect.get(store, call.method);
    if (typeof method !== "function") throw new TypeError(`no store method ${call.method}`);
    const value = await (method as (...args: unknown[]) => Promise<unknown>).apply(
      store,
      call.args,
    );
    reply({ id: call.id, value });
  } catch (error) {
    reply({ id: call.id, error: plainError(error) });
  }
}

/**
 * How often the WAL is copied into the database (ms): often enough that it stays far below
 * the 1,000 pages at which the store's own connection checkpoints inside a commit.
 */
const CHECKPOINT_EVERY_MS = 250;

/**
 * Checkpoints on a second connection of this worker: every `everyMs`, between two store
 * calls (this thread runs one thing at a time), `PASSIVE` (it never waits for a lock).
 * Without it the store's connection checkpointed by itself inside a commit every 1,000
 * pages of WAL (about every 4 s at 2,000 messages/s), and that commit took 30–300 ms
 * instead of a few: every message waiting for it was late (issue 13). Checkpointed often,
 * the WAL is restarted from its beginning by the writer and never reaches that threshold;
 * each checkpoint is small. A failure (a busy database) is skipped: the next tick tries
 * again, and the store's own checkpoint remains as before.
 */
function startCheckpoints(path: string, everyMs: number): void {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 0");
  } catch {
    return; // The store's connection checkpoints by itself, as without this worker.
  }
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch {
      // Busy or gone: the next tick tries again.
    }
  }, everyMs);
  stopCheckpoints = () => {
    clearInterval(timer);
    db.close();
    stopCheckpoints = null;
  };
}

/** Stops the checkpointer and closes its connection (set while it runs). */
let stopCheckpoints: (() => void) | null = null;

/**
 * Whether this module runs as the store's worker. The server's side imports it too (so that
 * `deno compile` embeds it with the rest of the module graph), and there it does nothing.
 */
function isStoreWorker(): boolean {
  return "WorkerGlobalScope" in globalThis && scope.name === WORKER_NAME;
}

if (isStoreWorker()) scope.onmessage = (event) => void handle(event.data);
