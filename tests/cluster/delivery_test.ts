/**
 * One chat service across three instances (PROTOCOL.md, "Cluster mode"): a room's messages
 * reach every member on every instance in one order, which is the msgid order and the
 * `history` order; dms reach both parties' sessions anywhere; presence counts the sessions
 * of all instances; a `cid` resend to another instance answers the first msgid; edits,
 * deletions, topics and read markers cross instances too. One cluster (NATS single node,
 * MariaDB, 3 instances) serves every step, each with its own users and rooms.
 */
import assert from "node:assert/strict";
import { type Frame, FrameClient } from "../support/frame_client.ts";
import { clusterStep, clusterTest, type TestCluster, withCluster } from "../support/cluster.ts";
import {
  admin,
  anotherSession,
  assertSortedMsgids,
  closeAll,
  freshRoom,
  fullHistory,
  loggedIn,
  PASSWORD,
  repliesTo,
  uniqueName,
  waitFor,
} from "../server/support.ts";

type Client = FrameClient & { user: string };

/** The room's message events a client received, in order. */
function roomMessages(client: FrameClient, room: string): Frame[] {
  return client.received.filter((f) => f.type === "message" && f.room === room);
}

async function orderStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const senders = [await loggedIn(n1), await loggedIn(n2), await loggedIn(n3)];
    const readers = [await loggedIn(n1), await loggedIn(n2), await loggedIn(n3)];
    clients.push(...senders, ...readers);
    const room = await freshRoom(senders[0]!, "order");
    for (const client of clients.slice(1)) await client.ok({ type: "join", room });
    const perSender = 40;
    // The three senders write at once, each all of its messages pipelined.
    const acked = await Promise.all(senders.map(async (sender, s) => {
      const ids = Array.from({ length: perSender }, (_, i) => `o${s}-${i}`);
      await sender.writeRaw(
        ids.map((id) => JSON.stringify({ type: "say", id, room, text: id }) + "\n").join(""),
      );
      const replies = await repliesTo(sender, ids);
      return replies.map((reply, i) => {
        assert.equal(reply.type, "ok", `say ${ids[i]} on n${s + 1}: ${JSON.stringify(reply)}`);
        return { msgid: reply.msgid as string, text: ids[i]!, ts: reply.ts as string };
      });
    }));
    const total = perSender * senders.length;
    for (const client of clients) {
      await waitFor(
        `${client.user} to receive ${total} messages`,
        () => roomMessages(client, room).length >= total,
      );
    }
    const reference = roomMessages(readers[0]!, room).map((m) => m.msgid as string);
    assert.equal(reference.length, total, "no message is delivered twice");
    assertSortedMsgids(reference);
    for (const [i, client] of clients.entries()) {
      assert.deepEqual(
        roomMessages(client, room).map((m) => m.msgid),
        reference,
        `client ${i} (${client.user}) saw the same order as the first reader on n1`,
      );
    }
    // Each ok's msgid and ts are those of the event with its text; each sender's own
    // messages keep its sending order.
    const events = new Map(roomMessages(readers[2]!, room).map((m) => [m.msgid as string, m]));
    for (const [s, list] of acked.entries()) {
      for (const { msgid, text, ts } of list) {
        assert.equal(events.get(msgid)?.text, text, `the event of ${msgid} carries ${text}`);
        assert.equal(events.get(msgid)?.ts, ts);
      }
      assertSortedMsgids(list.map((a) => a.msgid));
      assert.equal(list.length, perSender, `sender ${s}`);
    }
    for (const client of readers) {
      const history = await fullHistory(client, { room });
      assert.deepEqual(history.map((m) => m.msgid), reference, `history on ${client.user}`);
    }
  } finally {
    closeAll(...clients);
  }
}

