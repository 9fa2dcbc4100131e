/**
 * Moderation and the admin views span the cluster (PROTOCOL.md, "Cluster mode"): the admin
 * API of any instance lists the instances (`GET /api/instances`) and the sessions of all of
 * them (`/api/users` sessions carry `instance`); a kick, ban or mute made on one instance
 * acts on sessions of the others at once; a room deleted on one is gone for members on all.
 * One cluster (NATS single node, MariaDB, 3 instances) serves every step.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  assertError,
  closeAll,
  freshRoom,
  loggedIn,
  PASSWORD,
  waitFor,
} from "../server/support.ts";

type Client = FrameClient & { user: string };

interface InstanceRow {
  instance: string;
  chat: unknown;
  sessions: number;
  since: string;
  lastSeen: string;
}

async function instancesStep(cluster: TestCluster): Promise<void> {
  const [n1, n2] = cluster.instances.map((i) => i.port) as [number, number];
  const clients: Client[] = [];
  try {
    // Logged-in sessions: one on n1, two on n2, none on n3 (this step runs first).
    const one = await loggedIn(n1);
    clients.push(one, await loggedIn(n2), await anotherSession(n2, one.user));
    for (const instance of cluster.instances) {
      let last: unknown = null;
      const answer = await waitFor(
        `GET /api/instances on ${instance.name} to count 1, 2, 0 sessions`,
        async () => {
          const reply = await admin(instance.adminPort, "GET", "/api/instances");
          last = reply;
          const rows = (reply.body as { instances?: InstanceRow[] } | null)?.instances ?? [];
          const counts = ["n1", "n2", "n3"].map((n) =>
            rows.find((r) => r.instance === n)?.sessions
          );
          return reply.status === 200 && counts.join() === "1,2,0" && rows;
        },
      ).catch((error) => {
        throw new Error(`${(error as Error).message}; last answer: ${JSON.stringify(last)}`);
      });
      assert.deepEqual(answer.map((r) => r.instance).toSorted(), ["n1", "n2", "n3"]);
      for (const row of answer) {
        const port = cluster.instances.find((i) => i.name === row.instance)!.port;
        assert.match(String(row.chat), new RegExp(`:${port}$`), `chat of ${row.instance}`);
        assert.ok(!Number.isNaN(Date.parse(row.since)), `since of ${row.instance}: ${row.since}`);
        assert.ok(!Number.isNaN(Date.parse(row.lastSeen)), `lastSeen: ${row.lastSeen}`);
      }
    }
    // Any instance's /api/users shows the sessions of all, each with its instance.
    const reply = await admin(cluster.instances[2]!.adminPort, "GET", "/api/users");
    const users = (reply.body as { users: { user: string; sessions: { instance: string }[] }[] })
      .users;
    const sessions = users.find((u) => u.user === one.user)?.sessions ?? [];
    assert.deepEqual(sessions.map((s) => s.instance).toSorted(), ["n1", "n2"]);
  } finally {
    closeAll(...clients);
  }
}

async function kickStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const victim = await loggedIn(n2);
    const victimElsewhere = await anotherSession(n3, victim.user);
    clients.push(victim, victimElsewhere);
    const kick = await admin(cluster.instances[0]!.adminPort, "POST", "/api/kick", {
      user: victim.user,
      duration: "5m",
      reason: "kicked on n1",
    });
    assert.equal(kick.status, 200, JSON.stringify(kick.body));
    for (const session of [victim, victimElsewhere]) {
      const kicked = await session.next((f) => f.type === "kicked");
      assert.equal(kicked.reason, "kicked on n1");
      await waitFor("the kicked session is closed", () => session.isClosed);
    }
    const again = await loggedInAttempt(n1, victim.user);
    assertError(again, "kicked");
  } finally {
    closeAll(...clients);
  }
}

async function banStep(cluster: TestCluster): Promise<void> {
  const [n1, n2] = cluster.instances.map((i) => i.port) as [number, number];
  const clients: Client[] = [];
  try {
    const victim = await loggedIn(n1);
    clients.push(victim);
    const ban = await admin(cluster.instances[2]!.adminPort, "POST", "/api/ban", {
      user: victim.user,
      reason: "banned on n3",
    });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    const banned = await victim.next((f) => f.type === "banned");
    assert.equal(banned.reason, "banned on n3");
    await waitFor("the banned session is closed", () => victim.isClosed);
    assertError(await loggedInAttempt(n2, victim.user), "banned");
  } finally {
    closeAll(...clients);
  }
}

async function muteStep(cluster: TestCluster): Promise<void> {
  const [n1, n3] = [cluster.instances[0]!.port, cluster.instances[2]!.port];
  const clients: Client[] = [];
  try {
    const talker = await loggedIn(n1);
    const elsewhere = await anotherSession(n3, talker.user);
    clients.push(talker, elsewhere);
    const room = await freshRoom(talker, "mute");
    await elsewhere.ok({ type: "join", room });
    const mute = await admin(cluster.instances[1]!.adminPort, "POST", "/api/mute", {
      user: talker.user,
      duration: "5m",
    });
    assert.equal(mute.status, 200, JSON.stringify(mute.body));
    for (const session of [talker, elsewhere]) {
      const reply = await waitFor("say to answer muted", async () => {
        const r = await session.request({ type: "say", room, text: "muted?" });
        return r.type === "error" && r;
      });
      assertError(reply, "muted");
    }
  } finally {
    closeAll(...clients);
  }
}

async function roomDeletionStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const a = await loggedIn(n2);
    const b = await loggedIn(n3);
    clients.push(a, b);
    const room = await freshRoom(a, "gone");
    await b.ok({ type: "join", room });
    const deleted = await admin(
      cluster.instances[0]!.adminPort,
      "DELETE",
      `/api/rooms/${encodeURIComponent(room)}`,
    );
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    for (const member of [a, b]) {
      await member.next((f) => f.type === "room_deleted" && f.room === room);
    }
    const probe = await loggedIn(n1);
    clients.push(probe);
    assertError(await probe.request({ type: "join", room }), "no_such_room");
  } finally {
    closeAll(...clients);
  }
}

/**
 * `/metrics` of every instance: the cluster's size, the link to NATS, the log positions,
 * and exactly one instance writing the log into the database.
 */
