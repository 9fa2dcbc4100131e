/**
 * A siege with the default per-address limits on: 1,000 connections that never send
 * anything and 200 slowloris half-frames, from 60 loopback addresses (20 each, the
 * per-address maximum), while legitimate clients from 127.0.0.1 connect and chat. The
 * half-frames are closed by the frame timeout, the silent ones by the login timeout, each
 * with an `error` frame; one more connection from a besieging address is refused.
 */
import { equal, ok } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { RawPeer, waitFor } from "./support.ts";

const PER_ADDRESS = 20;

/** Opens `count` peers, PER_ADDRESS per address, from 127.0.<block>.x addresses. */
async function besiege(port: number, block: number, count: number): Promise<RawPeer[]> {
  const peers: RawPeer[] = [];
  for (let i = 0; i < count; i += PER_ADDRESS) {
    const address = `127.0.${block}.${2 + i / PER_ADDRESS}`;
    const batch = Array.from(
      { length: Math.min(PER_ADDRESS, count - i) },
      () => RawPeer.connect(port, address),
    );
    peers.push(...await Promise.all(batch));
  }
  return peers;
}

Deno.test("siege: bad input 1,000 silent connections and 200 slowloris half-frames; legitimate clients still chat", async () => {
  const server = await startServer({
    limits: true,
    args: ["--frame-timeout", "2", "--login-timeout", "8"],
  });
  const attackers: RawPeer[] = [];
  const legit: FrameClient[] = [];
  try {
    const silent = await besiege(server.port, 10, 1_000);
    attackers.push(...silent);
    const slow = await besiege(server.port, 20, 200);
    attackers.push(...slow);
    await waitFor("every attacker welcomed", () => attackers.every((p) => p.frames.length > 0));
    ok(attackers.every((p) => p.frames[0]!.type === "welcome"));
    await Promise.all(slow.map((p) => p.write('{"type":"login","user":"slow","pass')));

    // Per address: one more from a besieging address is refused.
    const extra = await RawPeer.connect(server.port, "127.0.10.2");
    attackers.push(extra);
    await extra.closed;
    equal(extra.frames[0]?.code, "rate_limited");

    // Legitimate clients connect, log in and chat while all of that is open.
    for (const name of ["alice", "bruno", "chen", "dana"]) {
      const client = await FrameClient.connect(server.port);
      legit.push(client);
      await client.registerAndLogin(name);
      await client.ok({ type: "join", room: "general" });
    }
    ok(attackers.filter((p) => !p.isClosed).length >= 1_000, "the siege is still on");
    const ids: unknown[] = [];
    for (const [i, client] of legit.entries()) {
      ids.push((await client.ok({ type: "say", room: "general", text: `hi ${i}` })).msgid);
    }
    for (const client of legit) {
      await waitFor("every message delivered to everyone", () => {
        const got = new Set(client.events("message").map((m) => m.msgid));
        return ids.every((id) => got.has(id));
      });
    }

    // Half-frames are closed first, then the silent ones, each told why.
    await Promise.all(slow.map((p) => p.closed));
    for (const peer of slow) {
      const last = peer.frames.at(-1)!;
      equal(last.code, "timeout", JSON.stringify(last));
      ok(/frame was started/.test(last.message as string));
    }
    await Promise.all(silent.map((p) => p.closed));
    for (const peer of silent) {
      const last = peer.frames.at(-1)!;
      equal(last.code, "timeout", JSON.stringify(last));
      ok(/No login/.test(last.message as string));
    }
    // The legitimate clients, logged in, are untouched and still served.
    for (const client of legit) {
      await client.ok({ type: "ping" });
      equal(client.isClosed, false);
    }
  } finally {
    for (const peer of attackers) peer.destroy();
    for (const client of legit) client.close();
    await server.cleanup();
  }
});
