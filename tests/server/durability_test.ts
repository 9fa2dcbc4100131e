/**
 * Conformance, durability: every acknowledged message survives a `kill -9` of the server
 * and a restart on the same database, with its msgid and ts; msgids after the restart sort
 * after the old ones; a `cid` resend after the restart answers the first msgid and ts and
 * broadcasts nothing; a resend of unacknowledged messages stores each exactly once.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import {
  anotherSession,
  closeAll,
  fullHistory,
  loggedIn,
  PASSWORD,
  repliesTo,
  uniqueName,
} from "./support.ts";

const ACKED = 120;
const UNACKED = 200;

/** A `say` request with a cid, as one line. */
function sayLine(room: string, label: string): string {
  return JSON.stringify({ type: "say", id: label, room, text: `text ${label}`, cid: label }) +
    "\n";
}

Deno.test("durability conformance", async (t) => {
  const first = await startServer();
  let second: ServerProcess | undefined;
  const clients: FrameClient[] = [];
  try {
    const alice = await loggedIn(first.port, uniqueName("alice"));
    const bob = await loggedIn(first.port, uniqueName("bob"));
    clients.push(alice, bob);
    const room = uniqueName("durable");
    await alice.ok({ type: "create_room", room, topic: "kept" });
    await alice.ok({ type: "join", room });

    // Acknowledged: every `ok` received before the kill.
    let batch = "";
    for (let i = 0; i < ACKED; i++) batch += sayLine(room, `a${i}`);
    await alice.writeRaw(batch);
    const acked = await repliesTo(alice, Array.from({ length: ACKED }, (_, i) => `a${i}`));
    const dm = await alice.ok({ type: "dm", to: bob.user, text: "direct and durable", cid: "dm1" });
    // In flight: sent right before the kill, acknowledged or not.
    batch = "";
    for (let i = 0; i < UNACKED; i++) batch += sayLine(room, `u${i}`);
    await alice.writeRaw(batch);
    const code = await first.stop("SIGKILL");
    assert.notEqual(code, 0);
    await Promise.all([alice.closed, bob.closed]);
    for (const reply of acked) assert.equal(reply.type, "ok", JSON.stringify(reply));

    second = await startServer({ db: first.db });
    const port = second.port;
    const alice2 = await anotherSession(port, alice.user);
    const bob2 = await anotherSession(port, bob.user);
    clients.push(alice2, bob2);

    await t.step("every acknowledged say is stored with its msgid, ts and text", async () => {
      const history = await fullHistory(bob2, { room });
      const byMsgid = new Map(history.map((m) => [m.msgid, m]));
      for (const [i, ok] of acked.entries()) {
        const stored = byMsgid.get(ok.msgid);
        assert.ok(stored, `acknowledged message a${i} (${ok.msgid}) was lost`);
        assert.equal(stored.ts, ok.ts);
        assert.equal(stored.text, `text a${i}`);
        assert.equal(stored.user, alice.user);
      }
    });

    await t.step("the acknowledged dm, the account and the room (with topic) survive", async () => {
      const history = await bob2.ok({ type: "history", with: alice.user });
      const stored = (history.messages as Frame[]).find((m) => m.msgid === dm.msgid);
      assert.ok(stored, "the acknowledged dm was lost");
      assert.equal(stored.ts, dm.ts);
      const rooms = (await bob2.ok({ type: "rooms" })).rooms as { name: string; topic: string }[];
      assert.equal(rooms.find((r) => r.name === room)?.topic, "kept");
    });

    await t.step(
      "a cid resend after the restart answers the first msgid and ts, broadcasts nothing",
      async () => {
        await alice2.ok({ type: "join", room });
        await bob2.ok({ type: "join", room });
        for (const i of [0, ACKED - 1]) {
          const again = await alice2.ok({ type: "say", room, text: `text a${i}`, cid: `a${i}` });
          assert.equal(again.msgid, acked[i]!.msgid);
          assert.equal(again.ts, acked[i]!.ts);
        }
        const dmAgain = await alice2.ok({
          type: "dm",
          to: bob.user,
          text: "direct and durable",
          cid: "dm1",
        });
        assert.deepEqual([dmAgain.msgid, dmAgain.ts], [dm.msgid, dm.ts]);
        const marker = await alice2.ok({ type: "say", room, text: "marker" });
        await bob2.next((f) => f.type === "message" && f.msgid === marker.msgid);
        const old = new Set([...acked.map((a) => a.msgid), dm.msgid]);
        assert.deepEqual(bob2.received.filter((f) => old.has(f.msgid)), []);
      },
    );

    await t.step(
      "resending the unacknowledged messages with their cids stores each once",
      async () => {
        let resend = "";
        for (let i = 0; i < UNACKED; i++) resend += sayLine(room, `u${i}`);
        await alice2.writeRaw(resend);
        const ids = Array.from({ length: UNACKED }, (_, i) => `u${i}`);
        for (const reply of await repliesTo(alice2, ids)) {
          assert.equal(reply.type, "ok", JSON.stringify(reply));
        }
        const history = await fullHistory(bob2, { room });
        for (let i = 0; i < UNACKED; i++) {
          const copies = history.filter((m) => m.text === `text u${i}`).length;
          assert.equal(copies, 1, `u${i} is stored ${copies} times`);
        }
      },
    );

    await t.step("msgids after the restart sort after every msgid from before", async () => {
      const before = (await fullHistory(bob2, { room })).map((m) => m.msgid as string);
      const fresh = await alice2.ok({ type: "say", room, text: "after the crash" });
      for (const msgid of [...before.filter((m) => m !== fresh.msgid), dm.msgid as string]) {
        assert.ok((fresh.msgid as string) > msgid, `${fresh.msgid} does not sort after ${msgid}`);
      }
    });

    await t.step("the password still works and a wrong one still fails after restart", async () => {
      const c = await anotherSession(port, bob.user);
      clients.push(c);
      const wrong = await c.request({ type: "login", user: bob.user, password: PASSWORD + "x" });
      assert.equal(wrong.code, "bad_credentials");
    });
  } finally {
    closeAll(...clients);
    await second?.cleanup();
    await first.cleanup();
  }
});
