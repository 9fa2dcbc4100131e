/**
 * Attack on presence: one user with a session on each of three instances joins and leaves
 * one room as fast as it can (600 `join`/`leave` requests pipelined per session, nothing
 * rate-limits them). Every join or leave that changes a count becomes presence traffic to
 * every instance (`ops` on core NATS) and `joined`/`left` frames to the room's members on
 * every instance. What must hold afterwards: `who` on every instance shows the truth, each
 * member saw the attacker's `joined`/`left` strictly alternate (never two `joined` in a
 * row), and no instance fell behind or was declared dead. The test passes today and prints
 * what the storm cost in NATS messages.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import type { FrameClient } from "../support/frame_client.ts";
import { anotherSession, closeAll, freshRoom, loggedIn } from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { framesOf, logLines } from "./attack_support.ts";

const PAIRS = 300;

/** NATS messages the (single) node received so far (its monitor's `/varz`). */
async function natsMessagesIn(cluster: TestCluster): Promise<number> {
  const node = cluster.nats.nodes[0]!;
  const response = await fetch(`http://127.0.0.1:${node.monitorPort}/varz`);
  return ((await response.json()) as { in_msgs: number }).in_msgs;
}

/** The attacker's `joined`/`left` events a member got, as a string of `j` and `l`. */
function arrivals(member: FrameClient, room: string, user: string): string {
  return member.received
    .filter((f) => (f.type === "joined" || f.type === "left") && f.room === room && f.user === user)
    .map((f) => f.type === "joined" ? "j" : "l")
    .join("");
}

async function stormStep(cluster: TestCluster): Promise<void> {
  const ports = cluster.instances.map((i) => i.port);
  const members: (FrameClient & { user: string })[] = [];
  const attacker: FrameClient[] = [];
  try {
    for (const port of ports) members.push(await loggedIn(port));
    const room = await freshRoom(members[0]!, "storm");
    for (const member of members.slice(1)) await member.ok({ type: "join", room });
    const first = await loggedIn(ports[0]!);
    attacker.push(first);
    for (const port of ports.slice(1)) attacker.push(await anotherSession(port, first.user));
    const memberNames = members.map((m) => m.user);
    await waitFor("every member in every instance's who", async () => {
      for (const member of members) {
        const who = await member.ok({ type: "who", room });
        if ((who.users as string[]).length !== 3) return false;
      }
      return true;
    });

    const before = await natsMessagesIn(cluster);
    // Each session: PAIRS join+leave pairs in one write; the first session ends joined.
    await Promise.all(attacker.map((session, s) => {
      let batch = "";
      for (let i = 0; i < PAIRS; i++) {
        batch += JSON.stringify({ type: "join", id: `j${i}`, room }) + "\n";
        batch += JSON.stringify({ type: "leave", id: `l${i}`, room }) + "\n";
      }
      if (s === 0) batch += JSON.stringify({ type: "join", id: "final", room }) + "\n";
      return session.writeRaw(batch);
    }));
    await Promise.all(
      attacker.map((session, s) =>
        session.next((f) => f.id === (s === 0 ? "final" : `l${PAIRS - 1}`), 60_000)
      ),
    );
    const expected = [...memberNames, first.user].toSorted();
    for (const member of members) {
      await waitFor(`the attacker present once in who on ${member.user}'s instance`, async () => {
        const who = await member.ok({ type: "who", room });
        return JSON.stringify((who.users as string[]).toSorted()) === JSON.stringify(expected);
      });
    }
    const cost = (await natsMessagesIn(cluster)) - before;
    const frames = members.map((m) => arrivals(m, room, first.user));
    for (const [i, seen] of frames.entries()) {
      assert.match(seen, /^(jl)*j$/, `member on n${i + 1}: joined/left alternate, end joined`);
    }
    console.log(
      `presence storm: ${3 * (2 * PAIRS)} join/leave requests cost ${cost} NATS messages in; ` +
        `members got ${frames.map((f) => f.length).join("/")} joined/left frames (n1/n2/n3)`,
    );

    // The attacker's sessions go: `left` everywhere, `who` back to the members.
    closeAll(...attacker);
    for (const member of members) {
      await waitFor(`the attacker gone on ${member.user}'s instance`, async () => {
        const who = await member.ok({ type: "who", room });
        return (who.users as string[]).length === 3;
      });
      await waitFor("a final left", () => arrivals(member, room, first.user).endsWith("l"));
    }
    assert.deepEqual(logLines(cluster, "cluster_instance_gone"), [], "no instance dropped");
    assert.equal(framesOf(members[0]!, "error").length, 0);
  } finally {
    closeAll(...members, ...attacker);
  }
}

Deno.test(
  clusterTest(`cluster presence: ${PAIRS} join/leave pairs per session on 3 instances at once`),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        "who and joined/left stay true under a join/leave storm",
        () => stormStep(cluster),
      );
    });
  },
);
