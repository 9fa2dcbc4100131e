/**
 * A ban imposed through n1's admin API while NATS is down (a restart of NATS, a network
 * blip): it is stored and n1 enforces it, but its announcement fails
 * (`cluster_announce_failed`) and is never sent again, so n2 and n3 go on without it until
 * they restart — days, in production. The banned user keeps talking on n2 and can log in
 * again on n3 with a password or a token. The contract: "a kick, mute, ban, address ban,
 * room deletion or staff change made on any instance acts on all instances at once".
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, withCluster } from "../support/cluster.ts";
import { FrameClient } from "../support/frame_client.ts";
import { admin, closeAll, freshRoom, loggedIn, PASSWORD } from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { gauge, metricsOf } from "./attack_support.ts";

Deno.test(
  clusterTest("cluster: a ban made while NATS is down reaches the other instances once it is back"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      const [, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
      const offender = await loggedIn(n2);
      const clients: FrameClient[] = [offender];
      try {
        const room = await freshRoom(offender, "ban");
        await cluster.nats.stopAll();
        await waitFor(
          "n1 to see NATS down",
          async () =>
            gauge(
              await metricsOf(cluster.instances[0]!.adminPort),
              "fastchat_cluster_nats_connected",
            ) ===
              0,
        );
        const ban = await admin(cluster.instances[0]!.adminPort, "POST", "/api/ban", {
          user: offender.user,
          reason: "spam",
        });
        assert.equal(ban.status, 200, JSON.stringify(ban));
        await cluster.nats.startAll();
        await waitFor("every instance back on NATS", async () => {
          for (const instance of cluster.instances) {
            const text = await metricsOf(instance.adminPort);
            if (gauge(text, "fastchat_cluster_nats_connected") !== 1) return false;
          }
          return true;
        }, 30_000);

        await clusterStep(t, cluster, "the banned user's session on n2 is closed", async () => {
          try {
            await waitFor("n2 to close the banned session", () => offender.isClosed, 15_000);
          } catch {
            const said = await offender.request({ type: "say", room, text: "still here" });
            assert.fail(
              `15 s after NATS came back the banned user still talks on n2: ${
                JSON.stringify(said)
              }`,
            );
          }
        });
        await clusterStep(t, cluster, "the banned user cannot log in on n3", async () => {
          // Each instance reads the replayed ban from the log on its own; within seconds.
          let reply: Record<string, unknown> = {};
          await waitFor("n3 to refuse the banned user", async () => {
            const again = await FrameClient.connect(n3);
            clients.push(again);
            reply = await again.request({
              type: "login",
              user: offender.user,
              password: PASSWORD,
            });
            again.close();
            return reply.code === "banned";
          }, 10_000).catch(() => {
            assert.fail(`login on n3 after the ban: ${JSON.stringify(reply)}`);
          });
        });
      } finally {
        closeAll(...clients);
      }
    });
  },
);