async function metricsStep(cluster: TestCluster): Promise<void> {
  const gauge = (text: string, name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    assert.ok(line, `${name} is exported`);
    return Number(line.split(" ")[1]);
  };
  await waitFor("every instance to count 3 instances", async () => {
    for (const instance of cluster.instances) {
      const text = await metricsOf(instance.adminPort);
      if (gauge(text, "fastchat_cluster_instances") !== 3) return false;
    }
    return true;
  });
  let appliers = 0;
  for (const instance of cluster.instances) {
    const text = await metricsOf(instance.adminPort);
    assert.equal(gauge(text, "fastchat_cluster_nats_connected"), 1);
    assert.ok(gauge(text, "fastchat_cluster_log_read_entry") >= 1);
    assert.ok(gauge(text, "fastchat_cluster_log_applied_entry") >= 0);
    appliers += gauge(text, "fastchat_cluster_applier");
  }
  assert.equal(appliers, 1, "one instance writes the log");
}

async function metricsOf(adminPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(response.status, 200);
  return await response.text();
}

/** Tries to log `user` in on a new connection to `port`; returns the reply. */
async function loggedInAttempt(port: number, user: string) {
  const client = await FrameClient.connect(port);
  try {
    return await client.request({ type: "login", user, password: PASSWORD });
  } finally {
    client.close();
  }
}

Deno.test(
  clusterTest("cluster admin: instances, sessions and moderation across 3 instances"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        "GET /api/instances and /api/users on any instance show all",
        () => instancesStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a kick on n1 closes the user's sessions on n2 and n3",
        () => kickStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a ban on n3 closes the session on n1; login on n2 is refused",
        () => banStep(cluster),
      );
      await clusterStep(t, cluster, "a mute on n2 holds on n1 and n3", () => muteStep(cluster));
      await clusterStep(
        t,
        cluster,
        "/metrics shows the cluster, the log positions and one applier",
        () => metricsStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a room deleted on n1 is gone for members on n2 and n3",
        () => roomDeletionStep(cluster),
      );
    });
  },
);
