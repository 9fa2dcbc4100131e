/**
 * Attack on the log applier: a burst of log entries that reaches the applier while it is
 * busy (a slow or frozen database, a failover, or simply a flood of `say`s from many
 * sessions) must be written into the database completely, up to its last entry, without
 * waiting for some later entry to arrive.
 *
 * The applier (`lib/cluster/applier.ts`) holds entries back while the follower reports
 * `more > 0` ("entries already received and waiting"); the follower (`follower.ts`) passes
 * `ConsumerMessages.getPending()` as `more`. The NATS client counts a pull request it queued
 * into the iterator as pending until the end of that iterator chunk, so after a backlog of
 * more than 250 entries the last entry comes with `more > 0` and the applier keeps the tail
 * of the backlog in memory: every `history`, `join` and `search` on every instance then
 * waits 10 s for the database and answers `unavailable`, until someone else's entry arrives.
 */
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { silentLogger } from "../../lib/common/log.ts";
import { ClusterBus } from "../../lib/cluster/bus.ts";
import { follow } from "../../lib/cluster/follower.ts";
import type { LogStream } from "../../lib/cluster/log_stream.ts";
import { clusterStep, clusterTest, withCluster } from "../support/cluster.ts";
import { startThrowawayMariadb } from "../support/mariadb.ts";
import { startNats } from "../support/nats.ts";
import { requiring } from "../support/requires.ts";
import { closeAll, freshRoom, loggedIn } from "../server/support.ts";
import { waitFor } from "../support/wait.ts";
import { logPositions } from "./attack_support.ts";

Deno.test(
  requiring(
    "follower: the last entry of a 600-entry backlog read by a slow handler comes with more=0",
    "nats",
  ),
  async () => {
    const nats = await startNats("single");
    let bus: ClusterBus | null = null;
    try {
      const nc = await connect({ servers: nats.urls.replaceAll("nats://", "").split(",") });
      const jsm = await jetstreamManager(nc);
      const name = "ATTACK_BACKLOG";
      const subject = "fastchat.attack.log";
      await jsm.streams.add({ name, subjects: [subject], storage: StorageType.File });
      const js = jetstream(nc);
      const total = 600;
      const entry = new TextEncoder().encode(JSON.stringify({ o: "x", b: "x", n: 0, ops: [] }));
      await Promise.all(Array.from({ length: total }, () => js.publish(subject, entry)));
      await nc.close();

      bus = await ClusterBus.connect({
        servers: nats.urls.split(","),
        clusterName: "attack",
        instance: "a",
        log: silentLogger,
      });
      const stream = {
        name,
        subject,
        js: jetstream(bus.nc),
        jsm: await jetstreamManager(bus.nc),
        created: "",
        offset: 0,
        appliedKey: "",
        lastEntry: 0,
      } satisfies LogStream;
      const seen: { seq: number; more: number }[] = [];
      let next = 1;
      const follower = follow(bus, stream, silentLogger, {
        name: "attack",
        from: () => next,
        onEntry: async (msg, more) => {
          seen.push({ seq: msg.seq, more });
          next = msg.seq + 1;
          // A database transaction every 200 entries, as the applier does.
          if (msg.seq % 200 === 1) await new Promise((resolve) => setTimeout(resolve, 100));
        },
      });
      try {
        await waitFor("the whole backlog to be handled", () => next > total, 20_000);
      } finally {
        await follower.stop();
      }
      const last = seen.at(-1)!;
      assert.equal(last.seq, total);
      assert.equal(
        last.more,
        0,
        `entry ${total} is the last one and nothing else is coming, yet more=${last.more} ` +
          `(the applier would hold it back): last ones ${JSON.stringify(seen.slice(-4))}`,
      );
    } finally {
      await bus?.close();
      await nats.cleanup();
    }
  },
);

Deno.test(
  clusterTest(
    "applier: 330 entries appended while MariaDB is frozen (SIGSTOP) are all applied once it " +
      "runs again",
    "mariadb",
  ),
  async (t) => {
    const mariadb = await startThrowawayMariadb();
    try {
      await withCluster(
        { instances: 3, nats: "single", mysqlAdminUrl: mariadb.adminUrl },
        async (cluster) => {
          const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
          const owner = await loggedIn(n1);
          const sender = await loggedIn(n2);
          const reader = await loggedIn(n3);
          try {
            const room = await freshRoom(owner, "backlog");
            await sender.ok({ type: "join", room });
            await reader.ok({ type: "join", room });
            await sender.ok({ type: "say", room, text: "before" });
            await waitFor("the database to hold every entry", async () => {
              const positions = await logPositions(cluster);
              return positions.every((p) => p.applied >= p.read);
            });

            // The database freezes: connections stay open, nothing is answered. Messages
            // still flow (they are durable in the stream); each `say` awaited alone is an
            // entry of its own.
            const count = 330;
            mariadb.pause();
            try {
              for (let i = 0; i < count; i++) {
                await sender.ok({ type: "say", room, text: `b${i}` });
              }
            } finally {
              mariadb.resume();
            }

            await clusterStep(t, cluster, "the applier writes the backlog to its end", async () => {
              let last: unknown = null;
              try {
                await waitFor("the database to hold every entry read", async () => {
                  const positions = await logPositions(cluster);
                  last = positions;
                  return positions.every((p) => p.applied >= p.read);
                }, 25_000);
              } catch {
                assert.fail(
                  `the applier stopped short of the log's end and stays there while nobody ` +
                    `speaks: ${JSON.stringify(last)}`,
                );
              }
            });
            await clusterStep(t, cluster, "history shows the whole backlog", async () => {
              // The server waits up to 10 s for the database before it answers.
              await reader.send({ type: "history", id: "h", room, limit: 5 });
              const page = await reader.next((f) => f.id === "h", 15_000);
              assert.equal(page.type, "ok", `history after the backlog: ${JSON.stringify(page)}`);
              const texts = (page.messages as { text: string }[]).map((m) => m.text);
              assert.equal(texts.at(-1), `b${count - 1}`);
            });
          } finally {
            closeAll(owner, sender, reader);
          }
        },
      );
    } finally {
      await mariadb.destroy();
    }
  },
);
