/** The Store contract against the embedded SQLite store. */
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";
import type { Store } from "../../lib/store/store.ts";
import { runStoreContract } from "./store_contract.ts";

runStoreContract("sqlite", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  const path = `${dir}/fastchat.db`;
  let current: Store = await openSqliteStore(path);
  return {
    store: current,
    async reopen() {
      current = await openSqliteStore(path);
      return current;
    },
    async cleanup() {
      await current.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});
