/**
 * Opening the MySQL store: the first connection, the schema migration, and retrying with
 * backoff while the server cannot be reached.
 */
import type { Pool } from "mysql2/promise";
import { backoffDelay } from "../common/backoff.ts";
import { describeConfigProblem, errorLine, isConnectionFailure } from "./mysql_errors.ts";
import { migrate } from "./mysql_migrate.ts";
import type { MysqlTarget } from "./mysql_url.ts";
import { StoreUnavailableError } from "./store.ts";
import { StoreConfigError } from "./store_config_error.ts";

/** Options of {@linkcode openMysqlStore}; every field is optional. */
export interface MysqlStoreOptions {
  /**
   * When given, opening keeps trying while the server cannot be reached, with backoff,
   * and calls this with one line per failed attempt. When absent (the default), opening
   * fails at once with StoreUnavailableError.
   */
  onRetry?: (line: string) => void;
  /** Stops the retrying: opening then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** First delay between attempts, doubled each time up to `maxRetryDelayMs`. Default 500. */
  retryDelayMs?: number;
  /** Longest delay between attempts. Default 10,000. */
  maxRetryDelayMs?: number;
  /** Connections in the pool. Default 10. */
  connectionLimit?: number;
  /** Time to establish one connection. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** Time a statement may take before the call fails as unavailable. Default 30,000 ms. */
  queryTimeoutMs?: number;
}

/**
 * Takes a first connection and migrates the schema, retrying connection failures when
 * `options.onRetry` is set. Server-side refusals (credentials, database, privileges,
 * schema) become StoreConfigError: retrying would not help.
 */
export async function connectAndMigrate(
  pool: Pool,
  target: MysqlTarget,
  options: MysqlStoreOptions,
): Promise<void> {
  const first = options.retryDelayMs ?? 500;
  const max = options.maxRetryDelayMs ?? 10_000;
  for (let attempt = 1;; attempt++) {
    options.signal?.throwIfAborted();
    try {
      const connection = await pool.getConnection();
      try {
        await migrate(connection, target.database);
      } finally {
        connection.release();
      }
      return;
    } catch (error) {
      if (error instanceof StoreConfigError) throw error;
      const where = `MySQL at ${target.host}:${target.port}`;
      if (!isConnectionFailure(error)) {
        const problem = describeConfigProblem(error) ?? errorLine(error);
        throw new StoreConfigError(`Cannot use ${target.display}: ${problem}`, {
          cause: error,
        });
      }
      if (!options.onRetry) {
        throw new StoreUnavailableError(`${where} is unreachable: ${errorLine(error)}`, {
          cause: error,
        });
      }
      const delay = backoffDelay(attempt - 1, { baseMs: first, maxMs: max });
      options.onRetry(
        `${where} is unreachable (${errorLine(error)}); attempt ${attempt}, ` +
          `retrying in ${(delay / 1000).toFixed(1)} s (every ${max / 1000} s at most); ` +
          "press Ctrl-C (or send SIGTERM) to stop",
      );
      await sleep(delay, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
