/**
 * The SQLite store's side of its search index (`sqlite_search_index.ts`): where searches
 * read it, and how the store waits until it holds everything committed.
 *
 * A store in a file: the index is the file `<db>-search.db`, maintained by a worker
 * (`sqlite_search_worker.ts`) with connections of its own, so the store's commits never
 * wait for it nor share its write lock; searches read it through a connection of their own.
 * An in-memory store (tests): the index lives in the store's own database, brought up to
 * date when a search asks.
 */
import { DatabaseSync } from "node:sqlite";
import { StoreUnavailableError } from "./store.ts";
import { WorkerCalls } from "./worker_calls.ts";
import { isMemoryPath, searchFilePath, SearchIndexer } from "./sqlite_search_index.ts";
import {
  SEARCH_WORKER_NAME,
  type SearchWorkerCall,
  type SearchWorkerReply,
} from "./sqlite_search_worker.ts";

const WORKER_URL = new URL("./sqlite_search_worker.ts", import.meta.url);

/** Bytes of the index file read through a memory map. */
const MMAP_BYTES = 1 << 30;

/** The search index as the store uses it. */
export interface SearchIndex {
  /** The connection searches read the index (`messages_fts`) with. */
  readonly reader: DatabaseSync;
  /**
   * Whether searches may use the index: its worker is alive and has indexed every message
   * committed before it was opened (until then, and after a failure, searches scan).
   */
  readonly ready: boolean;
  /** The highest change of search_changes the index is known to reflect. */
  readonly changes: number;
  /** The sequence number up to which every message is known to be indexed. */
  readonly upto: number;
  /** Tells the index that a commit stored `messages` new messages (0: only changes). */
  committed(messages: number): void;
  /**
   * Resolves once the index holds everything committed before this call, with the
   * highest change of search_changes it reflects (the store forgets those below it).
   */
  catchUp(): Promise<number>;
  /**
   * Resolves at the next report of the worker's background indexing (tests); rejects once
   * the worker has failed.
   */
  progressed(): Promise<void>;
  /** Stops maintaining the index (after the pass in progress, if any). */
  close(): Promise<void>;
}

/** Whether `error` says that a database file is damaged (not merely unavailable). */
export function isCorruption(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /file is not a database|database disk image is malformed/i.test(message);
}

/**
 * Opens the search index of the messages database `path`, open in `writer`. `source`
 * identifies that database (an index file made for another one is rebuilt). A damaged
 * index file is removed and built again; any other failure (busy, permissions) is thrown,
 * and the file left alone.
 */
export async function openSearchIndex(
  writer: DatabaseSync,
  path: string,
  source: string,
): Promise<SearchIndex> {
  if (isMemoryPath(path)) return new MemoryIndex(writer, source);
  try {
    return await openWorkerIndex(path, source);
  } catch (error) {
    if (!isCorruption(error)) throw error;
    // Derived data: a damaged file is removed and built again.
    for (const suffix of ["", "-wal", "-shm"]) {
      await Deno.remove(searchFilePath(path) + suffix).catch(() => {});
    }
    return await openWorkerIndex(path, source);
  }
}

async function openWorkerIndex(path: string, source: string): Promise<WorkerIndex> {
  const worker = new WorkerIndex(path);
  try {
    await worker.open(source);
  } catch (error) {
    await worker.close().catch(() => {});
    throw error;
  }
  return worker;
}

/** The index of an in-memory store, on the store's own connection. */
class MemoryIndex implements SearchIndex {
  readonly reader: DatabaseSync;
  #indexer: SearchIndexer;

  constructor(writer: DatabaseSync, source: string) {
    this.reader = writer;
    this.#indexer = new SearchIndexer(writer, writer, source);
  }

  readonly ready = true;
  changes = 0;
  upto = 0;

  committed(): void {}

  /** No worker: indexes what is committed now. */
  async progressed(): Promise<void> {
    await this.catchUp();
  }

