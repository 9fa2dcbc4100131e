/**
 * The outbox against a scripted sender: a conversation's messages go one at a time, so a
 * message told to wait (slow mode, rate limit) holds the ones typed after it in the same
 * conversation and they are stored in the order typed; other conversations go on.
 */
import assert from "node:assert/strict";
import { Outbox } from "../../lib/client/outbox.ts";
import type { Reply } from "../../lib/client/connection.ts";
import type { ClientRequest } from "../../lib/protocol/requests.ts";

/** A sender that records each request sent and lets the test answer it. */
function scripted() {
  const sent: { request: ClientRequest; answer: (reply: Reply) => void }[] = [];
  const send = (request: ClientRequest) => {
    const { promise, resolve } = Promise.withResolvers<Reply>();
    sent.push({ request, answer: resolve });
    return promise;
  };
  const texts = () => sent.map((s) => (s.request as { text: string }).text);
  return { sent, send, texts };
}

const ok = (msgid: string): Reply => ({ ok: true, frame: { type: "ok", id: 1, msgid } });
const later = (ms: number): Reply => ({
  ok: false,
  error: { type: "error", id: 1, code: "rate_limited", message: "wait", retryAfterMs: ms },
});
const cidOf = (request: ClientRequest) => (request as { cid?: string }).cid;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("outbox: bad input a rate_limited first message holds the next of its room until it is stored; another room and a dm go on", async () => {
  const { sent, send, texts } = scripted();
  const waits: number[] = [];
  const outbox = new Outbox(send, (_message, delayMs) => waits.push(delayMs));
  const one = outbox.submit({ type: "say", room: "general", text: "one" });
  const two = outbox.submit({ type: "say", room: "General", text: "two" });
  const elsewhere = outbox.submit({ type: "say", room: "dev", text: "elsewhere" });
  const dm = outbox.submit({ type: "dm", to: "bob", text: "psst" });
  assert.deepEqual(texts(), ["one", "elsewhere", "psst"], "one per conversation at a time");

  sent[0]!.answer(later(20)); // "one" must wait: "two" stays queued behind it.
  sent[1]!.answer(ok("0000000000000002"));
  sent[2]!.answer(ok("0000000000000003"));
  await tick();
  assert.deepEqual(waits, [20]);
  assert.deepEqual(texts(), ["one", "elsewhere", "psst"]);
  assert.equal((await elsewhere).ok, true);
  assert.equal((await dm).ok, true);

  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(texts(), ["one", "elsewhere", "psst", "one"], "sent again after its wait");
  sent[3]!.answer(ok("0000000000000004"));
  await tick();
  assert.deepEqual(texts().at(-1), "two", "then the next of its room");
  assert.equal(cidOf(sent[3]!.request), cidOf(sent[0]!.request), "the same cid when sent again");
  sent[4]!.answer(ok("0000000000000005"));
  assert.equal((await one).ok, true);
  assert.equal((await two).ok, true);
  await outbox.drained();
  assert.equal(outbox.size, 0);
});

Deno.test("outbox: offline, flush sends the first message of each conversation; the rest follow their answers in order", async () => {
  const { sent, send, texts } = scripted();
  let online = false;
  const outbox = new Outbox((request) => online ? send(request) : null);
  const replies = ["a1", "a2", "b1", "a3"].map((text) =>
    outbox.submit({ type: "dm", to: text[0] === "a" ? "ann" : "ben", text })
  );
  assert.deepEqual(texts(), []);
  online = true;
  outbox.flush();
  assert.deepEqual(texts(), ["a1", "b1"]);
  for (const expected of [["a1", "a2"], ["b1", null], ["a2", "a3"], ["a3", null]] as const) {
    const at = texts().indexOf(expected[0]);
    sent[at]!.answer(ok(`000000000000000${at}`));
    await tick();
    if (expected[1] !== null) assert.equal(texts().at(-1), expected[1]);
  }
  assert.deepEqual(texts(), ["a1", "b1", "a2", "a3"]);
  for (const reply of replies) assert.equal((await reply).ok, true);
});
