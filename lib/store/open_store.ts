/**
 * Opens the store named by a `--db` value: `sqlite:PATH` or `mysql://…`.
 *
 * The MySQL store is loaded only when named: its driver (`mysql2`, with its character-set
 * tables) cost every SQLite server about 8 MB of RSS and start-up time. The import names a
 * literal module, so `deno compile` still embeds it (`scripts/compile_check.ts` checks).
 */
import type { MysqlStoreOptions } from "./mysql_store.ts";
import { openSqliteWorkerStore } from "./sqlite_worker_store.ts";
import type { Store } from "./store.ts";
import { StoreConfigError } from "./store_config_error.ts";

/**
 * Opens the store; throws StoreConfigError for a value that names no usable database.
 * `options.onRetry` makes a MySQL store keep trying (one line per try) while unreachable.
 */
export function openStore(
  db: string,
  options: Pick<MysqlStoreOptions, "onRetry" | "signal"> = {},
): Promise<Store> {
  if (db.startsWith("sqlite:")) {
    const path = db.slice("sqlite:".length);
    if (path === "") {
      throw new StoreConfigError("--db sqlite: needs a file path, like sqlite:./fastchat.db");
    }
    // The connection lives in a worker: its commits never stop the network I/O.
    return openSqliteWorkerStore(path);
  }
  if (db.startsWith("mysql://")) {
    return import("./mysql_store.ts").then(({ openMysqlStore }) => openMysqlStore(db, options));
  }
  throw new StoreConfigError(
    `--db must be sqlite:PATH or mysql://user:pass@host:3306/db, not "${db.split(":")[0]}:…"`,
  );
}
