import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function lines(decoder: FrameDecoder, ...chunks: string[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const item of decoder.push(enc.encode(chunk))) {
      out.push(item.kind === "line" ? dec.decode(item.bytes) : "<too large>");
    }
  }
  return out;
}

Deno.test("decoder: many frames in one chunk come out in order", () => {
  assertEquals(lines(new FrameDecoder(100), "a\nb\nc\n"), ["a", "b", "c"]);
});

Deno.test("decoder: a frame split byte by byte is reassembled", () => {
  const text = '{"type":"ping","id":1}\n';
  assertEquals(lines(new FrameDecoder(100), ...text.split("")), ['{"type":"ping","id":1}']);
});

Deno.test("decoder: \\r\\n endings are accepted, a lone \\r inside is kept", () => {
  assertEquals(lines(new FrameDecoder(100), "a\r\nb\rc\n"), ["a", "b\rc"]);
});

Deno.test("decoder: empty lines are frames too (the dispatcher rejects them)", () => {
  assertEquals(lines(new FrameDecoder(100), "\n\n"), ["", ""]);
});

Deno.test("decoder: bad input a line over the limit is reported before its end arrives", () => {
  const decoder = new FrameDecoder(10);
  assertEquals(lines(decoder, "0123456789"), []);
  assertEquals(lines(decoder, "0123456789", "more"), ["<too large>"]);
});

Deno.test("decoder: a line of exactly the limit passes, with or without \\r", () => {
  assertEquals(lines(new FrameDecoder(4), "abcd\n", "efgh\r\n"), ["abcd", "efgh"]);
  assertEquals(lines(new FrameDecoder(4), "abcde\n"), ["<too large>"]);
});

Deno.test("decoder: bad input a zero or fractional limit is a RangeError", () => {
  let threw = false;
  try {
    new FrameDecoder(0);
  } catch (error) {
    threw = error instanceof RangeError;
  }
  equal(threw, true);
});
