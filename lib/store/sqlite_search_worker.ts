/**
 * The thread that maintains the SQLite search index (`sqlite_search_index.ts`) of a store
 * whose messages live in a file: with a connection of its own to the messages database it
 * reads what was committed there (never taking its write lock), and with one to the index
 * file indexes it in large transactions of that file, so that the store's commits (a `say`
 * waits for them) do not include the index's work, and the two use both cores.
 *
 * Messages in: `{ open }` once, then `{ committed }` after each of the store's commits that
 * stored messages (how many), `{ catchUp: id }` (answered once everything committed before
 * it is indexed) and `{ close: id }` (closes the connections: a pass in progress has ended,
 * what is left is indexed after the next open). Out: `{ id, changes }` or `{ id, error }`
 * (id 0 answers `open`), and after each background pass `{ progress, upto, built }`.
 *
 * Background indexing (a rebuild, or what commits left) runs one pass per task, so that the
 * messages above are handled between passes: a close never waits for a whole rebuild.
 */
import { DatabaseSync } from "node:sqlite";
import { holdIdleCollector } from "../common/idle_collector.ts";
import { type IndexProgress, SearchIndexer } from "./sqlite_search_index.ts";

/** The name the worker is started with; its module acts only under that name. */
export const SEARCH_WORKER_NAME = "fastchat-sqlite-search";

/** A message to the indexing worker. */
export type SearchWorkerCall =
  | { open: { messagesPath: string; indexPath: string; source: string } }
  | { committed: number }
  | { catchUp: number }
  | { close: number };

/** The worker's answer to call `id`: the highest change of search_changes indexed. */
export type SearchWorkerReply =
  | { id: number; changes: number; error?: undefined }
  | { id: number; error: { name: string; message: string } }
  | SearchWorkerProgress;

/**
 * Sent after each background pass: the highest change of search_changes the index reflects
 * (committed: the store may forget those), and whether the index has held, since it was
 * opened, every message committed before it was opened (searches may use it from then on).
 */
export interface SearchWorkerProgress {
  progress: number;
  /** Every message up to this sequence number is indexed. */
  upto: number;
  built: boolean;
}

/** New messages that make the worker index at once rather than after INDEX_IDLE_MS. */
export const INDEX_BATCH = 8_192;
/** Milliseconds after a commit before the messages still waiting are indexed anyway. */
export const INDEX_IDLE_MS = 200;

interface WorkerScope {
  name: string;
  postMessage(message: SearchWorkerReply): void;
  onmessage: ((event: MessageEvent<SearchWorkerCall>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;

let messages: DatabaseSync | null = null;
let index: DatabaseSync | null = null;
let indexer: SearchIndexer | null = null;
let waiting = 0;
let timer: ReturnType<typeof setTimeout> | null = null;
let timerSoon = false;
/** The newest message when the index was opened, and whether it is indexed since. */
let target = -1;
let built = false;
/** Lets go of this thread's idle collector (held while the index is open). */
let releaseCollector = () => {};

function plainError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Opens the index file (rebuilt if missing, stale or foreign) and the messages database. */
function open(call: { messagesPath: string; indexPath: string; source: string }): void {
  try {
    messages = new DatabaseSync(call.messagesPath);
    messages.exec("PRAGMA busy_timeout = 5000");
    index = new DatabaseSync(call.indexPath);
    index.exec("PRAGMA journal_mode = WAL");
    // Derived data: a commit need not reach the disk (what a crash loses is indexed again
    // from search_state on), but WAL with NORMAL keeps the file consistent.
    index.exec("PRAGMA synchronous = NORMAL");
    index.exec("PRAGMA busy_timeout = 5000");
    indexer = new SearchIndexer(messages, index, call.source);
  } catch (error) {
    closeAll();
    throw error;
  }
}

function closeAll(): void {
  for (const db of [messages, index]) if (db?.isOpen) db.close();
  messages = null;
  index = null;
  indexer = null;
}

function stopTimer(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

/** Notes how far `progress` brought the index (the first full build included). */
function reached(progress: IndexProgress): IndexProgress {
  if (target < 0) target = progress.newest;
  if (progress.upto >= target) built = true;
  return progress;
}

function catchUp(): IndexProgress {
  if (indexer === null) throw new Error("the search index is not open");
  stopTimer();
  waiting = 0;
  return reached(indexer.catchUp());
}

/** One background pass; another follows at once while messages remain to be indexed. */
function backgroundPass(): void {
  timer = null;
  if (indexer === null) return;
  try {
    const progress = reached(indexer.pass());
    scope.postMessage({ progress: progress.changes, upto: progress.upto, built });
    if (!progress.caughtUp) {
      timerSoon = true;
      timer = setTimeout(backgroundPass, 0);
    } else {
      waiting = 0;
    }
  } catch {
    // Tried again at the next commit or search.
  }
}

/** Indexes in the background: at once when INDEX_BATCH wait, else INDEX_IDLE_MS later. */
function schedule(): void {
  const soon = waiting >= INDEX_BATCH;
  // A pass already due at once, or one due later when this is not more urgent: it stays.
  if (timer !== null && (timerSoon || !soon)) return;
  if (timer !== null) clearTimeout(timer);
  timerSoon = soon;
  timer = setTimeout(backgroundPass, soon ? 0 : INDEX_IDLE_MS);
}

function handle(call: SearchWorkerCall): void {
  if ("committed" in call) {
    waiting += call.committed;
    schedule();
    return;
  }
  const id = "open" in call ? 0 : "catchUp" in call ? call.catchUp : call.close;
  try {
    if ("open" in call) {
      // Answered at once; what is missing (all of it, for a new file) is indexed next, a
      // pass at a time, and searches scan the messages until it is (`built`).
      open(call.open);
      releaseCollector = holdIdleCollector();
      scope.postMessage({ id, changes: indexer!.progress().changes });
      waiting = INDEX_BATCH;
      schedule();
      return;
    }
    if ("close" in call) {
      releaseCollector();
      // No catch-up: the index is derived and resumable (search_state records how far it
      // is), and a rebuild must not hold up a shutdown.
      stopTimer();
      let changes = 0;
      try {
        changes = indexer?.progress().changes ?? 0;
      } finally {
        closeAll();
      }
      scope.postMessage({ id, changes });
      return;
    }
    const progress = catchUp();
    scope.postMessage({ id, changes: progress.changes });
  } catch (error) {
    scope.postMessage({ id, error: plainError(error) });
  }
}

/**
 * Whether this module runs as the indexing worker. The store imports it too (so that
 * `deno compile` embeds it), and there it does nothing.
 */
function isSearchWorker(): boolean {
  return "WorkerGlobalScope" in globalThis && scope.name === SEARCH_WORKER_NAME;
}

if (isSearchWorker()) scope.onmessage = (event) => handle(event.data);
