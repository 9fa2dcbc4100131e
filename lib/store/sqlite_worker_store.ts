/**
 * A SQLite store whose connection lives in a worker (`sqlite_worker.ts`), so that its
 * synchronous commits (an fsync each: p99 ~5 ms, up to ~11 ms for 200 rows here) and WAL
 * checkpoints do not stop the network I/O of every connection. Every store method works
 * unchanged: a proxy turns `store.anyMethod(...args)` into a message to the worker and its
 * answer back into the promise, in call order (one connection, one queue).
 *
 * `deno compile`: the worker's module is named by a static `new URL(…, import.meta.url)` and
 * also imported below (it does nothing outside its worker), so it is part of the module graph
 * that the binary embeds; `tests/build/compile_check_test.ts` checks that it is.
 */
import type { Store } from "./store.ts";
import { StoreUnavailableError } from "./store.ts";
import { StoreConfigError } from "./store_config_error.ts";
import { WORKER_NAME, type WorkerCall, type WorkerReply } from "./sqlite_worker_protocol.ts";
import { WorkerCalls } from "./worker_calls.ts";
// Embeds the worker's module (and the SQLite store) in a compiled binary; inert here.
import "./sqlite_worker.ts";

const WORKER_URL = new URL("./sqlite_worker.ts", import.meta.url);

/** An error as the worker sent it, rebuilt with the class callers test for. */
function rebuild(error: { name: string; message: string }): Error {
  if (error.name === "StoreConfigError") return new StoreConfigError(error.message);
  if (error.name === "StoreUnavailableError") return new StoreUnavailableError(error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

/** The caller's side of the worker; see the module doc. */
class WorkerLink {
  #nextId = 1;
  #calls: WorkerCalls<WorkerCall, unknown>;

  constructor() {
    const worker = new Worker(WORKER_URL.href, { type: "module", name: WORKER_NAME });
    this.#calls = new WorkerCalls(worker);
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      this.#calls.answer(
        reply.id,
        reply.error ? { error: rebuild(reply.error) } : { value: reply.value },
      );
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#calls.fail(new StoreUnavailableError(`SQLite worker failed: ${event.message}`));
    };
  }

  /** Opens the database in the worker; resolves with the store's description. */
  open(path: string): Promise<string> {
    return this.#calls.send(0, { open: path }) as Promise<string>;
  }

  /** Calls a store method in the worker. */
  call(method: string, args: unknown[]): Promise<unknown> {
    const id = this.#nextId++;
    return this.#calls.send(id, { id, method, args });
  }

  /** Closes the database, then ends the worker (idempotent). */
  async close(): Promise<void> {
    if (this.#calls.dead) return;
    try {
      await this.call("close", []);
    } finally {
      this.#calls.fail(new StoreUnavailableError("SQLite store is closed"));
    }
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path` in a worker; throws
 * StoreConfigError like `openSqliteStore` for a file that cannot be used.
 */
export async function openSqliteWorkerStore(path: string): Promise<Store> {
  const link = new WorkerLink();
  let description: string;
  try {
    description = await link.open(path);
  } catch (error) {
    await link.close().catch(() => {});
    throw error;
  }
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as Store, {
    get(_target, key) {
      if (key === "description") return description;
      if (key === "overlappingCommits") return false;
      // Not a thenable, not a method: what `await store` and inspection look for.
      if (typeof key !== "string" || key === "then" || key === "toJSON") return undefined;
      let method = methods.get(key);
      if (!method) {
        method = key === "close" ? () => link.close() : (...args) => link.call(key, args);
        methods.set(key, method);
      }
      return method;
    },
  });
}
