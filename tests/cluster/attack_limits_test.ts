/**
 * Attack on the limits by spreading one user's sessions over the instances of a cluster
 * (one account, one address, three instances). Every limit below is kept in each
 * instance's memory, so a user gains a factor of the number of instances on each; the test
 * measures the factor:
 * - `--conn-limit N` (connections per address): N per instance, 3N in all;
 * - `--auth-rate N` (registrations per address per 10 min): 3N;
 * - `--room-rate A:…` (rooms per account per hour): 3A;
 * - slow mode (PROTOCOL.md: "a user's `say` within N seconds of their previous accepted
 *   `say` in that room gets `rate_limited`"; and "Every rule of this contract holds for the
 *   cluster as a whole"): one `say` per window per instance. This one is a per-user rule of
 *   the contract, so its step fails;
 * - a mute imposed through one instance's admin API: the user's next `say` on another
 *   instance, sent once the API answered, must be refused.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import { FrameClient } from "../support/frame_client.ts";
import { connectTo } from "../support/endpoints.ts";
import {
  admin,
  anotherSession,
  closeAll,
  loggedIn,
  PASSWORD,
  uniqueName,
} from "../server/support.ts";
import { waitFor } from "../support/wait.ts";

const CONN_LIMIT = 4;
const AUTH_RATE = 3;
const ROOMS_PER_ACCOUNT = 1;

/** Opens a chat connection; the client when welcomed, null when refused before `welcome`. */
async function tryConnect(port: number): Promise<FrameClient | null> {
  const client = FrameClient.over(await connectTo(port, "127.0.0.1"));
  const first = await client.next(() => true);
  if (first.type === "welcome") return client;
  client.close();
  return null;
}

async function connLimitStep(cluster: TestCluster): Promise<void> {
  const open: FrameClient[] = [];
  try {
    const perInstance: number[] = [];
    for (const instance of cluster.instances) {
      let accepted = 0;
      for (let i = 0; i < CONN_LIMIT + 2; i++) {
        const client = await tryConnect(instance.port);
        if (client === null) break;
        open.push(client);
        accepted++;
      }
      perInstance.push(accepted);
    }
    assert.deepEqual(perInstance, [CONN_LIMIT, CONN_LIMIT, CONN_LIMIT]);
    const total = perInstance.reduce((a, b) => a + b, 0);
    assert.equal(
      total,
      3 * CONN_LIMIT,
      `--conn-limit ${CONN_LIMIT} lets one address hold ${total}`,
    );
  } finally {
    closeAll(...open);
  }
  // The slots come back once the instances saw the closes.
  for (const instance of cluster.instances) {
    await waitFor(`a free slot on ${instance.name}`, async () => {
      const probe = Array.from({ length: CONN_LIMIT }, () => tryConnect(instance.port));
      const clients = await Promise.all(probe);
      closeAll(...clients.filter((c) => c !== null));
      if (clients.every((c) => c !== null)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return false;
    });
  }
}

/** `before`: accounts this address registered on the first instance before the step. */
async function registrationStep(cluster: TestCluster, before: number): Promise<void> {
  let registered = before;
  for (const instance of cluster.instances) {
    const client = await FrameClient.connect(instance.port);
    try {
      for (let i = 0; i < AUTH_RATE + 1; i++) {
        const reply = await client.request({
          type: "register",
          user: uniqueName("reg"),
          password: PASSWORD,
        });
        if (reply.type === "ok") registered++;
        else assert.equal(reply.code, "rate_limited", JSON.stringify(reply));
      }
    } finally {
      client.close();
    }
  }
  assert.equal(
    registered,
    3 * AUTH_RATE,
    `--auth-rate ${AUTH_RATE} lets one address register ${registered} accounts in 10 minutes`,
  );
}

async function roomRateStep(cluster: TestCluster, user: string): Promise<void> {
  let created = 0;
  for (const instance of cluster.instances) {
    const client = await anotherSession(instance.port, user);
    try {
      for (let i = 0; i < ROOMS_PER_ACCOUNT + 1; i++) {
        const reply = await client.request({ type: "create_room", room: uniqueName("rr") });
        if (reply.type === "ok") created++;
        else assert.equal(reply.code, "rate_limited", JSON.stringify(reply));
      }
    } finally {
      client.close();
    }
  }
  assert.equal(
    created,
    3 * ROOMS_PER_ACCOUNT,
    `--room-rate ${ROOMS_PER_ACCOUNT} per account lets one account create ${created} rooms an hour`,
  );
}

async function slowModeStep(cluster: TestCluster, user: string): Promise<void> {
  const sessions = [];
  try {
    for (const instance of cluster.instances) {
      sessions.push(await anotherSession(instance.port, user));
    }
    const room = uniqueName("slow");
    const created = await admin(cluster.instances[0]!.adminPort, "POST", "/api/rooms", {
      name: room,
    });
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created));
    const set = await admin(
      cluster.instances[0]!.adminPort,
      "PUT",
      `/api/rooms/${encodeURIComponent(room)}/slowmode`,
      { seconds: 60 },
    );
    assert.equal(set.status, 200, JSON.stringify(set));
    for (const session of sessions) {
      await waitFor("the room on every instance", async () => {
        const reply = await session.request({ type: "join", room });
        return reply.type === "ok" && reply.slowmode === 60;
      });
    }
    const answers = [];
    for (const [i, session] of sessions.entries()) {
      const reply = await session.request({ type: "say", room, text: `via n${i + 1}` });
      answers.push(reply.type === "ok" ? "ok" : String(reply.code));
    }
    assert.deepEqual(
      answers,
      ["ok", "rate_limited", "rate_limited"],
      `slow mode 60 s: one user said ${answers.filter((a) => a === "ok").length} times in one ` +
        "window by using one session per instance",
    );
  } finally {
    closeAll(...sessions);
  }
}

