/**
 * The SQLite search index in its own file (`<db>-search.db`, lib/store/sqlite_search*.ts):
 * rebuilt when the file is missing, belongs to another database or is an older copy; a
 * search sees everything committed before it although indexing happens after the commits,
 * on another thread; the queue of changes does not grow without bound; an in-memory store
 * searches too.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openSqliteStore, settleSearchIndex } from "../../lib/store/sqlite_store.ts";
import { SearchIndexer } from "../../lib/store/sqlite_search_index.ts";
import { openSearchIndex } from "../../lib/store/sqlite_search.ts";
import { parseSearchQuery } from "../../lib/store/search_query.ts";
import type { NewMessage, Store } from "../../lib/store/store.ts";

/** Fillers make the words below rare, so that the planner asks the index. */
const FILLERS = 3_000;

function message(seq: number, text: string): NewMessage {
  return { seq, roomId: 1, senderId: 1, recipientId: null, text, ts: seq, cid: null };
}

async function found(store: Store, query: string): Promise<number[]> {
  const parsed = parseSearchQuery(query);
  assert.ok(parsed.ok, query);
  const page = await store.searchMessages({
    words: parsed.words,
    phrases: parsed.phrases,
    scope: { roomId: 1 },
    limit: 20,
  });
  return page.messages.map((m) => m.seq);
}

/** A store at `path` with one user, one room, "zebra" at 1, "okapi" at 2 and fillers. */
async function filledStore(path: string): Promise<Store> {
  const store = await openSqliteStore(path);
  await store.createUser({ name: "al", nameKey: "al", passwordHash: "h", createdAt: 0 });
  await store.createRoom({ name: "lobby", nameKey: "lobby", topic: null, createdAt: 0 });
  await store.insertMessages([message(1, "zebra crossing"), message(2, "okapi herd")]);
  await store.insertMessages(
    Array.from({ length: FILLERS }, (_, i) => message(i + 3, `filler ${i}`)),
  );
  return store;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-search-index-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function removeIndexFile(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.remove(`${path}-search.db${suffix}`).catch(() => {});
  }
}

