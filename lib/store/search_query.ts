/**
 * Search queries (protocol 1.1 `search`): the user's text is parsed here into plain words,
 * and only those words reach the full-text engines (SQLite FTS5, MySQL FULLTEXT), each
 * wrapped in that engine's syntax by {@linkcode fts5Query} / {@linkcode booleanModeTerms}.
 * A word is a run of letters, digits and private-use characters after case folding and
 * accent removal, so an FTS operator (`"`, `*`, `-`, `(`, `+`, `~`, `@`, `>`) never
 * survives parsing, and `AND`, `OR`, `NEAR` are searched as ordinary words.
 *
 * Semantics, on both stores: every word of the query must match the START of a word of the
 * text, case- and accent-insensitively (`bon` finds `Bonjour`, `cafe` finds `café`).
 */
import { isBlank } from "../protocol/names.ts";

/** Longest query, in code points. */
export const MAX_QUERY_CHARS = 200;

/** Characters that separate words once accents are gone: anything not a letter or digit. */
const SEPARATOR = /[^\p{L}\p{N}\p{Co}]+/u;
/** Combining marks, removed after canonical decomposition (accent-insensitivity). */
const MARKS = /\p{M}+/gu;

/** Characters of a word as typed: letters, digits, marks (accents) and private use. */
const RAW_SEPARATOR = /[^\p{L}\p{N}\p{M}\p{Co}]+/u;

/**
 * Letters that other spellings write as two, and that most keyboards can only type as two:
 * "coeur" finds "cœur", "strasse" finds "straße". MariaDB's accent-insensitive collation
 * holds exactly these equal (its FULLTEXT index finds "cœur" for `+coeur*`; not "æther" for
 * `+aether*`, so `æ` stays a letter of its own), and every search path of both stores agrees.
 */
const TWO_LETTERS: Readonly<Record<string, string>> = {
  "œ": "oe",
  "Œ": "OE",
  "ß": "ss",
  "ẞ": "SS",
};
const TWO_LETTER_CHARS = /[œŒßẞ]/g;

/** `text` with each letter of {@linkcode TWO_LETTERS} written as its two (case kept). */
export function expandLetters(text: string): string {
  return text.replace(TWO_LETTER_CHARS, (c) => TWO_LETTERS[c]!);
}

/**
 * {@linkcode expandLetters} in SQLite, around the SQL expression `column`: what the search
 * index is given to tokenize, so that its tokens are those of the expanded text.
 */
export function expandLettersSql(column: string): string {
  return Object.entries(TWO_LETTERS).reduce(
    (sql, [from, to]) => `replace(${sql}, '${from}', '${to}')`,
    column,
  );
}

/**
 * Folds text for comparison: compatibility decomposition, lower case, accents removed, and
 * {@linkcode TWO_LETTERS} written as two.
 */
export function foldSearchText(text: string): string {
  return expandLetters(
    text.normalize("NFKD").toLowerCase().normalize("NFKD").replace(MARKS, "").normalize("NFC"),
  );
}

/** The folded words of a text, in order (duplicates kept). */
export function searchWords(text: string): string[] {
  return foldSearchText(text).split(SEPARATOR).filter((w) => w !== "");
}

/** Why a query is refused with `invalid_query`. */
export type QueryProblem = "empty" | "too_long" | "no_words";

/**
 * A parsed query. `words`: distinct folded words, none a prefix of another (it would add
 * nothing), for engines that compare folded text (MySQL, {@linkcode matchesAllWords}).
 * `phrases`: the same words as typed (NFC, accents kept), for SQLite FTS5, whose own
 * tokenizer folds them exactly as it folded the stored text (JavaScript's folding and
 * FTS5's differ for `й`, Greek tonos, ligatures, Indic vowel signs).
 */
export type ParsedQuery =
  | { ok: true; words: string[]; phrases: string[] }
  | { ok: false; problem: QueryProblem };

