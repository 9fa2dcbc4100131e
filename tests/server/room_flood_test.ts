/**
 * Room flood (issue 11, item 4), over real sockets: per-account and per-address room
 * creation rates, muted users cannot create rooms, the admin API obeys the same room cap,
 * every creation is audited, and idle rooms expire (never `general`, never an occupied
 * room) through the ordinary room-delete path.
 */
import assert from "node:assert/strict";
import { type Frame, RawPeer, waitFor } from "../hardening/support.ts";
import { startServer } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  assertError,
  closeAll,
  loggedIn,
  PASSWORD,
  uniqueName,
} from "./support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };
/** The room rate is an anti-abuse limit that, like flood escalation, needs --msg-rate on. */
const RATES_ON = ["--msg-rate", "1000:1000"];

/** Sends a request over a raw peer and waits for its answer. */
async function peerRequest(peer: RawPeer, frame: Record<string, unknown>): Promise<Frame> {
  const id = uniqueName("r");
  await peer.write(JSON.stringify({ ...frame, id }) + "\n");
  return await waitFor(`the reply to ${frame.type}`, () => peer.frames.find((f) => f.id === id));
}

/** The audit log's entries (newest first). */
async function audit(adminPort: number): Promise<Frame[]> {
  const reply = await admin(adminPort, "GET", "/api/audit");
  assert.equal(reply.status, 200);
  return (reply.body as { entries: Frame[] }).entries;
}

async function roomNames(client: { ok(f: Record<string, unknown>): Promise<Frame> }) {
  const reply = await client.ok({ type: "rooms" });
  return (reply.rooms as { name: string }[]).map((r) => r.name);
}

Deno.test("room flood: bad input past the rooms per account gets rate_limited with retry_after; others still create", async () => {
  const server = await startServer({ env: ENV, args: [...RATES_ON, "--room-rate", "10:20"] });
  const flooder = await loggedIn(server.port);
  const other = await loggedIn(server.port);
  try {
    for (let i = 0; i < 10; i++) {
      await flooder.ok({ type: "create_room", room: uniqueName("flood") });
    }
    const refused = await flooder.request({ type: "create_room", room: uniqueName("flood") });
    assertError(refused, "rate_limited");
    assert.equal(typeof refused.retry_after, "number");
    assert.ok((refused.retry_after as number) > 0 && (refused.retry_after as number) <= 3600);
    assert.ok((refused.retryAfterMs as number) > 0);
    // The refusal was not counted as a room, and other accounts are not affected.
    assertError(
      await flooder.request({ type: "create_room", room: uniqueName("flood") }),
      "rate_limited",
    );
    const mine = uniqueName("calm");
    await other.ok({ type: "create_room", room: mine });
    assert.ok((await roomNames(other)).includes(mine));
  } finally {
    closeAll(flooder, other);
    await server.cleanup();
  }
});

Deno.test("room flood: bad input past the rooms per address gets rate_limited; another address still creates", async () => {
  const server = await startServer({ env: ENV, args: [...RATES_ON, "--room-rate", "off:4"] });
  const peers: RawPeer[] = [];
  try {
    // Fresh accounts from one address share its allowance.
    for (let i = 0; i < 5; i++) {
      const client = await loggedIn(server.port);
      const reply = await client.request({ type: "create_room", room: uniqueName("addr") });
      client.close();
      if (i < 4) assert.equal(reply.type, "ok", JSON.stringify(reply));
      else {
        assertError(reply, "rate_limited");
        assert.equal(typeof reply.retry_after, "number");
      }
    }
    const peer = await RawPeer.connect(server.port, "127.0.0.2");
    peers.push(peer);
    const user = uniqueName("far");
    assert.equal(
      (await peerRequest(peer, { type: "register", user, password: PASSWORD })).type,
      "ok",
    );
    assert.equal((await peerRequest(peer, { type: "login", user, password: PASSWORD })).type, "ok");
    const created = await peerRequest(peer, { type: "create_room", room: uniqueName("far") });
    assert.equal(created.type, "ok", JSON.stringify(created));
  } finally {
    for (const peer of peers) peer.destroy();
    await server.cleanup();
  }
});

Deno.test("room flood: bad input create_room by a muted user → muted with until", async () => {
  const server = await startServer({ env: ENV });
  const mallory = await loggedIn(server.port);
  try {
    const muted = await admin(server.adminPort, "POST", "/api/mute", {
      user: mallory.user,
      duration: "1h",
    });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    const reply = await mallory.request({ type: "create_room", room: uniqueName("mute") });
    assertError(reply, "muted");
    assert.equal(reply.until, (muted.body as { until: string }).until);
    assert.equal(
      (await admin(server.adminPort, "DELETE", `/api/mutes/${mallory.user}`)).status,
      204,
    );
    await mallory.ok({ type: "create_room", room: uniqueName("mute") });
  } finally {
    closeAll(mallory);
    await server.cleanup();
  }
});

