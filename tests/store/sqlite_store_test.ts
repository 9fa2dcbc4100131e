/** The Store contract against the embedded SQLite store. */
import assert from "node:assert/strict";
import { openSqliteStore, settleSearchIndex } from "../../lib/store/sqlite_store.ts";
import { parseSearchQuery } from "../../lib/store/search_query.ts";
import { room, say, user } from "./_contract_fixture.ts";
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

Deno.test("sqlite store: bad input a match deleted or edited while a search runs is not found", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  for (const path of [":memory:", `${dir}/race.db`]) {
    const store = await openSqliteStore(path);
    try {
      const alice = await user(store, "alice");
      const lobby = await room(store, "lobby");
      // 20,000 messages, one in 1,000 holding the word: a search of many steps.
      await store.insertMessages(
        Array.from({ length: 20_000 }, (_, i) => ({
          ...say(i + 1, lobby, alice),
          text: (i + 1) % 1_000 === 0 ? `target ${i + 1}` : `filler ${i + 1}`,
        })),
      );
      await settleSearchIndex(store);
      const parsed = parseSearchQuery("target");
      assert.ok(parsed.ok);
      let searchDone = false;
      const search = store.searchMessages({
        words: parsed.words,
        phrases: parsed.phrases,
        scope: { everywhereFor: alice.id },
        limit: 20,
      }).finally(() => searchDone = true);
      // Two turns of the event loop into the search (it lets other work in between its
      // steps): the newest match is deleted and the next one edited to no longer match.
      const channel = new MessageChannel();
      const changed = new Promise<boolean>((resolve) => {
        let turns = 0;
        channel.port1.onmessage = async () => {
          if (++turns < 2) return channel.port2.postMessage(null);
          const during = !searchDone;
          await store.writeMessages([
            { op: "delete", seq: 20_000, audit: null },
            { op: "edit", seq: 19_000, text: "edited, no longer matching", at: 5 },
          ]);
          resolve(during);
        };
      });
      channel.port2.postMessage(null);
      const page = await search;
      const during = await changed;
      channel.port1.close();
      channel.port2.close();
      assert.ok(during, `${path}: the changes were made while the search ran`);
      const found = page.messages.map((m) => m.seq);
      assert.ok(!found.includes(20_000), `${path}: the deleted match is not found: ${found}`);
      assert.ok(!found.includes(19_000), `${path}: the edited one is not found: ${found}`);
      assert.deepEqual(found.slice(0, 3), [18_000, 17_000, 16_000], path);
    } finally {
      await store.close();
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sqlite store: messages stored while the search index opens are indexed (settling ends)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-store-" });
  const store = await openSqliteStore(`${dir}/opening.db`);
  try {
    const alice = await user(store, "alice");
    const lobby = await room(store, "lobby");
    // Stored at once, while the index's worker is still starting.
    await store.insertMessages(
      Array.from({ length: 20_000 }, (_, i) => ({ ...say(i + 1, lobby, alice), text: `w${i}` })),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), 30_000);
    });
    try {
      const settled = await Promise.race([
        settleSearchIndex(store).then(() => "settled"),
        deadline,
      ]);
      assert.equal(settled, "settled", "the index takes in what was stored while it opened");
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