/**
 * Parses a user's query. Empty or all-space: `empty`; over {@linkcode MAX_QUERY_CHARS}
 * code points: `too_long`; no letter or digit at all (only operators, punctuation or
 * marks): `no_words`. A word that is a prefix of another word of the query is dropped,
 * since a text word matching the longer one matches it too.
 */
export function parseSearchQuery(query: string): ParsedQuery {
  if (isBlank(query)) return { ok: false, problem: "empty" };
  if (query.length > MAX_QUERY_CHARS && [...query].length > MAX_QUERY_CHARS) {
    return { ok: false, problem: "too_long" };
  }
  const words = withoutPrefixes(searchWords(query));
  if (words.length === 0) return { ok: false, problem: "no_words" };
  const typed = new Map<string, string>();
  for (const raw of query.normalize("NFC").split(RAW_SEPARATOR)) {
    const key = searchWords(raw).join(" ");
    if (key !== "" && !typed.has(key)) typed.set(key, raw);
  }
  const keys = new Set(withoutPrefixes([...typed.keys()]));
  const phrases = [...typed].filter(([key]) => keys.has(key)).map(([, raw]) => expandLetters(raw));
  // Only compatibility symbols (e.g. the Kangxi radical ⼀, a word once NFKC-folded but a
  // separator as typed): nothing the index holds either, so nothing to search for.
  if (phrases.length === 0) return { ok: false, problem: "no_words" };
  return { ok: true, words, phrases };
}

/** Distinct words, leaving out each one that is a proper prefix of another. */
function withoutPrefixes(all: readonly string[]): string[] {
  const distinct = [...new Set(all)];
  return distinct.filter((w) => !distinct.some((o) => o !== w && o.startsWith(w)));
}

/** The sentence sent with `invalid_query` for a problem. */
export function queryProblemText(problem: QueryProblem): string {
  switch (problem) {
    case "empty":
      return "The search query is empty.";
    case "too_long":
      return `Search queries are at most ${MAX_QUERY_CHARS} characters.`;
    case "no_words":
      return "The search query has no letters or digits to search for.";
  }
}

/**
 * Whether every query word starts a word of `text`: the rule, on both stores
 * ({@linkcode WordMatcher} is its fast form for scanning many texts).
 */
export function matchesAllWords(text: string, words: readonly string[]): boolean {
  const own = searchWords(text);
  return words.every((w) => own.some((o) => o.startsWith(w)));
}

/**
 * Code points that compose with the letter before them once accents are gone (conjoining
 * Hangul vowels and finals, Kirat Rai vowel signs): folding them alone would not give what
 * NFC gives in context.
 */
const JOINING = /[\u1160-\u11ff\ud7b0-\ud7ff\u{16d67}]/u;
/**
 * Capital sigma and the characters that decompose to it, which lowercase by position (ς at
 * the end of a word, σ elsewhere).
 */
const SIGMA = /[\u03a3\u03f9\u{1d6ba}\u{1d6f4}\u{1d72e}\u{1d768}\u{1d7a2}]/u;
/** A word character of {@linkcode searchWords} (what its separator is not). */
const WORD_CHAR = /^[\p{L}\p{N}\p{Co}]$/u;
/** Cached folds of single non-ASCII code points: null where context matters. */
const charFolds = new Map<number, string | null>();
/** Cached {@linkcode WORD_CHAR} answers for non-ASCII code points. */
const wordChars = new Map<number, boolean>();
/** Entries of either cache before it is emptied (a bound on memory, not expected in use). */
const CACHE_MAX = 65_536;

/**
 * The fold of one code point alone, or null when it may fold differently beside others: a
 * lone surrogate, or one folding to a {@linkcode JOINING} character.
 */
function charFold(cp: number): string | null {
  let fold = charFolds.get(cp);
  if (fold === undefined) {
    fold = foldSearchText(String.fromCodePoint(cp));
    if ((cp >= 0xd800 && cp <= 0xdfff) || JOINING.test(fold)) fold = null;
    if (charFolds.size >= CACHE_MAX) charFolds.clear();
    charFolds.set(cp, fold);
  }
  return fold;
}

