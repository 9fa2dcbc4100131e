/**
 * Control events between the instances of a cluster (lib/server/remote_events.ts and the
 * `announce` calls in lib/server/moderation/, requests/markers.ts, requests/reports.ts):
 * two real chat servers in this process on one shared store (SQLite `:memory:`), each with
 * in-memory connections, linked by a relay that stands in for the cluster's log: what one
 * announces goes through JSON and is applied to the other with `applyRemoteEvent`, in
 * order. Each test makes a change on instance A and checks what the clients of instance B
 * see; B must announce nothing back while applying.
 */
import assert from "node:assert/strict";
import { parseServerConfig } from "../../lib/app/config.ts";
import { createLogger } from "../../lib/common/log.ts";
import type { ClusterEvent } from "../../lib/server/chat/cluster_events.ts";
import type { PresenceHooks } from "../../lib/server/chat/presence_hooks.ts";
import { LocalDelivery } from "../../lib/server/chat/delivery.ts";
import { MessageWriter } from "../../lib/server/chat/message_writer.ts";
import { ChatServer, type ClusterPlug } from "../../lib/server/chat_server.ts";
import { removeRoom } from "../../lib/server/moderation/room_removal.ts";
import { setRoomTopic } from "../../lib/server/moderation/room_topic.ts";
import { imposeSanction, liftSanction } from "../../lib/server/moderation/sanctions.ts";
import { setSlowMode } from "../../lib/server/moderation/slow_mode.ts";
import { grantRole, revokeRole } from "../../lib/server/moderation/staff.ts";
import { applyRemoteEvent } from "../../lib/server/remote_events.ts";
import type { ServerEvent } from "../../lib/server/control.ts";
import { foldName } from "../../lib/protocol/names.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Store, UserRecord } from "../../lib/store/store.ts";
import {
  connectTo,
  registerMemoryEndpoint,
  unregisterMemoryEndpoint,
} from "../support/endpoints.ts";
import { FrameClient } from "../support/frame_client.ts";
import { MemoryListener } from "../support/memory_pair.ts";
import { waitFor } from "../support/wait.ts";
import {
  anotherSession,
  assertError,
  expectError,
  loggedIn,
  PASSWORD,
  uniqueName,
} from "../server/support.ts";

const ADMIN = { by: "admin", address: "127.0.0.1" };

const NO_PRESENCE: PresenceHooks = {
  loggedIn() {},
  loggedOut() {},
  entered() {},
  left() {},
};

/** One instance: its server, its memory port, and what it announced. */
interface Instance {
  server: ChatServer;
  port: number;
  announced: ClusterEvent[];
}

