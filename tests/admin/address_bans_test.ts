/**
 * Address bans (issue 15) against a real server subprocess over real TCP: a connection
 * from a banned address gets `error` code `banned` and is closed before `welcome`; open
 * sessions from it get `banned` and are closed; a timed ban ends on time; a ban survives a
 * restart; every action is audited; bad addresses and durations get 400. The test clients
 * connect from 127.0.0.1, so the bans here cover it (the admin API is another listener).
 * Runs on the store of the run (`FASTCHAT_TEST_STORE=mysql` for MariaDB).
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import type { Frame } from "../support/frame_client.ts";
import { waitFor } from "../support/wait.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { contains, parseAddress, parseNetwork } from "../../lib/server/moderation/ip_network.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

/** Connects without waiting for `welcome`; returns every frame until the server closes. */
async function framesUntilClosed(port: number): Promise<Frame[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const text = await new Response(conn.readable).text();
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}

/** Asserts that a new connection is refused with `banned` and nothing before it. */
async function assertRefused(port: number): Promise<void> {
  const frames = await framesUntilClosed(port);
  assert.equal(frames.length, 1, `one frame, then closed: ${JSON.stringify(frames)}`);
  assert.equal(frames[0]!.type, "error");
  assert.equal(frames[0]!.code, "banned");
  assert.equal(typeof frames[0]!.message, "string");
}

type BanList = { bans: { id: number; address: string; until?: string; by: string }[] };