  catchUp(): Promise<number> {
    try {
      const progress = this.#indexer.catchUp();
      this.changes = Math.max(this.changes, progress.changes);
      this.upto = Math.max(this.upto, progress.upto);
      return Promise.resolve(this.changes);
    } catch (error) {
      return Promise.reject(
        new StoreUnavailableError(`SQLite search index: ${(error as Error).message}`, {
          cause: error,
        }),
      );
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Waiting {
  resolve(changes: number): void;
  reject(error: Error): void;
}

/** The index in its own file, maintained by the indexing worker. */
class WorkerIndex implements SearchIndex {
  #path: string;
  #worker: Worker;
  #reader: DatabaseSync | null = null;
  #nextId = 1;
  #calls: WorkerCalls<SearchWorkerCall, number>;
  /**
   * Commits told to the worker, and how many of them the last catch-up covered (none yet:
   * the index may miss messages committed before the store opened).
   */
  #commits = 0;
  #covered = -1;
  #changes = 0;
  #upto = 0;
  #built = false;
  #progressed: Waiting[] = [];

  constructor(path: string) {
    this.#path = path;
    this.#worker = new Worker(WORKER_URL.href, { type: "module", name: SEARCH_WORKER_NAME });
    this.#calls = new WorkerCalls(this.#worker);
    this.#worker.onmessage = (event: MessageEvent<SearchWorkerReply>) => {
      const reply = event.data;
      if ("progress" in reply) {
        this.#changes = Math.max(this.#changes, reply.progress);
        this.#upto = Math.max(this.#upto, reply.upto);
        this.#built ||= reply.built;
        this.#wake();
        return;
      }
      this.#calls.answer(
        reply.id,
        reply.error
          ? { error: new StoreUnavailableError(`SQLite search index: ${reply.error.message}`) }
          : { value: reply.changes },
      );
    };
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const error = new StoreUnavailableError(`SQLite search index failed: ${event.message}`);
      // Searches scan the messages from now on (exact, slower) until the store reopens.
      console.warn(`${error.message}; searches scan the messages until the server restarts`);
      this.#fail(error);
    };
  }

  get ready(): boolean {
    return this.#built && this.#calls.dead === null;
  }

  get changes(): number {
    return this.#changes;
  }

  get upto(): number {
    return this.#upto;
  }

  progressed(): Promise<void> {
    if (this.#calls.dead) return Promise.reject(this.#calls.dead);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#progressed.push({ resolve: () => resolve(), reject });
    return promise;
  }

  #wake(): void {
    const waiting = this.#progressed;
    this.#progressed = [];
    for (const w of waiting) {
      const dead = this.#calls.dead;
      if (dead) w.reject(dead);
      else w.resolve(0);
    }
  }

  get reader(): DatabaseSync {
    if (this.#reader === null) throw new StoreUnavailableError("SQLite search index is closed");
    return this.#reader;
  }

  async open(source: string): Promise<void> {
    const indexPath = searchFilePath(this.#path);
    this.#changes = await this.#calls.send(0, {
      open: { messagesPath: this.#path, indexPath, source },
    });
    // The worker has created the file: the reading connection can open it.
    const reader = new DatabaseSync(indexPath);
    try {
      reader.exec("PRAGMA busy_timeout = 5000");
      reader.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    } catch (error) {
      reader.close();
      throw error;
    }
    this.#reader = reader;
  }

  committed(messages: number): void {
    this.#commits++;
    if (this.#calls.dead) return;
    this.#worker.postMessage({ committed: messages } satisfies SearchWorkerCall);
  }

  async catchUp(): Promise<number> {
    // Nothing committed since the last catch-up: nothing to wait for.
    if (this.#covered === this.#commits) return this.#changes;
    const commits = this.#commits;
    const id = this.#nextId++;
    const changes = await this.#calls.send(id, { catchUp: id });
    this.#covered = Math.max(this.#covered, commits);
    this.#changes = Math.max(this.#changes, changes);
    return this.#changes;
  }

  async close(): Promise<void> {
    try {
      if (!this.#calls.dead) {
        const id = this.#nextId++;
        await this.#calls.send(id, { close: id });
      }
    } finally {
      this.#fail(new StoreUnavailableError("SQLite search index is closed"));
      this.#reader?.close();
      this.#reader = null;
    }
  }

  #fail(error: Error): void {
    if (this.#calls.fail(error)) this.#wake();
  }
}
