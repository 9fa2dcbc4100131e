/**
 * The deployment of `docs/cluster.md`: a 3-node NATS cluster with JetStream, MariaDB, three
 * instances and HAProxy (TCP mode, the configuration of `tests/support/haproxy.ts`) as the
 * one address, passing each client's address on in a PROXY protocol v2 header (the
 * instances run with `--proxy-protocol 127.0.0.1`). Clients chat through HAProxy; one
 * instance is killed (`kill -9`) with messages in flight; its clients reconnect through the
 * same address, log in with their token, catch up with `join after=`, resend by `cid`, and
 * nothing is lost or shown twice.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import { startHaproxy, type TestHaproxy } from "../support/haproxy.ts";
import { ResumingClient } from "../support/resuming_client.ts";
import { admin, fullHistory, loggedIn, uniqueName } from "../server/support.ts";

/** How long a client of the killed instance may take to chat again (generous: CI load). */
const FAILOVER_LIMIT_MS = 15_000;

Deno.test(
  clusterTest(
    "cluster behind HAProxy: kill -9 of an instance, clients reconnect, nothing lost",
    "haproxy",
  ),
  async () => {
    await withCluster({ instances: 3, nats: "cluster3", haproxy: true }, async (cluster) => {
      let haproxy: TestHaproxy | null = null;
      const clients: ResumingClient[] = [];
      try {
        haproxy = await startHaproxy(
          cluster.instances.map((i) => ({ name: i.name, port: i.port })),
        );
        const room = uniqueName("ha");
        const creator = await loggedIn(haproxy.port);
        await creator.ok({ type: "create_room", room });
        creator.close();
        for (let i = 0; i < 6; i++) {
          clients.push(await ResumingClient.start(haproxy.port, uniqueName(`h${i}`), room));
        }
        // Which instance each client reached, from the cluster-wide admin view.
        const users = await admin(cluster.instances[0]!.adminPort, "GET", "/api/users");
        const where = new Map(
          (users.body as { users: { user: string; sessions: { instance: string }[] }[] }).users
            .map((u) => [u.user, u.sessions.map((s) => s.instance)]),
        );
        const onVictim = clients.filter((c) => where.get(c.user)?.includes("n2"));
        assert.equal(
          onVictim.length,
          2,
          `leastconn spreads 6 clients: ${JSON.stringify([...where])}`,
        );

        await Promise.all(clients.map((c) => c.say(10)));
        await Promise.all(clients.map((c) => c.settle()));
        await Promise.all(clients.map((c) => c.say(20)));
        await cluster.kill(1);
        const killedAt = Date.now();
        const failover = await Promise.all(onVictim.map(async (client) => {
          await client.settle();
          return Date.now() - killedAt;
        }));
        console.log(`failover through HAProxy: ${failover.join(", ")} ms`);
        for (const ms of failover) {
          assert.ok(ms <= FAILOVER_LIMIT_MS, `chatting again after ${ms} ms`);
        }
        await Promise.all(clients.map((c) => c.settle()));
        await Promise.all(clients.map((c) => c.say(10)));
        await Promise.all(clients.map((c) => c.settle()));

        const reader = await loggedIn(haproxy.port);
        const history = await fullHistory(reader, { room });
        reader.close();
        const ids = history.map((m) => m.msgid as string);
        assert.equal(new Set(ids).size, ids.length, "no msgid twice");
        const stored = new Map(history.map((m) => [m.text as string, m.msgid as string]));
        assert.equal(stored.size, ids.length, "no message stored twice");
        assert.equal(ids.length, 6 * 40, "every message sent is stored");
        for (const client of clients) {
          for (const [cid, msgid] of client.acked) {
            assert.equal(stored.get(cid), msgid, `acked ${cid} (${msgid}) is in history`);
          }
          await client.waitSeen(ids);
          assert.deepEqual(client.duplicates, [], `${client.user} saw no message twice`);
        }
        for (const client of onVictim) {
          assert.ok(client.reconnects >= 1, `${client.user} moved`);
          assert.deepEqual(client.tokenRefusals, [], `${client.user} resumed with its token`);
        }
        await haproxy.waitState(["n2"], false);
      } finally {
        for (const client of clients) client.close();
        await haproxy?.cleanup();
      }
    });
  },
);
