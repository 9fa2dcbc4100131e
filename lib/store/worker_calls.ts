/**
 * The caller's side of calls to a worker that answers each by its id: what is waiting, and
 * the error that ended the worker (after which every call fails at once with it). Used by
 * the SQLite store's worker (`sqlite_worker_store.ts`) and the search index's
 * (`sqlite_search.ts`).
 */

interface Waiting<V> {
  resolve(value: V): void;
  reject(error: Error): void;
}

export class WorkerCalls<M, V> {
  #worker: Worker;
  #waiting = new Map<number, Waiting<V>>();
  #dead: Error | null = null;

  constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** The error that ended the worker, or null while it runs. */
  get dead(): Error | null {
    return this.#dead;
  }

  /**
   * Posts `message`, answered later by {@linkcode answer} with the same `id`. A message
   * that cannot cross threads is the caller's bug: it rejects with that error.
   */
  send(id: number, message: M): Promise<V> {
    if (this.#dead) return Promise.reject(this.#dead);
    const { promise, resolve, reject } = Promise.withResolvers<V>();
    this.#waiting.set(id, { resolve, reject });
    try {
      this.#worker.postMessage(message);
    } catch (error) {
      this.#waiting.delete(id);
      return Promise.reject(error);
    }
    return promise;
  }

  /** Settles call `id` (ignored when nothing waits for it) with its value or error. */
  answer(id: number, outcome: { value: V } | { error: Error }): void {
    const waiting = this.#waiting.get(id);
    if (!waiting) return;
    this.#waiting.delete(id);
    if ("error" in outcome) waiting.reject(outcome.error);
    else waiting.resolve(outcome.value);
  }

  /** Ends the worker with `error`, failing every call waiting; false when it had ended. */
  fail(error: Error): boolean {
    if (this.#dead) return false;
    this.#dead = error;
    this.#worker.terminate();
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(error);
    return true;
  }
}