Deno.test("sqlite search index: a missing index file is rebuilt with every message", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    const store = await filledStore(path);
    await store.writeMessages([{ op: "edit", seq: 2, text: "gnu herd", at: 1 }]);
    await store.close();
    await removeIndexFile(path);
    const reopened = await openSqliteStore(path);
    try {
      assert.deepEqual(await found(reopened, "zebra"), [1]);
      assert.deepEqual(await found(reopened, "gnu"), [2]);
      assert.deepEqual(await found(reopened, "okapi"), []);
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("sqlite search index: a damaged index file is replaced", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    const store = await filledStore(path);
    await store.close();
    await removeIndexFile(path);
    await Deno.writeTextFile(`${path}-search.db`, "not a database ".repeat(1_000));
    const reopened = await openSqliteStore(path);
    try {
      assert.deepEqual(await found(reopened, "zebra"), [1]);
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("sqlite search index: the index file of another database is not used", async () => {
  await withDir(async (dir) => {
    const a = await filledStore(`${dir}/a.db`);
    await a.insertMessages([message(FILLERS + 3, "walrus only in a")]);
    assert.deepEqual(await found(a, "walrus"), [FILLERS + 3]);
    await a.close();
    const b = await filledStore(`${dir}/b.db`);
    await b.close();
    await removeIndexFile(`${dir}/b.db`);
    await Deno.copyFile(`${dir}/a.db-search.db`, `${dir}/b.db-search.db`);
    const reopened = await openSqliteStore(`${dir}/b.db`);
    try {
      assert.deepEqual(await found(reopened, "walrus"), []);
      assert.deepEqual(await found(reopened, "zebra"), [1]);
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("sqlite search index: an older copy of the index file is brought up to date", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    const store = await filledStore(path);
    assert.deepEqual(await found(store, "zebra"), [1]);
    await store.close();
    await Deno.copyFile(`${path}-search.db`, `${dir}/old-search.db`);
    const second = await openSqliteStore(path);
    // Changes the old copy does not hold; the searches let the store delete them from its
    // queue once indexed, the later writes do.
    await second.writeMessages([{ op: "edit", seq: 1, text: "giraffe crossing", at: 1 }]);
    assert.deepEqual(await found(second, "giraffe"), [1]);
    await second.writeMessages([{ op: "delete", seq: 2, audit: null }]);
    assert.deepEqual(await found(second, "okapi"), []);
    await second.insertMessages([message(FILLERS + 3, "walrus later")]);
    await second.writeMessages([{ op: "edit", seq: FILLERS + 3, text: "walrus again", at: 2 }]);
    await second.close();
    await removeIndexFile(path);
    await Deno.copyFile(`${dir}/old-search.db`, `${path}-search.db`);
    const third = await openSqliteStore(path);
    try {
      assert.deepEqual(await found(third, "zebra"), []);
      assert.deepEqual(await found(third, "giraffe"), [1]);
      assert.deepEqual(await found(third, "okapi"), []);
      assert.deepEqual(await found(third, "walrus"), [FILLERS + 3]);
    } finally {
      await third.close();
    }
  });
});

Deno.test("sqlite search index: each search sees every write committed before it", async () => {
  await withDir(async (dir) => {
    const store = await filledStore(`${dir}/a.db`);
    try {
      let seq = FILLERS + 3;
      for (let round = 0; round < 40; round++) {
        const word = `word${round}x`;
        await store.insertMessages([message(seq, `${word} new`)]);
        assert.deepEqual(await found(store, word), [seq], `new ${word}`);
        await store.writeMessages([{ op: "edit", seq, text: `${word}y edited`, at: round }]);
        assert.deepEqual(await found(store, `${word}y`), [seq], `edited ${word}`);
        assert.deepEqual(await found(store, "new"), [], `old text of ${word}`);
        seq++;
      }
    } finally {
      await store.close();
    }
  });
});

Deno.test("sqlite search index: the queue of changes is emptied once they are indexed", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    const store = await filledStore(path);
    // Searches use the index once it is built (they scan until then).
    await settleSearchIndex(store);
    await store.writeMessages([
      { op: "edit", seq: 1, text: "giraffe", at: 1 },
      { op: "delete", seq: 2, audit: null },
    ]);
    assert.deepEqual(await found(store, "giraffe"), [1]);
    await store.writeMessages([{ op: "edit", seq: 3, text: "lemur", at: 2 }]);
    assert.deepEqual(await found(store, "lemur"), [3]);
    await store.writeMessages([{ op: "edit", seq: 4, text: "tapir", at: 3 }]);
    await store.close();
    const db = new DatabaseSync(path);
    try {
      const rows = db.prepare("SELECT seq FROM search_changes ORDER BY id").all();
      assert.deepEqual(rows.map((r) => Number(r.seq)), [4]);
    } finally {
      db.close();
    }
  });
});

Deno.test("sqlite search index: an in-memory store searches (the index in its database)", async () => {
  const store = await filledStore(":memory:");
  try {
    assert.deepEqual(await found(store, "zebra"), [1]);
    await store.writeMessages([{ op: "edit", seq: 1, text: "giraffe", at: 1 }]);
    assert.deepEqual(await found(store, "giraffe"), [1]);
    assert.deepEqual(await found(store, "zebra"), []);
  } finally {
    await store.close();
  }
});

/** The rows of search_changes (their seq) and search_state of the files of `path`. */
function searchFiles(path: string): { changes: number[]; upto: number; newest: number } {
  const db = new DatabaseSync(path);
  const index = new DatabaseSync(`${path}-search.db`);
  try {
    const rows = db.prepare("SELECT seq FROM search_changes ORDER BY id").all();
    const newest = db.prepare("SELECT max(seq) AS seq FROM messages").get()!;
    const state = index.prepare("SELECT upto FROM search_state").get()!;
    return {
      changes: rows.map((r) => Number(r.seq)),
      upto: Number(state.upto),
      newest: Number(newest.seq),
    };
  } finally {
    index.close();
    db.close();
  }
}

Deno.test("sqlite search index: the queue of changes is emptied when nobody searches", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    const store = await filledStore(path);
    await store.writeMessages([{ op: "edit", seq: 1, text: "giraffe", at: 1 }]);
    await store.writeMessages([{ op: "delete", seq: 2, audit: null }]);
    // The worker reports its background passes; the next write forgets what they indexed.
    await settleSearchIndex(store);
    await store.writeMessages([{ op: "edit", seq: 3, text: "lemur", at: 2 }]);
    await store.close();
    assert.deepEqual(searchFiles(path).changes, [3]);
  });
});

