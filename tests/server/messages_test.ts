/**
 * Conformance, messages: `say` and `dm` replies and their errors (`not_in_room`,
 * `no_such_user`, `empty_text`, `text_too_long` counted in code points, `muted`), and `cid`
 * (a resend answers the first msgid and ts and broadcasts nothing new).
 */
import assert from "node:assert/strict";
import type { FrameClient } from "../support/frame_client.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  assertError,
  closeAll,
  expectError,
  freshRoom,
  ISO_MS,
  loggedIn,
  repliesTo,
  startServer,
  uniqueName,
} from "./support.ts";

const WHITESPACE_ONLY = [" ", "   ", "\t", "\n", " \r\n\t ", "\u00a0", "\u3000", "\u2003\u2029"];

/** Waits until every frame sent to `client` before now has arrived (a ping round trip). */
async function settle(client: FrameClient): Promise<void> {
  await client.ok({ type: "ping" });
}

Deno.test("messages conformance", async (t) => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    const room = await freshRoom(alice, "msgs");
    await bob.ok({ type: "join", room });

    await t.step(
      "say replies msgid and ts (ISO UTC with ms) and every member gets it",
      async () => {
        const reply = await alice.ok({ type: "say", room, text: "hello ✓" });
        assert.equal(typeof reply.msgid, "string");
        assert.match(reply.ts as string, ISO_MS);
        for (const client of [alice, bob]) {
          const event = await client.next((f) => f.type === "message" && f.msgid === reply.msgid);
          assert.deepEqual(event, {
            type: "message",
            msgid: reply.msgid,
            room,
            user: alice.user,
            text: "hello ✓",
            ts: reply.ts,
          });
        }
      },
    );

    await t.step(
      "say keeps text exactly: newlines, quotes, emoji, surrounding spaces",
      async () => {
        const text = '  line one\nline "two" \\ 😀\u0000 tail  ';
        const reply = await alice.ok({ type: "say", room, text });
        const event = await bob.next((f) => f.type === "message" && f.msgid === reply.msgid);
        assert.equal(event.text, text);
      },
    );

    await t.step(
      "bad input say in a room not joined, or an unknown room → not_in_room",
      async () => {
        const other = uniqueName("other");
        await alice.ok({ type: "create_room", room: other });
        await expectError(bob, { type: "say", room: other, text: "hi" }, "not_in_room");
        await expectError(
          bob,
          { type: "say", room: uniqueName("nowhere"), text: "hi" },
          "not_in_room",
        );
      },
    );

    await t.step("bad input say of empty or whitespace-only text → empty_text", async () => {
      for (const text of ["", ...WHITESPACE_ONLY]) {
        const reply = await alice.request({ type: "say", room, text });
        assertError(reply, "empty_text");
      }
    });

    await t.step("maxText counts code points: 4000 emoji and 4000 letters pass", async () => {
      for (const text of ["😀".repeat(4000), "a".repeat(4000), "é".repeat(3999) + "😀"]) {
        const reply = await alice.ok({ type: "say", room, text });
        const event = await bob.next((f) => f.type === "message" && f.msgid === reply.msgid);
        assert.equal(event.text, text);
      }
    });

    await t.step("bad input 4001 emoji, 4001 letters → text_too_long (say and dm)", async () => {
      for (const text of ["😀".repeat(4001), "a".repeat(4001)]) {
        await expectError(alice, { type: "say", room, text }, "text_too_long");
        await expectError(alice, { type: "dm", to: bob.user, text }, "text_too_long");
      }
    });

    await t.step("dm replies msgid and ts; recipient and sender get the dm event", async () => {
      const reply = await alice.ok({ type: "dm", to: bob.user, text: "psst" });
      assert.equal(typeof reply.msgid, "string");
      assert.match(reply.ts as string, ISO_MS);
      const expected = {
        type: "dm",
        msgid: reply.msgid,
        user: alice.user,
        to: bob.user,
        text: "psst",
        ts: reply.ts,
      };
      assert.deepEqual(await bob.next((f) => f.type === "dm" && f.msgid === reply.msgid), expected);
      assert.deepEqual(
        await alice.next((f) => f.type === "dm" && f.msgid === reply.msgid),
        expected,
      );
    });

    await t.step("dm to a name in another case reaches the user", async () => {
      const reply = await alice.ok({ type: "dm", to: bob.user.toUpperCase(), text: "shout" });
      const event = await bob.next((f) => f.type === "dm" && f.msgid === reply.msgid);
      assert.equal(event.text, "shout");
    });

    await t.step(
      "dm reaches a user who is not in any room and is not in a room's events",
      async () => {
        const carol = await loggedIn(port, uniqueName("carol"));
        try {
          const reply = await alice.ok({ type: "dm", to: carol.user, text: "hi carol" });
          await carol.next((f) => f.type === "dm" && f.msgid === reply.msgid);
          await settle(bob);
          assert.equal(bob.received.some((f) => f.msgid === reply.msgid), false);
        } finally {
          carol.close();
        }
      },
    );

    await t.step("bad input dm to an unknown user → no_such_user", async () => {
      await expectError(
        alice,
        { type: "dm", to: uniqueName("nobody"), text: "hi" },
        "no_such_user",
      );
    });

    await t.step("bad input dm of empty or whitespace-only text → empty_text", async () => {
      for (const text of ["", ...WHITESPACE_ONLY]) {
        assertError(await alice.request({ type: "dm", to: bob.user, text }), "empty_text");
      }
    });

    await t.step(
      "cid: a resend answers the first msgid and ts and broadcasts nothing",
      async () => {
        const cid = uniqueName("cid");
        const first = await alice.ok({ type: "say", room, text: "once", cid });
        const again = await alice.ok({ type: "say", room, text: "once", cid });
        assert.equal(again.msgid, first.msgid);
        assert.equal(again.ts, first.ts);
        // From another session of the same account too (a reconnect: join, then resend).
        const alice2 = await anotherSession(port, alice.user);
        try {
          await alice2.ok({ type: "join", room });
          const third = await alice2.ok({ type: "say", room, text: "once", cid });
          assert.equal(third.msgid, first.msgid);
          assert.equal(third.ts, first.ts);
        } finally {
          alice2.close();
        }
        const after = await alice.ok({ type: "say", room, text: "marker" });
        await bob.next((f) => f.type === "message" && f.msgid === after.msgid);
        assert.equal(bob.events("message").filter((f) => f.msgid === first.msgid).length, 1);
        const history = await bob.ok({ type: "history", room, limit: 10 });
        const stored = history.messages as { msgid: string; text: string }[];
        assert.equal(stored.filter((m) => m.text === "once").length, 1);
      },
    );

    await t.step(
      "cid: a dm resend answers the first msgid and ts and delivers nothing new",
      async () => {
        const cid = uniqueName("dmcid");
        const first = await alice.ok({ type: "dm", to: bob.user, text: "only once", cid });
        const again = await alice.ok({ type: "dm", to: bob.user, text: "only once", cid });
        assert.deepEqual([again.msgid, again.ts], [first.msgid, first.ts]);
        const marker = await alice.ok({ type: "dm", to: bob.user, text: "marker" });
        await bob.next((f) => f.type === "dm" && f.msgid === marker.msgid);
        assert.equal(bob.events("dm").filter((f) => f.msgid === first.msgid).length, 1);
      },
    );

    await t.step(
      "cid: three resends pipelined in one write store and broadcast one message",
      async () => {
        const cid = uniqueName("burst");
        const line = (id: string) =>
          JSON.stringify({ type: "say", id, room, text: "pipelined once", cid }) + "\n";
        await alice.writeRaw(line("c1") + line("c2") + line("c3"));
        const replies = await repliesTo(alice, ["c1", "c2", "c3"]);
        for (const reply of replies) {
          assert.equal(reply.type, "ok", JSON.stringify(reply));
          assert.deepEqual([reply.msgid, reply.ts], [replies[0]!.msgid, replies[0]!.ts]);
        }
        const marker = await alice.ok({ type: "say", room, text: "marker" });
        await bob.next((f) => f.type === "message" && f.msgid === marker.msgid);
        assert.equal(bob.events("message").filter((f) => f.text === "pipelined once").length, 1);
      },
    );

    await t.step(
      "cid: two sessions of one account sending the same cid at once → one message",
      async () => {
        const cid = uniqueName("race");
        const alice2 = await anotherSession(port, alice.user);
        try {
          await alice2.ok({ type: "join", room });
          const line = (id: string) =>
            JSON.stringify({ type: "say", id, room, text: "raced once", cid }) + "\n";
          await Promise.all([alice.writeRaw(line("r1")), alice2.writeRaw(line("r2"))]);
          const [a] = await repliesTo(alice, ["r1"]);
          const [b] = await repliesTo(alice2, ["r2"]);
          assert.deepEqual([a!.msgid, a!.ts], [b!.msgid, b!.ts]);
          const marker = await alice.ok({ type: "say", room, text: "marker" });
          await bob.next((f) => f.type === "message" && f.msgid === marker.msgid);
          assert.equal(bob.events("message").filter((f) => f.text === "raced once").length, 1);
        } finally {
          alice2.close();
        }
      },
    );

    await t.step("cid: the same cid from another account is a different message", async () => {
      const cid = uniqueName("shared");
      const a = await alice.ok({ type: "say", room, text: "from alice", cid });
      const b = await bob.ok({ type: "say", room, text: "from bob", cid });
      assert.notEqual(a.msgid, b.msgid);
    });

    await t.step(
      "cid of 64 characters is accepted; bad input 65 characters is refused",
      async () => {
        await alice.ok({ type: "say", room, text: "long cid", cid: "c".repeat(64) });
        const reply = await alice.request({
          type: "say",
          room,
          text: "too long",
          cid: "d".repeat(65),
        });
        assert.equal(reply.type, "error");
      },
    );

    await t.step(
      "bad input say and dm of a muted user → muted with until; reading still works",
      async () => {
        const dave = await loggedIn(port, uniqueName("dave"));
        try {
          await dave.ok({ type: "join", room });
          const mute = await admin(server.adminPort, "POST", "/api/mute", {
            user: dave.user,
            duration: "1h",
            reason: "hush",
          });
          assert.equal(mute.status, 200, JSON.stringify(mute.body));
          const until = (mute.body as { until: string }).until;
          const said = await dave.request({ type: "say", room, text: "hello?" });
          assertError(said, "muted");
          assert.equal(Date.parse(said.until as string), Date.parse(until));
          const dm = await dave.request({ type: "dm", to: alice.user, text: "hello?" });
          assertError(dm, "muted");
          const heard = await alice.ok({ type: "say", room, text: "you can read" });
          await dave.next((f) => f.type === "message" && f.msgid === heard.msgid);
          assert.equal(dave.isClosed, false);
        } finally {
          dave.close();
        }
      },
    );
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
