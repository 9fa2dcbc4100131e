/**
 * The Store contract against the SQLite store whose connection lives in a worker (what
 * `openStore("sqlite:…")` opens), and the worker link's own failures: an unknown method, a
 * call after close, a database that cannot be opened.
 */
import assert from "node:assert/strict";
import { openSqliteWorkerStore } from "../../lib/store/sqlite_worker_store.ts";
import { StoreUnavailableError } from "../../lib/store/store.ts";
import { StoreConfigError } from "../../lib/store/store_config_error.ts";
import type { Store } from "../../lib/store/store.ts";
import { room, say, user } from "./_contract_fixture.ts";
import { runStoreContract } from "./store_contract.ts";

runStoreContract("sqlite-worker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  const path = `${dir}/fastchat.db`;
  let current: Store = await openSqliteWorkerStore(path);
  return {
    store: current,
    async reopen() {
      current = await openSqliteWorkerStore(path);
      return current;
    },
    async cleanup() {
      await current.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

Deno.test("sqlite worker: an unknown method rejects, a closed store rejects, a bad path is a config error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  try {
    const store = await openSqliteWorkerStore(`${dir}/w.db`);
    assert.equal(store.description, `sqlite:${dir}/w.db`);
    assert.equal((store as unknown as { then?: unknown }).then, undefined);
    const unknown = store as unknown as { noSuchMethod(): Promise<void> };
    await assert.rejects(unknown.noSuchMethod(), /no store method noSuchMethod/);
    assert.equal(await store.lastMessageSeq(), 0);
    await store.close();
    await store.close();
    await assert.rejects(store.listRooms(), StoreUnavailableError);
    await assert.rejects(openSqliteWorkerStore(`${dir}/missing/dir/x.db`), StoreConfigError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sqlite worker: the search index opens in the background; a store closed at once closes it too, and a search after a reopen finds what was stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  const path = `${dir}/bg.db`;
  try {
    // Closed right after opening, while its search index (a worker of the store's worker)
    // is still starting: nothing is left running, and the file opens again.
    await (await openSqliteWorkerStore(path)).close();
    const store = await openSqliteWorkerStore(path);
    try {
      const author = await user(store, "bg");
      const roomId = await room(store, "bgroom");
      // Stored as soon as the store is open, before its index can be.
      await store.insertMessages([
        { ...say(1, roomId, author), text: "stored before the index opened" },
      ]);
      const page = await store.searchMessages({
        words: ["index"],
        phrases: ["index"],
        scope: { everywhereFor: author.id },
        limit: 10,
      });
      assert.deepEqual(page.messages.map((m) => m.text), ["stored before the index opened"]);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
