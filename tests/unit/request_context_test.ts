/**
 * The reply context (lib/server/requests/context.ts): a request is answered exactly once,
 * whichever way (`ok`, `okWith`, `fail`, after `later`), every `error` frame is built by
 * `errorFrame` with the request's id, and errors are counted by code.
 */
import { deepStrictEqual as equal, strictEqual as same } from "node:assert/strict";
import { RequestContext } from "../../lib/server/requests/context.ts";
import { errorFrame } from "../../lib/protocol/server_frames.ts";
import type { ChatCore } from "../../lib/server/chat/core.ts";
import type { Session } from "../../lib/server/net/session.ts";

function setup() {
  const sent: unknown[] = [];
  const logged: string[] = [];
  const counted: string[] = [];
  const core = {
    countError: (code: string) => counted.push(code),
    log: { log: (_level: string, event: string) => logged.push(event) },
  } as unknown as ChatCore;
  const session = {
    id: 1,
    sendReply: (frame: unknown) => sent.push(frame),
    sendReplyWith: (frame: unknown, raw: unknown) => sent.push([frame, raw]),
  } as unknown as Session;
  return { sent, logged, counted, ctx: new RequestContext(core, session, "r1") };
}

Deno.test("reply context: ok answers once; a second answer is dropped and logged", () => {
  const { sent, logged, ctx } = setup();
  ctx.ok({ room: "general" });
  ctx.ok();
  ctx.fail("internal");
  equal(sent, [{ type: "ok", id: "r1", room: "general" }]);
  equal(logged, ["reply_twice", "reply_twice"]);
  same(ctx.answered, true);
});

Deno.test("reply context: fail sends the code's sentence, the extra fields, and counts it", () => {
  const { sent, counted, ctx } = setup();
  ctx.fail("muted", undefined, { until: "2024-01-01T00:00:00.000Z" });
  equal(sent, [{
    type: "error",
    id: "r1",
    code: "muted",
    message: "You are muted.",
    until: "2024-01-01T00:00:00.000Z",
  }]);
  equal(counted, ["muted"]);
});

Deno.test("reply context: later defers without answering; the one answer comes after", () => {
  const { sent, ctx } = setup();
  ctx.later();
  same(ctx.deferred, true);
  same(ctx.answered, false);
  equal(sent, []);
  ctx.okWith({ more: false }, { messages: "[]" });
  equal(sent, [[{ type: "ok", id: "r1", more: false }, { messages: "[]" }]]);
});

Deno.test("errorFrame: bad input without an id (a frame that had none) has no id field", () => {
  equal(
    JSON.stringify(errorFrame("bad_frame", "The frame is not valid JSON.")),
    '{"type":"error","code":"bad_frame","message":"The frame is not valid JSON."}',
  );
  equal(
    JSON.stringify(errorFrame("rate_limited", "Slow down.", { retryAfterMs: 5 }, 3)),
    '{"type":"error","id":3,"code":"rate_limited","message":"Slow down.","retryAfterMs":5}',
  );
});
