/** The client's frame decoder: limits, resynchronisation after an oversize line, chunking. */
import assert from "node:assert/strict";
import { LineSplitter, type SplitLine } from "../../lib/client/line_splitter.ts";
import { replyIdOf } from "../../lib/client/connection.ts";

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const show = (lines: SplitLine[]) =>
  lines.map((line) => line.kind === "line" ? dec(line.bytes) : `too_large:${line.bytes}`);

Deno.test("line splitter: lines across chunks, \\r\\n, empty lines", () => {
  const splitter = new LineSplitter(100);
  const out = [
    ...show(splitter.push(enc("ab"))),
    ...show(splitter.push(enc("c\r\n\nde"))),
    ...show(splitter.push(enc("f\n"))),
  ];
  assert.deepEqual(out, ["abc", "", "def"]);
  assert.equal(splitter.bufferedBytes, 0);
});

Deno.test("line splitter: an oversize line is reported once and the next line is intact", () => {
  const splitter = new LineSplitter(10);
  const out: string[] = [];
  out.push(...show(splitter.push(enc('{"type":"ok","id":7,'))));
  for (let i = 0; i < 100; i++) out.push(...show(splitter.push(enc("x".repeat(1000)))));
  assert.ok(splitter.bufferedBytes <= 11, "memory stays under the limit while skipping");
  const lines = splitter.push(enc('"}\nshort\n'));
  out.push(...show(lines));
  assert.deepEqual(out, [`too_large:${20 + 100_000 + 2}`, "short"]);
  const skipped = lines[0]!;
  assert.ok(skipped.kind === "too_large");
  assert.equal(replyIdOf(skipped.prefix), 7, "the reply's id is read from its first bytes");
});

Deno.test("line splitter: exactly the limit passes, one byte more does not; the limit can grow", () => {
  const splitter = new LineSplitter(5);
  assert.deepEqual(show(splitter.push(enc("12345\n123456\n"))), ["12345", "too_large:6"]);
  splitter.maxLine = 6;
  assert.deepEqual(show(splitter.push(enc("123456\r\n"))), ["123456"]);
  assert.throws(() => new LineSplitter(0), RangeError);
});

Deno.test("replyIdOf: only replies with a numeric id; a message's msgid is not an id", () => {
  assert.equal(replyIdOf(enc('{"type":"error","id":12,"code":"x"')), 12);
  assert.equal(replyIdOf(enc('{"type":"message","msgid":"5","id":3')), null);
  assert.equal(replyIdOf(enc('{"type":"ok","msgid":"5"')), null);
});
