/**
 * All of NATS stopped (PROTOCOL.md, "Cluster mode"): `say` and `dm` answer `unavailable`
 * (never an `ok` for what is then lost, and nothing refused is stored or broadcast), the
 * instances keep running, and when NATS returns (same store) they take messages again on
 * every instance, with every message acknowledged before the outage still in history.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import {
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  repliesTo,
  sayPipelined,
  waitFor,
} from "../server/support.ts";
import type { Frame, FrameClient } from "../support/frame_client.ts";

let _requests = 0;

/** Sends a request and waits up to 30 s for its answer (a refusal may wait for a timeout). */
async function answer(client: FrameClient, frame: Record<string, unknown>): Promise<Frame> {
  const id = `slow${++_requests}`;
  await client.send({ ...frame, id });
  return await client.next((f) => (f.type === "ok" || f.type === "error") && f.id === id, 30_000);
}

/** Says `text` with `cid` until the answer is not `unavailable`; returns that answer. */
async function sayUntilTaken(client: FrameClient, room: string, text: string, cid: string) {
  return await waitFor(`say ${cid} to be taken`, async () => {
    const reply = await answer(client, { type: "say", room, text, cid });
    return !(reply.type === "error" && reply.code === "unavailable") && reply;
  }, 60_000);
}

Deno.test(
  clusterTest("cluster NATS outage: say answers unavailable, recovery when NATS returns"),
  async () => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
      const a = await loggedIn(n1);
      const b = await loggedIn(n2);
      const reader = await loggedIn(n3);
      try {
        const room = await freshRoom(a, "outage");
        await b.ok({ type: "join", room });
        await reader.ok({ type: "join", room });
        const before = await sayPipelined(a, room, 10, "before");

        await cluster.nats.stopAll();
        const ids = Array.from({ length: 5 }, (_, i) => `down${i}`);
        await a.writeRaw(
          ids.map((id) => JSON.stringify({ type: "say", id, room, text: id, cid: id }) + "\n")
            .join(""),
        );
        for (const [i, reply] of (await repliesTo(a, ids)).entries()) {
          assert.equal(
            reply.code,
            "unavailable",
            `say ${ids[i]} with NATS down: ${JSON.stringify(reply)}`,
          );
        }
        const dm = await answer(b, { type: "dm", to: a.user, text: "dm while down" });
        assert.equal(dm.code, "unavailable", `dm with NATS down: ${JSON.stringify(dm)}`);
        assert.ok(cluster.instances.every((i) => i.running), "every instance keeps running");

        await cluster.nats.startAll();
        const after = await sayUntilTaken(a, room, "after the outage", "after0");
        assert.equal(after.type, "ok", JSON.stringify(after));
        for (const client of [a, b, reader]) {
          await client.next((f) => f.type === "message" && f.msgid === after.msgid, 30_000);
        }
        // A refused message resent with its cid is stored once.
        const resent = await sayUntilTaken(a, room, "down0", "down0");
        assert.equal(resent.type, "ok", JSON.stringify(resent));
        const fromB = await b.ok({ type: "say", room, text: "from n2" });
        await reader.next((f) => f.type === "message" && f.msgid === fromB.msgid, 30_000);

        const history = await fullHistory(reader, { room });
        assert.deepEqual(
          history.map((m) => m.msgid),
          [...before, after.msgid, resent.msgid, fromB.msgid],
          "the acked messages, and none of the refused ones but the one resent",
        );
        const broadcast = reader.received.filter((f) => f.type === "message" && f.room === room);
        assert.deepEqual(
          broadcast.map((f) => f.text).filter((t) => String(t).startsWith("down")),
          ["down0"],
          "nothing refused was broadcast",
        );
        const dms = await fullHistory(a, { with: b.user });
        assert.deepEqual(dms, [], "the refused dm was not stored");
      } finally {
        closeAll(a, b, reader);
      }
    });
  },
);