Deno.test("address ban: open sessions get banned and close; new connections are refused before welcome; lifting it lets them in", async () => {
  const server = await startServer({ env: ENV });
  const alice = await FrameClient.connect(server.port);
  const anonymous = await FrameClient.connect(server.port);
  try {
    await alice.registerAndLogin("alice");
    await alice.ok({ type: "join", room: "general" });
    const added = await admin(server.adminPort, "POST", "/api/address-bans", {
      address: "127.0.0.0/8",
      reason: "loopback trouble",
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const { id, until } = added.body as { id: number; until?: string };
    assert.ok(id !== undefined && until === undefined, "permanent: no until");

    const banned = await alice.next((f) => f.type === "banned");
    assert.equal(banned.reason, "loopback trouble");
    await waitFor("alice's connection closed", () => alice.isClosed);
    await anonymous.next((f) => f.type === "banned");
    await waitFor("the anonymous connection closed", () => anonymous.isClosed);
    await assertRefused(server.port);

    const list = (await admin(server.adminPort, "GET", "/api/address-bans")).body as BanList;
    assert.deepEqual(list.bans.map((b) => [b.id, b.address, b.until]), [[
      id,
      "127.0.0.0/8",
      undefined,
    ]]);
    assert.ok(list.bans[0]!.by.length > 0);

    const lifted = await admin(server.adminPort, "DELETE", `/api/address-bans/${id}`);
    assert.equal(lifted.status, 204);
    const again = await FrameClient.connect(server.port);
    again.close();
    assert.equal((await admin(server.adminPort, "DELETE", `/api/address-bans/${id}`)).status, 404);

    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const actions = (audit.body as { entries: { action: string; target: string }[] }).entries
      .map((e) => `${e.action} ${e.target}`);
    assert.ok(actions.includes("address_ban 127.0.0.0/8"), actions.join("; "));
    assert.ok(actions.includes("address_unban 127.0.0.0/8"), actions.join("; "));
  } finally {
    alice.close();
    anonymous.close();
    await server.cleanup();
  }
});

Deno.test("address ban: a timed ban ends on time; a permanent one survives a restart", async () => {
  let server = await startServer({ env: ENV });
  try {
    const timed = await admin(server.adminPort, "POST", "/api/address-bans", {
      address: "127.0.0.1",
      duration: "2s",
    });
    assert.equal(timed.status, 200, JSON.stringify(timed.body));
    assert.match((timed.body as { until: string }).until, /^\d{4}-\d\d-\d\dT.*Z$/);
    await assertRefused(server.port);
    // Polled with a deadline: the ban ends on its own, without a restart.
    await waitFor("a connection admitted once the timed ban ended", async () => {
      const frames = await framesUntilFirst(server.port);
      return frames.type === "welcome";
    });
    const list = (await admin(server.adminPort, "GET", "/api/address-bans")).body as BanList;
    assert.deepEqual(list.bans, [], "an ended ban is no longer listed");

    const permanent = await admin(server.adminPort, "POST", "/api/address-bans", {
      address: "::ffff:127.0.0.1",
      reason: "mapped",
    });
    assert.equal(permanent.status, 200);
    await assertRefused(server.port);
    await server.stop();
    server = await startServer({ env: ENV, db: server.db });
    await assertRefused(server.port);
    const after = (await admin(server.adminPort, "GET", "/api/address-bans")).body as BanList;
    assert.deepEqual(after.bans.map((b) => b.address), ["127.0.0.1/32"]);
  } finally {
    await server.cleanup();
  }
});

/** The first frame a new connection gets (then closes it). */
async function framesUntilFirst(port: number): Promise<Frame> {
  const client = FrameClient.over(await Deno.connect({ hostname: "127.0.0.1", port }));
  try {
    return await client.next(() => true);
  } finally {
    client.close();
  }
}

Deno.test("address ban: bad addresses and durations get 400 and store nothing", async () => {
  const server = await startServer({ env: ENV });
  try {
    const bad: [string, unknown][] = [
      ["an IPv4 part over 255 with a prefix", { address: "300.1.1.1/8" }],
      ["an IPv6 prefix over 128", { address: "::1/129" }],
      ["an IPv4 prefix over 32", { address: "10.0.0.0/33" }],
      ["garbage", { address: "garbage" }],
      ["an empty address", { address: "" }],
      ["a host name", { address: "localhost" }],
      ["two ::", { address: "1::2::3" }],
      ["a missing address", {}],
      ["a number", { address: 127 }],
      ["a zero duration", { address: "192.0.2.1", duration: "0s" }],
      ["a duration without unit", { address: "192.0.2.1", duration: "10" }],
      ["a negative duration", { address: "192.0.2.1", duration: "-5m" }],
      ["a reason too long", { address: "192.0.2.1", reason: "x".repeat(501) }],
    ];
    for (const [what, body] of bad) {
      const reply = await admin(server.adminPort, "POST", "/api/address-bans", body);
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`);
      assert.equal(typeof (reply.body as { error: { message: string } }).error.message, "string");
    }
    for (const id of ["abc", "0", "-1", "1.5", "99999"]) {
      const reply = await admin(server.adminPort, "DELETE", `/api/address-bans/${id}`);
      assert.equal(reply.status, 404, `id ${id}`);
    }
    const list = (await admin(server.adminPort, "GET", "/api/address-bans")).body as BanList;
    assert.deepEqual(list.bans, []);
    const client = await FrameClient.connect(server.port);
    client.close();
  } finally {
    await server.cleanup();
  }
});

Deno.test("address networks: CIDR matching, IPv6, and IPv4-mapped IPv6 addresses match IPv4 bans", () => {
  const net = (text: string) => {
    const parsed = parseNetwork(text);
    assert.ok(!("error" in parsed), text);
    return parsed;
  };
  const at = (text: string) => parseAddress(text)!;
  assert.ok(contains(net("203.0.113.0/24"), at("203.0.113.77")));
  assert.ok(!contains(net("203.0.113.0/24"), at("203.0.114.1")));
  assert.ok(contains(net("203.0.113.0/24"), at("::ffff:203.0.113.9")), "mapped matches IPv4");
  assert.ok(contains(net("2001:db8::/32"), at("2001:db8:1::5")));
  assert.ok(!contains(net("2001:db8::/32"), at("2001:db9::5")));
  assert.ok(!contains(net("0.0.0.0/0"), at("::1")), "families do not mix");
  assert.ok(contains(net("::1"), at("[::1]")));
});
