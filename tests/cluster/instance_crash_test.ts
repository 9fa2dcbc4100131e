/**
 * `kill -9` of one instance of three under pipelined load (PROTOCOL.md, "Cluster mode"): no
 * acknowledged message is lost, none is stored or shown twice when its sender reconnects to
 * another instance and resends by `cid`; the other instances keep delivering; the dead
 * instance's sessions leave presence within 15 seconds with `left` events; the instance
 * restarts on the same ports and serves the same history.
 */
import assert from "node:assert/strict";
import { clusterStep, clusterTest, withCluster } from "../support/cluster.ts";
import { ResumingClient } from "../support/resuming_client.ts";
import {
  admin,
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  uniqueName,
  waitFor,
} from "../server/support.ts";

/** The contract's bound for a dead instance's sessions to leave presence. */
const PRESENCE_TIMEOUT_MS = 15_000;
/** Slack for this test's own polling and scheduling on a loaded 2-core machine. */
const SLACK_MS = 1_000;

Deno.test(
  clusterTest("cluster crash: kill -9 of an instance under pipelined load loses nothing"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
      const watcher = await loggedIn(n1);
      const lonely = await loggedIn(n3);
      const clients = [watcher, lonely];
      const senders: ResumingClient[] = [];
      try {
        const room = await freshRoom(watcher, "crash");
        await lonely.ok({ type: "join", room });
        const onVictim = await ResumingClient.start(n3, uniqueName("s3"), room);
        const onSurvivor = await ResumingClient.start(n1, uniqueName("s1"), room);
        senders.push(onVictim, onSurvivor);
        let killedAt = 0;

        await clusterStep(
          t,
          cluster,
          "load on n1 and n3, kill -9 of n3 with messages in flight",
          async () => {
            for (let round = 0; round < 3; round++) {
              await Promise.all([onVictim.say(20), onSurvivor.say(20)]);
              await Promise.all([onVictim.settle(), onSurvivor.settle()]);
            }
            // A last pipelined batch, and n3 dies while it is being taken.
            await Promise.all([onVictim.say(60), onSurvivor.say(60)]);
            await cluster.kill(2);
            killedAt = Date.now();
            onVictim.moveTo(n2);
            await onSurvivor.say(30);
            await Promise.all([onVictim.settle(), onSurvivor.settle()]);
            assert.ok(onVictim.reconnects >= 1, "the sender on n3 lost its connection");
          },
        );

        await clusterStep(
          t,
          cluster,
          "every acked message is in history exactly once",
          async () => {
            const history = await fullHistory(watcher, { room });
            const ids = history.map((m) => m.msgid as string);
            assert.equal(new Set(ids).size, ids.length, "no msgid twice in history");
            const texts = history.map((m) => m.text as string);
            assert.equal(new Set(texts).size, texts.length, "no message stored twice");
            const stored = new Map(history.map((m) => [m.text as string, m.msgid as string]));
            for (const sender of senders) {
              for (const [cid, msgid] of sender.acked) {
                assert.equal(stored.get(cid), msgid, `${cid} acked as ${msgid}`);
              }
              assert.equal(sender.acked.size, sender.sent.size, `${sender.user} got every ack`);
            }
            await onSurvivor.waitSeen(ids);
            assert.deepEqual(onSurvivor.duplicates, [], "no message shown twice on n1");
            assert.deepEqual(onVictim.duplicates, [], "no message shown twice after failover");
            const events = watcher.received.filter((f) => f.type === "message" && f.room === room);
            assert.equal(new Set(events.map((f) => f.msgid)).size, events.length);
          },
        );

        await clusterStep(
          t,
          cluster,
          "the resume token issued by the dead instance logs in on another",
          () => {
            assert.deepEqual(onVictim.tokenRefusals, [], "token login on n2 after n3 died");
          },
        );

        await clusterStep(
          t,
          cluster,
          "the dead instance's sessions leave presence within 15 s",
          async () => {
            const left = await waitFor(
              "left for the session on the killed instance",
              () =>
                watcher.received.find((f) =>
                  f.type === "left" && f.room === room && f.user === lonely.user
                ),
              PRESENCE_TIMEOUT_MS + SLACK_MS,
            );
            assert.ok(left);
            const elapsed = Date.now() - killedAt;
            assert.ok(elapsed <= PRESENCE_TIMEOUT_MS + SLACK_MS, `left came ${elapsed} ms after`);
            const who = await watcher.ok({ type: "who", room });
            assert.ok(!(who.users as string[]).includes(lonely.user), JSON.stringify(who));
            const users = await admin(cluster.instances[1]!.adminPort, "GET", "/api/users");
            const listed = (users.body as { users: { user: string }[] }).users.map((u) => u.user);
            assert.ok(!listed.includes(lonely.user), "the admin view forgot the dead sessions");
          },
        );

        await clusterStep(
          t,
          cluster,
          "n3 restarts on its ports and serves the same history",
          async () => {
            await cluster.restart(2);
            const reader = await loggedIn(n3);
            clients.push(reader);
            const fromN3 = await fullHistory(reader, { room });
            const fromN1 = await fullHistory(watcher, { room });
            assert.deepEqual(fromN3.map((m) => m.msgid), fromN1.map((m) => m.msgid));
            await reader.ok({ type: "join", room });
            const said = await reader.ok({ type: "say", room, text: "back on n3" });
            await watcher.next((f) => f.type === "message" && f.msgid === said.msgid);
          },
        );
      } finally {
        closeAll(...clients);
        for (const sender of senders) sender.close();
      }
    });
  },
);
