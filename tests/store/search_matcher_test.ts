/**
 * The fast word matcher of search (lib/store/search_query.ts `WordMatcher`, `quickFold`)
 * against the exact rule (`matchesAllWords`, `foldSearchText`): the same fold for every code
 * point alone and between letters, the same answers on random texts mixing what folds by
 * context (capital sigma, conjoining Hangul jamo), compatibility forms, marks, surrogates.
 */
import assert from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import {
  foldSearchText,
  matchesAllWords,
  quickFold,
  searchWords,
  WordMatcher,
} from "../../lib/store/search_query.ts";

Deno.test("quickFold folds every code point as foldSearchText does, alone and in a word", () => {
  const wrong: string[] = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    const char = String.fromCodePoint(cp);
    for (const text of [char, `Ab${char}Cd`]) {
      const quick = quickFold(text);
      if (quick !== null && quick !== foldSearchText(text)) wrong.push(cp.toString(16));
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("quickFold gives up where context decides: capital sigma, conjoining jamo", () => {
  assert.equal(quickFold("ΟΔΟΣ"), null);
  assert.equal(quickFold("\u1100\u1161"), null); // ᄀ + ᅡ compose to 가
  assert.equal(quickFold("\ud800x"), null); // a lone surrogate
  assert.equal(quickFold("Café ÉTÉ ﬁne"), "cafe ete fine");
  assert.equal(quickFold("plain ASCII"), "plain ascii");
  for (const text of ["ΟΔΟΣ ΟΔΟΣ", "가\u11a8", "ㄱㅏ"]) {
    const words = searchWords(text);
    assert.equal(new WordMatcher(words).test(text), true, text);
  }
});

Deno.test("WordMatcher answers as matchesAllWords and counts each word's hits", () => {
  const matcher = new WordMatcher(["bon", "caf"]);
  assert.equal(matcher.test("Bonjour le café"), true);
  assert.equal(matcher.test("abonné, decafeine"), false);
  assert.equal(matcher.test("bon"), false);
  assert.deepEqual(matcher.hits, [2, 1]);
  assert.equal(matcher.tested, 3);
  assert.equal(new WordMatcher(["ete"]).test("l'été"), true);
  assert.equal(new WordMatcher(["हनद"]).test("हिन्दी भाषा"), true);
  assert.equal(new WordMatcher(["हनद"]).test("ह न द"), false);
  assert.equal(new WordMatcher(["2"]).test("x²"), false); // ² folds to 2 inside the word x2
  assert.equal(new WordMatcher(["2"]).test("x ²"), true);
});

/** Characters that exercise folding: ASCII, accents, marks, sigma, jamo, compatibility forms. */
const ALPHABET = [
  ..."aAbBzZ09 .'-",
  ..."éÉçÇüßøİı",
  "\u0301",
  "\u0308",
  ..."ΣσςΟΔ",
  "\u03f9",
  "\u{1d6ba}",
  ..."가각\u1100\u1161\u11a8ㄱㅏ",
  ..."ﬁ²½㎒Ａ",
  ..."हिन्दी",
  "\u{16d63}",
  "\u{16d67}",
  "😀",
  "\ud800",
  "\ue000",
];

Deno.test("property: WordMatcher agrees with matchesAllWords on random texts and words", () => {
  const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 24 }).map((a) => a.join(""));
  fc.assert(
    fc.property(text, text, fc.nat(4), (haystack, source, cut) => {
      // Query words as the parser makes them: folded words, also cut short (prefixes).
      const words = searchWords(source).map((w) => [...w].slice(0, cut + 1).join(""));
      if (words.length === 0) return;
      assert.equal(
        new WordMatcher(words).test(haystack),
        matchesAllWords(haystack, words),
        `${JSON.stringify(haystack)} / ${JSON.stringify(words)}`,
      );
      const own = searchWords(haystack);
      if (own.length > 0) assert.equal(new WordMatcher(own).test(haystack), true);
    }),
    { numRuns: 3_000 },
  );
});
