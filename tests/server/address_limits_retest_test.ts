/**
 * Per-address limits by network, not by exact host (issue 11 re-test), in the in-process
 * harness (it lets a test pick the client address; the rules do not depend on the store):
 * `--conn-limit` and `--conn-rate` count an IPv6 /64 as one address and an IPv4-mapped
 * address as its IPv4; room creation counts an IPv6 /48 as one address; rooms that never
 * had a message are deleted after `--empty-room-expiry`, rooms with history and occupied
 * rooms are kept.
 */
import assert from "node:assert/strict";
import { connectTo } from "../support/endpoints.ts";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { startInProcessServer } from "../support/in_process.ts";
import { closeAll, expectError, PASSWORD, uniqueName, waitFor } from "./support.ts";

/** The first frame a connection from `from` gets: `welcome`, or the refusal. */
async function firstFrame(
  port: number,
  from: string,
): Promise<{ frame: Frame; client: FrameClient }> {
  const client = FrameClient.over(await connectTo(port, "127.0.0.1", from));
  const frame = await client.next(() => true);
  return { frame, client };
}

Deno.test("address retest: bad input many hosts of one IPv6 /64 share --conn-limit", async () => {
  const server = await startInProcessServer({ limits: true, args: ["--conn-limit", "3"] });
  const clients: FrameClient[] = [];
  try {
    for (const host of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"]) {
      const { frame, client } = await firstFrame(server.port, host);
      clients.push(client);
      assert.equal(frame.type, "welcome", host);
    }
    const refused = await firstFrame(server.port, "2001:db8:1:2::99");
    clients.push(refused.client);
    assert.equal(refused.frame.code, "rate_limited", JSON.stringify(refused.frame));
    const elsewhere = await firstFrame(server.port, "2001:db8:1:3::1");
    clients.push(elsewhere.client);
    assert.equal(elsewhere.frame.type, "welcome", "another /64");
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

Deno.test("address retest: bad input IPv4-mapped and IPv6 /64 hosts share --conn-rate", async () => {
  const server = await startInProcessServer({ limits: true, args: ["--conn-rate", "2"] });
  const clients: FrameClient[] = [];
  try {
    for (const host of ["192.0.2.7", "::ffff:192.0.2.7"]) {
      const { frame, client } = await firstFrame(server.port, host);
      clients.push(client);
      assert.equal(frame.type, "welcome", host);
    }
    const refused = await firstFrame(server.port, "::ffff:c000:207");
    clients.push(refused.client);
    assert.equal(refused.frame.code, "rate_limited", JSON.stringify(refused.frame));
    for (const host of ["2001:db8:5:5::1", "2001:db8:5:5::2"]) {
      const { frame, client } = await firstFrame(server.port, host);
      clients.push(client);
      assert.equal(frame.type, "welcome", host);
    }
    const v6 = await firstFrame(server.port, "2001:db8:5:5::3");
    clients.push(v6.client);
    assert.equal(v6.frame.code, "rate_limited", JSON.stringify(v6.frame));
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

/** Registers and logs in a fresh user connecting from `from`. */
async function userFrom(port: number, from: string): Promise<FrameClient> {
  const client = await FrameClient.connect(port, "127.0.0.1", from);
  const user = uniqueName("u");
  await client.ok({ type: "register", user, password: PASSWORD });
  await client.ok({ type: "login", user, password: PASSWORD });
  return client;
}

Deno.test("address retest: bad input room flood from many /64s of one /48 is rate-limited", async () => {
  const server = await startInProcessServer({
    limits: true,
    args: ["--auth-rate", "off", "--room-rate", "off:2"],
  });
  const clients: FrameClient[] = [];
  try {
    const first = await userFrom(server.port, "2001:db8:7:1::1");
    clients.push(first);
    await first.ok({ type: "create_room", room: uniqueName("r") });
    await first.ok({ type: "create_room", room: uniqueName("r") });
    // Another /64 of the same /48: the same address for room creation.
    const neighbour = await userFrom(server.port, "2001:db8:7:2::1");
    clients.push(neighbour);
    const refused = await expectError(
      neighbour,
      { type: "create_room", room: uniqueName("r") },
      "rate_limited",
    );
    assert.equal(typeof refused.retry_after, "number");
    const elsewhere = await userFrom(server.port, "2001:db8:8:1::1");
    clients.push(elsewhere);
    await elsewhere.ok({ type: "create_room", room: uniqueName("r") });
  } finally {
    closeAll(...clients);
    await server.cleanup();
  }
});

Deno.test("address retest: bad input rooms that never had a message expire; used and occupied rooms stay", async () => {
  const server = await startInProcessServer({ args: ["--empty-room-expiry", "1s"] });
  const owner = await userFrom(server.port, "127.0.0.1");
  const sitter = await userFrom(server.port, "127.0.0.1");
  try {
    const [used, occupied, empty] = [uniqueName("used"), uniqueName("occ"), uniqueName("empty")];
    await owner.ok({ type: "create_room", room: used });
    await owner.ok({ type: "join", room: used });
    await owner.ok({ type: "say", room: used, text: "history" });
    await owner.ok({ type: "leave", room: used });
    await owner.ok({ type: "create_room", room: occupied });
    await sitter.ok({ type: "join", room: occupied });
    await owner.ok({ type: "create_room", room: empty });
    await waitFor("the empty room's expiry", async () => {
      const reply = await owner.request({ type: "who", room: empty });
      return reply.code === "no_such_room";
    });
    // The rooms created before it were examined in the same pass, or an earlier one.
    await owner.ok({ type: "join", room: used });
    await owner.ok({ type: "join", room: occupied });
    await owner.ok({ type: "join", room: "general" });
    assert.match(server.log(), /room_expired.*never had a message/);
  } finally {
    closeAll(owner, sitter);
    await server.cleanup();
  }
});
