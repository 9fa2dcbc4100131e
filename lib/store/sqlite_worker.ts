/**
 * The worker that owns a SQLite connection (see `sqlite_worker_store.ts`): `node:sqlite` is
 * synchronous, so its commits (an fsync each) and checkpoints run here, off the event loop
 * of the server's network I/O. It answers each call in the order received.
 *
 * Messages in: `{ open: path }` once, then `{ id, method, args }`. Out: `{ id, value }` or
 * `{ id, error: { name, message } }` (id 0 answers `open`, with the store's description).
 */
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
      reply({ id: 0, value: store.description });
    } catch (error) {
      reply({ id: 0, error: plainError(error) });
    }
    return;
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
 * Whether this module runs as the store's worker. The server's side imports it too (so that
 * `deno compile` embeds it with the rest of the module graph), and there it does nothing.
 */
function isStoreWorker(): boolean {
  return "WorkerGlobalScope" in globalThis && scope.name === WORKER_NAME;
}

if (isStoreWorker()) scope.onmessage = (event) => void handle(event.data);
