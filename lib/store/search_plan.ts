/**
 * How both stores answer `searchMessages` (protocol 1.1 `search`): a full-text index answers
 * a prefix query by collecting EVERY document holding a matching word before the newest come
 * out (SQLite FTS5 merges the doclists of all the words with that prefix; InnoDB FULLTEXT
 * also reads each matching row), so its cost follows how frequent the word is across the
 * whole history, while a page needs only the newest 20 or so. A scan of the newest messages
 * in scope, checked in the server ({@linkcode WordMatcher}), costs what it reads: little for a
 * frequent word (a page fills within a few hundred rows), everything for a rare one.
 *
 * {@linkcode planSearch} therefore scans first, in growing chunks, and meanwhile measures how
 * often each query word occurs. After each chunk it compares the expected cost of scanning
 * on until the page is full with that of asking the index for the rarest word seen
 * (documents it would return, estimated from that word's share of the rows scanned), and
 * switches to the index when that is cheaper: a rare word goes to the index after one
 * chunk, a frequent one never does. The newest messages may not be like the rest (a topic
 * of the day): before the first switch, one sample from the middle of the older history
 * is read too, and a word counts as frequent as the more pessimistic of both shares. The
 * index is asked for that one word only (each further word would add its own full read);
 * every row it returns is checked for all the words. Either way every result is checked in
 * the server, so both stores find the same messages.
 */
import { WordMatcher } from "./search_query.ts";

/** A candidate message: its sequence number and current text. */
export interface TextRow {
  seq: number;
  text: string;
}

/** Rows read from the full-text index, newest first, a page at a time. */
export interface IndexCursor {
  /** Up to `count` more rows; fewer when the index has no more. */
  next(count: number): Promise<TextRow[]>;
  /** Ends the read (also after the last page). */
  close(): void;
}

/**
 * Relative costs of a store's reads (about µs on the machine of docs/benchmarks.md), for
 * {@linkcode planSearch}'s choice.
 */
export interface SearchCosts {
  /** One row of a scan: read, sent, checked. */
  scanRow: number;
  /** One document an index read collects for a word it is asked for, anywhere in history. */
  indexDocument: number;
  /**
   * One row the index read goes through: with `asks: "rarest"`, each document of the word
   * in turn (joined to its row, checked against the scope) until the page is full; with
   * `asks: "all"`, each document holding every word asked (the engine reads all their rows).
   */
  indexRow: number;
}

/** What a store gives {@linkcode planSearch}; every read is limited to the query's scope. */
export interface SearchSource {
  /** About how many messages the store holds (scales the documents of an index read). */
  total: number;
  costs: SearchCosts;
  /**
   * What the index is asked for: `"rarest"`, the one word rarest in the rows read (FTS5
   * collects the full document list of each word asked, then yields matches newest first);
   * `"all"`, every word it can be asked for, together (InnoDB intersects the words' lists
   * before reading any row, and reading rows is most of its cost).
   */
  asks: "rarest" | "all";
  /** The newest rows in scope older than `before`, newest first, at most `count`. */
  scan(before: number, count: number): Promise<TextRow[]>;
  /** Whether the full-text index can be asked for query word `word` (an index into words). */
  indexable(word: number): boolean;
  /**
   * The rows in scope older than `before` the index gives for query word `word` (`"rarest"`,
   * or `"all"` with `alone`) or for every indexable word (`"all"`; `word` is then the rarest
   * of them).
   */
  index(word: number, before: number, alone: boolean): IndexCursor;
}

/** The matches of a page: sequence numbers, newest first, and whether older ones exist. */
export interface PlannedPage {
  seqs: number[];
  more: boolean;
}

/** Rows of the first scan chunk (then doubled up to {@linkcode SCAN_CHUNK_MAX}). */
const SCAN_CHUNK_MIN = 200;
/** Rows of a scan chunk at most. */
const SCAN_CHUNK_MAX = 3_200;
/** Rows of an index page. */
const INDEX_PAGE = 200;
/** Rows of the sample of older history read before the index is first asked. */
const SAMPLE_ROWS = 200;
/**
 * Rows scanned per request, at most, when the index cannot be asked (every word shorter
 * than MySQL's minimum token) or is more expensive still, before the matches found are
 * answered with `more: true` (at least one: a page is never empty while older matches may
 * exist; the client pages on with `before`).
 */
export const SCAN_BUDGET = 10_000;

/**
 * The word the index is asked for: the lowest share (`density`), then the longest; -1 when
 * no word can be asked.
 */
function rarestWord(
  source: SearchSource,
  words: readonly string[],
  density: readonly number[],
): number {
  let best = -1;
  for (let i = 0; i < words.length; i++) {
    if (!source.indexable(i)) continue;
    if (
      best < 0 || density[i]! < density[best]! ||
      (density[i] === density[best] && words[i]!.length > words[best]!.length)
    ) best = i;
  }
  return best;
}

/** What the rows read so far tell about the rest of the search. */
export interface ScanStats {
  /** Rows scanned, all in scope, newest first. */
  scanned: number;
  /** Of those, matches (every word). */
  found: number;
  /** Sequence numbers the scanned rows spread over (newest - oldest + 1). */
  span: number;
  /** Per query word, the rows scanned holding it. */
  hits: readonly number[];
  /** Per query word, the share of messages holding it across the history (estimated). */
  density: readonly number[];
  /** The share of messages holding every word across the history (estimated). */
  matchDensity: number;
}

