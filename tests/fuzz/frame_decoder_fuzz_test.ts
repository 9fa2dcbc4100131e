/**
 * Property-based tests of the frame decoder: whatever bytes arrive, cut wherever the
 * network cuts them, the decoder neither throws nor returns a frame over the limit, and
 * well-formed streams come out exactly as they were sent.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import { FrameDecoder, OVERSIZE_PREFIX_BYTES } from "../../lib/protocol/frame_decoder.ts";

const NL = 0x0a;
const CR = 0x0d;

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    if (point > from) chunks.push(bytes.slice(from, point));
    from = Math.max(from, point);
  }
  return chunks;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Feeds chunks; copies each line out at once (lines may view the chunk). */
function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): (number[] | "too_large")[] {
  const out: (number[] | "too_large")[] = [];
  for (const chunk of chunks) {
    for (const item of decoder.push(chunk)) {
      out.push(item.kind === "line" ? [...item.bytes] : "too_large");
    }
  }
  return out;
}

/** A frame body: any bytes but a newline, not ending in `\r` (which the decoder strips). */
const frameBody = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((bytes) => {
    const body = bytes.map((b) => (b === NL ? 0x20 : b));
    let end = body.length;
    while (end > 0 && body[end - 1] === CR) end--; // "\r\r" ends in `\r` once one is cut
    return body.subarray(0, end);
  });

Deno.test("fuzz decoder: random frames cut at random points come out unchanged", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.array(frameBody(300), { maxLength: 20 }),
      fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (maxFrame, bodies, crlf, cuts) => {
        const frames = bodies.filter((b) => b.length <= maxFrame);
        const wire = concat(
          frames.map((body, i) => concat([body, new Uint8Array(crlf[i] ? [CR, NL] : [NL])])),
        );
        const decoded = decodeAll(new FrameDecoder(maxFrame), cut(wire, cuts));
        assertEquals(decoded, frames.map((f) => [...f]));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("fuzz decoder: random bytes never throw and never yield a frame over the limit", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.uint8Array({ maxLength: 2_000 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (maxFrame, bytes, cuts) => {
        const decoder = new FrameDecoder(maxFrame);
        for (const chunk of cut(bytes, cuts)) {
          const items = decoder.push(chunk);
          for (const item of items) {
            if (item.kind !== "line") continue;
            ok(item.bytes.length <= maxFrame, "a frame never exceeds the limit");
            ok(!item.bytes.includes(NL), "a frame never contains a newline");
          }
          if (items.some((i) => i.kind === "too_large")) return; // The server closes here.
          ok(decoder.bufferedBytes <= maxFrame + 1, "memory held stays within the limit");
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("fuzz decoder: with a large limit, frames are exactly the newline-separated pieces", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 1_000 }).map((b) => b.map((x) => (x % 3 === 0 ? NL : x))),
      fc.array(fc.nat(), { maxLength: 40 }),
      (bytes, cuts) => {
        const pieces: number[][] = [];
        let current: number[] = [];
        for (const b of bytes) {
          if (b !== NL) {
            current.push(b);
            continue;
          }
          if (current.at(-1) === CR) current.pop();
          pieces.push(current);
          current = [];
        }
        const decoder = new FrameDecoder(10_000);
        assertEquals(decodeAll(decoder, cut(bytes, cuts)), pieces);
        assertEquals(decoder.bufferedBytes, current.length);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("fuzz decoder: bad input a frame one byte over the limit is too_large however it is cut", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 500 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (maxFrame, cuts) => {
        const wire = concat([new Uint8Array(maxFrame + 1).fill(0x61), new Uint8Array([NL])]);
        assertEquals(decodeAll(new FrameDecoder(maxFrame), cut(wire, cuts)), ["too_large"]);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("fuzz decoder skip: bad input oversize lines are skipped with their size and first bytes; the others come out unchanged", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 100 }),
      fc.array(frameBody(400), { maxLength: 20 }),
      fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (maxFrame, bodies, crlf, cuts) => {
        const wire = concat(
          bodies.map((body, i) => concat([body, new Uint8Array(crlf[i] ? [CR, NL] : [NL])])),
        );
        const decoder = new FrameDecoder(maxFrame, { oversize: "skip" });
        const out: (number[] | { bytes: number; prefix: number[] })[] = [];
        for (const chunk of cut(wire, cuts)) {
          for (const item of decoder.push(chunk)) {
            out.push(
              item.kind === "line"
                ? [...item.bytes]
                : { bytes: item.bytes, prefix: [...item.prefix] },
            );
          }
          ok(decoder.bufferedBytes <= maxFrame + 1, "memory held stays within the limit");
        }
        assertEquals(
          out,
          bodies.map((body) =>
            body.length <= maxFrame
              ? [...body]
              : { bytes: body.length, prefix: [...body.subarray(0, OVERSIZE_PREFIX_BYTES)] }
          ),
        );
      },
    ),
    { numRuns: 300 },
  );
});