/** Two instances on one store, and the relay between them. */
interface Pair {
  a: Instance;
  b: Instance;
  store: Store;
  /** While false, announcements are recorded but not delivered. */
  relaying: boolean;
  /** Resolves once every announcement so far has been applied on the other side. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

async function _instance(
  name: string,
  store: Store,
  deliver: (event: ClusterEvent) => void,
): Promise<Instance> {
  const settings = parseServerConfig(
    ["--msg-rate", "off", "--conn-limit", "off", "--conn-rate", "off", "--auth-rate", "off"],
    {},
  );
  const announced: ClusterEvent[] = [];
  const lastSeq = await store.lastMessageSeq();
  const plug: ClusterPlug = {
    link: {
      instance: name,
      presence: NO_PRESENCE,
      announce(event) {
        // What crosses the log is JSON: an event with an object reference would not survive.
        const copy = JSON.parse(JSON.stringify(event)) as ClusterEvent;
        announced.push(copy);
        deliver(copy);
        return Promise.resolve();
      },
      presenceBarrier: () => Promise.resolve(),
      stats: () => ({
        instances: 1,
        natsConnected: true,
        readEntry: 0,
        appliedEntry: 0,
        applier: false,
      }),
      instances: () => [],
      clusterUsers: () => Promise.resolve([]),
    },
    lastSeq,
    delivery: (parts) => new LocalDelivery(parts),
    writer: (callbacks) =>
      new MessageWriter(store, callbacks, { nextSeq: lastSeq + 1, maxInFlight: 1 }),
    attach: () => Promise.resolve(),
  };
  const server = await ChatServer.create(store, settings, {
    version: "test",
    log: createLogger("json", () => {}),
    cluster: plug,
  });
  const listener = new MemoryListener(0);
  server.serve(listener as unknown as Deno.Listener);
  const port = registerMemoryEndpoint((hostname) => listener.dial(hostname));
  server.finished.then(() => unregisterMemoryEndpoint(port));
  return { server, port, announced };
}

async function twoInstances(): Promise<Pair> {
  const store = await openStore("sqlite::memory:");
  let chain = Promise.resolve();
  const pair = {} as Pair;
  pair.relaying = true;
  pair.store = store;
  // The log delivers one event at a time, in order, later than the change itself.
  const relayTo = (target: () => Instance) => (event: ClusterEvent) => {
    if (!pair.relaying) return;
    chain = chain.then(() => applyRemoteEvent(target().server, event));
  };
  pair.a = await _instance("a", store, relayTo(() => pair.b));
  pair.b = await _instance("b", store, relayTo(() => pair.a));
  pair.settled = async () => {
    // Applying an event may announce nothing, but a test may have announced more meanwhile.
    for (let seen = chain;; seen = chain) {
      await seen;
      if (seen === chain) return;
    }
  };
  pair.close = async () => {
    await pair.settled();
    await Promise.all([pair.a.server.shutdown("", 0), pair.b.server.shutdown("", 0)]);
    await store.close();
  };
  return pair;
}

async function userRecord(store: Store, name: string): Promise<UserRecord> {
  const user = await store.findUserByKey(foldName(name));
  assert.ok(user, `no user ${name}`);
  return user;
}

/** Runs `body` with a fresh pair, closing the clients it lists and the pair afterwards. */
async function withPair(body: (pair: Pair, clients: FrameClient[]) => Promise<void>) {
  const pair = await twoInstances();
  const clients: FrameClient[] = [];
  try {
    await body(pair, clients);
  } finally {
    for (const client of clients) client.close();
    await pair.close();
  }
}

Deno.test("remote events: a kick on A closes the user's session on B with the same kicked frame; login on B answers kicked until it is lifted", async () => {
  await withPair(async ({ a, b, store, settled }, clients) => {
    const onB = await loggedIn(b.port);
    const watcher = await loggedIn(a.port);
    clients.push(onB, watcher);
    const user = await userRecord(store, onB.user);
    const { until } = await imposeSanction(a.server.core, {
      kind: "kick",
      user,
      durationMs: 60_000,
      reason: "calm down",
      actor: ADMIN,
    });
    const kicked = await onB.next((f) => f.type === "kicked");
    assert.equal(kicked.reason, "calm down");
    assert.equal(kicked.until, new Date(until!).toISOString());
    await onB.closed;
    const again = await FrameClient.connect(b.port);
    clients.push(again);
    const refused = await again.request({ type: "login", user: onB.user, password: PASSWORD });
    assertError(refused, "kicked");
    assert.equal(refused.until, kicked.until);

    assert.equal(await liftSanction(a.server.core, user, "kick", ADMIN), true);
    await settled();
    await again.ok({ type: "login", user: onB.user, password: PASSWORD });
    assert.deepEqual(b.announced, [], "B announced nothing while applying");
    assert.deepEqual(a.announced.map((e) => e.type), ["sanction", "sanction_lifted"]);
  });
});

Deno.test("remote events: a ban on A closes B's sessions with banned, revokes the token in the store (a token login on B is refused), and an unban lets the user back on B", async () => {
  await withPair(async ({ a, b, store, settled }, clients) => {
    const onB = await loggedIn(b.port);
    const second = await anotherSession(b.port, onB.user);
    const third = await FrameClient.connect(b.port);
    clients.push(onB, second, third);
    const login = await third.ok({ type: "login", user: onB.user, password: PASSWORD });
    const user = await userRecord(store, onB.user);
    await imposeSanction(a.server.core, {
      kind: "ban",
      user,
      durationMs: null,
      reason: "spam",
      actor: ADMIN,
    });
    for (const session of [onB, second, third]) {
      const banned = await session.next((f) => f.type === "banned");
      assert.equal(banned.reason, "spam");
      await session.closed;
    }
    const retry = await FrameClient.connect(b.port);
    clients.push(retry);
    await expectError(retry, { type: "login", user: onB.user, password: PASSWORD }, "banned");
    await liftSanction(a.server.core, user, "ban", ADMIN);
    await settled();
    // The bad input: the token issued before the ban, revoked by it.
    await expectError(
      retry,
      { type: "login", user: onB.user, token: login.token },
      "bad_credentials",
    );
    await retry.ok({ type: "login", user: onB.user, password: PASSWORD });
  });
});

Deno.test("remote events: a mute on A is told on B and B refuses the user's say with muted; an unmute on A lets it through", async () => {
  await withPair(async ({ a, b, store, settled }, clients) => {
    const onB = await loggedIn(b.port);
    clients.push(onB);
    await onB.ok({ type: "join", room: "general" });
    const user = await userRecord(store, onB.user);
    await imposeSanction(a.server.core, {
      kind: "mute",
      user,
      durationMs: 60_000,
      reason: "",
      actor: ADMIN,
    });
    const notice = await onB.next((f) => f.type === "notice");
    assert.match(String(notice.text), /mute/i);
    const refused = await expectError(onB, { type: "say", room: "general", text: "hi" }, "muted");
    assert.ok(refused.until);
    await liftSanction(a.server.core, user, "mute", ADMIN);
    await settled();
    await onB.ok({ type: "say", room: "general", text: "hi again" });
  });
});

Deno.test("remote events: an address ban on A closes B's sessions from that network with banned and B refuses new connections from it before welcome; lifting it on A lets them in", async () => {
  await withPair(async ({ a, b, settled }, clients) => {
    const banned = await FrameClient.connect(b.port, "127.0.0.1", "127.0.0.9");
    const other = await FrameClient.connect(b.port, "127.0.0.1", "127.0.0.10");
    clients.push(banned, other);
    const added = await a.server.addressBans.add({
      address: "127.0.0.9/32",
      durationMs: null,
      reason: "abuse",
      by: "admin",
    });
    assert.ok(!("error" in added));
    const last = await banned.next((f) => f.type === "banned");
    assert.equal(last.reason, "abuse");
    await banned.closed;
    await other.ok({ type: "ping" });
    await settled();
    const refused = FrameClient.over(await connectTo(b.port, "127.0.0.1", "127.0.0.9"));
    clients.push(refused);
    const error = await refused.next((f) => f.type === "error");
    assert.equal(error.code, "banned");
    assert.equal(refused.events("welcome").length, 0);

    assert.ok(await a.server.addressBans.remove(added.id));
    await settled();
    const back = await FrameClient.connect(b.port, "127.0.0.1", "127.0.0.9");
    clients.push(back);
    await back.ok({ type: "ping" });
    assert.deepEqual(b.server.addressBans.list(), []);
  });
});

Deno.test("remote events: a room created on A is listed and joinable on B; its topic set on A reaches B's members; slow mode set on A holds on B", async () => {
  await withPair(async ({ a, b, settled }, clients) => {
    const creator = await loggedIn(a.port);
    const onB = await loggedIn(b.port);
    clients.push(creator, onB);
    const room = uniqueName("r");
    await creator.ok({ type: "create_room", room, topic: "first" });
    await settled();
    const listed = await onB.ok({ type: "rooms" });
    const entry = (listed.rooms as { name: string; topic: string }[]).find((r) => r.name === room);
    assert.equal(entry?.topic, "first");
    await onB.ok({ type: "join", room });

    // The creator may set it (createdBy carried in the record): the event reaches B.
    await creator.ok({ type: "topic", room, topic: "second" });
    const topic = await onB.next((f) => f.type === "topic");
    assert.deepEqual(
      { room: topic.room, topic: topic.topic, user: topic.user },
      { room, topic: "second", user: creator.user },
    );
    // The admin API's path also sends a notice, worded by B.
    await setRoomTopic(a.server.core, a.server.core.rooms.get(room)!, "", ADMIN);
    const cleared = await onB.next((f) => f.type === "topic");
    assert.equal(cleared.topic, null);
    await onB.next((f) => f.type === "notice");
    assert.equal(b.server.core.rooms.get(room)!.topic, null);

    await setSlowMode(a.server.core, a.server.core.rooms.get(room)!, 30, ADMIN);
    await settled();
    const joined = await onB.ok({ type: "join", room });
    assert.equal(joined.slowmode, 30);
    await onB.ok({ type: "say", room, text: "one" });
    const slow = await expectError(onB, { type: "say", room, text: "two" }, "rate_limited");
    assert.ok(Number(slow.retry_after) > 0);
  });
});

Deno.test("remote events: a room deleted on A is gone on B, whose members get room_deleted and a notice; a second deletion (B's expiry racing) deletes and audits nothing", async () => {
  await withPair(async (pair, clients) => {
    const { a, b, store } = pair;
    const onB = await loggedIn(b.port);
    clients.push(onB);
    const room = await (async () => {
      const name = uniqueName("gone");
      await onB.ok({ type: "create_room", room: name });
      await pair.settled();
      await onB.ok({ type: "join", room: name });
      return name;
    })();
    assert.equal(await removeRoom(a.server.core, a.server.core.rooms.get(room)!, ADMIN), true);
    const gone = await onB.next((f) => f.type === "room_deleted");
    assert.equal(gone.room, room);
    await onB.next((f) => f.type === "notice");
    await expectError(onB, { type: "join", room }, "no_such_room");
    assert.equal(b.server.core.rooms.get(room), undefined);

    // Both instances deciding to delete one room: the store deletes it once.
    const twice = uniqueName("twice");
    await onB.ok({ type: "create_room", room: twice });
    await pair.settled();
    pair.relaying = false;
    const onA = a.server.core.rooms.get(twice)!;
    const onBRoom = b.server.core.rooms.get(twice)!;
    assert.equal(await removeRoom(a.server.core, onA, { by: "system", address: "local" }), true);
    assert.equal(
      await removeRoom(b.server.core, onBRoom, { by: "system", address: "local" }),
      false,
    );
    const audits = (await store.listAudit(100)).filter((e) =>
      e.action === "delete_room" && e.target === twice
    );
    assert.equal(audits.length, 1);
  });
});

Deno.test("remote events: a role granted on A lets the user set any topic on B at once; revoked on A, B answers not_allowed", async () => {
  await withPair(async ({ a, b, store, settled }, clients) => {
    const owner = await loggedIn(a.port);
    const mod = await loggedIn(b.port);
    clients.push(owner, mod);
    const room = uniqueName("staff");
    await owner.ok({ type: "create_room", room });
    await settled();
    await expectError(mod, { type: "topic", room, topic: "mine" }, "not_allowed");
    const user = await userRecord(store, mod.user);
    await grantRole(a.server.core, user, "moderator", ADMIN);
    await settled();
    assert.equal(b.server.core.staff.roleOf(user.id), "moderator");
    await mod.ok({ type: "topic", room, topic: "mine" });
    await revokeRole(a.server.core, user, ADMIN);
    await settled();
    assert.equal(b.server.core.staff.roleOf(user.id), null);
    await expectError(mod, { type: "topic", room, topic: "again" }, "not_allowed");
  });
});

Deno.test("remote events: mark_read on A sends read to the account's sessions on B; a report filed on A tells B's admin page", async () => {
  await withPair(async ({ a, b, settled }, clients) => {
    const onA = await loggedIn(a.port);
    const onB = await anotherSession(b.port, onA.user);
    clients.push(onA, onB);
    await onA.ok({ type: "join", room: "general" });
    const said = await onA.ok({ type: "say", room: "general", text: "read me" });
    await onA.ok({ type: "mark_read", room: "general", msgid: said.msgid });
    const read = await onB.next((f) => f.type === "read");
    assert.deepEqual({ room: read.room, msgid: read.msgid }, {
      room: "general",
      msgid: said.msgid,
    });
    assert.equal(onA.events("read").length, 0, "the marking session is not told");

    const feed: ServerEvent[] = [];
    const unsubscribe = b.server.core.subscribe((event) => feed.push(event));
    try {
      await onA.ok({ type: "report", msgid: said.msgid, reason: "rude" });
      await settled();
      assert.ok(feed.some((event) => event.type === "reports"));
    } finally {
      unsubscribe();
    }
  });
});

Deno.test("remote events: a password change on A closes the account's sessions on B with bad_credentials, and B's cached record no longer takes the old password", async () => {
  await withPair(async ({ a, b, settled }, clients) => {
    const onA = await loggedIn(a.port);
    const onB = await anotherSession(b.port, onA.user);
    clients.push(onA, onB);
    await onA.ok({ type: "password", old: PASSWORD, new: "a brand new secret" });
    await settled();
    assert.ok(a.announced.some((e) => e.type === "password_changed"));
    const ended = await onB.next((f) => f.type === "error");
    assert.equal(ended.code, "bad_credentials");
    await onB.closed;
    const retry = await FrameClient.connect(b.port);
    clients.push(retry);
    // The bad input: the old password, which B had cached.
    await expectError(
      retry,
      { type: "login", user: onA.user, password: PASSWORD },
      "bad_credentials",
    );
    await retry.ok({ type: "login", user: onA.user, password: "a brand new secret" });
  });
});

Deno.test("remote events: shutdownCluster on A sends shutdown to B's connections and stops B", async () => {
  const pair = await twoInstances();
  const onB = await FrameClient.connect(pair.b.port);
  try {
    await pair.a.server.shutdownCluster("maintenance", 0);
    const frame = await onB.next((f) => f.type === "shutdown");
    assert.deepEqual({ message: frame.message, in: frame.in }, { message: "maintenance", in: 0 });
    await waitFor("B to stop", () => pair.b.server.shuttingDown);
    await pair.b.server.finished;
    await onB.closed;
  } finally {
    onB.close();
    await pair.close();
  }
});
