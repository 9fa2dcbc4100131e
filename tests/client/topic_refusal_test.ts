/**
 * What the client says when the server refuses `/topic`, by code, in English and in French:
 * who may change a topic, a mute (sent as `not_allowed` with `until`), the rule the topic
 * broke, how long to wait; other codes as any refusal.
 */
import assert from "node:assert/strict";
import { describeTopicRefusal } from "../../lib/client/messages.ts";
import type { ErrorReply } from "../../lib/protocol/server_frames.ts";
import { inFrench } from "./support.ts";

/** An `error` reply to a `topic` request. */
function refusal(code: string, extra: Record<string, unknown> = {}): ErrorReply {
  return { type: "error", id: 1, code, message: "An English sentence.", ...extra };
}

const UNTIL = new Date(Date.now() + 5 * 60_000).toISOString();

Deno.test("topic refusal: who may change it, a mute with its end, the broken rule, the wait", () => {
  assert.equal(
    describeTopicRefusal(refusal("not_allowed"), "general", "hello"),
    "Only moderators, admins and the creator of general may change its topic.",
  );
  assert.match(
    describeTopicRefusal(refusal("not_allowed", { until: UNTIL }), "general", "hello"),
    /^You are muted until .+\. While you are muted you cannot change a topic either\.$/,
  );
  assert.match(
    describeTopicRefusal(refusal("muted", { until: UNTIL }), "general", "hello"),
    /^You are muted until .+\. While you are muted you cannot change a topic either\.$/,
  );
  assert.equal(
    describeTopicRefusal(refusal("invalid_topic"), "dev", "x".repeat(301)),
    "The topic is too long (301 characters): a topic is at most 300 characters.",
  );
  assert.match(
    describeTopicRefusal(refusal("invalid_topic"), "dev", "a\tb"),
    /^The topic contains a control character/,
  );
  assert.equal(
    describeTopicRefusal(refusal("rate_limited", { retry_after: 42 }), "dev", "x"),
    "You have changed topics too often lately; try again in 42 seconds.",
  );
  assert.equal(
    describeTopicRefusal(refusal("no_such_room"), "gone", "x"),
    "There is no room with that name (/rooms lists them).",
  );
});

Deno.test("topic refusal: the same in French", () => {
  inFrench(() => {
    assert.equal(
      describeTopicRefusal(refusal("not_allowed"), "général", "salut"),
      "Seuls les modérateurs, les administrateurs et le créateur du salon général peuvent modifier son sujet.",
    );
    assert.match(
      describeTopicRefusal(refusal("not_allowed", { until: UNTIL }), "général", "salut"),
      /^Vous ne pouvez plus écrire jusqu'à .+\. Pendant ce temps, vous ne pouvez pas non plus modifier le sujet d'un salon\.$/,
    );
    assert.match(
      describeTopicRefusal(refusal("invalid_topic"), "dev", "é".repeat(1_234)),
      /^Le sujet est trop long \(1\s234 caractères\) : un sujet a au plus 300 caractères\.$/u,
    );
    assert.equal(
      describeTopicRefusal(refusal("rate_limited", { retry_after: 90 }), "dev", "x"),
      "Vous avez modifié des sujets trop souvent ces derniers temps ; réessayez dans 1 minute 30 secondes.",
    );
  });
});

Deno.test("topic refusal: bad input: a wait that is no number, a length counted in code points, an unknown code", () => {
  for (const retry_after of [undefined, "soon", -1, Number.NaN]) {
    assert.equal(
      describeTopicRefusal(refusal("rate_limited", { retry_after }), "dev", "x"),
      "You have changed topics too often lately; try again later.",
    );
  }
  // 300 emoji are 600 UTF-16 units but 300 characters: not the length rule; nor a control
  // character: a rule of that server's own, said as any refusal (the rules in general, not
  // a wrong reason).
  assert.equal(
    describeTopicRefusal(refusal("invalid_topic"), "dev", "😀".repeat(300)),
    "A topic is at most 300 characters, without control characters.",
  );
  assert.match(
    describeTopicRefusal(refusal("invalid_topic"), "dev", "a\u202eb"),
    /control character/,
  );
  assert.equal(
    describeTopicRefusal(refusal("zzz_new"), "dev", "x"),
    "An English sentence.",
  );
});
