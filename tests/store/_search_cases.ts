/** The Store contract's cases about full-text search (`searchMessages`). */
import assert from "node:assert/strict";
import { SCAN_BUDGET } from "../../lib/store/search_plan.ts";
import { parseSearchQuery } from "../../lib/store/search_query.ts";
import type { SearchQuery, SearchScope, Store } from "../../lib/store/store.ts";
import { type Case, dm, say, seqs } from "./_contract_fixture.ts";

/** Searches `text` (parsed as the server does) in `scope`. */
function find(
  store: Store,
  text: string,
  scope: SearchScope,
  extra: Partial<SearchQuery> = {},
) {
  const parsed = parseSearchQuery(text);
  assert.ok(parsed.ok, `query ${text} parses`);
  return store.searchMessages({
    words: parsed.words,
    phrases: parsed.phrases,
    scope,
    limit: 20,
    ...extra,
  });
}

/** Search cases. */
export const SEARCH_CASES: Case[] = [
  ["search finds word starts, case- and accent-insensitively, newest first", async (f) => {
    const { store, lobby, dev, alice, bob } = f;
    await store.insertMessages([
      { ...say(1, lobby, alice), text: "Bonjour le café" },
      { ...say(2, lobby, bob), text: "CAFÉ au lait" },
      { ...say(3, dev, alice), text: "decaf only, abonné" },
      { ...say(4, lobby, alice), text: "l'été est là" },
      { ...say(5, lobby, bob), text: "a b cd" },
    ]);
    const everywhere = { everywhereFor: alice.id };
    assert.deepEqual(seqs(await find(store, "cafe", everywhere)), [2, 1]);
    assert.deepEqual(seqs(await find(store, "bon", everywhere)), [1]);
    assert.deepEqual(seqs(await find(store, "BON CAF", everywhere)), [1]);
    assert.deepEqual(seqs(await find(store, "ete", everywhere)), [4]);
    assert.deepEqual(seqs(await find(store, "la", everywhere)), [4, 2]);
    assert.deepEqual(seqs(await find(store, "b", everywhere)), [5, 1]);
    assert.deepEqual(seqs(await find(store, "c", everywhere)), [5, 2, 1]);
    assert.deepEqual(seqs(await find(store, "abon", everywhere)), [3]);
    assert.deepEqual(seqs(await find(store, "onjour", everywhere)), []);
    assert.deepEqual(seqs(await find(store, "cafe", { roomId: dev })), []);
    const page = await find(store, "cafe", everywhere);
    assert.equal(page.messages[0]!.text, "CAFÉ au lait");
    assert.equal(page.messages[0]!.room, "lobby");
    assert.equal(page.more, false);
  }],

  [
    "search finds words FTS5 splits into tokens (marks inside a word), whole words only",
    async (f) => {
      const { store, lobby, alice } = f;
      await store.insertMessages([
        { ...say(1, lobby, alice), text: "हिन्दी भाषा" },
        { ...say(2, lobby, alice), text: "ह न दो" },
        { ...say(3, lobby, alice), text: "नमस्ते" },
      ]);
      const scope = { roomId: lobby };
      assert.deepEqual(seqs(await find(store, "हिन्दी", scope)), [1]);
      assert.deepEqual(seqs(await find(store, "हिन्", scope)), [1]);
      assert.deepEqual(seqs(await find(store, "नमस", scope)), [3]);
      assert.deepEqual(seqs(await find(store, "भाषा हिन्दी", scope)), [1]);
    },
  ],

  ["search scopes: a room, a dm conversation, every room and one's own dms", async (f) => {
    const { store, lobby, dev, alice, bob, carol } = f;
    await store.insertMessages([
      { ...say(1, lobby, alice), text: "secret lobby" },
      { ...say(2, dev, bob), text: "secret dev" },
      { ...dm(3, alice, bob), text: "secret alice to bob" },
      { ...dm(4, bob, carol), text: "secret bob to carol" },
      { ...dm(5, carol, alice), text: "secret carol to alice" },
    ]);
    assert.deepEqual(seqs(await find(store, "secret", { everywhereFor: alice.id })), [5, 3, 2, 1]);
    assert.deepEqual(seqs(await find(store, "secret", { everywhereFor: bob.id })), [4, 3, 2, 1]);
    assert.deepEqual(seqs(await find(store, "secret", { roomId: lobby })), [1]);
    assert.deepEqual(
      seqs(await find(store, "secret", { dmOf: alice.id, dmWith: bob.id })),
      [3],
    );
    assert.deepEqual(
      seqs(await find(store, "secret", { dmOf: bob.id, dmWith: alice.id })),
      [3],
    );
    assert.deepEqual(
      seqs(await find(store, "secret", { everywhereFor: alice.id }, { fromId: bob.id })),
      [2],
    );
  }],

  ["search pages with before, limit and more", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages(
      Array.from({ length: 30 }, (_, i) => ({ ...say(i + 1, lobby, alice), text: `word ${i}` })),
    );
    const scope = { roomId: lobby };
    const first = await find(store, "wo", scope, { limit: 12 });
    assert.deepEqual(seqs(first), Array.from({ length: 12 }, (_, i) => 30 - i));
    assert.equal(first.more, true);
    const second = await find(store, "wo", scope, { limit: 12, before: 19 });
    assert.deepEqual(seqs(second), Array.from({ length: 12 }, (_, i) => 18 - i));
    assert.equal(second.more, true);
    const last = await find(store, "wo", scope, { limit: 12, before: 7 });
    assert.deepEqual(seqs(last), [6, 5, 4, 3, 2, 1]);
    assert.equal(last.more, false);
  }],

  ["search: paging with before reaches every sparse match, each once, no page empty", async (f) => {
    // More rows than MariaDB's recency scan reads per request (SCAN_BUDGET): its pages may
    // hold fewer than `limit` with more: true (a bounded window), and `before` goes on.
    const { store, lobby, alice } = f;
    const count = SCAN_BUDGET + 1_000;
    const text = (seq: number) =>
      seq === 1 || seq === count ? "rare zq word" : seq === 2 ? "rarely" : `filler ${seq}`;
    await store.insertMessages(
      Array.from({ length: count }, (_, i) => ({ ...say(i + 1, lobby, alice), text: text(i + 1) })),
    );
    for (const query of ["rare", "zq", "rare zq"]) {
      const all: number[] = [];
      let before: number | undefined;
      for (let page = 0; page < 5; page++) {
        const result = await find(store, query, { roomId: lobby }, { before });
        assert.ok(result.messages.length > 0, `${query}: page ${page} is not empty`);
        all.push(...seqs(result));
        if (!result.more) break;
        before = all[all.length - 1];
      }
      const expected = query === "rare" ? [count, 2, 1] : [count, 1];
      assert.deepEqual(all, expected, query);
    }
  }],

  [
    "search: œ and ß are found as oe and ss and the other way round, past the recency scan too",
    async (f) => {
      const { store, lobby, alice } = f;
      // The matches are older than what a recency scan reads first, so the index answers too.
      const texts = ["un cœur brisé", "mon COEUR", "die Straße", "STRASSE zwei", "æther"];
      const filler = SCAN_BUDGET + 500;
      await store.insertMessages([
        ...texts.map((text, i) => ({ ...say(i + 1, lobby, alice), text })),
        ...Array.from({ length: filler }, (_, i) => ({
          ...say(texts.length + i + 1, lobby, alice),
          text: `filler ${i}`,
        })),
      ]);
      const all = async (query: string) => {
        const found: number[] = [];
        let before: number | undefined;
        for (let page = 0; page < 10; page++) {
          const result = await find(store, query, { roomId: lobby }, { before });
          found.push(...seqs(result));
          if (!result.more) break;
          before = found.at(-1) ?? before;
        }
        return found;
      };
      for (const query of ["coeur", "cœur", "Cœ", "COE"]) {
        assert.deepEqual(await all(query), [
          2,
          1,
        ], query);
      }
      for (const query of ["strasse", "straße", "STRAẞE", "stras"]) {
        assert.deepEqual(await all(query), [4, 3], query);
      }
      // æ is a letter of its own (MariaDB's collation too): "aether" does not find "æther".
      assert.deepEqual(await all("æther"), [5]);
      assert.deepEqual(await all("aether"), []);
    },
  ],

  ["search follows edits and never finds deleted messages", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([
      { ...say(1, lobby, alice), text: "original wording" },
      { ...say(2, lobby, alice), text: "doomed wording" },
    ]);
    await store.writeMessages([
      { op: "edit", seq: 1, text: "rewritten phrase", at: 5 },
      { op: "delete", seq: 2, audit: null },
    ]);
    const scope = { roomId: lobby };
    assert.deepEqual(seqs(await find(store, "original", scope)), []);
    assert.deepEqual(seqs(await find(store, "rewritten", scope)), [1]);
    assert.deepEqual(seqs(await find(store, "doomed", scope)), []);
    assert.deepEqual(seqs(await find(store, "wording", scope)), []);
  }],

  [
    "search through the index: edits, deletes and a room's deletion, before and after indexing",
    async (f) => {
      // Thousands of fillers make "zebra" and "okapi" rare: the planner asks the index.
      const { store, lobby, dev, alice } = f;
      const fillers = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => ({
          ...say(from + i, lobby, alice),
          text: `filler ${from + i}`,
        }));
      await store.insertMessages([
        { ...say(1, lobby, alice), text: "zebra one" },
        { ...say(2, lobby, alice), text: "zebra two" },
        { ...say(3, dev, alice), text: "zebra in dev" },
        ...fillers(4, 3_000),
      ]);
      const everywhere = { everywhereFor: alice.id };
      assert.deepEqual(seqs(await find(store, "zebra", everywhere)), [3, 2, 1]);
      await store.writeMessages([
        { op: "edit", seq: 1, text: "okapi one", at: 5 },
        { op: "delete", seq: 2, audit: null },
      ]);
      // More messages, some changed before any search could have indexed them.
      await store.insertMessages([
        ...fillers(3_004, 3_000),
        { ...say(6_004, lobby, alice), text: "zebra new" },
        { ...say(6_005, lobby, alice), text: "okapi new" },
        { ...say(6_006, lobby, alice), text: "zebra doomed" },
        ...fillers(6_007, 300),
      ]);
      await store.writeMessages([
        { op: "edit", seq: 6_004, text: "okapi newer", at: 6 },
        { op: "delete", seq: 6_006, audit: null },
      ]);
      assert.deepEqual(seqs(await find(store, "zebra", everywhere)), [3]);
      assert.deepEqual(seqs(await find(store, "okapi", everywhere)), [6_005, 6_004, 1]);
      assert.deepEqual(seqs(await find(store, "okapi", { roomId: lobby }, { limit: 2 })), [
        6_005,
        6_004,
      ]);
      assert.equal(await store.deleteRoom(dev), true);
      assert.deepEqual(seqs(await find(store, "zebra", everywhere)), []);
      assert.deepEqual(seqs(await find(store, "filler", everywhere, { limit: 1 })), [6_306]);
    },
  ],

  ["search finds a message stored with a lower sequence number than indexed ones", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages(
      Array.from({ length: 2_000 }, (_, i) => ({ ...say(101 + i, lobby, alice), text: "filler" })),
    );
    // A search through the index first: everything stored so far is indexed.
    assert.deepEqual(seqs(await find(store, "zebra", { roomId: lobby })), []);
    await store.insertMessages([{ ...say(50, lobby, alice), text: "zebra early" }]);
    assert.deepEqual(seqs(await find(store, "zebra", { roomId: lobby })), [50]);
  }],

  ["search finds messages stored before a reopen", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([
      { ...say(1, lobby, alice), text: "zebra first" },
      ...Array.from({ length: 1_500 }, (_, i) => ({ ...say(2 + i, lobby, alice), text: "x" })),
    ]);
    await store.close();
    const reopened = await f.opened.reopen();
    assert.deepEqual(seqs(await find(reopened, "zebra", { roomId: lobby })), [1]);
  }],

  ["search survives a room's deletion and operator-like words", async (f) => {
    const { store, lobby, dev, alice } = f;
    await store.insertMessages([
      { ...say(1, dev, alice), text: "gone with the room" },
      { ...say(2, lobby, alice), text: "AND OR NOT NEAR the end" },
    ]);
    assert.equal(await store.deleteRoom(dev), true);
    const scope = { everywhereFor: alice.id };
    assert.deepEqual(seqs(await find(store, "gone", scope)), []);
    assert.deepEqual(seqs(await find(store, "AND", scope)), [2]);
    assert.deepEqual(seqs(await find(store, "near OR", scope)), [2]);
    assert.deepEqual(seqs(await find(store, "the", scope)), [2]);
    assert.deepEqual(seqs(await find(store, '"end*" -(x)', scope)), []);
  }],
];
