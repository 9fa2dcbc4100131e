/**
 * Search queries (protocol 1.1 `search`): the user's text is parsed here into plain words,
 * and only those words reach the full-text engines (SQLite FTS5, MySQL FULLTEXT), each
 * wrapped in that engine's syntax by {@linkcode fts5Match} / {@linkcode booleanModeTerms}.
 * A word is a run of letters, digits and private-use characters after case folding and
 * accent removal, so an FTS operator (`"`, `*`, `-`, `(`, `+`, `~`, `@`, `>`) never
 * survives parsing, and `AND`, `OR`, `NEAR` are searched as ordinary words.
 *
 * Semantics, on both stores: every word of the query must match the START of a word of the
 * text, case- and accent-insensitively (`bon` finds `Bonjour`, `cafe` finds `café`).
 */
import type { SearchPage, StoredMessage } from "./store.ts";

/** Longest query, in code points. */
export const MAX_QUERY_CHARS = 200;

/** Characters that separate words once accents are gone: anything not a letter or digit. */
const SEPARATOR = /[^\p{L}\p{N}\p{Co}]+/u;
/** Combining marks, removed after canonical decomposition (accent-insensitivity). */
const MARKS = /\p{M}+/gu;

/** Characters of a word as typed: letters, digits, marks (accents) and private use. */
const RAW_SEPARATOR = /[^\p{L}\p{N}\p{M}\p{Co}]+/u;

/** Folds text for comparison: compatibility decomposition, lower case, accents removed. */
export function foldSearchText(text: string): string {
  return text.normalize("NFKD").toLowerCase().normalize("NFKD").replace(MARKS, "")
    .normalize("NFC");
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
  if (query.trim() === "") return { ok: false, problem: "empty" };
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
  const phrases = [...typed].filter(([key]) => keys.has(key)).map(([, raw]) => raw);
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
 * Whether every query word starts a word of `text` (the exact rule, used where the index
 * only narrows the candidates: MySQL's short words).
 */
export function matchesAllWords(text: string, words: readonly string[]): boolean {
  const own = searchWords(text);
  return words.every((w) => own.some((o) => o.startsWith(w)));
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
    against: indexed.length > 0 ? indexed.map((w) => `+${w}*`).join(" ") : null,
    others,
  };
}

/** Candidate rows read at a time when some must be filtered out. */
const CANDIDATE_CHUNK = 200;

/**
 * The newest `limit` messages before `before` that `keep` accepts, and whether more exist:
 * reads candidates newest first (`read(before, count)`, seq descending) in chunks until
 * `limit + 1` are kept or none remain. `keep` null: every candidate is kept (one read).
 */
export function collectMatches(
  read: (before: number, count: number) => StoredMessage[],
  keep: ((message: StoredMessage) => boolean) | null,
  before: number | undefined,
  limit: number,
): SearchPage {
  const chunk = keep === null ? limit + 1 : Math.max(limit + 1, CANDIDATE_CHUNK);
  const found: StoredMessage[] = [];
  let cursor = before ?? Number.MAX_SAFE_INTEGER;
  while (found.length <= limit) {
    const batch = read(cursor, chunk);
    for (const message of batch) {
      if (keep === null || keep(message)) found.push(message);
      if (found.length > limit) break;
    }
    if (batch.length < chunk) break;
    cursor = batch[batch.length - 1]!.seq;
  }
  return { messages: found.slice(0, limit), more: found.length > limit };
}
