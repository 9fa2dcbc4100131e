/**
 * The cluster tests' harness on its own, no FastChat cluster mode involved: throwaway NATS
 * (a single JetStream node, and a 3-node JetStream cluster) keeps what it acknowledged across
 * a stop, a kill -9 and restarts; HAProxy with the documented configuration forwards chat
 * connections to two plain servers and fails over when one is killed.
 */
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { FrameClient } from "../support/frame_client.ts";
import { startHaproxy } from "../support/haproxy.ts";
import { startNats } from "../support/nats.ts";
import { requiring } from "../support/requires.ts";
import { type ServerProcess, startServer } from "../support/server_process.ts";
import { waitFor } from "../support/wait.ts";

/** Publishes with a de-duplication id, retrying while the cluster elects a leader. */
async function publish(js: JetStreamClient, subject: string, id: string): Promise<number> {
  return await waitFor(`an ack for ${id}`, async () => {
    try {
      return (await js.publish(subject, id, { msgID: id, timeout: 2_000 })).seq;
    } catch {
      return undefined;
    }
  }, 30_000);
}

async function storedCount(nc: NatsConnection, stream: string): Promise<number> {
  return await waitFor(`stream ${stream} to answer`, async () => {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      return (await jsm.streams.info(stream)).state.messages;
    } catch {
      return undefined;
    }
  }, 30_000);
}

function reconnecting(urls: string): Promise<NatsConnection> {
  return connect({
    servers: urls.split(","),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    name: "fastchat-harness-test",
  });
}

Deno.test(
  requiring("harness: a single NATS node keeps acked messages across a stop and a kill -9", "nats"),
  async () => {
    const nats = await startNats("single");
    let nc: NatsConnection | null = null;
    try {
      const node = nats.nodes[0]!;
      nc = await reconnecting(nats.urls);
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "H1", subjects: ["h1.>"], storage: StorageType.File });
      const js = jetstream(nc);
      for (let i = 0; i < 5; i++) await publish(js, "h1.m", `m${i}`);
      await node.stop();
      assert.equal(node.running, false);
      await assert.rejects(js.publish("h1.m", "lost", { timeout: 500 }));
      await node.start();
      assert.equal(await storedCount(nc, "H1"), 5);
      await publish(js, "h1.m", "m5");
      await node.kill();
      await nats.startAll();
      assert.equal(await storedCount(nc, "H1"), 6);
    } finally {
      await nc?.close();
      await nats.cleanup();
    }
  },
);

Deno.test(
  requiring(
    "harness: a 3-node NATS cluster keeps acked messages when its stream leader is killed -9",
    "nats",
  ),
  async () => {
    const nats = await startNats("cluster3");
    let nc: NatsConnection | null = null;
    try {
      assert.equal(nats.nodes.length, 3);
      nc = await reconnecting(nats.urls);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.add({
        name: "H3",
        subjects: ["h3.>"],
        storage: StorageType.File,
        num_replicas: 3,
      });
      const js = jetstream(nc);
      for (let i = 0; i < 10; i++) await publish(js, "h3.m", `a${i}`);
      const leader = nats.nodes.find((n) => n.name === info.cluster?.leader);
      assert.ok(leader, `stream leader ${info.cluster?.leader} is one of the nodes`);
      await leader.kill();
      for (let i = 0; i < 10; i++) await publish(js, "h3.m", `b${i}`);
      assert.equal(await storedCount(nc, "H3"), 20);
      await leader.start();
      await nats.waitHealthy();
      // The restarted node caught up: its own replica holds all 20.
      for (const node of nats.nodes) {
        await waitFor(
          `${node.name} to hold 20 messages`,
          async () => await node.storedMessages("H3") === 20,
        );
      }
    } finally {
      await nc?.close();
      await nats.cleanup();
    }
  },
);

/** Connects through `port` and says which server answered (its motd). */
async function connectVia(port: number): Promise<{ client: FrameClient; motd: string }> {
  const client = await FrameClient.connect(port);
  return { client, motd: client.received[0]!.motd as string };
}

Deno.test(
  requiring(
    "harness: HAProxy spreads clients over two servers and fails over on a kill -9",
    "haproxy",
  ),
  async () => {
    const servers: ServerProcess[] = [];
    const clients: FrameClient[] = [];
    let haproxy: Awaited<ReturnType<typeof startHaproxy>> | null = null;
    try {
      servers.push(
        await startServer({ args: ["--motd", "server a", "--proxy-protocol", "127.0.0.1"] }),
      );
      servers.push(
        await startServer({ args: ["--motd", "server b", "--proxy-protocol", "127.0.0.1"] }),
      );
      const [a, b] = servers as [ServerProcess, ServerProcess];
      haproxy = await startHaproxy([{ name: "a", port: a.port }, { name: "b", port: b.port }]);
      const first: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { client, motd } = await connectVia(haproxy.port);
        clients.push(client);
        first.push(motd);
        await client.ok({ type: "ping" });
      }
      assert.deepEqual(first.toSorted(), ["server a", "server a", "server b", "server b"]);
      const onA = clients.filter((_, i) => first[i] === "server a");
      await a.stop("SIGKILL");
      for (const client of onA) await client.closed;
      // At once, before the health checks notice: every new client reaches b.
      for (let i = 0; i < 4; i++) {
        const { client, motd } = await connectVia(haproxy.port);
        clients.push(client);
        assert.equal(motd, "server b");
      }
      await haproxy.waitState(["a"], false);
      // a comes back on its port: the checks see it up and new clients reach it again.
      servers.push(
        await startServer({
          db: a.db,
          args: [
            "--motd",
            "server a",
            "--proxy-protocol",
            "127.0.0.1",
            "--port",
            String(a.port),
            "--admin-port",
            "0",
          ],
        }),
      );
      await haproxy.waitState(["a"], true);
      const { client, motd } = await connectVia(haproxy.port);
      clients.push(client);
      assert.equal(motd, "server a", "leastconn picks the server that has no client");
    } finally {
      for (const client of clients) client.close();
      await haproxy?.cleanup();
      for (const server of servers.toReversed()) await server.cleanup();
    }
  },
);
