/**
 * History pages bounded by bytes as well as by count: the messages of a `join` or `history`
 * reply are read from the store in chunks and encoded one by one until the byte budget is
 * spent; the reply then says `more: true` and the client pages on from the last msgid.
 */
import { HISTORY_MAX_LIMIT } from "../../protocol/limits.ts";
import type { HistoryPage, HistoryQuery, StoredMessage } from "../../store/store.ts";
import { wireMessage } from "./core.ts";
import { JsonList } from "../../protocol/json_list.ts";

/** A history request: the newest before `before` (or overall), or the oldest after `after`. */
export interface FitQuery {
  before?: number;
  after?: number;
  /** Messages at most. */
  limit: number;
  /** With `after`: messages past this sequence number are left out (they come as events). */
  upTo?: number;
}

/** Messages that fit, as the JSON array of a reply (oldest first), and whether more exist. */
export interface FittedHistory {
  json: string;
  count: number;
  more: boolean;
}

/** Reads one chunk of a conversation (a room's, or two users' direct messages). */
export type PageReader = (query: HistoryQuery) => Promise<HistoryPage>;

/**
 * The messages of `query` that fit `budget` bytes of JSON: the newest ones (without
 * `after`) or the oldest ones (with `after`); `more` is true when any were left out.
 * Reads at most {@linkcode HISTORY_MAX_LIMIT} rows per store call, and stops reading once
 * the budget is spent.
 */
export async function fitHistory(
  read: PageReader,
  query: FitQuery,
  budget: number,
): Promise<FittedHistory> {
  const list = new JsonList(budget);
  const forward = query.after !== undefined;
  let cursor = forward ? query.after : query.before;
  let remaining = query.limit;
  let more = false;
  while (remaining > 0) {
    const limit = Math.min(remaining, HISTORY_MAX_LIMIT);
    const page = await read(forward ? { after: cursor, limit } : { before: cursor, limit });
    const messages = forward ? page.messages : page.messages.toReversed();
    const outcome = _take(list, messages, query.upTo);
    if (outcome !== "all") {
      more = outcome === "full";
      break;
    }
    remaining -= messages.length;
    more = page.more;
    if (!page.more || messages.length === 0) break;
    cursor = messages[messages.length - 1]!.seq;
  }
  if (!forward) list.reverse();
  return { json: list.toJson(), count: list.length, more };
}

/** Adds messages in order: all of them, until one does not fit ("full"), or past `upTo`. */
function _take(
  list: JsonList,
  messages: readonly StoredMessage[],
  upTo: number | undefined,
): "all" | "full" | "bound" {
  for (const message of messages) {
    if (upTo !== undefined && message.seq > upTo) return "bound";
    if (!list.add(wireMessage(message))) return "full";
  }
  return "all";
}
