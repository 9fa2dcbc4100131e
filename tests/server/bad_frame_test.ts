/**
 * Conformance, bad frames: not JSON, not an object, no or mistyped `type`/`id`, missing or
 * mistyped fields, `limit` out of range, empty fields (their own codes), `unknown_type`,
 * and the 21st bad frame in a row (`too_many_errors`, then closed).
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import {
  assertError,
  expectError,
  freshRoom,
  loggedIn,
  rawError,
  startServer,
  uniqueName,
} from "./support.ts";

/** Lines that are not requests, each with what is wrong with it. */
const NOT_REQUESTS: [string, string][] = [
  ["not JSON", "hello there"],
  ["truncated JSON", '{"type":"ping","id":1'],
  ["an array", '[{"type":"ping","id":1}]'],
  ["a string", '"ping"'],
  ["a number", "42"],
  ["null", "null"],
  ["true", "true"],
  ["no id", '{"type":"ping"}'],
  ["id null", '{"type":"ping","id":null}'],
  ["id float", '{"type":"ping","id":1.5}'],
  ["id object", '{"type":"ping","id":{"n":1}}'],
  ["id array", '{"type":"ping","id":[1]}'],
  ["id true", '{"type":"ping","id":true}'],
  ["id false", '{"type":"ping","id":false}'],
];

