/**
 * Conformance, SIGTERM: every connection, logged in or not, gets `shutdown` with `in: 0`
 * and is closed; every acknowledged message (also those acknowledged while stopping) is
 * stored; the server exits 0.
 */
import assert from "node:assert/strict";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  closeAll,
  fullHistory,
  loggedIn,
  repliesTo,
  uniqueName,
} from "./support.ts";

const BEFORE = 100;
const DURING = 300;

Deno.test("shutdown conformance", async (t) => {
  const server = await startServer();
  let again: ServerProcess | undefined;
  const clients: FrameClient[] = [];
  try {
    const anon = await FrameClient.connect(server.port);
    const alice = await loggedIn(server.port, uniqueName("alice"));
    const bob = await loggedIn(server.port, uniqueName("bob"));
    const bob2 = await anotherSession(server.port, bob.user);
    clients.push(anon, alice, bob, bob2);
    const room = uniqueName("closing");
    await alice.ok({ type: "create_room", room });
    await alice.ok({ type: "join", room });
    await bob.ok({ type: "join", room });

    let batch = "";
    for (let i = 0; i < BEFORE; i++) {
      batch += JSON.stringify({ type: "say", id: `b${i}`, room, text: `before ${i}` }) + "\n";
    }
    await alice.writeRaw(batch);
    const before = await repliesTo(alice, Array.from({ length: BEFORE }, (_, i) => `b${i}`));
    for (const reply of before) assert.equal(reply.type, "ok", JSON.stringify(reply));
    // Still sending when the signal arrives: whatever gets an ok must be kept.
    batch = "";
    for (let i = 0; i < DURING; i++) {
      batch += JSON.stringify({ type: "say", id: `d${i}`, room, text: `during ${i}` }) + "\n";
    }
    await bob.writeRaw(batch);
    const code = await server.stop("SIGTERM");
    await Promise.all(clients.map((c) => c.closed));

    await t.step("the server exits 0", () => {
      assert.equal(code, 0, server.log());
    });

    await t.step("every connection, logged in or not, got shutdown with in: 0", () => {
      for (const client of clients) {
        const shutdown = client.events("shutdown");
        assert.equal(shutdown.length, 1, JSON.stringify(client.received.slice(-3)));
        assert.equal(shutdown[0]!.in, 0);
        assert.equal(typeof shutdown[0]!.message, "string");
        assert.equal("id" in shutdown[0]!, false);
      }
    });

    // Members of the room may still get events of messages acknowledged while stopping.
    await t.step("shutdown is the last frame of connections with nothing in flight", () => {
      for (const client of [anon, bob2]) {
        assert.equal(client.received.at(-1)!.type, "shutdown");
      }
    });

    await t.step("every acknowledged message is stored", async () => {
      again = await startServer({ db: server.db });
      const reader = await loggedIn(again.port, uniqueName("reader"));
      clients.push(reader);
      const stored = new Map((await fullHistory(reader, { room })).map((m) => [m.msgid, m]));
      const acked: Frame[] = [
        ...alice.received.filter((f) => f.type === "ok" && String(f.id).startsWith("b")),
        ...bob.received.filter((f) => f.type === "ok" && String(f.id).startsWith("d")),
      ];
      assert.ok(acked.length >= BEFORE);
      for (const ok of acked) {
        const message = stored.get(ok.msgid);
        assert.ok(message, `acknowledged ${ok.id} (${ok.msgid}) was lost`);
        assert.equal(message.ts, ok.ts);
      }
    });
  } finally {
    closeAll(...clients);
    await again?.cleanup();
    await server.cleanup();
  }
});

Deno.test("shutdown conformance: SIGINT does the same as SIGTERM", async () => {
  const server = await startServer();
  const clients: FrameClient[] = [];
  try {
    clients.push(await FrameClient.connect(server.port), await loggedIn(server.port));
    const code = await server.stop("SIGINT");
    await Promise.all(clients.map((c) => c.closed));
    assert.equal(code, 0, server.log());
    for (const client of clients) {
      const [shutdown] = client.events("shutdown");
      assert.equal(shutdown?.in, 0, JSON.stringify(client.received.slice(-3)));
    }
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

Deno.test("shutdown conformance: an admin kill sends its message and delay, then exits 0", async () => {
  const server = await startServer({ env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const clients: FrameClient[] = [];
  try {
    clients.push(await FrameClient.connect(server.port), await loggedIn(server.port));
    const kill = await admin(server.adminPort, "POST", "/api/shutdown", {
      message: "Back in five minutes",
      delay: 1,
    });
    assert.equal(kill.status, 202, JSON.stringify(kill.body));
    for (const client of clients) {
      const shutdown = await client.next((f) => f.type === "shutdown");
      assert.equal(shutdown.in, 1);
      assert.equal(shutdown.message, "Back in five minutes");
    }
    await Promise.all(clients.map((c) => c.closed));
    assert.equal((await server.exited).code, 0, server.log());
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});
