/**
 * The search planner (lib/store/search_plan.ts) over an in-memory source: whatever mix of
 * scan and index reads it chooses, a page holds exactly the newest matches before `before`
 * with the right `more`; a rare word goes to the index after the first chunk, a frequent one
 * never does, nor one frequent in older history only; with no index, the scan answers a
 * bounded window.
 */
import assert from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import {
  type IndexCursor,
  planSearch,
  SCAN_BUDGET,
  type SearchCosts,
  type SearchSource,
  type TextRow,
} from "../../lib/store/search_plan.ts";
import { matchesAllWords } from "../../lib/store/search_query.ts";

const COSTS: SearchCosts = { scanRow: 2, indexDocument: 0.25, indexRow: 1 };

/** A source over `rows` (seq ascending) limited to `inScope`, counting what it reads. */
function memorySource(
  rows: TextRow[],
  words: readonly string[],
  inScope: (row: TextRow) => boolean = () => true,
  options: { indexable?: boolean; costs?: SearchCosts; asks?: "rarest" | "all" } = {},
) {
  const reads = { scanned: 0, indexed: 0, indexWords: [] as string[] };
  const newestFirst = [...rows].reverse();
  const source: SearchSource = {
    total: rows.length,
    costs: options.costs ?? COSTS,
    asks: options.asks ?? "rarest",
    scan(before, count) {
      const page = newestFirst.filter((r) => r.seq < before && inScope(r)).slice(0, count);
      reads.scanned += page.length;
      return Promise.resolve(page);
    },
    indexable: () => options.indexable ?? true,
    index(word, before, alone): IndexCursor {
      // "all": every word asked together, like InnoDB's `+a* +b*`, unless `alone`.
      const asked = source.asks === "all" && !alone ? words : [words[word]!];
      reads.indexWords.push(asked.join(" "));
      const hits = newestFirst.filter((r) =>
        r.seq < before && inScope(r) && matchesAllWords(r.text, asked)
      );
      return {
        next(count) {
          const page = hits.splice(0, count);
          reads.indexed += page.length;
          return Promise.resolve(page);
        },
        close() {},
      };
    },
  };
  return { source, reads };
}

/** The expected page: the newest `limit` matches before `before`, and whether more exist. */
function expected(
  rows: TextRow[],
  words: readonly string[],
  inScope: (row: TextRow) => boolean,
  before: number | undefined,
  limit: number,
) {
  const all = [...rows].reverse()
    .filter((r) => r.seq < (before ?? Infinity) && inScope(r) && matchesAllWords(r.text, words))
    .map((r) => r.seq);
  return { seqs: all.slice(0, limit), more: all.length > limit };
}

function filler(count: number, text: (seq: number) => string): TextRow[] {
  return Array.from({ length: count }, (_, i) => ({ seq: i + 1, text: text(i + 1) }));
}

Deno.test("a frequent word is answered from the scan alone", async () => {
  const rows = filler(20_000, (seq) => (seq % 3 === 0 ? "the frequent word" : "other text"));
  const { source, reads } = memorySource(rows, ["frequent"]);
  const page = await planSearch(source, ["frequent"], undefined, 20);
  assert.deepEqual(page, expected(rows, ["frequent"], () => true, undefined, 20));
  assert.equal(reads.indexWords.length, 0);
  assert.ok(reads.scanned <= 200, `${reads.scanned} rows scanned`);
});

Deno.test("a rare word goes to the index after the first chunk", async () => {
  const rows = filler(20_000, (seq) => (seq % 5_000 === 7 ? "a zebra here" : "other text"));
  const { source, reads } = memorySource(rows, ["zebra"]);
  const page = await planSearch(source, ["zebra"], undefined, 20);
  assert.deepEqual(page, expected(rows, ["zebra"], () => true, undefined, 20));
  assert.deepEqual(page.seqs, [15_007, 10_007, 5_007, 7]);
  assert.deepEqual(reads.indexWords, ["zebra"]);
  // The first chunk, then the sample of older history.
  assert.equal(reads.scanned, 200 + 200);
});

Deno.test("a word rare lately but frequent in older history is not asked from the index", async () => {
  // "okapi" is in every other message but the newest 1,000: asking the index for it would
  // collect some 10,000 documents for a page of 20.
  const rows = filler(21_000, (seq) => (seq <= 20_000 && seq % 2 === 0 ? "okapi" : "other"));
  // Costs where a document of the index costs several scanned rows (as on MariaDB).
  const costs = { scanRow: 3, indexDocument: 20, indexRow: 0.5 };
  const { source, reads } = memorySource(rows, ["okapi"], () => true, { costs });
  const page = await planSearch(source, ["okapi"], undefined, 20);
  assert.deepEqual(page, expected(rows, ["okapi"], () => true, undefined, 20));
  assert.deepEqual(reads.indexWords, []);
  // Without the sample (one older row in 2,000 has it), the same costs ask the index.
  const sparse = filler(21_000, (seq) => (seq <= 20_000 && seq % 2_000 === 0 ? "okapi" : "x"));
  const rare = memorySource(sparse, ["okapi"], () => true, { costs });
  assert.deepEqual(
    await planSearch(rare.source, ["okapi"], undefined, 20),
    expected(sparse, ["okapi"], () => true, undefined, 20),
  );
  assert.deepEqual(rare.reads.indexWords, ["okapi"]);
});

