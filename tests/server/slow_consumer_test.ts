/**
 * Conformance, a stalled reader: a logged-in member of a busy room that never reads does
 * not hold up the room (the others get every message), and the server eventually closes
 * it, its last frame an `error` with code `slow_consumer` (`--outbound-limit 65536`).
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { closeAll, freshRoom, loggedIn, PASSWORD, uniqueName } from "./support.ts";

const ROUND = 20;
const MAX_ROUNDS = 500;
const TEXT = "x".repeat(1_000);

/** Reads everything left on `conn` until the server closes it; returns the frames. */
async function readToEnd(conn: Deno.Conn): Promise<Frame[]> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(256 * 1024);
  const timer = setTimeout(() => conn.close(), 30_000); // A safety net, not a measurement.
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  const text = new TextDecoder().decode(concat(chunks));
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Frame);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

Deno.test("slow consumer conformance", async (t) => {
  const server = await startServer({ args: ["--outbound-limit", "65536"] });
  const { port } = server;
  const alice = await loggedIn(port, uniqueName("alice"));
  const bob = await loggedIn(port, uniqueName("bob"));
  const carol = await loggedIn(port, uniqueName("carol"));
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
  const clients: FrameClient[] = [alice, bob, carol];
  try {
    const room = await freshRoom(alice, "busy");
    await bob.ok({ type: "join", room });
    await carol.ok({ type: "join", room });
    const sloth = uniqueName("sloth");
    const hello = [
      { type: "register", id: 1, user: sloth, password: PASSWORD },
      { type: "login", id: 2, user: sloth, password: PASSWORD },
      { type: "join", id: 3, room },
    ].map((f) => JSON.stringify(f) + "\n").join("");
    await stalled.write(new TextEncoder().encode(hello));
    const inRoom = async () =>
      ((await alice.ok({ type: "who", room })).users as string[]).includes(sloth);
    for (let i = 0; i < 500 && !(await inRoom()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(await inRoom(), "the stalled client joined");

    let rounds = 0;
    let sent = 0;
    await t.step("the others get every message while one member never reads", async () => {
      while (rounds < MAX_ROUNDS && await inRoom()) {
        let batch = "";
        for (let i = 0; i < ROUND; i++) {
          batch += JSON.stringify({ type: "say", id: `r${rounds}-${i}`, room, text: TEXT }) + "\n";
        }
        await alice.writeRaw(batch);
        const last = await alice.next((f) => f.id === `r${rounds}-${ROUND - 1}`, 15_000);
        assert.equal(last.type, "ok", JSON.stringify(last));
        sent += ROUND;
        for (const reader of [bob, carol]) {
          await reader.next((f) => f.type === "message" && f.msgid === last.msgid, 15_000);
        }
        rounds++;
      }
      for (const reader of [bob, carol]) {
        assert.equal(reader.events("message").filter((f) => f.room === room).length, sent);
      }
    });

    await t.step("the stalled member is eventually closed with slow_consumer", async () => {
      assert.ok(!(await inRoom()), `still in the room after ${rounds} rounds of ${ROUND}`);
      const frames = await readToEnd(stalled);
      const last = frames.at(-1)!;
      assert.equal(last.type, "error", JSON.stringify(last));
      assert.equal(last.code, "slow_consumer");
      assert.equal(typeof last.message, "string");
      assert.ok(frames.some((f) => f.type === "ok" && f.id === 3), "its join was answered");
    });

    await t.step("the room keeps working after the stalled member is gone", async () => {
      const reply = await alice.ok({ type: "say", room, text: "still flowing" });
      await bob.next((f) => f.type === "message" && f.msgid === reply.msgid);
      await carol.next((f) => f.type === "message" && f.msgid === reply.msgid);
    });
  } finally {
    closeAll(...clients);
    try {
      stalled.close();
    } catch {
      // Already closed.
    }
    await server.cleanup();
  }
});
