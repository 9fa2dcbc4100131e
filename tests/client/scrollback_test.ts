/**
 * The full-screen pane's compact scrollback (`Scrollback`): lines kept in order across
 * chunks, the oldest dropped over the limit, older history put in front, a message found by
 * its msgid and replaced in place, whatever chunk it sits in.
 */
import assert from "node:assert/strict";
import { formatMsgid } from "../../lib/protocol/msgid.ts";
import {
  CHUNK_LINES,
  LineFlag,
  Scrollback,
  type StoredLine,
  type StoredMessage,
} from "../../lib/client/terminal/scrollback.ts";

const TS = Date.parse("2026-11-30T12:00:00.000Z");

function stored(n: number): StoredMessage {
  return { user: "bob", text: `message ${n}`, ts: TS + n, flags: 0 };
}

function message(n: number): StoredLine & { msgid: string } {
  return { kind: "message", message: stored(n), msgid: formatMsgid(n) };
}

function textOf(line: StoredLine | null): string {
  if (line === null) return "(none)";
  return line.kind === "text" ? line.text : `${line.message.user}: ${line.message.text}`;
}

Deno.test("scrollback: lines come back in order, as text or as messages, across chunks", () => {
  const lines = new Scrollback(50_000);
  const count = CHUNK_LINES * 3 + 7;
  for (let n = 0; n < count; n++) {
    if (n % 10 === 0) lines.appendText(`\x1b[2m── line ${n} ──\x1b[22m`);
    else lines.appendMessage(stored(n), formatMsgid(n));
  }
  assert.equal(lines.length, count);
  assert.equal(lines.first, 0);
  assert.equal(lines.end, count);
  for (const n of [0, 1, CHUNK_LINES - 1, CHUNK_LINES, 2 * CHUNK_LINES + 5, count - 1]) {
    const expected = n % 10 === 0 ? `\x1b[2m── line ${n} ──\x1b[22m` : `bob: message ${n}`;
    assert.equal(textOf(lines.line(n)), expected, `line ${n}`);
  }
  const shown = lines.line(13);
  assert.ok(shown?.kind === "message");
  assert.deepEqual(shown.message, {
    user: "bob",
    text: "message 13",
    ts: TS + 13,
    flags: LineFlag.message,
  });
  assert.equal(lines.line(-1), null);
  assert.equal(lines.line(count), null);
});

Deno.test("scrollback: bad input: an endless stream keeps only the newest lines, at stable indexes", () => {
  const limit = CHUNK_LINES * 2 + 100;
  const lines = new Scrollback(limit);
  for (let n = 0; n < limit * 5; n++) lines.appendMessage(stored(n), formatMsgid(n));
  assert.equal(lines.length, limit);
  assert.equal(lines.end, limit * 5);
  assert.equal(lines.first, limit * 4);
  assert.equal(textOf(lines.line(lines.first)), `bob: message ${limit * 4}`);
  assert.equal(lines.line(lines.first - 1), null, "dropped");
  assert.equal(lines.find(formatMsgid(3)), null, "a dropped message is not found");
  assert.equal(lines.find(formatMsgid(limit * 4 + 1)), limit * 4 + 1);
});

Deno.test("scrollback: an edit or a deletion replaces the line in place, in any chunk", () => {
  const lines = new Scrollback(50_000);
  for (let n = 1; n <= CHUNK_LINES * 2 + 10; n++) {
    lines.appendMessage(stored(n), formatMsgid(n));
  }
  for (const n of [3, CHUNK_LINES + 1, CHUNK_LINES * 2 + 9]) {
    const index = lines.find(formatMsgid(n));
    assert.equal(index, n - 1);
    assert.ok(lines.replaceText(index!, `bob: message ${n} (edited)`));
    assert.equal(textOf(lines.line(index!)), `bob: message ${n} (edited)`);
    assert.equal(textOf(lines.line(index! - 1)), `bob: message ${n - 1}`, "the line before");
    assert.equal(textOf(lines.line(index! + 1)), `bob: message ${n + 1}`, "the line after");
    assert.equal(lines.find(formatMsgid(n)), index, "still found by its msgid");
  }
  assert.equal(lines.find(formatMsgid(99_999)), null, "an unknown msgid");
  assert.equal(lines.replaceText(-5, "x"), false, "an index not kept");
});

Deno.test("scrollback: older history goes in front, page by page, and stays findable", () => {
  const lines = new Scrollback(50_000);
  for (let n = 1_001; n <= 1_010; n++) {
    lines.appendMessage(stored(n), formatMsgid(n));
  }
  // Pages of 50, newest page first, as PageUp fetches them.
  for (let page = 1_000; page > 0; page -= 50) {
    const older = [];
    for (let n = page - 49; n <= page; n++) older.push(message(n));
    lines.prepend(older);
  }
  lines.prepend([{ kind: "text", text: "-- Start of general." }]);
  assert.equal(lines.length, 1 + 1_010);
  assert.equal(textOf(lines.line(lines.first)), "-- Start of general.");
  for (let n = 1; n <= 1_010; n++) {
    assert.equal(textOf(lines.line(lines.first + n)), `bob: message ${n}`);
  }
  assert.equal(lines.find(formatMsgid(777)), lines.first + 777);
  lines.appendText("after");
  assert.equal(textOf(lines.line(lines.end - 1)), "after");
});

Deno.test("scrollback: bad input: msgids that are not numbers are still found, until dropped", () => {
  const lines = new Scrollback(CHUNK_LINES + 1);
  lines.appendText("first", "not-a-number");
  lines.appendText("second", "99999999999999999999"); // beyond a safe integer
  assert.equal(lines.find("not-a-number"), 0);
  assert.equal(lines.find("99999999999999999999"), 1);
  for (let n = 0; n < CHUNK_LINES * 3; n++) lines.appendText(`filler ${n}`);
  assert.equal(lines.find("not-a-number"), null);
  assert.equal(lines.find("99999999999999999999"), null);
});
