/**
 * Presence across instances (lib/cluster/presence.ts) on real chat cores joined by a fake
 * NATS (`presence_support.ts`): members and `joined`/`left` count every instance's sessions,
 * a dead, stopped or restarted instance's presence goes with `left`, a lost message is
 * repaired by a snapshot, snapshots travel in chunks, and the admin views gather every
 * instance's users in pages.
 */
import { deepStrictEqual as equal, ok, strictEqual as same } from "node:assert/strict";
import { waitFor } from "../support/wait.ts";
import { FakeHub, presenceEvents, TestInstance } from "./presence_support.ts";

/** A clock the test moves. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_900_000_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Waits until nothing is on its way or due to be sent. */
async function settled(hub: FakeHub, instances: TestInstance[]): Promise<void> {
  await waitFor(
    "the instances to settle",
    () => hub.inFlight === 0 && instances.every((i) => i.presence.idle),
  );
}

/** Starts instances `names` on one hub, each having heard the others. */
async function cluster(names: string[], options = {}) {
  const hub = new FakeHub();
  const clock = manualClock();
  const instances: TestInstance[] = [];
  for (const name of names) instances.push(await TestInstance.start(hub, name, clock.now, options));
  await waitFor(
    "every instance to know the others",
    () => instances.every((i) => i.presence.peers().length === names.length - 1),
  );
  await settled(hub, instances);
  const close = async () => {
    for (const i of instances) await i.close();
  };
  // Two or three, named by the test's destructuring.
  return { hub, clock, instances: instances as [TestInstance, TestInstance, TestInstance], close };
}

const members = (i: TestInstance, room = 1) => i.room(room).members().sort();

Deno.test("presence: members count every instance; joined and left only at the edges", async () => {
  const { instances: [a, b], close } = await cluster(["a", "b"]);
  try {
    const carol = a.login(3, "carol");
    a.join(carol, 1);
    const bob = b.login(2, "bob");
    b.join(bob, 1);
    await waitFor("bob on a", () => members(a).includes("bob"));
    await waitFor("carol on b", () => members(b).includes("carol"));
    await waitFor("carol told of bob", () => presenceEvents(carol).includes("joined bob"));

    // alice: first on a (b's bob is told), then a second session on b (nobody is told).
    const alice1 = a.login(1, "alice");
    a.join(alice1, 1);
    await waitFor("alice on b", () => members(b).includes("alice"));
    await waitFor("bob told of alice", () => presenceEvents(bob).includes("joined alice"));
    const alice2 = b.login(1, "alice");
    b.join(alice2, 1);
    await waitFor(
      "b's count of alice's sessions on a and here",
      () => b.room(1).localSessions(1) === 1 && a.room(1).remoteSessions("b", 1) === 1,
    );
    equal(members(a), ["alice", "bob", "carol"]);
    equal(members(b), ["alice", "bob", "carol"]);
    same(a.room(1).members().filter((n) => n === "alice").length, 1, "alice listed once");

    // alice leaves on a: still there through b, so no `left` anywhere.
    a.leave(alice1, 1);
    await waitFor("a to see alice's session on a gone", () => a.room(1).localSessions(1) === 0);
    await waitFor("b to hear it", () => b.room(1).remoteSessions("a", 1) === 0);
    equal(members(a), ["alice", "bob", "carol"]);
    equal(members(b), ["alice", "bob", "carol"]);
    // Her last session anywhere goes (a disconnect): both instances' members are told.
    b.drop(alice2);
    await waitFor("carol told alice left", () => presenceEvents(carol).includes("left alice"));
    await waitFor("bob told alice left", () => presenceEvents(bob).includes("left alice"));
    equal(members(a), ["bob", "carol"]);
    equal(presenceEvents(carol), ["joined bob", "joined alice", "left alice"]);
    // carol's arrival reached b after bob's own join there.
    equal(presenceEvents(bob), ["joined carol", "joined alice", "left alice"]);
    // Online status spans instances too (the accounts directory reads it).
    ok(a.core.sessions.isOnline(2), "bob, on b only, is online for a");
    ok(b.core.sessions.isOnline(1), "alice, still logged in on a, is online for b");
    a.drop(alice1);
    await waitFor("alice offline for b", () => !b.core.sessions.isOnline(1));
  } finally {
    await close();
  }
});

