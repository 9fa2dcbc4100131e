/**
 * Pipelined reads cannot monopolise the server: connections that pipeline hundreds of
 * `history` requests each get every answer, in order, while another user's `ping`s are
 * answered meanwhile; a connection past its read budget is delayed, never refused. (The
 * latencies are measured outside the suite; their figures are in docs/security.md.)
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { closeAll, freshRoom, loggedIn, sayPipelined, startServer, uniqueName } from "./support.ts";

/** The ids of the replies `client` received, in the order they arrived. */
function replyIds(client: FrameClient, prefix: string): (string | number)[] {
  return client.received
    .filter((f: Frame) =>
      (f.type === "ok" || f.type === "error") && String(f.id).startsWith(prefix)
    )
    .map((f) => f.id as string);
}

/** Writes `count` requests built by `frame` in one go; returns their ids in order. */
async function pipeline(
  client: FrameClient,
  prefix: string,
  count: number,
  frame: (id: string) => Record<string, unknown>,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  await client.writeRaw(ids.map((id) => JSON.stringify(frame(id)) + "\n").join(""));
  return ids;
}

Deno.test("read budget conformance", async (t) => {
  const server = await startServer();
  const clients: FrameClient[] = [];
  try {
    const alice = await loggedIn(server.port, uniqueName("alice"));
    clients.push(alice);
    const room = await freshRoom(alice, "busy");
    await sayPipelined(alice, room, 300);

    await t.step(
      "4 connections pipelining 200 history requests each get every answer in order, pings too",
      async () => {
        const readers: FrameClient[] = [];
        for (let i = 0; i < 4; i++) readers.push(await loggedIn(server.port, uniqueName("r")));
        clients.push(...readers);
        const pinger = await loggedIn(server.port, uniqueName("ping"));
        clients.push(pinger);
        const sent = await Promise.all(
          readers.map((reader) =>
            pipeline(reader, "h", 200, (id) => ({ type: "history", id, room, limit: 50 }))
          ),
        );
        // Another user's pings are answered while the readers are being served.
        for (let i = 0; i < 20; i++) await pinger.ok({ type: "ping" });
        for (const [i, reader] of readers.entries()) {
          const ids = sent[i]!;
          await reader.next((f) => f.id === ids.at(-1), 60_000);
          assert.deepEqual(replyIds(reader, "h"), ids, "every request answered once, in order");
          for (const reply of reader.received.filter((f) => String(f.id).startsWith("h"))) {
            assert.equal(reply.type, "ok", JSON.stringify(reply).slice(0, 200));
            assert.equal((reply.messages as Frame[]).length, 50);
          }
        }
      },
    );

    await t.step(
      "bad input 2,500 pipelined who (past the read budget) are delayed, never refused",
      async () => {
        const greedy = await loggedIn(server.port, uniqueName("greedy"));
        clients.push(greedy);
        const ids = await pipeline(greedy, "w", 2_500, (id) => ({ type: "who", id, room }));
        await greedy.next((f) => f.id === ids.at(-1), 60_000);
        assert.deepEqual(replyIds(greedy, "w"), ids);
        for (const reply of greedy.received.filter((f) => String(f.id).startsWith("w"))) {
          assert.equal(reply.type, "ok", JSON.stringify(reply));
        }
        await alice.ok({ type: "ping" });
      },
    );
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});
