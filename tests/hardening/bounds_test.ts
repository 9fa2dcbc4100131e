/**
 * Resource bounds over real sockets: connections in all, per address, rooms, sessions per
 * room, and messages waiting for the store. Past each bound the new work gets a clear
 * error and everything already admitted keeps working.
 */
import { requiring } from "../support/requires.ts";
import { equal, match, ok } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { createTestDatabase } from "../support/mysql_db.ts";
import { startServer } from "../support/server_process.ts";
import { RawPeer, waitFor } from "./support.ts";

Deno.test("bounds: bad input one connection past --max-connections is refused with limit_reached", async () => {
  const server = await startServer({ limits: true, args: ["--max-connections", "3"] });
  const peers: RawPeer[] = [];
  try {
    // From three different addresses, so the per-address limit is not what refuses.
    for (const from of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      const peer = await RawPeer.connect(server.port, from);
      peers.push(peer);
      await waitFor("welcome", () => peer.frames[0]?.type === "welcome");
    }
    const extra = await RawPeer.connect(server.port, "127.0.0.5");
    peers.push(extra);
    await extra.closed;
    equal(extra.frames[0]?.type, "error");
    equal(extra.frames[0]?.code, "limit_reached");
    match(extra.frames[0]?.message as string, /server is full/);
    // A place frees up when someone leaves.
    peers[0]!.destroy();
    await waitFor("the first connection closed", () => /connection_closed/.test(server.log()));
    const next = await FrameClient.connect(server.port);
    await next.ok({ type: "ping" });
    next.close();
  } finally {
    for (const peer of peers) peer.destroy();
    await server.cleanup();
  }
});

Deno.test("bounds: bad input the 21st connection from one address is refused, others still connect", async () => {
  const server = await startServer({ limits: true });
  const peers: RawPeer[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const peer = await RawPeer.connect(server.port, "127.0.0.9");
      peers.push(peer);
      await waitFor("welcome", () => peer.frames[0]?.type === "welcome");
    }
    const extra = await RawPeer.connect(server.port, "127.0.0.9");
    peers.push(extra);
    await extra.closed;
    equal(extra.frames[0]?.code, "rate_limited");
    match(extra.frames[0]?.message as string, /Too many connections from your address/);
    const other = await FrameClient.connect(server.port); // From 127.0.0.1.
    await other.ok({ type: "ping" });
    other.close();
  } finally {
    for (const peer of peers) peer.destroy();
    await server.cleanup();
  }
});

Deno.test("bounds: bad input create_room past --max-rooms and join past --max-room-members are refused", async () => {
  const server = await startServer({
    limits: true,
    args: ["--max-rooms", "2", "--max-room-members", "2"],
  });
  const clients: FrameClient[] = [];
  try {
    for (const name of ["ann", "bob", "cat"]) {
      const client = await FrameClient.connect(server.port);
      clients.push(client);
      await client.registerAndLogin(name);
    }
    const [ann, bob, cat] = clients as [FrameClient, FrameClient, FrameClient];
    await ann.ok({ type: "create_room", room: "second" }); // With general: 2 rooms.
    const third = await ann.request({ type: "create_room", room: "third" });
    equal(third.code, "limit_reached");
    match(third.message as string, /limit of 2 rooms/);

    await ann.ok({ type: "join", room: "general" });
    await bob.ok({ type: "join", room: "general" });
    const full = await cat.request({ type: "join", room: "general" });
    equal(full.code, "limit_reached");
    match(full.message as string, /general is full/);
    await ann.ok({ type: "join", room: "general" }); // Joining again is not a new member.
    await bob.ok({ type: "leave", room: "general" });
    await cat.ok({ type: "join", room: "general" });
  } finally {
    for (const client of clients) client.close();
    await server.cleanup();
  }
});

Deno.test({
  ...requiring(
    "bounds: bad input says past --max-store-backlog while the database hangs get unavailable; every ok is stored",
    "mariadb",
  ),
  async fn() {
    const mariadb = await startThrowawayMariadb();
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    let paused = false;
    try {
      const database = await createTestDatabase({ adminUrl: mariadb.adminUrl });
      server = await startServer({ db: database.url, args: ["--max-store-backlog", "5"] });
      const client = await FrameClient.connect(server.port);
      try {
        await client.registerAndLogin("burst");
        await client.ok({ type: "join", room: "general" });
        mariadb.pause(); // The database hangs: commits wait, messages pile up.
        paused = true;
        const n = 30;
        await client.writeRaw(
          Array.from(
            { length: n },
            (_, i) =>
              JSON.stringify({ type: "say", id: `m${i}`, room: "general", text: `m${i}` }) + "\n",
          ).join(""),
        );
        // The first messages fill the backlog (how many is up to the batching, at most 5);
        // every one after them is refused at once, while the database still hangs.
        const last = await client.next((f) => f.type === "error" && f.id === `m${n - 1}`);
        equal(last.code, "unavailable");
        match(last.message as string, /busy storing messages/);
        const refused = client.received.filter((f) => f.type === "error").map((f) => f.id);
        const accepted = n - refused.length;
        ok(accepted >= 1 && accepted <= 5, `accepted ${accepted} before the backlog filled`);
        equal(
          refused.join(","),
          Array.from({ length: refused.length }, (_, i) => `m${accepted + i}`).join(","),
        );
        equal(
          client.received.filter((f) => f.type === "ok" && f.msgid).length,
          0,
          "nothing acked while hung",
        );
        mariadb.resume();
        paused = false;
        const acked = [];
        for (let i = 0; i < accepted; i++) {
          acked.push((await client.next((f) => f.type === "ok" && f.id === `m${i}`, 30_000)).msgid);
        }
        const history = await client.ok({ type: "history", room: "general", limit: 200 });
        const stored = (history.messages as { msgid: string }[]).map((m) => m.msgid);
        equal(stored.join(","), acked.join(","));
      } finally {
        client.close();
      }
    } finally {
      if (paused) mariadb.resume();
      await server?.cleanup();
      await mariadb.destroy();
    }
  },
});
