/** Opens the store named by a `--db` value: `sqlite:PATH` or `mysql://…`. */
import { openSqliteStore } from "./sqlite_store.ts";
import type { Store } from "./store.ts";
import { StoreConfigError } from "./store_config_error.ts";

/** Opens the store; throws StoreConfigError for a value that names no usable database. */
export function openStore(db: string): Promise<Store> {
  if (db.startsWith("sqlite:")) {
    const path = db.slice("sqlite:".length);
    if (path === "") {
      throw new StoreConfigError("--db sqlite: needs a file path, like sqlite:./fastchat.db");
    }
    return openSqliteStore(path);
  }
  if (db.startsWith("mysql://")) {
    throw new StoreConfigError("MySQL support is not built in yet");
  }
  throw new StoreConfigError(
    `--db must be sqlite:PATH or mysql://user:pass@host:3306/db, not "${db.split(":")[0]}:…"`,
  );
}
