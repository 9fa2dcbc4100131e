/** Display widths by grapheme cluster, and the input editor that moves by cluster. */
import assert from "node:assert/strict";
import {
  graphemes,
  padToWidth,
  stripStyle,
  textWidth,
  truncateToWidth,
  wrapStyled,
  wrapToWidth,
} from "../../lib/client/text_width.ts";
import { LineEditor } from "../../lib/client/terminal/line_editor.ts";

const FAMILY = "👨‍👩‍👧";
const THUMB = "👍🏽";
const FLAG = "🇫🇷";

Deno.test("text width: ASCII, CJK, combining marks, ZWJ families, skin tones, flags, styling", () => {
  assert.equal(textWidth("hello"), 5);
  assert.equal(textWidth("日本語"), 6);
  assert.equal(textWidth("e\u0301te\u0301"), 3, "combining accents take no column");
  assert.equal(textWidth(FAMILY), 2, "a ZWJ family is one 2-column cluster");
  assert.equal(textWidth(THUMB), 2, "a skin tone does not add a column");
  assert.equal(textWidth(FLAG), 2);
  assert.equal(textWidth("\x1b[1mbold\x1b[22m"), 4, "the client's own styling is not counted");
  assert.deepEqual(graphemes(`a${FAMILY}${THUMB}${FLAG}e\u0301`), [
    "a",
    FAMILY,
    THUMB,
    FLAG,
    "e\u0301",
  ]);
});

Deno.test("text width: truncate, pad and wrap never split a cluster; an exactly full row is one row", () => {
  assert.equal(truncateToWidth("日本語", 5), "日本");
  assert.equal(truncateToWidth("日本語テキスト", 7, true), "日本語…");
  assert.equal(truncateToWidth(`${FAMILY}${FAMILY}`, 3), FAMILY);
  assert.equal(padToWidth("日本", 6), "日本  ");
  assert.deepEqual(wrapToWidth("abcdefghij", 10), ["abcdefghij"], "exactly the width: one row");
  assert.deepEqual(wrapToWidth("abcdefghijk", 10), ["abcdefghij", "k"]);
  assert.deepEqual(wrapToWidth("日本語のテ", 5), ["日本", "語の", "テ"]);
  assert.deepEqual(wrapToWidth("hello big world", 10), ["hello big", "world"]);
  assert.deepEqual(wrapToWidth(`${FLAG}${FLAG}${FLAG}`, 5), [`${FLAG}${FLAG}`, FLAG]);
  assert.deepEqual(wrapToWidth("one\ntwo", 10), ["one", "two"]);
});

Deno.test("line editor: ←, Backspace and Delete move and delete by cluster", () => {
  const editor = new LineEditor();
  for (const char of `x${FAMILY}y${THUMB}z${FLAG}`) editor.insert(char); // one code point at a time
  assert.equal(editor.cursorClusters, 6);
  editor.left();
  editor.left();
  assert.ok(editor.backspace());
  assert.equal(editor.text, `x${FAMILY}yz${FLAG}`, "the whole skin-toned thumb is removed");
  editor.home();
  editor.right();
  editor.deleteForward();
  assert.equal(editor.text, `xyz${FLAG}`, "the whole family is removed");
  editor.end();
  editor.insert(" word");
  editor.killWordBack();
  assert.equal(editor.text, `xyz${FLAG} `);
});

Deno.test("line editor: history keeps the draft; Tab cycles through candidates in place", () => {
  const editor = new LineEditor();
  editor.insert("first");
  assert.equal(editor.submit(), "first");
  editor.insert("draft");
  editor.historyUp();
  assert.equal(editor.text, "first");
  editor.historyDown();
  assert.equal(editor.text, "draft");
  editor.set("hi bo");
  const completer = (before: string): [string[], string] => {
    const word = /(\S*)$/.exec(before)![1]!;
    return [["bob", "bobby"].filter((name) => name.startsWith(word)), word];
  };
  assert.ok(editor.complete(completer));
  assert.equal(editor.text, "hi bob");
  editor.complete(completer);
  assert.equal(editor.text, "hi bobby");
  editor.complete(completer);
  assert.equal(editor.text, "hi bob", "cycles back to the first");
  editor.complete(completer, true);
  assert.equal(editor.text, "hi bobby", "Shift-Tab goes back");
  editor.set("zzz");
  assert.equal(editor.complete(completer), false);
});

Deno.test("wrapStyled: rows at spaces, styles carried to each row, never over the width", () => {
  const text = "\x1b[2m14:05\x1b[22m \x1b[1mbob\x1b[22m: hello big 日本語 world";
  const rows = wrapStyled(text, 12);
  assert.deepEqual(rows.map(stripStyle), ["14:05 bob:", "hello big", "日本語 world"]);
  for (const row of rows) assert.ok(textWidth(row) <= 12);
  assert.ok(rows.every((row) => row.endsWith("\x1b[0m")), "each row ends its styles");
  assert.deepEqual(wrapStyled("abcdefghij", 10), ["abcdefghij"], "exactly full: one row");
  assert.deepEqual(wrapStyled("abcdefghijklmnop", 10), ["abcdefghij", "klmnop"]);
  assert.deepEqual(wrapStyled("one\ntwo", 10), ["one", "two"]);
  const colored = wrapStyled("\x1b[33mab cd\x1b[39m", 3);
  assert.equal(colored[1], "\x1b[33mcd\x1b[39m\x1b[0m", "the colour goes on in the next row");
});
