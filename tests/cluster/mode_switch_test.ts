/**
 * A database used by a cluster, then by one server without `--cluster`, then by the
 * cluster again: msgids are never given twice and keep sorting in acceptance order. The
 * one process continues after the cluster's last stored message; when the cluster comes
 * back its log moves past what the one process stored (`log_stream.ts`), so its next
 * messages sort after them, and history holds every acknowledged message once, in order.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import { startServer } from "../support/server_process.ts";
import { closeAll, fullHistory, loggedIn, PASSWORD } from "../server/support.ts";
import { FrameClient } from "../support/frame_client.ts";

/** Logs `user` in (registered before) on `port`. */
async function login(port: number, user: string): Promise<FrameClient> {
  const client = await FrameClient.connect(port);
  await client.ok({ type: "login", user, password: PASSWORD });
  return client;
}

/** Sends `count` says pipelined and returns their msgids in order. */
async function sayMany(client: FrameClient, room: string, tag: string, count: number) {
  const frames: string[] = [];
  for (let i = 0; i < count; i++) {
    frames.push(JSON.stringify({ type: "say", id: `${tag}${i}`, room, text: `${tag} ${i}` }));
  }
  await client.writeRaw(frames.join("\n") + "\n");
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await client.next((f) => f.id === `${tag}${i}`, 30_000);
    assert.equal(reply.type, "ok", JSON.stringify(reply));
    ids.push(reply.msgid as string);
  }
  return ids;
}

Deno.test(
  clusterTest("cluster mode switch: cluster, one process, cluster again on one database"),
  async () => {
    await withCluster({ instances: 1 }, async (cluster) => {
      const first = await loggedIn(cluster.instances[0]!.port);
      const user = first.user;
      await first.ok({ type: "join", room: "general" });
      const before = await sayMany(first, "general", "a", 3);
      closeAll(first);
      assert.equal(await cluster.stop(0), 0);

      // The same database without --cluster: more than one log entry's worth of ids.
      const alone = await startServer({ db: cluster.db.url, args: ["--msg-rate", "off"] });
      let middle: string[];
      try {
        const client = await login(alone.port, user);
        await client.ok({ type: "join", room: "general" });
        middle = await sayMany(client, "general", "b", 1_200);
        client.close();
      } finally {
        await alone.stop();
      }

      await cluster.restart(0);
      const back = await login(cluster.instances[0]!.port, user);
      await back.ok({ type: "join", room: "general" });
      const after = await sayMany(back, "general", "c", 3);
      const all = [...before, ...middle, ...after];
      assert.deepEqual([...all].sort(), all, "msgids sort in acceptance order");
      assert.equal(new Set(all).size, all.length, "no msgid given twice");
      const history = await fullHistory(back, { room: "general" });
      assert.deepEqual(history.map((m) => m.msgid), all, "history holds every message once");
      closeAll(back);
    });
  },
);
