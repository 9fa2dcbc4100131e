/** The Store contract against MySQL/MariaDB (FASTCHAT_TEST_MYSQL_ADMIN_URL's server). */
import { openMysqlStore } from "../../lib/store/mysql_store.ts";
import type { Store } from "../../lib/store/store.ts";
import { createTestDatabase } from "../support/mysql_db.ts";
import { runStoreContract } from "./store_contract.ts";

runStoreContract("mysql", async () => {
  const db = await createTestDatabase();
  let current: Store | null = null;
  try {
    current = await openMysqlStore(db.url);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return {
    store: current,
    async reopen() {
      current = await openMysqlStore(db.url);
      return current;
    },
    async cleanup() {
      await current?.close().catch(() => {});
      await db.drop();
    },
  };
});
