/**
 * Full-text search on MySQL/MariaDB (`Store.searchMessages`): a bounded recency scan
 * first, then the FULLTEXT index of `messages.text` (sql/mysql/006_search.sql) for rarer
 * queries ({@linkcode searchMysql}); every candidate row is checked word by word in the
 * server ({@linkcode matchesAllWords}), so both stores find the same messages.
 */
import type { RowDataPacket } from "mysql2/promise";
import { MESSAGE_SELECT, toMessage } from "./mysql_messages.ts";
import { booleanModeTerms, matchesAllWords } from "./search_query.ts";
import type { SearchPage, SearchQuery, SearchScope, StoredMessage } from "./store.ts";

/** Runs a query with bound values (the store's, mapping failures to `unavailable`). */
export type RowsReader = (sql: string, values: (string | number)[]) => Promise<RowDataPacket[]>;

/** Shortest and longest word InnoDB puts in a FULLTEXT index (server settings). */
export interface TokenSizes {
  min: number;
  max: number;
}

/** Reads the server's FULLTEXT token sizes. */
export async function readTokenSizes(rows: RowsReader): Promise<TokenSizes> {
  const [row] = await rows(
    "SELECT @@innodb_ft_min_token_size AS min_size, @@innodb_ft_max_token_size AS max_size",
    [],
  );
  return { min: Number(row?.min_size ?? 3), max: Number(row?.max_size ?? 84) };
}

/** Rows read per step of the recency scan. */
const SCAN_WINDOW = 2_000;
/**
 * Rows the recency scan reads per request before it answers what it found with `more: true`
 * (when it found at least one match; the client pages on with `before`).
 */
export const SCAN_BUDGET = 6_000;
/** Candidate rows read per step from the FULLTEXT index. */
const CHUNK_MIN = 100;

function scopeCondition(scope: SearchScope): [string, number[]] {
  if ("roomId" in scope) return ["m.room_id = ?", [scope.roomId]];
  if ("dmOf" in scope) {
    return [
      "m.user_lo = ? AND m.user_hi = ? AND m.recipient_id IS NOT NULL",
      [Math.min(scope.dmOf, scope.dmWith), Math.max(scope.dmOf, scope.dmWith)],
    ];
  }
  const self = scope.everywhereFor;
  return ["(m.room_id IS NOT NULL OR m.sender_id = ? OR m.recipient_id = ?)", [self, self]];
}

/** The rows of `seqs`, newest first. */
async function messagesOf(rows: RowsReader, seqs: number[]): Promise<StoredMessage[]> {
  if (seqs.length === 0) return [];
  const marks = seqs.map(() => "?").join(", ");
  const batch = await rows(`${MESSAGE_SELECT} WHERE m.seq IN (${marks}) ORDER BY m.seq DESC`, seqs);
  return batch.map(toMessage);
}

/**
 * The search of one request. InnoDB answers a FULLTEXT query by collecting EVERY matching
 * document before sorting (a frequent word or prefix: ~30,000 documents, ~1 s at 1,000,000
 * messages), so the newest messages in scope are read first, in recency order, and checked
 * in the server ({@linkcode matchesAllWords}): a frequent word fills a page from a few
 * thousand rows. After {@linkcode SCAN_BUDGET} rows with at least one match, the matches
 * found are answered with `more: true` (a bounded window: `before` continues further back).
 * Only a rarer query (no match in the window) goes to the FULLTEXT index, where it is cheap;
 * a query of words shorter than the index's minimum token is scanned on until a match.
 */
export async function searchMysql(
  rows: RowsReader,
  tokens: TokenSizes,
  query: SearchQuery,
): Promise<SearchPage> {
  const [scope, scopeValues] = scopeCondition(query.scope);
  const conditions = ["m.deleted = 0", scope];
  const values: (string | number)[] = [...scopeValues];
  if (query.fromId !== undefined) {
    conditions.push("m.sender_id = ?");
    values.push(query.fromId);
  }
  const { against } = booleanModeTerms(query.words, tokens.min, tokens.max);
  const scanSql = `SELECT m.seq, m.text FROM messages m WHERE ${conditions.join(" AND ")}
    AND m.seq < ? ORDER BY m.seq DESC LIMIT ${SCAN_WINDOW}`;
  const found: number[] = [];
  let cursor = query.before ?? Number.MAX_SAFE_INTEGER;
  let scanned = 0;
  for (;;) {
    const batch = await rows(scanSql, [...values, cursor]);
    for (const row of batch) {
      if (matchesAllWords(String(row.text), query.words)) found.push(Number(row.seq));
      if (found.length > query.limit) break;
    }
    scanned += batch.length;
    const full = found.length > query.limit;
    if (full || batch.length < SCAN_WINDOW) {
      const messages = await messagesOf(rows, found.slice(0, query.limit));
      return { messages, more: full };
    }
    cursor = Number(batch[batch.length - 1]!.seq);
    if (scanned >= SCAN_BUDGET && found.length > 0) {
      return { messages: await messagesOf(rows, found), more: true };
    }
    if (scanned >= SCAN_BUDGET && against !== null) break;
  }
  return await fulltextSearch(rows, conditions, values, against, query, cursor);
}

/** The newest `limit` matches before `cursor` found through the FULLTEXT index. */
async function fulltextSearch(
  rows: RowsReader,
  conditions: readonly string[],
  values: readonly (string | number)[],
  against: string,
  query: SearchQuery,
  cursor: number,
): Promise<SearchPage> {
  const sql = `${MESSAGE_SELECT} WHERE ${conditions.join(" AND ")}
    AND MATCH (m.text) AGAINST (? IN BOOLEAN MODE) AND m.seq < ?
    ORDER BY m.seq DESC LIMIT ?`;
  const chunk = Math.max(query.limit + 1, CHUNK_MIN);
  const found: StoredMessage[] = [];
  while (found.length <= query.limit) {
    // LIMIT bound as a string: MySQL 8 rejects a DOUBLE there (see mysql_messages.ts).
    const batch = await rows(sql, [...values, against, cursor, String(chunk)]);
    for (const row of batch) {
      const message = toMessage(row);
      if (matchesAllWords(message.text, query.words)) found.push(message);
      if (found.length > query.limit) break;
    }
    if (batch.length < chunk) break;
    cursor = Number(batch[batch.length - 1]!.seq);
  }
  return { messages: found.slice(0, query.limit), more: found.length > query.limit };
}