Deno.test("presence: a silent instance is dead after 10 s: its users leave with `left`", async () => {
  const { instances: [a, b], clock, close } = await cluster(["a", "b"]);
  try {
    const carol = a.login(3, "carol");
    a.join(carol, 1);
    const bob = b.login(2, "bob");
    b.join(bob, 1);
    b.join(bob, 2);
    await waitFor("bob on a", () => members(a).includes("bob") && members(a, 2).includes("bob"));
    // b stops answering (kill -9: no goodbye). 9 s later a still counts it.
    b.bus.setConnected!(false);
    clock.advance(9_000);
    a.presence.tick();
    ok(members(a).includes("bob"));
    clock.advance(2_000);
    a.presence.tick();
    equal(members(a), ["carol"]);
    equal(members(a, 2), []);
    equal(a.presence.instances().map((i) => i.instance), ["a"]);
    same(a.core.sessions.isOnline(2), false);
    await waitFor("carol told bob left", () => presenceEvents(carol).includes("left bob"));
  } finally {
    await close();
  }
});

Deno.test("presence: this instance cut off from NATS declares nobody dead meanwhile", async () => {
  const { instances: [a, b], clock, close } = await cluster(["a", "b"]);
  try {
    const bob = b.login(2, "bob");
    b.join(bob, 1);
    await waitFor("bob on a", () => members(a).includes("bob"));
    a.bus.setConnected!(false);
    clock.advance(30_000);
    a.presence.tick();
    ok(members(a).includes("bob"), "a cannot hear anybody: it keeps what it knew");
    a.bus.setConnected!(true);
    a.presence.tick();
    b.presence.tick(); // b's heartbeat
    await waitFor("a to hear b again", () => a.presence.instances().length === 2);
    clock.advance(5_000);
    a.presence.tick();
    ok(members(a).includes("bob"));
  } finally {
    await close();
  }
});

Deno.test("presence: a goodbye drops the instance at once; a restart under the same name drops the old run", async () => {
  const { hub, clock, instances: [a, b], close } = await cluster(["a", "b"]);
  let b2: TestInstance | null = null;
  try {
    const carol = a.login(3, "carol");
    a.join(carol, 1);
    const bob = b.login(2, "bob");
    b.join(bob, 1);
    await waitFor("bob on a", () => members(a).includes("bob"));
    // A restart without goodbye (kill -9 then a new process named b): the new boot id tells.
    b.bus.setConnected!(false);
    b2 = await TestInstance.start(hub, "b", clock.now);
    await waitFor("bob gone from a", () => !members(a).includes("bob"));
    await waitFor("carol told bob left", () => presenceEvents(carol).includes("left bob"));
    const dave = b2.login(4, "dave");
    b2.join(dave, 1);
    await waitFor("dave on a", () => members(a).includes("dave"));
    await waitFor("b2 knows carol", () => members(b2!).includes("carol"));
    // A clean stop: `bye`, and a forgets b at once.
    b2.presence.stop();
    await waitFor("dave gone from a", () => !members(a).includes("dave"));
    equal(a.presence.peers(), []);
  } finally {
    await b2?.close();
    await close();
  }
});

Deno.test("presence: bad input: a lost `ops` message is repaired by a snapshot", async () => {
  const { hub, clock, instances: [a, b], close } = await cluster(["a", "b"]);
  try {
    let lost = 0;
    hub.lose = (from, suffix, data) =>
      from === "b" && suffix === "presence" && data.t === "ops" &&
      lost++ === 0;
    const bob = b.login(2, "bob");
    b.join(bob, 1); // the first `ops` (bob logged in and joined) is lost
    await waitFor("b to publish", () => lost === 1);
    ok(!members(a).includes("bob"));
    // The next heartbeat shows a's count is behind: a asks b for its snapshot.
    clock.advance(3_000);
    b.presence.tick();
    await waitFor("bob on a after the snapshot", () => members(a).includes("bob"));
    ok(a.core.sessions.isOnline(2));
    // A gap seen in the sequence of `ops` itself is repaired the same way.
    hub.lose = (from, _s, data) => from === "b" && data.t === "ops" && lost++ === 1;
    b.join(bob, 2); // lost
    await waitFor("the second loss", () => lost === 2);
    hub.lose = null;
    clock.advance(2_000); // a asks one instance at most every 2 s
    const erin = b.login(5, "erin"); // arrives with a gap before it
    b.join(erin, 1);
    await waitFor("bob in dev on a", () => members(a, 2).includes("bob"));
    await waitFor("erin on a", () => members(a).includes("erin"));
  } finally {
    await close();
  }
});