/**
 * {@linkcode foldSearchText} of the lowercased text, one non-ASCII code point at a time
 * through a cache, or null when the text holds a character for which that may differ. It is
 * the same fold: lowercasing first changes no character's fold, only {@linkcode SIGMA}
 * lowercases by context, and once accents are gone only {@linkcode JOINING} characters
 * compose with their neighbours (tests/store/search_matcher_test.ts checks every code point).
 */
export function quickFold(text: string): string | null {
  const lower = text.toLowerCase();
  let out = "";
  let copied = 0;
  for (let i = 0; i < lower.length; i++) {
    const unit = lower.charCodeAt(i);
    if (unit < 0x80) continue;
    if (copied === 0 && SIGMA.test(text)) return null;
    const cp = lower.codePointAt(i)!;
    const fold = charFold(cp);
    if (fold === null) return null;
    out += lower.slice(copied, i) + fold;
    if (cp > 0xffff) i++;
    copied = i + 1;
  }
  return copied === 0 ? lower : out + lower.slice(copied);
}

/** Whether the code point ending at `end` (exclusive) in `s` is a word character. */
function wordCharBefore(s: string, end: number): boolean {
  const unit = s.charCodeAt(end - 1);
  if (unit < 0x80) {
    return (unit >= 0x30 && unit <= 0x39) || (unit >= 0x61 && unit <= 0x7a) ||
      (unit >= 0x41 && unit <= 0x5a);
  }
  const cp = unit >= 0xdc00 && unit <= 0xdfff && end >= 2 ? s.codePointAt(end - 2)! : unit;
  let word = wordChars.get(cp);
  if (word === undefined) {
    word = WORD_CHAR.test(String.fromCodePoint(cp));
    if (wordChars.size >= CACHE_MAX) wordChars.clear();
    wordChars.set(cp, word);
  }
  return word;
}

/** Whether `word` (word characters only) starts a word of the folded text `folded`. */
function startsAWord(folded: string, word: string): boolean {
  for (let at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + 1)) {
    if (at === 0 || !wordCharBefore(folded, at)) return true;
  }
  return false;
}

/**
 * {@linkcode matchesAllWords} for many texts and one query, about ten times faster: a text
 * is folded one code point at a time through a cache (exactly as {@linkcode foldSearchText}
 * does, see {@linkcode quickFold}; a text where that may differ takes the slow path) and
 * each word looked up where a word starts. Counts, per query word, the texts it matched:
 * how frequent each word is where the scan went ({@linkcode hits}).
 */
export class WordMatcher {
  /** The folded query words (`parseSearchQuery(…).words`). */
  readonly words: readonly string[];
  /** Per word (same index), how many tested texts it matched. */
  readonly hits: number[];
  /** Texts tested. */
  tested = 0;

  constructor(words: readonly string[]) {
    this.words = words;
    this.hits = words.map(() => 0);
  }

  /** Whether every word starts a word of `text`; counts each word's hit. */
  test(text: string): boolean {
    this.tested++;
    const folded = quickFold(text);
    const own = folded === null ? searchWords(text) : null;
    let all = true;
    for (let i = 0; i < this.words.length; i++) {
      const word = this.words[i]!;
      const hit = own === null ? startsAWord(folded!, word) : own.some((o) => o.startsWith(word));
      if (hit) this.hits[i]!++;
      else all = false;
    }
    return all;
  }
}

/**
 * The messages of a search page that still match as read now. A search reads in steps and
 * keeps only the sequence numbers it found; a message deleted, or edited so that it no
 * longer matches, between a step and the reading of the page must not come back as found.
 */
export function stillMatching<T extends { text: string; deleted?: boolean }>(
  messages: readonly T[],
  words: readonly string[],
): T[] {
  const matcher = new WordMatcher(words);
  return messages.filter((m) => !m.deleted && matcher.test(m.text));
}

