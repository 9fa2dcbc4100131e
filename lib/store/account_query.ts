/** Helpers both stores use for the accounts directory (`Store.listAccounts`). */
import type { AccountQuery } from "./store.ts";

/**
 * The `LIKE … ESCAPE '\'` pattern of a query: its `equals` key exactly, or "contains
 * `contains`" (folded keys; `%`, `_` and `\` stand for themselves), or every name.
 */
export function likePattern(query: AccountQuery): string {
  if (query.equals !== undefined) return escapeLike(query.equals);
  if (!query.contains) return "%";
  return `%${escapeLike(query.contains)}%`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