Deno.test("presence: a starting instance learns the others' presence in bounded chunks", async () => {
  const hub = new FakeHub();
  const clock = manualClock();
  const a = await TestInstance.start(hub, "a", clock.now, { chunkChars: 200 });
  let b: TestInstance | null = null;
  try {
    const sessions = [];
    for (let id = 1; id <= 40; id++) {
      const s = a.login(id, `user${id}`);
      a.join(s, 1);
      if (id % 2 === 0) a.join(s, 2);
      sessions.push(s);
    }
    b = await TestInstance.start(hub, "b", clock.now, { chunkChars: 200 });
    await waitFor("b to know all 40", () => b!.room(1).members().length === 40);
    same(b.room(2).members().length, 20);
    const snaps = hub.log.filter(([from, , d]) => from === "a" && d.t === "snap");
    ok(snaps.length > 1, "the snapshot came in several chunks");
    ok(snaps.every(([, , d]) => JSON.stringify(d).length < 600), "each chunk stays small");
    same(b.presence.instances().find((i) => i.instance === "a")?.sessions, 40);
  } finally {
    await b?.close();
    await a.close();
  }
});

Deno.test("presence: a room another instance created later gets its members when it appears", async () => {
  const hub = new FakeHub();
  const clock = manualClock();
  const a = await TestInstance.start(hub, "a", clock.now, { rooms: [1] });
  const b = await TestInstance.start(hub, "b", clock.now, { rooms: [1, 7] });
  try {
    const bob = b.login(2, "bob");
    b.join(bob, 7);
    await waitFor("a to hear of bob", () => a.core.sessions.isOnline(2));
    const room = a.core.rooms.add({
      id: 7,
      name: "new",
      nameKey: "new",
      topic: null,
      createdAt: 0,
    });
    equal(room.members(), ["bob"], "as soon as the room is added");
  } finally {
    await b.close();
    await a.close();
  }
});

Deno.test("presence: bad input: malformed presence messages change nothing", async () => {
  const { hub, instances: [a, b], close } = await cluster(["a", "b"]);
  try {
    const bad = [
      null,
      "text",
      { t: "ops", i: "b", b: b.bus.boot, q: 1, e: [{ u: "x", n: "bob", c: 1 }] },
      { t: "ops", i: "b", b: b.bus.boot, q: 1, e: "nope" },
      { t: "snap", i: "b", b: b.bus.boot, since: "", chat: "", q: 1, id: 1, k: 3, of: 1, e: [] },
      { t: "hb", i: "z", b: "1", since: 5, chat: "", q: 0, n: 0 },
      { t: "unknown", i: "z", b: "1" },
      { t: "hb", i: "a", b: "another boot", since: "", chat: "", q: 0, n: 0 },
    ];
    for (const data of bad) hub.publish(b.bus, "presence", data);
    const bob = b.login(2, "bob");
    b.join(bob, 1);
    await waitFor("bob on a", () => members(a).includes("bob"));
    equal(a.presence.peers(), ["b"]);
  } finally {
    await close();
  }
});

Deno.test("admin views: every instance's users, paged, sessions tagged with their instance", async () => {
  const { instances: [a, b, c], close } = await cluster(["a", "b", "c"], { pageChars: 300 });
  try {
    for (let id = 1; id <= 12; id++) {
      const s = b.login(id, `user${String(id).padStart(2, "0")}`);
      b.join(s, 1);
    }
    const alice = c.login(100, "user01"); // user01 on c as well
    c.join(alice, 2);
    a.login(200, "zed");
    const users = await a.core.cluster!.clusterUsers();
    equal(users.map((u) => u.user).sort(), [
      ...Array.from({ length: 12 }, (_, i) => `user${String(i + 1).padStart(2, "0")}`),
      "zed",
    ]);
    const user01 = users.find((u) => u.user === "user01")!;
    equal(user01.sessions.map((s) => [s.instance, s.rooms]), [["b", ["general"]], ["c", ["dev"]]]);
    equal(users.find((u) => u.user === "zed")!.sessions[0]!.instance, "a");
    // c stops answering: a still lists b's and its own users (within about a second).
    c.bus.setConnected!(false);
    const started = Date.now();
    const partial = await a.core.cluster!.clusterUsers();
    ok(Date.now() - started < 3_000);
    equal(partial.find((u) => u.user === "user01")!.sessions.map((s) => s.instance), ["b"]);
    same(partial.length, 13);
  } finally {
    await close();
  }
});
