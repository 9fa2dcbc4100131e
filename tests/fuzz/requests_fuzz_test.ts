/**
 * Property-based tests of request validation: random JSON, wrong types, huge numbers and
 * deep nesting in every field of every request type are either accepted with the right
 * types or rejected with a sentence; validation never throws.
 */
import { equal, ok } from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import {
  describeIssues,
  REQUEST_SCHEMAS,
  RequestId,
  type RequestType,
} from "../../lib/protocol/requests.ts";

const TYPES = Object.keys(REQUEST_SCHEMAS) as RequestType[];
const FIELDS = [
  "user",
  "password",
  "room",
  "topic",
  "after",
  "before",
  "text",
  "cid",
  "to",
  "with",
  "limit",
];

/** Values that break naive validators: huge and odd numbers, wrong types, deep nesting. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -0, 0.5, Number.MAX_SAFE_INTEGER),
  fc.integer({ min: 1, max: 3_000 }).map((depth) => {
    let value: unknown = "x";
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }),
  fc.string({ maxLength: 300 }),
  fc.constant(null),
);

/** A request of a random type whose fields are random (possibly well-typed) values. */
const randomRequest = fc.record({
  type: fc.constantFrom(...TYPES),
  fields: fc.dictionary(fc.constantFrom(...FIELDS), nasty, { maxKeys: 6 }),
  extra: fc.dictionary(fc.string({ maxLength: 10 }), nasty, { maxKeys: 3 }),
});

Deno.test("fuzz requests: random fields of every request type validate or explain, never throw", () => {
  fc.assert(
    fc.property(randomRequest, ({ type, fields, extra }) => {
      const frame = { ...extra, ...fields, type, id: 1 };
      const parsed = REQUEST_SCHEMAS[type].safeParse(frame);
      if (!parsed.success) {
        const sentence = describeIssues(parsed.error);
        ok(sentence.length > 0 && !sentence.includes("\n"), `one line: ${sentence}`);
        return;
      }
      // Accepted: every known string field that came out is a string, `limit` in range.
      const data = parsed.data as Record<string, unknown>;
      for (const key of FIELDS) {
        if (data[key] === undefined) continue;
        if (key === "limit") ok(Number.isInteger(data[key]) && (data[key] as number) >= 1);
        else equal(typeof data[key], "string", `${type}.${key}`);
      }
    }),
    { numRuns: 2_000 },
  );
});

Deno.test("fuzz requests: bad input ids that are not strings or safe integers are refused", () => {
  fc.assert(
    fc.property(nasty, (id) => {
      const parsed = RequestId.safeParse(id);
      const valid = typeof id === "string" || Number.isSafeInteger(id);
      equal(parsed.success, valid, `id ${JSON.stringify(id)?.slice(0, 40)}`);
    }),
    { numRuns: 1_000 },
  );
});