Deno.test("two words: the index is asked for the rarer one only", async () => {
  const rows = filler(
    20_000,
    (seq) => (seq % 2 === 0 ? "common " : "") + (seq % 1_000 === 0 ? "rarity" : "x"),
  );
  const { source, reads } = memorySource(rows, ["common", "rarity"]);
  const page = await planSearch(source, ["common", "rarity"], undefined, 5);
  assert.deepEqual(page, expected(rows, ["common", "rarity"], () => true, undefined, 5));
  assert.deepEqual(reads.indexWords, ["rarity"]);
});

Deno.test("asking for all words at once: frequent words whose conjunction is rare", async () => {
  // Each word in one message in 20, both together in one in 1,000, with MariaDB's costs
  // (lib/store/mysql_search.ts): reading the rows that hold every word is what costs.
  const text = (seq: number) =>
    seq % 1_000 === 5 ? "alpha beta" : seq % 20 === 0 ? "alpha" : seq % 20 === 10 ? "beta" : "x";
  const rows = filler(20_000, text);
  const costs = { scanRow: 3, indexDocument: 1, indexRow: 50 };
  const { source, reads } = memorySource(rows, ["alpha", "beta"], () => true, {
    costs,
    asks: "all",
  });
  const page = await planSearch(source, ["alpha", "beta"], undefined, 10);
  assert.deepEqual(page, expected(rows, ["alpha", "beta"], () => true, undefined, 10));
  assert.deepEqual(reads.indexWords, ["alpha beta"]);
  assert.ok(reads.scanned < 2_000, `${reads.scanned} rows scanned`);
});

Deno.test("asking for all words: a very frequent word is left out, the rare one asked alone", async () => {
  // `the pefofofo` on MariaDB: the frequent word's documents would cost more than reading
  // the rows of the rare word's few documents.
  const text = (seq: number) =>
    (seq % 10 < 6 ? "the " : "") + (seq % 2_000 === 7 ? "pefofofo" : "x");
  const rows = filler(40_000, text);
  const costs = { scanRow: 3, indexDocument: 2, indexRow: 50 };
  const { source, reads } = memorySource(rows, ["the", "pefofofo"], () => true, {
    costs,
    asks: "all",
  });
  const page = await planSearch(source, ["the", "pefofofo"], undefined, 10);
  assert.deepEqual(page, expected(rows, ["the", "pefofofo"], () => true, undefined, 10));
  assert.deepEqual(reads.indexWords, ["pefofofo"]);
});

Deno.test("without an index the scan answers a bounded window, never an empty page", async () => {
  const count = SCAN_BUDGET * 2;
  const rows = filler(count, (seq) => (seq === count || seq === 3 ? "ab" : "cd"));
  const { source, reads } = memorySource(rows, ["ab"], () => true, { indexable: false });
  const first = await planSearch(source, ["ab"], undefined, 20);
  assert.deepEqual(first, { seqs: [count], more: true });
  assert.ok(reads.scanned < count, `${reads.scanned} rows scanned`);
  const second = await planSearch(source, ["ab"], first.seqs[0], 20);
  assert.deepEqual(second, { seqs: [3], more: false });
});

Deno.test("property: pages are exactly the newest matches, whatever the plan", async () => {
  const vocabulary = ["alpha", "beta", "gamma", "delta", "al", "be"];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 4 }), {
        minLength: 1,
        maxLength: 3_000,
        size: "max",
      }),
      fc.array(fc.constantFrom(...vocabulary), { minLength: 1, maxLength: 2 }),
      fc.integer({ min: 1, max: 7 }),
      fc.option(fc.nat(3_100), { nil: undefined }),
      fc.integer({ min: 1, max: 30 }),
      fc.constantFrom(COSTS, { scanRow: 100, indexDocument: 0.01, indexRow: 0.01 }, {
        scanRow: 0.01,
        indexDocument: 100,
        indexRow: 100,
      }),
      fc.constantFrom("rarest" as const, "all" as const),
      async (texts, query, scopeEvery, before, limit, costs, asks) => {
        const rows = texts.map((words, i) => ({ seq: i + 1, text: words.join(" ") }));
        const words = [...new Set(query)];
        const inScope = (row: TextRow) => row.seq % scopeEvery === 0;
        const { source } = memorySource(rows, words, inScope, { costs, asks });
        const page = await planSearch(source, words, before, limit);
        assert.deepEqual(page, expected(rows, words, inScope, before, limit));
      },
    ),
    { numRuns: 150 },
  );
});
