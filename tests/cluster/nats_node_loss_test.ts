/**
 * One NATS node of three killed (`kill -9`) under load, the node leading the cluster's
 * stream (PROTOCOL.md, "Cluster mode"): nothing acknowledged is lost, delivery goes on to
 * every instance in one order (a refusal during the election is `unavailable`, and the
 * client's resend by `cid` then goes through), and the node catches up when it returns.
 */
import assert from "node:assert/strict";
import { clusterTest, withCluster } from "../support/cluster.ts";
import { ResumingClient } from "../support/resuming_client.ts";
import {
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  uniqueName,
  waitFor,
} from "../server/support.ts";

Deno.test(
  clusterTest("cluster NATS node loss: kill -9 of the stream leader under load loses nothing"),
  async () => {
    await withCluster({ instances: 3, nats: "cluster3" }, async (cluster) => {
      const ports = cluster.instances.map((i) => i.port);
      const reader = await loggedIn(ports[0]!);
      const senders: ResumingClient[] = [];
      try {
        const room = await freshRoom(reader, "natsloss");
        for (const [i, port] of ports.entries()) {
          senders.push(await ResumingClient.start(port, uniqueName(`s${i + 1}`), room));
        }
        const round = async (count: number) => {
          await Promise.all(senders.map((s) => s.say(count)));
          await Promise.all(senders.map((s) => s.settle()));
        };
        await round(20);
        const streams = await cluster.nats.streams();
        assert.ok(streams.length > 0, "the cluster created its stream");
        const main = streams.reduce((a, b) => (b.messages > a.messages ? b : a));
        assert.equal(main.replicas, 3, `stream ${main.name} is replicated on the 3 NATS nodes`);
        const leader = cluster.nats.nodes.find((n) => n.name === main.leader)!;
        // Messages in flight when the leader dies, then more while the others elect one.
        await Promise.all(senders.map((s) => s.say(40)));
        await leader.kill();
        await Promise.all(senders.map((s) => s.settle()));
        await round(20);

        // History waits until the log applier has written into MySQL what was delivered; after
        // the leader's loss that can take longer than a request's usual 5 s (the server waits up
        // to 10 s, then answers unavailable): wait for it here, then read the whole history.
        let probe = 0;
        await waitFor("history readable after the leader's loss", async () => {
          const id = `after-loss-${probe++}`;
          await reader.send({ type: "history", id, room, limit: 1 });
          const reply = await reader.next(
            (f) => f.id === id && (f.type === "ok" || f.type === "error"),
            15_000,
          );
          return reply.type === "ok";
        }, 60_000);
        const history = await fullHistory(reader, { room });
        const ids = history.map((m) => m.msgid as string);
        assert.equal(new Set(ids).size, ids.length, "no msgid twice");
        const stored = new Map(history.map((m) => [m.text as string, m.msgid as string]));
        assert.equal(stored.size, history.length, "no message stored twice");
        for (const sender of senders) {
          assert.equal(sender.acked.size, 80, `${sender.user}: every message acknowledged`);
          for (const [cid, msgid] of sender.acked) {
            assert.equal(stored.get(cid), msgid, `acked ${cid} (${msgid}) is in history`);
          }
          await sender.waitSeen(ids);
          assert.deepEqual(sender.duplicates, [], `${sender.user} saw no message twice`);
          if (sender.reconnects === 0) {
            assert.deepEqual(sender.seen.map((m) => m.msgid), ids, `${sender.user}'s order`);
          }
        }
        assert.equal(history.length, 240);

        await leader.start();
        await cluster.nats.waitHealthy();
        const count = (await cluster.nats.streams()).find((s) => s.name === main.name)!.messages;
        await waitFor(
          `${leader.name} to catch up to ${count} stream entries`,
          async () => await leader.storedMessages(main.name) === count,
        );
      } finally {
        closeAll(reader);
        for (const sender of senders) sender.close();
      }
    });
  },
);
