/**
 * Conformance, ordering: four senders saying at once in one room, four receivers (and the
 * senders themselves) see one identical sequence, msgids sort as plain strings in that
 * order, each sender's messages keep their sending order, and the `ok`'s `ts` (ISO with
 * ms) is the event's. History returns the same sequence.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import {
  assertSortedMsgids,
  closeAll,
  fullHistory,
  ISO_MS,
  loggedIn,
  repliesTo,
  startServer,
  uniqueName,
  waitFor,
} from "./support.ts";

const SENDERS = 4;
const RECEIVERS = 4;
const PER_SENDER = 150;

/** Pipelines `count` says and returns the `ok`s in sending order. */
async function sayAll(client: FrameClient, room: string, label: string): Promise<Frame[]> {
  let batch = "";
  for (let i = 0; i < PER_SENDER; i++) {
    batch += JSON.stringify({ type: "say", id: `${label}-${i}`, room, text: `${label} ${i}` }) +
      "\n";
  }
  await client.writeRaw(batch);
  const oks = await repliesTo(
    client,
    Array.from({ length: PER_SENDER }, (_, i) => `${label}-${i}`),
  );
  for (const reply of oks) assert.equal(reply.type, "ok", JSON.stringify(reply));
  return oks;
}

Deno.test("ordering conformance", async (t) => {
  const server = await startServer();
  const { port } = server;
  const clients: FrameClient[] = [];
  try {
    const senders: (FrameClient & { user: string })[] = [];
    const receivers: FrameClient[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await loggedIn(port, uniqueName(`s${i}`)));
    for (let i = 0; i < RECEIVERS; i++) receivers.push(await loggedIn(port, uniqueName(`r${i}`)));
    clients.push(...senders, ...receivers);
    const room = uniqueName("order");
    await senders[0]!.ok({ type: "create_room", room });
    for (const client of clients) await client.ok({ type: "join", room });

    const oks = await Promise.all(senders.map((s, i) => sayAll(s, room, `s${i}`)));
    const total = SENDERS * PER_SENDER;
    const inRoom = (client: FrameClient) => client.events("message").filter((f) => f.room === room);
    await waitFor(
      `every session has ${total} messages`,
      () => clients.every((c) => inRoom(c).length >= total),
      30_000,
    );
    const streams = clients.map(inRoom);

    await t.step("every session in the room sees the identical sequence of messages", () => {
      const reference = streams[0]!.map((e) => e.msgid);
      assert.equal(reference.length, total);
      assert.equal(new Set(reference).size, total, "no duplicates");
      for (const stream of streams) assert.deepEqual(stream.map((e) => e.msgid), reference);
    });

    await t.step("msgids sort as plain strings in the order the events arrive", () => {
      assertSortedMsgids(streams[0]!.map((e) => e.msgid as string));
    });

    await t.step("each sender's messages keep their sending order, and oks sort too", () => {
      for (const [i, senderOks] of oks.entries()) {
        const mine = streams[0]!.filter((e) => e.user === senders[i]!.user).map((e) => e.text);
        assert.deepEqual(mine, Array.from({ length: PER_SENDER }, (_, n) => `s${i} ${n}`));
        assertSortedMsgids(senderOks.map((o) => o.msgid as string));
      }
    });

    await t.step("ts is ISO 8601 UTC with ms and the same in ok and event", () => {
      const byMsgid = new Map(streams[0]!.map((e) => [e.msgid, e]));
      for (const ok of oks.flat()) {
        assert.match(ok.ts as string, ISO_MS);
        const event = byMsgid.get(ok.msgid);
        assert.ok(event, `no event for ${ok.msgid}`);
        assert.equal(event.ts, ok.ts);
      }
    });

    await t.step("history returns the same sequence, oldest first", async () => {
      const history = await fullHistory(receivers[0]!, { room });
      assert.deepEqual(history.map((m) => m.msgid), streams[0]!.map((e) => e.msgid));
      assert.deepEqual(history.map((m) => m.ts), streams[0]!.map((e) => e.ts));
    });
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});
