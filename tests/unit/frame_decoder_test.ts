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

Deno.test("decoder: bad input a frame trickled one byte per push is held in one buffer at most twice its size", () => {
  const decoder = new FrameDecoder(65_536);
  const byte = new Uint8Array(1);
  for (let i = 1; i <= 60_000; i++) {
    byte[0] = 0x61;
    equal(decoder.push(byte).length, 0);
    equal(decoder.bufferedBytes, i);
    equal(decoder.capacity <= Math.max(256, 2 * i), true, `capacity ${decoder.capacity} at ${i}`);
  }
  const [line] = decoder.push(enc.encode("\n"));
  equal(line?.kind, "line");
  equal(line?.kind === "line" && line.bytes.length, 60_000);
  equal(decoder.capacity, 0, "the buffer is let go once its frame is complete");
});

Deno.test("decoder: bad input trickled bytes leave ~1 byte of memory per byte, not an array per push", async () => {
  const probe = new URL("./frame_decoder_memory_probe.ts", import.meta.url).pathname;
  const count = 200_000;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", probe, String(count)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(code, 0, dec.decode(stderr));
  const { held, buffered } = JSON.parse(dec.decode(stdout)) as { held: number; buffered: number };
  equal(buffered, count);
  // One growing buffer: ~256 KiB here. A slice per push held ~42 MB (over 200 bytes/byte).
  equal(held < 4 * count, true, `${held} bytes held for ${count} bytes pushed`);
});

Deno.test("decoder: frames completed from the buffer stay intact while the next one starts", () => {
  const decoder = new FrameDecoder(100);
  equal(decoder.push(enc.encode('{"a":')).length, 0);
  const items = decoder.push(enc.encode('1}\n{"b":2}\n{"c"'));
  assertEquals(
    items.map((item) => item.kind === "line" ? dec.decode(item.bytes) : "<too large>"),
    ['{"a":1}', '{"b":2}'],
  );
  assertEquals(lines(decoder, ":3}\r\n"), ['{"c":3}']);
});

Deno.test("decoder: bad input a trickled line over the limit is reported once, as soon as known", () => {
  const decoder = new FrameDecoder(8);
  const out: string[] = [];
  for (const ch of "0123456789") {
    for (const item of decoder.push(enc.encode(ch))) out.push(item.kind);
  }
  // 8 bytes plus room for a "\r": the 10th byte proves the line too long.
  assertEquals(out, ["too_large"]);
  equal(decoder.bufferedBytes, 0);
  equal(decoder.capacity, 0);
});

Deno.test("decoder: bad input a line over the limit completed across pushes is too_large", () => {
  const decoder = new FrameDecoder(4);
  assertEquals(lines(decoder, "abcd", "e\n"), ["<too large>"]);
  assertEquals(lines(new FrameDecoder(4), "ab", "cd\r\n"), ["abcd"]);
});

// Skip mode (the terminal client): an oversize line is skipped up to its newline.

const skipping = (maxFrame: number) => new FrameDecoder(maxFrame, { oversize: "skip" });

function shown(decoder: FrameDecoder, ...chunks: string[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const item of decoder.push(enc.encode(chunk))) {
      out.push(item.kind === "line" ? dec.decode(item.bytes) : `too_large:${item.bytes}`);
    }
  }
  return out;
}

Deno.test("decoder skip: lines across chunks, \\r\\n and empty lines, as in stop mode", () => {
  const decoder = skipping(100);
  assertEquals(shown(decoder, "ab", "c\r\n\nde", "f\n"), ["abc", "", "def"]);
  equal(decoder.bufferedBytes, 0);
});

Deno.test("decoder skip: bad input an oversize line is reported once, with its size and first bytes, and the next line is intact", () => {
  const decoder = skipping(10);
  const out: string[] = [];
  let prefix: Uint8Array | null = null;
  const feed = (text: string) => {
    for (const item of decoder.push(enc.encode(text))) {
      out.push(item.kind === "line" ? dec.decode(item.bytes) : `too_large:${item.bytes}`);
      if (item.kind === "too_large") prefix = item.prefix;
    }
  };
  feed('{"type":"ok","id":7,');
  for (let i = 0; i < 100; i++) {
    feed("x".repeat(1000));
    equal(decoder.bufferedBytes, 0, "nothing of the skipped line is buffered");
    equal(decoder.capacity, 0);
  }
  feed('"}\nshort\n');
  assertEquals(out, [`too_large:${20 + 100_000 + 2}`, "short"]);
  equal(prefix !== null && dec.decode(prefix), '{"type":"ok","id":7,' + "x".repeat(236));
});

Deno.test("decoder skip: bad input an oversize line within one chunk, then more lines in it", () => {
  const decoder = skipping(5);
  assertEquals(shown(decoder, "12345\n123456\nab\n1234567890\r\ncd\n"), [
    "12345",
    "too_large:6",
    "ab",
    "too_large:10",
    "cd",
  ]);
  // The size never counts the terminator, however the line is cut.
  assertEquals(shown(skipping(5), "1234567", "890\r", "\n"), ["too_large:10"]);
});

Deno.test("decoder: the limit can be changed between pushes; a bad limit is a RangeError", () => {
  const decoder = skipping(5);
  assertEquals(shown(decoder, "123456\n"), ["too_large:6"]);
  decoder.maxFrame = 6;
  equal(decoder.maxFrame, 6);
  assertEquals(shown(decoder, "1234", "56\r\n"), ["123456"]);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    let threw = false;
    try {
      decoder.maxFrame = bad;
    } catch (error) {
      threw = error instanceof RangeError;
    }
    equal(threw, true, `limit ${bad}`);
  }
  equal(decoder.maxFrame, 6, "a refused limit leaves the old one");
});

Deno.test("decoder stop: a too_large report carries the bytes seen and the first bytes", () => {
  const [item] = new FrameDecoder(4).push(enc.encode("abcdefgh"));
  assertEquals(item, { kind: "too_large", bytes: 8, prefix: enc.encode("abcdefgh") });
});
