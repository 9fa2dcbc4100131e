/**
 * The admin page's Messages feed lists each message once, newest first, whether it came
 * from a load, from the live feed, or both in either order (`admin_ui/src/feed_merge.ts`;
 * the browser test once saw a direct message listed twice). Bad inputs: the same msgid
 * twice in one batch, a live copy arriving after the load's, more than the feed holds.
 */
import { deepEqual } from "node:assert/strict";
import { mergeFeed } from "../../admin_ui/src/feed_merge.ts";
import type { MessageView } from "../../lib/admin/api_types.ts";

function message(seq: number, text = `text ${seq}`, deleted?: boolean): MessageView {
  return {
    msgid: String(seq).padStart(16, "0"),
    room: "general",
    to: null,
    user: "alice",
    text,
    ts: "2026-12-01T03:00:00.000Z",
    ...(deleted ? { deleted } : {}),
  };
}

const seqs = (list: MessageView[]) => list.map((m) => Number(m.msgid));

Deno.test("feed: a message from the load and from the live feed is listed once", () => {
  const loaded = [message(3), message(2), message(1)];
  deepEqual(seqs(mergeFeed(loaded, [message(2)], 200)), [3, 2, 1], "live after load");
  deepEqual(seqs(mergeFeed([message(2)], loaded, 200)), [3, 2, 1], "load after live");
});

Deno.test("feed: newest first, whatever order the pieces come in", () => {
  const merged = mergeFeed([message(5), message(1)], [message(3), message(9), message(10)], 200);
  deepEqual(seqs(merged), [10, 9, 5, 3, 1]);
});

Deno.test("feed: the kept copy wins (a deleted message stays deleted)", () => {
  const merged = mergeFeed([message(4, "", true)], [message(4, "text 4")], 200);
  deepEqual(merged, [message(4, "", true)]);
});

Deno.test("feed: bad input duplicates inside one batch, and more than the feed holds", () => {
  deepEqual(seqs(mergeFeed([], [message(7), message(7), message(6)], 200)), [7, 6]);
  const many = Array.from({ length: 300 }, (_, i) => message(i + 1));
  const merged = mergeFeed(many.slice(0, 150), many.slice(100), 200);
  deepEqual(merged.length, 200);
  deepEqual(seqs(merged).slice(0, 2), [300, 299]);
  deepEqual(seqs(merged).at(-1), 101);
});