async function dmStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const alice1 = await loggedIn(n1);
    const alice3 = await anotherSession(n3, alice1.user);
    const bob2 = await loggedIn(n2);
    clients.push(alice1, alice3, bob2);
    const sent = await alice1.ok({ type: "dm", to: bob2.user, text: "hello from n1", cid: "d1" });
    for (const client of [bob2, alice3, alice1]) {
      const dm = await client.next((f) => f.type === "dm" && f.msgid === sent.msgid);
      assert.equal(dm.user, alice1.user);
      assert.equal(dm.to, bob2.user);
      assert.equal(dm.text, "hello from n1");
      assert.equal(dm.ts, sent.ts);
    }
    const reply = await bob2.ok({ type: "dm", to: alice1.user, text: "hi from n2" });
    for (const client of [alice1, alice3, bob2]) {
      await client.next((f) => f.type === "dm" && f.msgid === reply.msgid);
    }
    const history = await fullHistory(alice3, { with: bob2.user });
    assert.deepEqual(history.map((m) => m.text), ["hello from n1", "hi from n2"]);
    assertSortedMsgids(history.map((m) => m.msgid as string));
  } finally {
    closeAll(...clients);
  }
}

/** The sessions of `user` that `/api/users` of the first instance lists. */
async function sessionsOf(
  cluster: TestCluster,
  user: string,
): Promise<{ instance?: string }[]> {
  const reply = await admin(cluster.instances[0]!.adminPort, "GET", "/api/users");
  const users = (reply.body as { users: { user: string; sessions: { instance?: string }[] }[] })
    .users;
  return users.find((u) => u.user === user)?.sessions ?? [];
}

async function presenceStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const a = await loggedIn(n1);
    const b2 = await loggedIn(n2);
    const c = await loggedIn(n3);
    clients.push(a, b2, c);
    const room = await freshRoom(a, "presence");
    const bJoin = await b2.ok({ type: "join", room });
    assert.deepEqual((bJoin.members as string[]).toSorted(), [a.user, b2.user].toSorted());
    const joined = await a.next((f) => f.type === "joined" && f.room === room);
    assert.equal(joined.user, b2.user);
    const cJoin = await c.ok({ type: "join", room });
    assert.deepEqual(
      (cJoin.members as string[]).toSorted(),
      [a.user, b2.user, c.user].toSorted(),
    );
    await b2.next((f) => f.type === "joined" && f.room === room && f.user === c.user);
    for (const client of [a, b2, c]) {
      const who = await client.ok({ type: "who", room });
      assert.deepEqual((who.users as string[]).toSorted(), [a.user, b2.user, c.user].toSorted());
      const rooms = await client.ok({ type: "rooms" });
      const entry = (rooms.rooms as { name: string; members: string[] }[])
        .find((r) => r.name === room);
      assert.deepEqual(entry?.members.toSorted(), [a.user, b2.user, c.user].toSorted());
    }
    // b also on n3, in the room: closing the n2 session leaves b present (a session on
    // another instance still counts); closing the last one sends `left`.
    const b3 = await anotherSession(n3, b2.user);
    clients.push(b3);
    await b3.ok({ type: "join", room });
    await waitFor(
      "both of b's sessions in the admin view",
      async () => (await sessionsOf(cluster, b2.user)).length === 2,
    );
    b2.close();
    await waitFor(
      "b's n2 session gone from the admin view",
      async () => (await sessionsOf(cluster, b2.user)).length === 1,
    );
    const who = await a.ok({ type: "who", room });
    assert.ok((who.users as string[]).includes(b2.user), "b still has a session on n3");
    assert.ok(
      !a.received.some((f) => f.type === "left" && f.room === room && f.user === b2.user),
      "no left while b has a session on n3",
    );
    b3.close();
    for (const client of [a, c]) {
      await client.next((f) => f.type === "left" && f.room === room && f.user === b2.user);
    }
    const after = await c.ok({ type: "who", room });
    assert.deepEqual((after.users as string[]).toSorted(), [a.user, c.user].toSorted());
  } finally {
    closeAll(...clients);
  }
}

