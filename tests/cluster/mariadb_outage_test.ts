/**
 * MariaDB stopped for 10 seconds under a steady load on a cluster (PROTOCOL.md, "Cluster
 * mode"): every answer is an `ok` that holds or an `unavailable` (resent by `cid` later), no
 * instance dies, and once the database is back every acknowledged message is in history
 * exactly once, in the same order on every instance. A private MariaDB (its own data
 * directory and port) is stopped, never the shared one.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { ResumingClient } from "../support/resuming_client.ts";
import { closeAll, freshRoom, fullHistory, loggedIn, uniqueName } from "../server/support.ts";

/** How long the database stays down (the scenario, not a wait for a condition). */
const OUTAGE_MS = 10_000;
/** How often each sender says something during the outage. */
const PACE_MS = 500;

Deno.test(
  clusterTest(
    "cluster MariaDB outage: 10 s without the database loses no acked message",
    "mariadb",
  ),
  async () => {
    const mariadb = await startThrowawayMariadb();
    try {
      await withCluster(
        { instances: 3, nats: "single", mysqlAdminUrl: mariadb.adminUrl },
        async (cluster) => {
          const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
          const reader = await loggedIn(n3);
          const senders: ResumingClient[] = [];
          try {
            const room = await freshRoom(reader, "dbdown");
            senders.push(await ResumingClient.start(n1, uniqueName("s1"), room));
            senders.push(await ResumingClient.start(n2, uniqueName("s2"), room));
            await Promise.all(senders.map((s) => s.say(10)));
            await Promise.all(senders.map((s) => s.settle()));

            await mariadb.stop();
            const restartAt = Date.now() + OUTAGE_MS;
            while (Date.now() < restartAt) {
              await Promise.all(senders.map((s) => s.say(2)));
              await new Promise((resolve) => setTimeout(resolve, PACE_MS));
            }
            assert.ok(cluster.instances.every((i) => i.running), "no instance died");
            await mariadb.start();
            await Promise.all(senders.map((s) => s.settle(90_000)));
            await Promise.all(senders.map((s) => s.say(5)));
            await Promise.all(senders.map((s) => s.settle()));

            const histories = [];
            for (const port of [n1, n2, n3]) {
              const client = await loggedIn(port);
              try {
                histories.push(await fullHistory(client, { room }));
              } finally {
                client.close();
              }
            }
            const ids = histories[0]!.map((m) => m.msgid as string);
            assert.equal(new Set(ids).size, ids.length, "no msgid twice");
            for (const history of histories.slice(1)) {
              assert.deepEqual(history.map((m) => m.msgid), ids, "one order on every instance");
            }
            const stored = new Map(histories[0]!.map((m) => [m.text as string, m.msgid as string]));
            assert.equal(stored.size, ids.length, "no message stored twice");
            let acked = 0;
            for (const sender of senders) {
              assert.equal(sender.acked.size, sender.sent.size, `${sender.user}: all acked`);
              for (const [cid, msgid] of sender.acked) {
                assert.equal(stored.get(cid), msgid, `acked ${cid} (${msgid}) is in history`);
              }
              acked += sender.acked.size;
              assert.deepEqual(sender.duplicates, []);
            }
            assert.equal(ids.length, acked, "history holds exactly the acked messages");
            await reader.ok({ type: "say", room, text: "history works again" });
          } finally {
            closeAll(reader);
            for (const sender of senders) sender.close();
          }
        },
      );
    } finally {
      await mariadb.destroy();
    }
  },
);
