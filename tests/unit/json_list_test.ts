import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { encodeFrameWith, JsonList, objectJson, utf8Length } from "../../lib/protocol/json_list.ts";

const enc = new TextEncoder();

Deno.test("utf8Length: matches TextEncoder for ASCII, escapes, 2-, 3- and 4-byte characters", () => {
  const samples = [
    "",
    "plain",
    "é",
    "€uro",
    "😀 and 𝐚",
    JSON.stringify("\u0001".repeat(10)),
    "\uD800 lone high",
    "lone low \uDC00",
    "trailing high \uD83D",
  ];
  for (const text of samples) {
    equal(utf8Length(text), enc.encode(text).length, JSON.stringify(text));
  }
});

Deno.test("JsonList: bad input control characters cost their escaped size (6 bytes each)", () => {
  const list = new JsonList(10_000);
  equal(list.add("\u0001".repeat(1_000)), true);
  equal(list.bytes, 2 + 6_000 + 2);
  equal(list.bytes, enc.encode(list.toJson()).length);
});

Deno.test("JsonList: refuses what would pass the budget or the count, keeps what fit", () => {
  const list = new JsonList(20, 3);
  equal(list.add("aaaa"), true); // ["aaaa"] = 8
  equal(list.add("bbbb"), true); // +7 = 15
  equal(list.add("cccc"), false); // would be 22
  equal(list.add(1), true); // +2 = 17
  equal(list.add(2), false); // count
  assertEquals(JSON.parse(list.toJson()), ["aaaa", "bbbb", 1]);
  equal(list.bytes, enc.encode(list.toJson()).length);
});

Deno.test("JsonList: with always, a first element larger than the budget is taken", () => {
  const list = new JsonList(4);
  equal(list.addJson('"too long"'), false);
  equal(list.addJson('"too long"', true), true);
  equal(list.addJson('"x"', true), false);
  list.reverse();
  equal(list.toJson(), '["too long"]');
});

Deno.test("objectJson and encodeFrameWith splice pre-encoded fields after the others", () => {
  assertEquals(JSON.parse(objectJson({ a: 1 }, { list: "[1,2]" })), { a: 1, list: [1, 2] });
  assertEquals(JSON.parse(objectJson({}, { list: "[]", more: "true" })), { list: [], more: true });
  equal(objectJson({ a: "x" }, {}), '{"a":"x"}');
  const frame = new TextDecoder().decode(encodeFrameWith({ type: "ok", id: 1 }, { rooms: "[]" }));
  equal(frame, '{"type":"ok","id":1,"rooms":[]}\n');
});
