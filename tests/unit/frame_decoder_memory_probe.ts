/**
 * Run by `frame_decoder_test.ts` in a subprocess with `--v8-flags=--expose-gc`: pushes
 * `N` one-byte chunks (one unfinished frame) and prints, as JSON, the memory still held
 * after a full collection: what a peer that trickles bytes costs the server.
 */
import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("Run with --v8-flags=--expose-gc");
const count = Number(Deno.args[0] ?? "200000");
const decoder = new FrameDecoder(count + 16);
const chunk = new Uint8Array([0x61]);
gc();
const before = Deno.memoryUsage();
for (let i = 0; i < count; i++) decoder.push(chunk);
gc();
const after = Deno.memoryUsage();
console.log(JSON.stringify({
  held: after.heapUsed - before.heapUsed + after.external - before.external,
  buffered: decoder.bufferedBytes,
}));
