/**
 * The feed's merge rule, apart so it can be tested without a page: a message reaches the
 * feed both from a load (`GET /api/messages`) and from the live feed, in either order, and
 * must be listed once, newest first.
 */
import type { MessageView } from "../../lib/admin/api_types.ts";

/**
 * `kept` and `added` as one list, newest first (msgids sort as strings in the order the
 * server accepted the messages), each msgid once (its copy in `kept` wins: a load's copy is
 * the server's current state, and a live copy of a listed message changes nothing), at most
 * `size` long.
 */
export function mergeFeed(
  kept: readonly MessageView[],
  added: readonly MessageView[],
  size: number,
): MessageView[] {
  const seen = new Set<string>();
  const merged: MessageView[] = [];
  for (const message of [...kept, ...added]) {
    if (seen.has(message.msgid)) continue;
    seen.add(message.msgid);
    merged.push(message);
  }
  merged.sort((a, b) => (a.msgid < b.msgid ? 1 : a.msgid > b.msgid ? -1 : 0));
  return merged.slice(0, size);
}
