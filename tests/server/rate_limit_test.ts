/**
 * Conformance, `rate_limited` (the one suite that turns limits on): registrations past
 * `--auth-rate` per address, and `say`/`dm` past `--msg-rate` per session. Refused messages
 * are neither stored nor broadcast.
 */
import assert from "node:assert/strict";
import {
  anotherSession,
  closeAll,
  freshRoom,
  loggedIn,
  PASSWORD,
  repliesTo,
  startServer,
  uniqueName,
} from "./support.ts";

Deno.test("rate limit conformance", async (t) => {
  const server = await startServer({
    limits: true,
    args: ["--msg-rate", "1:3", "--auth-rate", "2", "--flood", "off"],
  });
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  try {
    await t.step("bad input a third registration from one address → rate_limited", async () => {
      const reply = await alice.request({
        type: "register",
        user: uniqueName("third"),
        password: PASSWORD,
      });
      assert.equal(reply.type, "error");
      assert.equal(reply.code, "rate_limited");
      assert.equal(typeof reply.message, "string");
      assert.equal(alice.isClosed, false);
    });

    await t.step(
      "bad input says past the burst → rate_limited, not stored, not broadcast",
      async () => {
        const room = await freshRoom(alice, "limited");
        await bob.ok({ type: "join", room });
        let batch = "";
        for (let i = 0; i < 6; i++) {
          batch += JSON.stringify({ type: "say", id: `s${i}`, room, text: `burst ${i}` }) + "\n";
        }
        await alice.writeRaw(batch);
        const replies = await repliesTo(alice, ["s0", "s1", "s2", "s3", "s4", "s5"]);
        const refused = replies.filter((r) => r.type === "error");
        assert.ok(refused.length >= 2, JSON.stringify(replies));
        for (const reply of refused) assert.equal(reply.code, "rate_limited");
        const accepted = replies.filter((r) => r.type === "ok");
        assert.ok(accepted.length >= 1);
        const history = await bob.ok({ type: "history", room });
        assert.deepEqual(
          (history.messages as { msgid: string }[]).map((m) => m.msgid),
          accepted.map((r) => r.msgid),
        );
        await bob.ok({ type: "ping" });
        const heard = bob.events("message").filter((f) => f.room === room).map((f) => f.msgid);
        assert.deepEqual(heard, accepted.map((r) => r.msgid));
      },
    );

    await t.step("bad input dms past the burst → rate_limited", async () => {
      const bob2 = await anotherSession(port, bob.user);
      try {
        let batch = "";
        for (let i = 0; i < 6; i++) {
          batch += JSON.stringify({ type: "dm", id: `d${i}`, to: alice.user, text: `dm ${i}` }) +
            "\n";
        }
        await bob2.writeRaw(batch);
        const replies = await repliesTo(bob2, ["d0", "d1", "d2", "d3", "d4", "d5"]);
        const refused = replies.filter((r) => r.type === "error");
        assert.ok(refused.length >= 2, JSON.stringify(replies));
        for (const reply of refused) assert.equal(reply.code, "rate_limited");
      } finally {
        bob2.close();
      }
    });
  } finally {
    closeAll(alice, bob);
    await server.cleanup();
  }
});
