/**
 * A reply over the client's frame limit: the decoder (skip mode) keeps its first bytes, and
 * `replyIdOf` finds in them which request it answered.
 */
import assert from "node:assert/strict";
import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";
import { replyIdOf } from "../../lib/client/connection.ts";

const enc = (text: string) => new TextEncoder().encode(text);

Deno.test("client decoder: bad input an oversize reply is skipped, its id read from its first bytes, the next line intact", () => {
  const decoder = new FrameDecoder(10, { oversize: "skip" });
  const items = [
    ...decoder.push(enc('{"type":"ok","id":7,')),
    ...decoder.push(enc("x".repeat(100_000))),
    ...decoder.push(enc('"}\nshort\n')),
  ];
  assert.equal(items.length, 2);
  const [skipped, next] = items;
  assert.ok(skipped?.kind === "too_large");
  assert.equal(skipped.bytes, 20 + 100_000 + 2);
  assert.equal(replyIdOf(skipped.prefix), 7, "the reply's id is read from its first bytes");
  assert.ok(next?.kind === "line");
  assert.equal(new TextDecoder().decode(next.bytes), "short");
});

Deno.test("replyIdOf: only replies with a numeric id; a message's msgid is not an id", () => {
  assert.equal(replyIdOf(enc('{"type":"error","id":12,"code":"x"')), 12);
  assert.equal(replyIdOf(enc('{"type":"message","msgid":"5","id":3')), null);
  assert.equal(replyIdOf(enc('{"type":"ok","msgid":"5"')), null);
});