async function cidStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const first = await loggedIn(n1);
    const second = await anotherSession(n2, first.user);
    const reader = await loggedIn(n3);
    clients.push(first, second, reader);
    const room = await freshRoom(first, "cid");
    await second.ok({ type: "join", room });
    await reader.ok({ type: "join", room });
    const cid = uniqueName("cid");
    const original = await first.ok({ type: "say", room, text: "only once", cid });
    // The resend reaches another instance (as after a reconnect through HAProxy).
    const resend = await second.ok({ type: "say", room, text: "only once", cid });
    assert.equal(resend.msgid, original.msgid, "a resend to n2 answers the first msgid");
    assert.equal(resend.ts, original.ts);
    const again = await reader.ok({ type: "say", room, text: "marker" });
    await reader.next((f) => f.type === "message" && f.msgid === again.msgid);
    assert.equal(
      roomMessages(reader, room).filter((m) => m.text === "only once").length,
      1,
      "the resend broadcast nothing new",
    );
    const history = await fullHistory(reader, { room });
    assert.deepEqual(history.map((m) => m.text), ["only once", "marker"]);
    // Likewise for a dm resent to a third instance.
    const third = await anotherSession(n3, first.user);
    clients.push(third);
    const dmCid = uniqueName("dmcid");
    const dm = await first.ok({ type: "dm", to: reader.user, text: "dm once", cid: dmCid });
    const dmAgain = await third.ok({ type: "dm", to: reader.user, text: "dm once", cid: dmCid });
    assert.equal(dmAgain.msgid, dm.msgid);
    const dms = await fullHistory(reader, { with: first.user });
    assert.deepEqual(dms.map((m) => m.msgid), [dm.msgid]);
  } finally {
    closeAll(...clients);
  }
}

async function changesStep(cluster: TestCluster): Promise<void> {
  const [n1, n2, n3] = cluster.instances.map((i) => i.port) as [number, number, number];
  const clients: Client[] = [];
  try {
    const author = await loggedIn(n1);
    const member = await loggedIn(n2);
    const authorElsewhere = await anotherSession(n3, author.user);
    clients.push(author, member, authorElsewhere);
    const room = await freshRoom(author, "changes");
    await member.ok({ type: "join", room });
    await authorElsewhere.ok({ type: "join", room });
    const said = await author.ok({ type: "say", room, text: "first draft" });
    await author.ok({ type: "edit", msgid: said.msgid, text: "final text" });
    const edited = await member.next((f) => f.type === "edited" && f.msgid === said.msgid);
    assert.equal(edited.text, "final text");
    await authorElsewhere.ok({ type: "topic", room, topic: "set on n3" });
    const topic = await member.next((f) => f.type === "topic" && f.room === room);
    assert.equal(topic.topic, "set on n3");
    await author.ok({ type: "mark_read", room, msgid: said.msgid });
    const read = await authorElsewhere.next((f) => f.type === "read" && f.room === room);
    assert.equal(read.msgid, said.msgid);
    await authorElsewhere.ok({ type: "delete", msgid: said.msgid });
    const deleted = await member.next((f) => f.type === "deleted" && f.msgid === said.msgid);
    assert.equal(deleted.by, author.user);
    const history = await fullHistory(member, { room });
    assert.equal(history.length, 1);
    assert.equal(history[0]!.deleted, true);
  } finally {
    closeAll(...clients);
  }
}

async function tokenStep(cluster: TestCluster): Promise<void> {
  const clients: FrameClient[] = [];
  try {
    const user = (await loggedIn(cluster.instances[0]!.port)).user;
    // A token from each instance, then each token on every instance.
    const tokens: string[] = [];
    for (const instance of cluster.instances) {
      const client = await FrameClient.connect(instance.port);
      clients.push(client);
      const login = await client.ok({ type: "login", user, password: PASSWORD });
      tokens.push(login.token as string);
    }
    for (const [i, token] of tokens.entries()) {
      for (const instance of cluster.instances) {
        const client = await FrameClient.connect(instance.port);
        clients.push(client);
        const reply = await client.request({ type: "login", user, token });
        assert.equal(
          reply.type,
          "ok",
          `token from n${i + 1} on ${instance.name}: ${JSON.stringify(reply)}`,
        );
      }
    }
  } finally {
    closeAll(...clients);
  }
}

Deno.test(
  clusterTest("cluster delivery: one order, dms, presence, cid resends, tokens across 3 instances"),
  async (t) => {
    await withCluster({ instances: 3, nats: "single" }, async (cluster) => {
      await clusterStep(
        t,
        cluster,
        "3 senders on 3 instances: every session sees one order",
        () => orderStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a dm reaches both parties' sessions on any instance",
        () => dmStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "presence counts the sessions of every instance",
        () => presenceStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a cid resend to another instance answers the first msgid",
        () => cidStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "edits, topics, read markers and deletions cross instances",
        () => changesStep(cluster),
      );
      await clusterStep(
        t,
        cluster,
        "a resume token from any instance logs in on every instance",
        () => tokenStep(cluster),
      );
    });
  },
);
