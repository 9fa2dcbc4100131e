/** The messages between a {@linkcode SqliteWorkerStore} and its worker (`sqlite_worker.ts`). */

/** A call to the worker: open the database once, then store methods by name. */
export type WorkerCall =
  | { open: string }
  | { id: number; method: string; args: unknown[] };

/** The worker's answer to call `id` (0 = the open, whose value is the description). */
export type WorkerReply =
  | { id: number; value: unknown; error?: undefined }
  | { id: number; error: { name: string; message: string } };

/** The name the worker is started with; its module serves calls only under that name. */
export const WORKER_NAME = "fastchat-sqlite";
