/**
 * Searches and unread counts go through the server's queue of costly store reads
 * (lib/server/limits/store_reads.ts), over real TCP: one account's reads never run at once,
 * however many connections it sends them on, and the server runs at most two at once. The
 * store is the real one, wrapped to hold each such read 100 ms and count those under way.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { resolveServerSettings } from "../../lib/app/config.ts";
import { start } from "../../lib/app/start.ts";
import { silentLogger } from "../../lib/common/log.ts";
import { STORE_READ_SLOTS } from "../../lib/server/limits/store_reads.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Store } from "../../lib/store/store.ts";
import { FrameClient } from "../support/frame_client.ts";

/** The store, with its searches and unread counts held 100 ms each and counted. */
function countingStore(store: Store) {
  const counts = { now: 0, peak: 0, byAccount: new Map<number, number>(), accountPeak: 0 };
  const held = async <T>(accountId: number, read: () => Promise<T>): Promise<T> => {
    counts.now++;
    counts.peak = Math.max(counts.peak, counts.now);
    const mine = (counts.byAccount.get(accountId) ?? 0) + 1;
    counts.byAccount.set(accountId, mine);
    counts.accountPeak = Math.max(counts.accountPeak, mine);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return await read();
    } finally {
      counts.now--;
      counts.byAccount.set(accountId, counts.byAccount.get(accountId)! - 1);
    }
  };
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === "searchMessages") {
        return (query: Parameters<Store["searchMessages"]>[0]) =>
          held(
            "everywhereFor" in query.scope ? query.scope.everywhereFor : -1,
            () => target.searchMessages(query),
          );
      }
      if (key === "unreadCounts") {
        return (accountId: number) => held(accountId, () => target.unreadCounts(accountId));
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, counts };
}

Deno.test("store reads: one account's searches and unread counts never run at once; the server runs two at most", async () => {
  const { store, counts } = countingStore(await openStore("sqlite::memory:"));
  const settings = resolveServerSettings({
    host: "127.0.0.1",
    port: 0,
    adminPort: 0,
    db: "sqlite::memory:",
  });
  const running = await start({
    settings,
    version: "t",
    adminAssets: null,
    log: silentLogger,
    print: () => {},
    store: { store, release: () => store.close() },
  });
  if ("error" in running) throw new Error(running.error);
  const clients: FrameClient[] = [];
  const client = async () => {
    const c = await FrameClient.connect(running.chatPort);
    clients.push(c);
    return c;
  };
  try {
    // One account on four connections, each sending a search and an unread count at once.
    const first = await client();
    await first.registerAndLogin("reader", "reader password");
    const same = [first];
    for (let i = 0; i < 3; i++) {
      const c = await client();
      await c.ok({ type: "login", user: "reader", password: "reader password" });
      same.push(c);
    }
    await Promise.all(same.flatMap((c) => [
      c.ok({ type: "search", query: "hello" }),
      c.ok({ type: "unread" }),
    ]));
    equal(counts.accountPeak, 1, "one account's reads ran one at a time");
    // Four accounts at once: at most two reads under way.
    const others: FrameClient[] = [];
    for (const name of ["a1", "a2", "a3", "a4"]) {
      const c = await client();
      await c.registerAndLogin(name, "other password");
      others.push(c);
    }
    const replies = await Promise.all(others.map((c) => c.ok({ type: "search", query: "hello" })));
    deepEqual(replies.map((r) => r.type), ["ok", "ok", "ok", "ok"]);
    equal(counts.peak, STORE_READ_SLOTS);
    ok(counts.now === 0);
  } finally {
    for (const c of clients) c.close();
    await running.stop();
    await running.finished;
  }
});
