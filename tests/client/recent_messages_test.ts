import assert from "node:assert/strict";
import { RECENT_KEPT, RecentMessages } from "../../lib/client/ui/recent_messages.ts";

const TS = "2026-01-01T00:00:00.000Z";

function msg(n: number, user: string, extra: Record<string, unknown> = {}) {
  return {
    msgid: String(n).padStart(16, "0"),
    room: "general",
    user,
    text: `m${n}`,
    ts: TS,
    ...extra,
  };
}

Deno.test("recent messages: the Nth last of yours (any case, any session) skips others' and deleted ones", () => {
  const recent = new RecentMessages();
  for (const m of [msg(1, "alice"), msg(2, "bob"), msg(4, "ALICE"), msg(3, "alice")]) {
    recent.add(m);
  }
  recent.add(msg(5, "alice", { text: "", deleted: true }));
  const own = { kind: "own", user: "Alice" } as const;
  assert.equal(recent.nthLast(1, own).message?.text, "m4", "msgid order, not arrival order");
  assert.equal(recent.nthLast(3, own).message?.text, "m1");
  assert.deepEqual(recent.nthLast(4, own), { message: null, count: 3 });
  assert.equal(recent.nthLast(2, { kind: "any" }).message?.text, "m3");
  assert.deepEqual(recent.nthLast(1, { kind: "own", user: "carol" }), { message: null, count: 0 });
});

Deno.test("recent messages: edits replace, deletions leave a tombstone, duplicates are kept once", () => {
  const recent = new RecentMessages();
  recent.add(msg(1, "alice"));
  recent.add(msg(1, "alice"));
  recent.add(msg(1, "alice", { text: "new", edited: TS }));
  assert.equal(recent.latest(10, { kind: "any" }).length, 1);
  assert.equal(recent.get(msg(1, "").msgid)?.text, "new");
  assert.equal(recent.markDeleted(msg(1, "").msgid)?.text, "new", "returns it as it was");
  assert.equal(recent.get(msg(1, "").msgid)?.deleted, true);
  assert.equal(recent.markDeleted("unknown"), undefined);
});

Deno.test("recent messages: bad input: an endless stream keeps only the newest", () => {
  const recent = new RecentMessages();
  for (let i = 1; i <= RECENT_KEPT + 50; i++) recent.add(msg(i, "bob"));
  recent.add(msg(0, "bob")); // older than everything kept: not kept
  const all = recent.latest(Infinity, { kind: "any" });
  assert.equal(all.length, RECENT_KEPT);
  assert.equal(all.at(-1)!.text, "m51");
});