Deno.test("room flood: bad input admin-created rooms past --max-rooms are refused like users'", async () => {
  // general + 2 more = 3.
  const server = await startServer({ env: ENV, args: ["--max-rooms", "3"] });
  const ann = await loggedIn(server.port);
  try {
    await ann.ok({ type: "create_room", room: uniqueName("cap") });
    const second = await admin(server.adminPort, "POST", "/api/rooms", {
      name: uniqueName("cap"),
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const third = await admin(server.adminPort, "POST", "/api/rooms", { name: uniqueName("cap") });
    assert.equal(third.status, 409, JSON.stringify(third.body));
    assert.equal((third.body as { error: { code: string } }).error.code, "limit_reached");
    assertError(
      await ann.request({ type: "create_room", room: uniqueName("cap") }),
      "limit_reached",
    );
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("room flood: rooms created over the protocol are audited like the admin's", async () => {
  const server = await startServer({ env: ENV });
  const ann = await loggedIn(server.port);
  try {
    const room = uniqueName("audited");
    await ann.ok({ type: "create_room", room, topic: "on the record" });
    const entry = (await audit(server.adminPort)).find((e) =>
      e.action === "create_room" && e.target === room
    );
    assert.ok(entry, "no create_room entry in the audit log");
    assert.equal(entry.by, ann.user);
    assert.match(entry.address as string, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(JSON.parse(entry.detail as string), { topic: "on the record" });
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("room expiry: an idle room is deleted (audited as system), never general or an occupied room", async () => {
  const args = ["--room-expiry", "2s"];
  const first = await startServer({ env: ENV, args });
  let server = first;
  let ann = await loggedIn(server.port);
  try {
    const occupied = uniqueName("occupied");
    await ann.ok({ type: "create_room", room: occupied });
    await ann.ok({ type: "join", room: occupied });
    const idle = uniqueName("idle");
    await ann.ok({ type: "create_room", room: idle });
    await ann.ok({ type: "join", room: idle });
    const last = (await ann.ok({ type: "say", room: idle, text: "last words" })).msgid as string;
    await ann.ok({ type: "leave", room: idle });

    await waitFor(
      "the idle room expires",
      async () => !(await roomNames(ann)).includes(idle),
      30_000,
    );
    // The occupied room is older than the idle one and was swept with it, but kept.
    let names = await roomNames(ann);
    assert.ok(names.includes("general"));
    assert.ok(names.includes(occupied));
    assertError(await ann.request({ type: "join", room: idle }), "no_such_room");
    // The audit entry follows the deletion of the rows, a moment after the directory.
    let entry: Frame | undefined;
    await waitFor("the expiry is audited", async () => {
      entry = (await audit(server.adminPort)).find((e) =>
        e.action === "delete_room" && e.target === idle
      );
      return entry !== undefined;
    });
    assert.equal(entry!.by, "system");

    // Once its last member leaves, the occupied room expires too; general never does.
    await ann.ok({ type: "leave", room: occupied });
    await waitFor(
      "the room left empty expires",
      async () => !(await roomNames(ann)).includes(occupied),
      30_000,
    );
    names = await roomNames(ann);
    assert.ok(names.includes("general"));

    // The msgid floor rule of the delete path: a restart never hands `last` out again.
    await server.stop("SIGTERM");
    server = await startServer({ db: first.db, env: ENV, args });
    closeAll(ann);
    ann = await loggedIn(server.port);
    await ann.ok({ type: "join", room: "general" });
    const after = await ann.ok({ type: "say", room: "general", text: "after restart" });
    assert.ok((after.msgid as string) > last, `${after.msgid} after the deleted ${last}`);
  } finally {
    closeAll(ann);
    await server.cleanup();
    await first.cleanup();
  }
});

Deno.test("topic flood: bad input an 11th topic change within a minute gets rate_limited with retry_after; nothing stored", async () => {
  const server = await startServer({ env: ENV, args: RATES_ON });
  const flooder = await loggedIn(server.port);
  const member = await loggedIn(server.port);
  const other = await loggedIn(server.port);
  try {
    const room = uniqueName("topics");
    await flooder.ok({ type: "create_room", room });
    await member.ok({ type: "join", room });
    for (let i = 0; i < 10; i++) await flooder.ok({ type: "topic", room, topic: `topic ${i}` });
    const refused = await flooder.request({ type: "topic", room, topic: "one too many" });
    assertError(refused, "rate_limited");
    assert.ok((refused.retry_after as number) > 0 && (refused.retry_after as number) <= 60);
    assert.ok((refused.retryAfterMs as number) > 0);
    // Not stored, not sent: the room keeps the 10th topic, and members saw 10 changes.
    const joined = await member.ok({ type: "join", room });
    assert.equal(joined.topic, "topic 9");
    await member.ok({ type: "ping" });
    assert.equal(member.events("topic").length, 10);
    // Another account's topics are not affected.
    const mine = uniqueName("calm");
    await other.ok({ type: "create_room", room: mine });
    await other.ok({ type: "topic", room: mine, topic: "a calm topic" });
  } finally {
    closeAll(flooder, member, other);
    await server.cleanup();
  }
});

Deno.test("topic flood: with --msg-rate off (the conformance suite's setting) topics are not limited", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "off"] });
  const creator = await loggedIn(server.port);
  try {
    const room = uniqueName("free");
    await creator.ok({ type: "create_room", room });
    for (let i = 0; i < 15; i++) await creator.ok({ type: "topic", room, topic: `topic ${i}` });
  } finally {
    closeAll(creator);
    await server.cleanup();
  }
});
