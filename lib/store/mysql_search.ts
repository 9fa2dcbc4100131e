/**
 * Full-text search on MySQL/MariaDB (`Store.searchMessages`), planned by
 * {@linkcode planSearch}: the newest messages in scope are scanned first and checked in the
 * server; a word rare enough goes to the FULLTEXT index of `messages.text`
 * (sql/mysql/006_search.sql) in boolean mode. InnoDB answers `MATCH … AGAINST` by collecting
 * every matching document and reading its row before the `ORDER BY seq DESC LIMIT` (profiled
 * at 1,000,000 messages: 0.45 s for a word in 100,000 messages with the rows cached, several
 * times that without), so only a rare word is worth asking it for. A room's messages are
 * scanned through the messages_room_text index (sql/mysql/009_search_room_scan.sql).
 */
import type { RowDataPacket } from "mysql2/promise";
import { MESSAGE_SELECT, toMessage } from "./mysql_messages.ts";
import { type IndexCursor, planSearch, type SearchCosts, type TextRow } from "./search_plan.ts";
import { booleanModeTerms, stillMatching } from "./search_query.ts";
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

/**
 * Costs for the search planner (search_plan.ts), measured at 1,000,000 messages on MariaDB
 * 10.11 with its default 128 MiB buffer pool: a scanned row (read in index or table order,
 * sent, checked) ~3 µs; a document of a word's list ~2 µs (`+the* +pefofofo*`, 640,000 and
 * 64 documents: 1.2 s); a document matching every word asked,
 * whose row InnoDB reads (to check the scope and sort), 5 µs when the row is in the buffer
 * pool and 50-150 µs when not, which is the usual case: a word's matches are spread over the
 * whole table.
 */
const MYSQL_COSTS: SearchCosts = { scanRow: 3, indexDocument: 2, indexRow: 50 };
/** Rows of one FULLTEXT query: each query collects every match again, so few and large. */
const FULLTEXT_PAGE = 1_000;

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

/** The search of one request; see the module doc. */
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
  const where = conditions.join(" AND ");
  const [top] = await rows("SELECT COALESCE(MAX(seq), 0) AS seq FROM messages", []);
  const scanSql = `SELECT m.seq, m.text FROM messages m WHERE ${where} AND m.seq < ?
    ORDER BY m.seq DESC LIMIT ?`;
  const roomOnly = "roomId" in query.scope && query.fromId === undefined;
  const against = (words: readonly string[]) =>
    booleanModeTerms(words, tokens.min, tokens.max).against;
  const page = await planSearch(
    {
      total: Number(top?.seq ?? 0),
      costs: MYSQL_COSTS,
      // Every word at once: InnoDB intersects the words' lists before it reads a row.
      asks: "all",
      // LIMIT bound as a string: MySQL 8 rejects a DOUBLE there (see mysql_messages.ts).
      scan: async (before, count) =>
        roomOnly
          ? await roomScan(rows, values[0]!, before, count)
          : textRows(await rows(scanSql, [...values, before, String(count)])),
      // InnoDB does not index words shorter or longer than its token sizes.
      indexable: (word) => against([query.words[word]!]) !== null,
      // Every word together, or the rarest alone when the others are frequent (their
      // documents would cost more than reading the rare word's rows).
      index: (word, before, alone) =>
        fulltextCursor(
          rows,
          where,
          values,
          against(alone ? [query.words[word]!] : query.words)!,
          before,
        ),
    },
    query.words,
    query.before,
    query.limit,
  );
  // Read after the steps (network round trips) that found them: re-checked as they are now.
  const messages = stillMatching(await messagesOf(rows, page.seqs), query.words);
  return { messages, more: page.more };
}

/** Characters of a text in the messages_room_text index (sql/mysql/009_search_room_scan.sql). */
const TEXT_HEAD = 255;

/**
 * The newest messages of a room before `before`, read from the messages_room_text index
 * (the room's rows are spread over the whole table); a text the index holds only the start
 * of is read from its row. Tombstones come too: their empty text matches nothing.
 */
async function roomScan(
  rows: RowsReader,
  roomId: string | number,
  before: number,
  count: number,
): Promise<TextRow[]> {
  const batch = await rows(
    `SELECT m.seq, m.text_head, CHAR_LENGTH(m.text_head) AS head_length
     FROM messages m FORCE INDEX (messages_room_text)
     WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    [roomId, before, String(count)],
  );
  const found = batch.map((row) => ({ seq: Number(row.seq), text: String(row.text_head) }));
  const cut = batch.filter((row) => Number(row.head_length) >= TEXT_HEAD).map((r) => r.seq);
  if (cut.length > 0) {
    const marks = cut.map(() => "?").join(", ");
    const full = new Map(
      (await rows(`SELECT seq, text FROM messages WHERE seq IN (${marks})`, cut))
        .map((row) => [Number(row.seq), String(row.text)]),
    );
    for (const row of found) row.text = full.get(row.seq) ?? row.text;
  }
  return found;
}

function textRows(batch: RowDataPacket[]): TextRow[] {
  return batch.map((row) => ({ seq: Number(row.seq), text: String(row.text) }));
}

/** The rows in scope older than `before` matching `against`, newest first, read in pages. */
function fulltextCursor(
  rows: RowsReader,
  where: string,
  values: readonly (string | number)[],
  against: string,
  before: number,
): IndexCursor {
  const sql = `SELECT m.seq, m.text FROM messages m WHERE ${where}
    AND MATCH (m.text) AGAINST (? IN BOOLEAN MODE) AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`;
  let buffered: TextRow[] = [];
  let cursor = before;
  let exhausted = false;
  return {
    async next(count) {
      while (buffered.length < count && !exhausted) {
        const page = textRows(
          await rows(sql, [...values, against, cursor, String(FULLTEXT_PAGE)]),
        );
        exhausted = page.length < FULLTEXT_PAGE;
        if (page.length > 0) cursor = page[page.length - 1]!.seq;
        buffered = buffered.concat(page);
      }
      const out = buffered.slice(0, count);
      buffered = buffered.slice(count);
      return out;
    },
    close() {
      buffered = [];
    },
  };
}
