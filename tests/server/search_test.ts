/**
 * Conformance, `search` (protocol 1.1): the contract's examples, scoping (a room, one's own
 * dms, never others' dms), `from`/`before`/`limit`/`more` paging, edited and deleted
 * messages, and bad input, each named: FTS operators, quotes, one character, 200 and 201
 * characters, only spaces. A property test sends random queries: never `internal`.
 */
import assert from "node:assert/strict";
import fc from "../deps/fast_check.ts";
import type { Frame } from "../support/frame_client.ts";
import {
  closeAll,
  expectError,
  freshRoom,
  ISO_MS,
  loggedIn,
  startServer,
  uniqueName,
} from "./support.ts";

/** A word no other test uses (letters and digits only, so it is one search word). */
function tag(): string {
  return `k${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** The texts of a reply's messages, in order. */
function texts(reply: Frame): string[] {
  return (reply.messages as Frame[]).map((m) => m.text as string);
}

Deno.test("search conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  const carol = await loggedIn(port, uniqueName("carol"));
  try {
    await t.step("welcome lists the search feature", async () => {
      const { FrameClient } = await import("../support/frame_client.ts");
      const client = await FrameClient.connect(port);
      try {
        const welcome = client.received.find((f) => f.type === "welcome")!;
        assert.ok((welcome.features as string[]).includes("search"));
      } finally {
        client.close();
      }
    });

    await t.step("contract examples: bon finds Bonjour, cafe finds café", async () => {
      const room = await freshRoom(alice, "srch");
      await alice.ok({ type: "say", room, text: "Bonjour tout le monde" });
      await alice.ok({ type: "say", room, text: "Un café, s'il vous plaît" });
      await alice.ok({ type: "say", room, text: "abonnement, decafeine" });
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "bon", room })), [
        "Bonjour tout le monde",
      ]);
      const cafe = await bob.ok({ type: "search", query: "cafe", room });
      assert.deepEqual(texts(cafe), ["Un café, s'il vous plaît"]);
      assert.equal(cafe.more, false);
      const m = (cafe.messages as Frame[])[0]!;
      assert.deepEqual(Object.keys(m).sort(), ["msgid", "room", "text", "ts", "user"]);
      assert.equal(m.room, room);
      assert.equal(m.user, alice.user);
      assert.match(m.ts as string, ISO_MS);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "CAFÉ", room })), [
        "Un café, s'il vous plaît",
      ]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "BONJOUR monde", room })), [
        "Bonjour tout le monde",
      ]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "onjour", room })), []);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "bon zzz", room })), []);
    });

    await t.step("newest first; 1- and 2-letter words match word starts", async () => {
      const room = await freshRoom(alice, "srch");
      for (const text of ["a to b", "le la les", "xy a"]) {
        await alice.ok({ type: "say", room, text });
      }
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "a", room })), [
        "xy a",
        "a to b",
      ]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "la", room })), ["le la les"]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "to", room })), ["a to b"]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "y", room })), []);
    });

    await t.step("scope: every room and one's own dms, never others' dms", async () => {
      const word = tag();
      const room = await freshRoom(bob, "srch");
      await bob.ok({ type: "say", room, text: `room ${word}` });
      await alice.ok({ type: "dm", to: bob.user, text: `alice to bob ${word}` });
      await bob.ok({ type: "dm", to: carol.user, text: `bob to carol ${word}` });
      await carol.ok({ type: "dm", to: alice.user, text: `carol to alice ${word}` });
      assert.deepEqual(texts(await alice.ok({ type: "search", query: word })), [
        `carol to alice ${word}`,
        `alice to bob ${word}`,
        `room ${word}`,
      ]);
      assert.deepEqual(texts(await alice.ok({ type: "search", query: word, with: bob.user })), [
        `alice to bob ${word}`,
      ]);
      assert.deepEqual(texts(await alice.ok({ type: "search", query: word, room })), [
        `room ${word}`,
      ]);
      assert.deepEqual(texts(await alice.ok({ type: "search", query: word, from: bob.user })), [
        `room ${word}`,
      ]);
      const dm = (await alice.ok({ type: "search", query: word, with: carol.user }))
        .messages as Frame[];
      assert.equal(dm[0]!.to, alice.user);
      assert.equal(dm[0]!.room, undefined);
      // carol never sees alice and bob's conversation, even asking for it by name.
      assert.deepEqual(texts(await carol.ok({ type: "search", query: word, with: bob.user })), [
        `bob to carol ${word}`,
      ]);
      assert.deepEqual(texts(await carol.ok({ type: "search", query: word })), [
        `carol to alice ${word}`,
        `bob to carol ${word}`,
        `room ${word}`,
      ]);
    });

    await t.step("limit (default 20), more and before page further back", async () => {
      const word = tag();
      const room = await freshRoom(alice, "srch");
      for (let i = 0; i < 25; i++) await alice.ok({ type: "say", room, text: `${word} n${i}` });
      const first = await bob.ok({ type: "search", query: word });
      assert.equal((first.messages as Frame[]).length, 20);
      assert.equal(first.more, true);
      assert.equal(texts(first)[0], `${word} n24`);
      const oldest = (first.messages as Frame[]).at(-1)!.msgid as string;
      const rest = await bob.ok({ type: "search", query: word, before: oldest });
      assert.deepEqual(texts(rest), [4, 3, 2, 1, 0].map((i) => `${word} n${i}`));
      assert.equal(rest.more, false);
      const few = await bob.ok({ type: "search", query: word, limit: 3 });
      assert.deepEqual(texts(few), [24, 23, 22].map((i) => `${word} n${i}`));
      assert.equal(few.more, true);
      const all = await bob.ok({ type: "search", query: word, limit: 100 });
      assert.equal((all.messages as Frame[]).length, 25);
      assert.equal(all.more, false);
    });

    await t.step(
      "an edited message is found by its current text; a deleted one never",
      async () => {
        const [old, fresh, gone] = [tag(), tag(), tag()];
        const room = await freshRoom(alice, "srch");
        const edited = await alice.ok({ type: "say", room, text: `first ${old}` });
        const deleted = await alice.ok({ type: "say", room, text: `bye ${gone}` });
        await alice.ok({ type: "edit", msgid: edited.msgid, text: `second ${fresh}` });
        await alice.ok({ type: "delete", msgid: deleted.msgid });
        assert.deepEqual(texts(await bob.ok({ type: "search", query: old })), []);
        const found = await bob.ok({ type: "search", query: fresh });
        assert.deepEqual(texts(found), [`second ${fresh}`]);
        assert.match((found.messages as Frame[])[0]!.edited as string, ISO_MS);
        assert.deepEqual(texts(await bob.ok({ type: "search", query: gone })), []);
        assert.deepEqual(texts(await bob.ok({ type: "search", query: "bye", room })), []);
      },
    );

    await t.step("unknown room, with or from: no_such_room, no_such_user", async () => {
      await expectError(
        alice,
        { type: "search", query: "x", room: "no-such-room-x" },
        "no_such_room",
      );
      await expectError(
        alice,
        { type: "search", query: "x", with: "nobody_here_x" },
        "no_such_user",
      );
      await expectError(
        alice,
        { type: "search", query: "x", from: "nobody_here_x" },
        "no_such_user",
      );
    });

    await t.step("bad input: empty, only spaces, 201 characters are invalid_query", async () => {
      await expectError(alice, { type: "search", query: "" }, "invalid_query");
      await expectError(alice, { type: "search", query: "   \t  " }, "invalid_query");
      await expectError(alice, { type: "search", query: "a".repeat(201) }, "invalid_query");
      await expectError(alice, { type: "search", query: "é".repeat(201) }, "invalid_query");
      await alice.ok({ type: "ping" });
    });

    await t.step("bad input: 200 characters and a single character are searched", async () => {
      const room = await freshRoom(alice, "srch");
      const long = "b".repeat(200);
      await alice.ok({ type: "say", room, text: `${long} tail` });
      assert.deepEqual(texts(await bob.ok({ type: "search", query: long, room })), [
        `${long} tail`,
      ]);
      assert.deepEqual(texts(await bob.ok({ type: "search", query: "t", room })), [
        `${long} tail`,
      ]);
      const astral = "🎉".repeat(200); // 200 characters, 400 UTF-16 units: no letters
      await expectError(alice, { type: "search", query: astral }, "invalid_query");
    });

    await t.step("bad input: FTS operators and quotes are text or invalid_query", async () => {
      const room = await freshRoom(alice, "srch");
      await alice.ok({ type: "say", room, text: "AND OR NEAR NOT are words here" });
      for (const query of ['"', "*", "-", "(", ")", "+", "~", "@", ">", "<", "^", ":", '""']) {
        await expectError(alice, { type: "search", query, room }, "invalid_query");
      }
      for (const query of ["AND", "OR", "NEAR", "NOT", "and or", "NEAR(and, or)"]) {
        assert.deepEqual(texts(await bob.ok({ type: "search", query, room })), [
          "AND OR NEAR NOT are words here",
        ], query);
      }
      for (
        const query of [
          '"AND',
          'words"',
          "word*",
          "-are +here",
          "(words OR here)",
          "here @2",
          ">words <here ~are",
          "text:words",
          "^words",
          'wo"rds',
        ]
      ) {
        const reply = await bob.request({ type: "search", query, room });
        assert.equal(reply.type, "ok", `${query}: ${JSON.stringify(reply)}`);
      }
      await alice.ok({ type: "ping" });
    });

    await t.step(
      "bad input: limit out of range, room and with, bad before: bad_frame",
      async () => {
        await expectError(alice, { type: "search", query: "x", limit: 0 }, "bad_frame");
        await expectError(alice, { type: "search", query: "x", limit: 101 }, "bad_frame");
        await expectError(alice, { type: "search", query: "x", limit: 2.5 }, "bad_frame");
        await expectError(alice, { type: "search", query: 5 }, "bad_frame");
        await expectError(alice, { type: "search" }, "bad_frame");
        await expectError(
          alice,
          { type: "search", query: "x", room: "general", with: bob.user },
          "bad_frame",
        );
        await expectError(alice, { type: "search", query: "x", before: "nope" }, "bad_frame");
        await alice.ok({ type: "search", query: "x", limit: 100 });
        await alice.ok({ type: "ping" });
      },
    );

    await t.step("property: random queries never answer internal", async () => {
      const operators = fc.constantFrom(
        '"',
        "*",
        "-",
        "(",
        ")",
        "AND",
        "OR",
        "NEAR",
        "NOT",
        "+",
        "~",
        "@",
        ">",
        "<",
        " ",
        "é",
        "\u0301",
        "'",
        "_",
        "%",
        "\\",
        "a",
        "1",
      );
      const query = fc.oneof(
        fc.string({ unit: "binary", maxLength: 210 }),
        fc.array(operators, { maxLength: 60 }).map((parts) => parts.join("")),
      );
      await fc.assert(
        fc.asyncProperty(query, fc.boolean(), async (q, inRoom) => {
          const reply = await bob.request({
            type: "search",
            query: q,
            ...(inRoom ? { room: "general" } : {}),
          });
          if (reply.type === "error") {
            assert.equal(reply.code, "invalid_query", `${JSON.stringify(q)}: ${reply.code}`);
          } else {
            assert.equal(reply.type, "ok");
            assert.ok(Array.isArray(reply.messages));
            assert.equal(typeof reply.more, "boolean");
          }
        }),
        { numRuns: 150 },
      );
    });
  } finally {
    closeAll(alice, bob, carol);
    await server.stop();
  }
});