/** What separates FTS5 tokens: unicode61 keeps letters, digits and private use (L*, N*, Co). */
const FTS5_SEPARATOR = /[^\p{L}\p{N}\p{Co}]+/u;

/** An FTS5 query: the MATCH expression and the words its matches must still be checked for. */
export interface Fts5Query {
  /** For `messages_fts MATCH ?`. */
  match: string;
  /**
   * Folded words to check with {@linkcode matchesAllWords}: those of phrases FTS5 splits into
   * several tokens (a mark inside a word: `हिन्दी`), which the index (detail=none: no
   * positions) can only ask for as separate tokens, anywhere in the text.
   */
  verify: string[];
}

/**
 * The FTS5 query of parsed phrases, all required. A phrase FTS5 keeps as one token becomes a
 * quoted prefix term (`"bon"*`); one it splits becomes its tokens (the last as a prefix), and
 * its words go to `verify`. Phrases never hold a `"` (parsing keeps letters, digits and
 * marks only), so the quoting cannot be escaped from, and `AND`/`OR`/`NEAR` inside quotes
 * are words.
 */
export function fts5Query(phrases: readonly string[]): Fts5Query {
  const terms: string[] = [];
  const verify: string[] = [];
  for (const phrase of phrases) {
    const tokens = phrase.split(FTS5_SEPARATOR).filter((t) => t !== "");
    tokens.forEach((t, i) => terms.push(i === tokens.length - 1 ? `"${t}"*` : `"${t}"`));
    if (tokens.length > 1) verify.push(...searchWords(phrase));
  }
  return { match: terms.join(" "), verify };
}

/** What the InnoDB FULLTEXT index can answer, and what must be filtered otherwise. */
export interface BooleanModeTerms {
  /** `+word*` terms for `MATCH … AGAINST (… IN BOOLEAN MODE)`, or null when none. */
  against: string | null;
  /** Words shorter than the index's minimum token (or longer than its maximum). */
  others: string[];
}

/**
 * Splits words between the FULLTEXT index (those between `minToken` and `maxToken`
 * characters, which InnoDB indexes) and the rest, which the store filters with `LIKE`
 * and {@linkcode matchesAllWords}.
 */
export function booleanModeTerms(
  words: readonly string[],
  minToken: number,
  maxToken: number,
): BooleanModeTerms {
  const indexed: string[] = [];
  const others: string[] = [];
  for (const w of words) {
    const length = [...w].length;
    (length >= minToken && length <= maxToken ? indexed : others).push(w);
  }
  return {
    against: indexed.length > 0 ? indexed.map(_booleanTerm).join(" ") : null,
    others,
  };
}

/** Pairs of a word written as one letter too, at most (2^3 forms). */
const MAX_TWO_LETTER_PAIRS = 3;

/**
 * The `+word*` term of a folded word, naming each written form it may have in the text: a
 * folded "oe" or "ss" may be written "œ" or "ß" ({@linkcode TWO_LETTERS}). The index keeps
 * the text's own letters, and InnoDB's wildcard lookup does not always equate them under
 * the collation (`+coe*` found "cœur" or not depending on whether the word was still in the
 * FULLTEXT cache), so each form is asked for: `+(coe* cœ*)`.
 */
function _booleanTerm(word: string): string {
  let forms = [""];
  let pairs = 0;
  for (const part of word.split(/(oe|ss)/)) {
    if ((part === "oe" || part === "ss") && pairs < MAX_TWO_LETTER_PAIRS) {
      pairs++;
      const one = part === "oe" ? "œ" : "ß";
      forms = forms.flatMap((form) => [form + part, form + one]);
    } else forms = forms.map((form) => form + part);
  }
  return forms.length === 1 ? `+${word}*` : `+(${forms.map((form) => `${form}*`).join(" ")})`;
}