/**
 * The expected cost of asking the index for `word` alone (`alone`), or for every word
 * `indexable` allows (`asks: "all"`), until `need` more matches are found. The densities
 * give the documents the index collects across `total` messages; the rows scanned give the
 * share of matches among rows holding the word, and the share of the scope among all
 * messages (rows scanned over the sequence numbers they span: an index read also goes
 * through the documents out of scope). With `asks: "all"`, one word alone costs the
 * documents of that word and a row read for each (the engine reads them all before
 * sorting); every word together costs every word's documents (a word in 60% of the
 * messages, `the`, is 600,000 documents at 1,000,000 messages: 1.2 s on MariaDB) and a row
 * read for each message holding them all.
 */
export function indexCost(
  stats: ScanStats,
  need: number,
  word: number,
  source: Pick<SearchSource, "total" | "costs" | "asks" | "indexable">,
  alone: boolean,
): number {
  const { total, costs } = source;
  let documents: number;
  let indexRows: number;
  if (alone && source.asks === "all") {
    documents = stats.density[word]! * total;
    indexRows = documents;
  } else if (alone) {
    documents = stats.density[word]! * total;
    const scopeShare = Math.min(1, stats.scanned / Math.max(1, stats.span));
    indexRows = Math.min(
      documents,
      need * (stats.hits[word]! + 1) / (stats.found + 1) / scopeShare,
    );
  } else {
    const asked = stats.density.map((_, i) => i).filter((i) => source.indexable(i));
    documents = asked.reduce((sum, i) => sum + stats.density[i]! * total, 0);
    indexRows = (asked.length === stats.density.length
      ? stats.matchDensity
      : Math.min(...asked.map((i) =>
        stats.density[i]!
      ))) * total;
  }
  return documents * costs.indexDocument + indexRows * costs.indexRow;
}

/**
 * Whether asking the index for `word` (and with `asks: "all"`, for every word together or
 * for `word` alone, whichever {@linkcode indexCost} finds cheaper) is expected to cost less
 * than scanning on until `need` more matches are found.
 */
export function indexIsCheaper(
  stats: ScanStats,
  need: number,
  word: number,
  source: Pick<SearchSource, "total" | "costs" | "asks" | "indexable">,
): boolean {
  const scanRows = need * stats.scanned / (stats.found + 1);
  let cost = indexCost(stats, need, word, source, true);
  if (source.asks === "all") cost = Math.min(cost, indexCost(stats, need, word, source, false));
  return cost < scanRows * source.costs.scanRow;
}

/**
 * The newest `limit` messages older than `before` (none: from the newest) that hold every
 * word (`parseSearchQuery(…).words`), and whether older ones exist; see the module doc.
 */
export async function planSearch(
  source: SearchSource,
  words: readonly string[],
  before: number | undefined,
  limit: number,
): Promise<PlannedPage> {
  const matcher = new WordMatcher(words);
  let sample: WordMatcher | null = null;
  let sampleMatches = 0;
  const found: number[] = [];
  let cursor = before ?? Number.MAX_SAFE_INTEGER;
  let newest = 0;
  let chunk = SCAN_CHUNK_MIN;
  let scanned = 0;
  let word = -1;
  let alone = true;
  for (;;) {
    const rows = await source.scan(cursor, chunk);
    for (const row of rows) {
      if (!matcher.test(row.text)) continue;
      found.push(row.seq);
      if (found.length > limit) return { seqs: found.slice(0, limit), more: true };
    }
    scanned += rows.length;
    if (rows.length < chunk) return { seqs: found, more: false };
    newest ||= rows[0]!.seq;
    cursor = rows[rows.length - 1]!.seq;
    const stats = (): ScanStats => {
      const share = (count: number, of: number) => (count + 1) / of;
      const sampled = sample !== null && sample.tested > 0 ? sample : null;
      return {
        scanned,
        found: found.length,
        span: newest - cursor + 1,
        hits: matcher.hits,
        density: matcher.hits.map((hits, i) =>
          Math.max(share(hits, scanned), sampled ? share(sampled.hits[i]!, sampled.tested) : 0)
        ),
        matchDensity: Math.max(
          share(found.length, scanned),
          sampled ? share(sampleMatches, sampled.tested) : 0,
        ),
      };
    };
    const cheaper = (i: number) => indexIsCheaper(stats(), limit + 1 - found.length, i, source);
    word = rarestWord(source, words, stats().density);
    if (word >= 0 && cheaper(word) && sample === null) {
      sample = new WordMatcher(words);
      for (const row of await source.scan(Math.ceil(cursor / 2), SAMPLE_ROWS)) {
        if (sample.test(row.text)) sampleMatches++;
      }
      word = rarestWord(source, words, stats().density);
    }
    if (word >= 0 && cheaper(word)) {
      const need = limit + 1 - found.length;
      alone = source.asks === "rarest" ||
        indexCost(stats(), need, word, source, true) <=
          indexCost(stats(), need, word, source, false);
      break;
    }
    if (scanned >= SCAN_BUDGET && found.length > 0) return { seqs: found, more: true };
    chunk = Math.min(chunk * 2, SCAN_CHUNK_MAX);
  }
  const index = source.index(word, cursor, alone);
  try {
    for (;;) {
      const rows = await index.next(INDEX_PAGE);
      for (const row of rows) {
        if (!matcher.test(row.text)) continue;
        found.push(row.seq);
        if (found.length > limit) return { seqs: found.slice(0, limit), more: true };
      }
      if (rows.length < INDEX_PAGE) return { seqs: found, more: false };
    }
  } finally {
    index.close();
  }
}