Deno.test("bad frame conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const anon = await FrameClient.connect(port);
  const user = await loggedIn(port);
  try {
    await t.step(
      "bad input not JSON, not an object, no id, id float/object/array/bool/null → bad_frame, stays open",
      async () => {
        for (const [what, line] of NOT_REQUESTS) {
          const reply = await rawError(anon, line + "\n");
          assert.equal(reply.code, "bad_frame", `${what}: ${JSON.stringify(reply)}`);
          assert.equal(typeof reply.message, "string");
          await anon.ok({ type: "ping" }); // Still open, and resets the count.
        }
      },
    );

    await t.step("bad input no type or a non-string type → bad_frame echoing the id", async () => {
      for (
        const frame of [{ id: "n1" }, { id: "n2", type: 7 }, { id: "n3", type: null }, {
          id: "n4",
          type: ["ping"],
        }]
      ) {
        await anon.send(frame);
        const reply = await anon.next((f) => f.type === "error");
        assertError(reply, "bad_frame", frame.id);
        await anon.ok({ type: "ping" });
      }
    });

    await t.step("a long string id (1,000 characters) is a valid id and is echoed", async () => {
      const id = "i".repeat(1_000);
      await anon.send({ type: "ping", id });
      const reply = await anon.next((f) => f.type === "ok" || f.type === "error");
      await anon.ok({ type: "ping" }); // Resets the bad frame count, whatever happened.
      assert.deepEqual(reply, { type: "ok", id });
    });

    await t.step("bad input unknown type → unknown_type echoing the id", async () => {
      const reply = await anon.request({ type: "dance", id: "u1" });
      assertError(reply, "unknown_type", "u1");
      const empty = await anon.request({ type: "", id: 77 });
      assertError(empty, "unknown_type", 77);
    });

    await t.step("bad input missing fields → bad_frame echoing the id", async () => {
      const frames = [
        { type: "register", user: "someone" },
        { type: "register", password: "12345678" },
        { type: "login", user: "someone" },
        { type: "create_room" },
        { type: "join" },
        { type: "leave" },
        { type: "say", room: "general" },
        { type: "say", text: "hi" },
        { type: "dm", text: "hi" },
        { type: "dm", to: user.user },
        { type: "history" },
        { type: "who" },
      ];
      for (const frame of frames) {
        const reply = await user.request(frame);
        assertError(reply, "bad_frame");
        assert.equal(typeof reply.id, "number", "the id is echoed");
        await user.ok({ type: "ping" }); // Resets the bad frame count.
      }
    });

    await t.step(
      "bad input mistyped fields (number, array, object, null, bool) → bad_frame",
      async () => {
        const room = await freshRoom(user, "typed");
        const frames = [
          { type: "register", user: 12, password: "12345678" },
          { type: "register", user: "someone", password: 12345678 },
          { type: "login", user: ["a"], password: "12345678" },
          { type: "create_room", room: 5 },
          { type: "create_room", room: "ok-name", topic: 5 },
          { type: "join", room: { name: room } },
          { type: "join", room, after: 5 },
          { type: "leave", room: null },
          { type: "say", room, text: 5 },
          { type: "say", room, text: null },
          { type: "say", room, text: ["hi"] },
          { type: "say", room: true, text: "hi" },
          { type: "say", room, text: "hi", cid: 5 },
          { type: "dm", to: 5, text: "hi" },
          { type: "dm", to: user.user, text: { t: "hi" } },
          { type: "history", room: 5 },
          { type: "history", with: 5 },
          { type: "history", room, before: 5 },
          { type: "history", room, limit: "10" },
          { type: "who", room: false },
        ];
        for (const frame of frames) {
          const reply = await user.request(frame);
          assertError(reply, "bad_frame");
          assert.equal(typeof reply.id, "number", "the id is echoed");
          await user.ok({ type: "ping" }); // Resets the bad frame count.
        }
        assert.equal(user.isClosed, false);
      },
    );

    await t.step(
      "bad input history limit 0, -1, 201, 1.5, 1e9 → bad_frame; 1 and 200 are fine",
      async () => {
        for (const limit of [0, -1, 201, 1.5, 1e9]) {
          const reply = await user.request({ type: "history", room: "general", limit });
          assertError(reply, "bad_frame");
          await user.ok({ type: "ping" });
        }
        for (const limit of [1, 200]) await user.ok({ type: "history", room: "general", limit });
      },
    );

    await t.step(
      "bad input lone surrogate escapes in text or a room name → bad_frame",
      async () => {
        const room = await freshRoom(user, "surrogates");
        for (
          const line of [
            `{"type":"say","id":"s1","room":${JSON.stringify(room)},"text":"broken \\ud800 half"}`,
            `{"type":"create_room","id":"s2","room":"odd\\udc00room"}`,
          ]
        ) {
          const reply = await rawError(user, line + "\n");
          assertError(reply, "bad_frame");
        }
        const history = await user.ok({ type: "history", room });
        assert.deepEqual(history.messages, []);
      },
    );

    await t.step("bad input empty fields get their own codes, not bad_frame", async () => {
      const room = await freshRoom(user, "empties");
      await expectError(
        anon,
        { type: "register", user: "", password: "12345678" },
        "invalid_username",
      );
      await expectError(
        anon,
        { type: "register", user: uniqueName("e"), password: "" },
        "weak_password",
      );
      await expectError(user, { type: "create_room", room: "" }, "invalid_room");
      await expectError(user, { type: "say", room, text: "" }, "empty_text");
      await expectError(user, { type: "dm", to: user.user, text: "" }, "empty_text");
    });

    await t.step(
      "bad input text of only Unicode white space (NEL, LS, NBSP, ideographic space, BOM) is empty_text",
      async () => {
        const room = await freshRoom(user, "blanks");
        for (const text of ["\u0085", "\u2028", " \u00a0\u3000 ", "\ufeff\t"]) {
          await expectError(user, { type: "say", room, text }, "empty_text");
          await expectError(user, { type: "dm", to: user.user, text }, "empty_text");
        }
        const history = await user.ok({ type: "history", room });
        assert.deepEqual(history.messages, []);
        // Next to a letter, the same characters are a message like any other.
        await user.ok({ type: "say", room, text: "a\u0085" });
      },
    );

    await t.step(
      "bad input 20 bad frames keep the connection, the 21st gets too_many_errors and closes",
      async () => {
        const c = await FrameClient.connect(port);
        try {
          for (let i = 0; i < 20; i++) {
            const reply = await rawError(c, `not json ${i}\n`);
            assert.equal(reply.code, "bad_frame");
          }
          assert.equal(c.isClosed, false);
          const last = await rawError(c, "not json 21\n");
          assert.equal(last.code, "too_many_errors");
          assert.equal(typeof last.message, "string");
          await c.closed;
          assert.equal(c.isClosed, true);
          assert.equal(c.events("error").length, 21);
        } finally {
          c.close();
        }
      },
    );

    await t.step(
      "bad input 21 mixed bad frames (bad JSON, no id, missing field) close the connection",
      async () => {
        const c = await loggedIn(port);
        try {
          const kinds = ["garbage\n", '{"type":"ping"}\n', '{"type":"say","id":1}\n'];
          let batch = "";
          for (let i = 0; i < 21; i++) batch += kinds[i % kinds.length];
          await c.writeRaw(batch);
          const last = await c.next((f) => f.type === "error" && f.code === "too_many_errors");
          assert.equal(last.type, "error");
          await c.closed;
          assert.equal(c.events("error").length, 21);
        } finally {
          c.close();
        }
      },
    );

    await t.step(
      "bad input 21 frames with a malformed msgid (history before, join after, search before) close the connection",
      async () => {
        const c = await loggedIn(port);
        try {
          const frames = [
            { type: "history", room: "general", before: "not-a-msgid" },
            { type: "join", room: "general", after: "m-1" },
            { type: "search", query: "hello", before: "0000" },
          ];
          let batch = "";
          for (let i = 0; i < 21; i++) {
            batch += JSON.stringify({ ...frames[i % frames.length], id: `b${i}` }) + "\n";
          }
          await c.writeRaw(batch);
          const last = await c.next((f) => f.type === "error" && f.code === "too_many_errors");
          assert.equal(last.id, "b20");
          await c.closed;
          const errors = c.events("error");
          assert.equal(errors.length, 21);
          assert.ok(
            errors.slice(0, 20).every((e) => e.code === "bad_frame"),
            JSON.stringify(errors),
          );
        } finally {
          c.close();
        }
      },
    );

    await t.step("a valid frame resets the count: 20 bad, ping, 20 bad stays open", async () => {
      const c = await FrameClient.connect(port);
      try {
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 20; i++) assert.equal((await rawError(c, "{\n")).code, "bad_frame");
          await c.ok({ type: "ping" });
        }
        assert.equal(c.isClosed, false);
      } finally {
        c.close();
      }
    });

    await t.step(
      "a valid frame answered with an error (not_logged_in) also resets the count",
      async () => {
        const c = await FrameClient.connect(port);
        try {
          for (let round = 0; round < 2; round++) {
            for (let i = 0; i < 20; i++) {
              assert.equal((await rawError(c, "[]\n")).code, "bad_frame");
            }
            await expectError(c, { type: "rooms" }, "not_logged_in");
          }
          await c.ok({ type: "ping" });
        } finally {
          c.close();
        }
      },
    );
  } finally {
    anon.close();
    user.close();
    await server.cleanup();
  }
});
