/**
 * `POST /api/shutdown` in a cluster: without a scope it stops the instance it reached (its
 * clients get `shutdown`, the others chat on); with `{"scope":"cluster"}` every instance
 * warns its clients and exits 0.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import { admin, closeAll, loggedIn } from "../server/support.ts";

Deno.test(
  clusterTest("cluster shutdown: one instance by default, every instance with scope cluster"),
  async () => {
    await withCluster({ instances: 3 }, async (cluster) => {
      const clients = await Promise.all(cluster.instances.map((i) => loggedIn(i.port)));
      try {
        // Default scope: only n3 stops.
        const one = await admin(cluster.instances[2]!.adminPort, "POST", "/api/shutdown", {
          delay: 0,
          message: "n3 only",
        });
        assert.equal(one.status, 202);
        const warned = await clients[2]!.next((f) => f.type === "shutdown");
        assert.equal(warned.message, "n3 only");
        assert.equal((await cluster.instances[2]!.process.exited).code, 0);
        for (const client of clients.slice(0, 2)) {
          await client.ok({ type: "join", room: "general" });
          assert.equal(client.events("shutdown").length, 0, "n1 and n2 go on");
        }

        // Scope cluster, sent to n1: n1 and n2 both stop.
        const all = await admin(cluster.instances[0]!.adminPort, "POST", "/api/shutdown", {
          delay: 0,
          message: "everyone",
          scope: "cluster",
        });
        assert.equal(all.status, 202);
        assert.equal((all.body as { scope: string }).scope, "cluster");
        for (const [i, client] of clients.slice(0, 2).entries()) {
          const frame = await client.next((f) => f.type === "shutdown", 15_000);
          assert.equal(frame.message, "everyone", `n${i + 1}'s client is told`);
          assert.equal((await cluster.instances[i]!.process.exited).code, 0, `n${i + 1} exits 0`);
        }
      } finally {
        closeAll(...clients);
      }
    });
  },
);
