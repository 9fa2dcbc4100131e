/**
 * The search query parser (lib/store/search_query.ts): user text becomes plain words, so no
 * FTS operator ever reaches an engine; folding, prefix reduction, problems, engine syntax.
 */
import assert from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import {
  booleanModeTerms,
  foldSearchText,
  fts5Query,
  matchesAllWords,
  parseSearchQuery,
} from "../../lib/store/search_query.ts";

Deno.test("words are folded: case, accents, compatibility forms", () => {
  assert.equal(foldSearchText("Café ÉTÉ ﬁne"), "cafe ete fine");
  const parsed = parseSearchQuery("  Bon   CAFÉ ");
  assert.deepEqual(parsed, { ok: true, words: ["bon", "cafe"], phrases: ["Bon", "CAFÉ"] });
});

Deno.test("a word that is a prefix of another word of the query is dropped", () => {
  assert.deepEqual(parseSearchQuery("b bo bon bon"), {
    ok: true,
    words: ["bon"],
    phrases: ["bon"],
  });
});

Deno.test("problems: empty, only spaces, over 200 characters, nothing searchable", () => {
  assert.deepEqual(parseSearchQuery(""), { ok: false, problem: "empty" });
  assert.deepEqual(parseSearchQuery(" \t\n "), { ok: false, problem: "empty" });
  assert.deepEqual(parseSearchQuery("a".repeat(201)), { ok: false, problem: "too_long" });
  assert.equal(parseSearchQuery("a".repeat(200)).ok, true);
  assert.equal(parseSearchQuery("😀".repeat(200)).ok, false); // 200 characters, no letters
  assert.deepEqual(parseSearchQuery("😀".repeat(201)), { ok: false, problem: "too_long" });
  for (const q of ['"', "*", "-", "(", "+", "~", "@", ">", '"*" -()', "\u0301"]) {
    assert.deepEqual(parseSearchQuery(q), { ok: false, problem: "no_words" }, q);
  }
});

Deno.test("operators are not words; AND, OR, NEAR are plain words", () => {
  assert.deepEqual(parseSearchQuery('"AND" OR* -NEAR(x)'), {
    ok: true,
    words: ["and", "or", "near", "x"],
    phrases: ["AND", "OR", "NEAR", "x"],
  });
  assert.deepEqual(fts5Query(["AND", "café"]), { match: '"AND"* "café"*', verify: [] });
});

Deno.test("FTS5: a word FTS5 splits (a mark inside) becomes its tokens and is verified", () => {
  const parsed = parseSearchQuery("हिन्दी cafe");
  assert.ok(parsed.ok);
  const query = fts5Query(parsed.phrases);
  assert.equal(query.match, '"ह" "न" "द"* "cafe"*');
  assert.deepEqual(query.verify, ["हनद"]);
  assert.ok(matchesAllWords("हिन्दी भाषा", query.verify));
  assert.ok(!matchesAllWords("ह न द", query.verify));
});

Deno.test("MySQL terms: indexed words in boolean mode, short ones apart", () => {
  assert.deepEqual(booleanModeTerms(["bonjour", "la", "a", "cafe"], 3, 84), {
    against: "+bonjour* +cafe*",
    others: ["la", "a"],
  });
  assert.deepEqual(booleanModeTerms(["a"], 3, 84), { against: null, others: ["a"] });
});

Deno.test("booleanModeTerms: a folded oe or ss is asked for as written with œ or ß too (InnoDB's wildcard lookup does not always equate them)", () => {
  assert.equal(booleanModeTerms(["coe"], 3, 84).against, "+(coe* cœ*)");
  assert.equal(booleanModeTerms(["strasse", "bon"], 3, 84).against, "+(strasse* straße*) +bon*");
  assert.equal(
    booleanModeTerms(["oessoe"], 3, 84).against,
    "+(oessoe* oessœ* oeßoe* oeßœ* œssoe* œssœ* œßoe* œßœ*)",
  );
  // Bad input: a word made of many pairs asks for at most 2^3 forms.
  const many = booleanModeTerms(["ss".repeat(40)], 3, 84).against!;
  assert.equal(many.split(" ").length, 8);
});

Deno.test("matchesAllWords: every word starts a word of the text", () => {
  assert.equal(matchesAllWords("Bonjour le café", ["bon", "caf"]), true);
  assert.equal(matchesAllWords("Bonjour le café", ["onjour"]), false);
  assert.equal(matchesAllWords("l'été", ["ete"]), true);
});

Deno.test("bad input a query of compatibility symbols only (⼀, ㈠) is no_words, never an empty FTS query", () => {
  for (const query of ["⼀", "⼀ ⼁", "㈠"]) {
    const parsed = parseSearchQuery(query);
    if (parsed.ok) assert.ok(parsed.phrases.length > 0, query);
    else assert.equal(parsed.problem, "no_words");
  }
});

Deno.test("property: parsed words and phrases never hold FTS syntax", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (query) => {
      const parsed = parseSearchQuery(query);
      if (!parsed.ok) return;
      assert.ok(parsed.words.length > 0 && parsed.phrases.length > 0);
      for (const w of [...parsed.words, ...parsed.phrases]) {
        assert.ok(w !== "" && !/["*()+\-~@<>:^\s]/u.test(w), JSON.stringify(w));
      }
    }),
    { numRuns: 500 },
  );
});