async function muteStep(cluster: TestCluster, user: string): Promise<void> {
  const target = await anotherSession(cluster.instances[1]!.port, user);
  try {
    const room = uniqueName("mute");
    await target.ok({ type: "create_room", room });
    await target.ok({ type: "join", room });
    let leaked = 0;
    const tries = 10;
    for (let i = 0; i < tries; i++) {
      const muted = await admin(cluster.instances[0]!.adminPort, "POST", "/api/mute", {
        user: target.user,
        duration: "1h",
      });
      assert.equal(muted.status, 200, JSON.stringify(muted));
      const reply = await target.request({ type: "say", room, text: `after mute ${i}` });
      if (reply.type === "ok") leaked++;
      else assert.equal(reply.code, "muted", JSON.stringify(reply));
      const lifted = await admin(
        cluster.instances[0]!.adminPort,
        "DELETE",
        `/api/mutes/${encodeURIComponent(target.user)}`,
      );
      assert.equal(lifted.status, 204);
      await waitFor("the mute lifted on n2", async () => {
        // Slowly: the session's --msg-rate bucket must be full for the next try.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const r = await target.request({ type: "say", room, text: "free" });
        return r.type === "ok";
      });
    }
    assert.equal(leaked, 0, `${leaked} of ${tries} says on n2 sent after the mute's 200 got ok`);
  } finally {
    target.close();
  }
}

Deno.test(
  clusterTest("cluster limits spread over 3 instances by one user from one address"),
  async (t) => {
    await withCluster({
      instances: 3,
      nats: "single",
      args: [
        "--conn-limit",
        String(CONN_LIMIT),
        "--conn-rate",
        "off",
        "--auth-rate",
        String(AUTH_RATE),
        "--msg-rate",
        "5:10",
        "--room-rate",
        `${ROOMS_PER_ACCOUNT}:off`,
        "--flood",
        "off",
      ],
    }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        `--conn-limit ${CONN_LIMIT} per address: ${3 * CONN_LIMIT} connections over 3 instances`,
        () => connLimitStep(cluster),
      );
      // The accounts of the later steps, registered on n1 first (they count in its quota).
      const spreader = await loggedIn(cluster.instances[0]!.port);
      const target = await loggedIn(cluster.instances[0]!.port);
      closeAll(spreader, target);
      const user = spreader.user;
      await clusterStep(
        t,
        cluster,
        `--auth-rate ${AUTH_RATE}: ${
          3 * AUTH_RATE
        } registrations from one address over 3 instances`,
        () => registrationStep(cluster, 2),
      );
      await clusterStep(
        t,
        cluster,
        `--room-rate ${ROOMS_PER_ACCOUNT} per account: ${
          3 * ROOMS_PER_ACCOUNT
        } rooms an hour over 3 instances`,
        () => roomRateStep(cluster, user),
      );
      await clusterStep(
        t,
        cluster,
        "slow mode 60 s: a second say within the window via another instance is rate_limited",
        () => slowModeStep(cluster, user),
      );
      await clusterStep(
        t,
        cluster,
        "mute via n1's API: the next say on n2 is muted",
        () => muteStep(cluster, target.user),
      );
    });
  },
);