Deno.test("sqlite search index: searches scan while it is rebuilt; close does not wait for it", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    await (await filledStore(path)).close();
    const db = new DatabaseSync(path);
    try {
      // 200,000 messages: a rebuild of many passes.
      db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
        INSERT INTO messages (seq, room_id, sender_id, text, ts)
        SELECT 10000 + i, 1, 1, 'filler ' || i, i FROM n`);
    } finally {
      db.close();
    }
    await removeIndexFile(path);
    const store = await openSqliteStore(path);
    try {
      // Before the index holds every message, the planner scans: the results are exact.
      assert.deepEqual(await found(store, "zebra"), [1]);
    } finally {
      await store.close();
    }
    const stopped = searchFiles(path);
    assert.ok(stopped.upto < stopped.newest, `closed at ${stopped.upto} of ${stopped.newest}`);
    // The next open resumes where it stopped.
    const reopened = await openSqliteStore(path);
    try {
      await settleSearchIndex(reopened);
      assert.deepEqual(await found(reopened, "zebra"), [1]);
      assert.deepEqual(await found(reopened, "okapi"), [2]);
    } finally {
      await reopened.close();
    }
    const done = searchFiles(path);
    assert.equal(done.upto, done.newest);
  });
});

Deno.test("sqlite search index: a pass is bounded by the bytes of text too", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    await (await filledStore(path)).close();
    await removeIndexFile(path);
    const db = new DatabaseSync(path);
    const index = new DatabaseSync(`${path}-search.db`);
    try {
      // 3,002 short messages (about 10 bytes), then 10 of 4,000 four-byte characters.
      db.prepare(
        `INSERT INTO messages (seq, room_id, sender_id, text, ts)
         SELECT 10000 + value, 1, 1, ?, 0 FROM json_each('[1,2,3,4,5,6,7,8,9,10]')`,
      ).run("\u{1F993}".repeat(4_000));
      const indexer = new SearchIndexer(db, index, "test");
      // 8,192 sequence numbers at most: the short messages (about 30 KB).
      const first = indexer.pass(8_192, 40_000);
      assert.equal(first.upto, 8_192);
      // 40,000 bytes at most (beyond the message that crosses them): 3 of 16,000 bytes.
      const second = indexer.pass(8_192, 40_000);
      assert.equal(second.upto, 10_003);
      assert.equal(indexer.pass(8_192, 40_000).upto, 10_006);
      const end = indexer.catchUp(8_192, 40_000);
      assert.equal(end.upto, 10_010);
      const hits = index.prepare(
        "SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'filler'",
      ).get()!;
      assert.equal(Number(hits.n), FILLERS);
    } finally {
      index.close();
      db.close();
    }
  });
});

Deno.test("sqlite search index: an index file that cannot be opened is left alone, searches scan", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    await (await filledStore(path)).close();
    await removeIndexFile(path);
    // Not a damaged database (that one is rebuilt): something that cannot be opened.
    await Deno.mkdir(`${path}-search.db/keep`, { recursive: true });
    const store = await openSqliteStore(path);
    try {
      assert.deepEqual(await found(store, "zebra"), [1]);
      await store.writeMessages([{ op: "edit", seq: 1, text: "giraffe", at: 1 }]);
      assert.deepEqual(await found(store, "giraffe"), [1]);
    } finally {
      await store.close();
    }
    assert.ok((await Deno.stat(`${path}-search.db/keep`)).isDirectory);
  });
});

Deno.test("sqlite search index: searches use it only once built and while its worker lives", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/a.db`;
    await (await filledStore(path)).close();
    await removeIndexFile(path);
    const db = new DatabaseSync(path);
    try {
      const index = await openSearchIndex(db, path, "test");
      // Opened, not yet built: the store's planner scans (indexable is `ready`).
      assert.equal(index.ready, false);
      while (!index.ready) await index.progressed();
      assert.equal(index.upto, FILLERS + 2);
      // A stopped (or failed) worker: searches scan again rather than fail.
      await index.close();
      assert.equal(index.ready, false);
      await assert.rejects(index.progressed());
    } finally {
      db.close();
    }
  });
});
