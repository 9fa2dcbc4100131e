/**
 * The MySQL store while its database goes away and comes back, on a throwaway MariaDB
 * (never the machine's shared server): calls fail as unavailable, then work again.
 */
import assert from "node:assert/strict";
import { openMysqlStore } from "../../lib/store/mysql_store.ts";
import { type Store, StoreUnavailableError } from "../../lib/store/store.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { createTestDatabase } from "../support/mysql_db.ts";

async function seed(store: Store): Promise<{ userId: number; roomId: number }> {
  const user = await store.createUser({
    name: "ann",
    nameKey: "ann",
    passwordHash: "h",
    createdAt: 1,
  });
  const room = await store.createRoom({
    name: "lobby",
    nameKey: "lobby",
    topic: null,
    createdAt: 1,
  });
  assert.ok(user && room);
  return { userId: user.id, roomId: room.id };
}

function message(seq: number, roomId: number, senderId: number) {
  return { seq, roomId, senderId, recipientId: null, text: `m${seq}`, ts: seq, cid: `c${seq}` };
}

Deno.test("mysql outage: calls fail as unavailable while MariaDB is stopped, then recover", async () => {
  const mariadb = await startThrowawayMariadb();
  let store: Store | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    store = await openMysqlStore(db.url, { queryTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
    const { userId, roomId } = await seed(store);
    assert.deepEqual(await store.insertMessages([message(1, roomId, userId)]), [{
      status: "stored",
    }]);

    await mariadb.stop();
    await assert.rejects(store.insertMessages([message(2, roomId, userId)]), StoreUnavailableError);
    await assert.rejects(store.roomHistory(roomId, { limit: 10 }), StoreUnavailableError);
    await assert.rejects(
      store.createUser({ name: "bo", nameKey: "bo", passwordHash: "h", createdAt: 1 }),
      StoreUnavailableError,
    );

    await mariadb.start();
    assert.deepEqual(await store.insertMessages([message(3, roomId, userId)]), [{
      status: "stored",
    }]);
    const page = await store.roomHistory(roomId, { limit: 10 });
    assert.deepEqual(page.messages.map((m) => m.seq), [1, 3]);
  } finally {
    await store?.close().catch(() => {});
    await mariadb.destroy();
  }
});

Deno.test("mysql outage: a crash (SIGKILL) of MariaDB keeps every committed batch", async () => {
  const mariadb = await startThrowawayMariadb();
  let store: Store | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    store = await openMysqlStore(db.url, { queryTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
    const { userId, roomId } = await seed(store);
    const acknowledged: number[] = [];
    const writes: Promise<void>[] = [];
    for (let batch = 0; batch < 200; batch++) {
      const seqs = [batch * 10 + 1, batch * 10 + 2, batch * 10 + 3];
      writes.push(
        store.insertMessages(seqs.map((seq) => message(seq, roomId, userId))).then(
          () => void acknowledged.push(...seqs),
          (error) => assert.ok(error instanceof StoreUnavailableError, String(error)),
        ),
      );
      if (batch === 100) await mariadb.kill();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(writes);
    await mariadb.start();
    const stored = new Set<number>();
    let after = 0;
    for (;;) {
      const page = await store.roomHistory(roomId, { after, limit: 200 });
      for (const m of page.messages) stored.add(m.seq);
      if (!page.more) break;
      after = page.messages.at(-1)!.seq;
    }
    assert.ok(acknowledged.length > 0, "some batches were acknowledged before the crash");
    for (const seq of acknowledged) assert.ok(stored.has(seq), `acknowledged ${seq} is stored`);
    // Batches are all or nothing.
    for (let batch = 0; batch < 200; batch++) {
      const present = [1, 2, 3].map((i) => stored.has(batch * 10 + i));
      assert.ok(present.every((p) => p === present[0]), `batch ${batch} is whole or absent`);
    }
  } finally {
    await store?.close().catch(() => {});
    await mariadb.destroy();
  }
});

Deno.test("mysql outage: opening retries until MariaDB starts", async () => {
  const mariadb = await startThrowawayMariadb();
  let store: Store | null = null;
  try {
    const db = await createTestDatabase({ adminUrl: mariadb.adminUrl });
    await mariadb.stop();
    const lines: string[] = [];
    let started: Promise<void> | null = null;
    store = await openMysqlStore(db.url, {
      retryDelayMs: 50,
      maxRetryDelayMs: 200,
      onRetry(line) {
        lines.push(line);
        if (lines.length === 2) started = mariadb.start();
      },
    });
    await started;
    assert.ok(lines.length >= 2);
    assert.match(lines[0]!, /is unreachable/);
    assert.equal(await store.countMessages(), 0);
  } finally {
    await store?.close().catch(() => {});
    await mariadb.destroy();
  }
});
