/**
 * Slow mode per room (issue 15): set through the admin API (`PUT /api/rooms/{room}/slowmode`,
 * 0 to 3600 seconds), shown by `rooms` and `join`, felt by `say` (`rate_limited` with a
 * numeric `retry_after` within N seconds of the user's previous accepted `say` there),
 * staff exempt, stored across a restart, audited. Bad bodies get 400, unknown rooms 404.
 */
import assert from "node:assert/strict";
import { hashPassword } from "../../lib/auth/password.ts";
import { foldName } from "../../lib/protocol/names.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { FrameClient } from "../support/frame_client.ts";
import { freshDatabase } from "../support/server_process.ts";
import {
  admin,
  ADMIN_TOKEN,
  anotherSession,
  assertError,
  closeAll,
  freshRoom,
  loggedIn,
  PASSWORD,
  startServer,
  uniqueName,
  waitFor,
} from "./support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

/** The `slowmode` that `rooms` lists for `room`. */
async function listedSlowMode(client: FrameClient, room: string): Promise<unknown> {
  const reply = await client.ok({ type: "rooms" });
  const entry = (reply.rooms as { name: string; slowmode?: unknown }[]).find((r) =>
    r.name === room
  );
  assert.ok(entry, `room ${room} listed`);
  return entry.slowmode;
}

/** Sets a room's slow mode through the admin API and checks the 200 reply. */
async function setSlowMode(adminPort: number, room: string, seconds: number): Promise<void> {
  const reply = await admin(adminPort, "PUT", `/api/rooms/${encodeURIComponent(room)}/slowmode`, {
    seconds,
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, { room, seconds });
}

Deno.test("slow mode: rooms and join show it; a second say within N seconds is rate_limited with retry_after", async () => {
  const server = await startServer({ env: ENV });
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  try {
    const welcome = ann.received[0]!;
    for (const feature of ["slowmode", "address_bans"]) {
      assert.ok((welcome.features as string[]).includes(feature), `welcome lists ${feature}`);
    }
    const room = await freshRoom(ann, "slow");
    assert.equal(await listedSlowMode(ann, room), 0, "off by default: 0");
    await setSlowMode(server.adminPort, room, 120);
    assert.equal(await listedSlowMode(ann, room), 120);
    const joined = await bob.ok({ type: "join", room });
    assert.equal(joined.slowmode, 120);

    await ann.ok({ type: "say", room, text: "first" });
    const refused = await ann.request({ type: "say", room, text: "second" });
    assertError(refused, "rate_limited");
    assert.equal(typeof refused.retry_after, "number");
    assert.ok((refused.retry_after as number) > 0 && (refused.retry_after as number) <= 120);
    // Per user: bob's first say passes; and per room: ann speaks freely elsewhere.
    await bob.ok({ type: "say", room, text: "bob's first" });
    await ann.ok({ type: "join", room: "general" });
    await ann.ok({ type: "say", room: "general", text: "elsewhere" });
    // Another session of the same account is the same user.
    const ann2 = await anotherSession(server.port, ann.user);
    await ann2.ok({ type: "join", room });
    assertError(
      await ann2.request({ type: "say", room, text: "via another session" }),
      "rate_limited",
    );
    ann2.close();
    // Nothing refused was stored.
    const history = await bob.ok({ type: "history", room });
    assert.deepEqual(
      (history.messages as { text: string }[]).map((m) => m.text),
      ["first", "bob's first"],
    );

    await setSlowMode(server.adminPort, room, 0);
    assert.equal(await listedSlowMode(ann, room), 0);
    await ann.ok({ type: "say", room, text: "free again" });
    await ann.ok({ type: "say", room, text: "and again" });

    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const entries = (audit.body as { entries: { action: string; target: string; by: string }[] })
      .entries.filter((e) => e.action === "slowmode" && e.target === room);
    assert.equal(entries.length, 2, "both changes audited");
    // The acting person (the bearer token acts as "token").
    assert.ok(entries[0]!.by.length > 0);
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
  }
});

Deno.test("slow mode: after retry_after has passed the user may speak again", async () => {
  const server = await startServer({ env: ENV });
  const ann = await loggedIn(server.port);
  try {
    const room = await freshRoom(ann, "slow1");
    await setSlowMode(server.adminPort, room, 1);
    await ann.ok({ type: "say", room, text: "one" });
    // Polled with a deadline: no timing assertion, only "eventually accepted".
    await waitFor("a say accepted after the slow mode window", async () => {
      const reply = await ann.request({ type: "say", room, text: "two" });
      if (reply.type === "ok") return true;
      assertError(reply, "rate_limited");
      return false;
    });
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

/** A fresh database holding one account with a staff role, before any server starts. */
async function databaseWithModerator(): Promise<
  { db: string; user: string; drop(): Promise<void> }
> {
  const fresh = await freshDatabase();
  const user = uniqueName("mod");
  const store = await openStore(fresh.db);
  try {
    const record = await store.createUser({
      name: user,
      nameKey: foldName(user),
      passwordHash: await hashPassword(PASSWORD),
      createdAt: Date.now(),
    });
    assert.ok(record);
    await store.setStaffRole({
      userId: record.id,
      role: "moderator",
      since: Date.now(),
      by: "admin",
    });
  } finally {
    await store.close();
  }
  return { ...fresh, user };
}

Deno.test("slow mode: staff are exempt; the setting survives a restart", async () => {
  const staffDb = await databaseWithModerator();
  let server = await startServer({ env: ENV, db: staffDb.db });
  let mod = await anotherSession(server.port, staffDb.user);
  let ann = await loggedIn(server.port);
  try {
    const room = await freshRoom(ann, "slowstaff");
    await mod.ok({ type: "join", room });
    await setSlowMode(server.adminPort, room, 600);
    await mod.ok({ type: "say", room, text: "staff 1" });
    await mod.ok({ type: "say", room, text: "staff 2" });
    await ann.ok({ type: "say", room, text: "user 1" });
    assertError(await ann.request({ type: "say", room, text: "user 2" }), "rate_limited");

    closeAll(mod, ann);
    await server.stop();
    server = await startServer({ env: ENV, db: server.db });
    ann = await anotherSession(server.port, ann.user);
    mod = await anotherSession(server.port, staffDb.user);
    assert.equal(await listedSlowMode(ann, room), 600, "stored across the restart");
    assert.equal((await ann.ok({ type: "join", room })).slowmode, 600);
    await mod.ok({ type: "join", room });
    await ann.ok({ type: "say", room, text: "after restart" });
    assertError(await ann.request({ type: "say", room, text: "too soon" }), "rate_limited");
    await mod.ok({ type: "say", room, text: "staff still free" });
  } finally {
    closeAll(mod, ann);
    await server.cleanup();
    await staffDb.drop();
  }
});

Deno.test("slow mode: bad seconds get 400 (each named), an unknown room 404, nothing changes", async () => {
  const server = await startServer({ env: ENV });
  const ann = await loggedIn(server.port);
  try {
    const room = await freshRoom(ann, "slowbad");
    const path = `/api/rooms/${encodeURIComponent(room)}/slowmode`;
    const bad: [string, unknown][] = [
      ["negative", { seconds: -1 }],
      ["over an hour", { seconds: 3601 }],
      ["fractional", { seconds: 1.5 }],
      ["a string", { seconds: "10" }],
      ["missing", {}],
      ["null", { seconds: null }],
      ["not an object", [5]],
    ];
    for (const [what, body] of bad) {
      const reply = await admin(server.adminPort, "PUT", path, body);
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`);
      assert.equal((reply.body as { error: { code: string } }).error.code, "bad_request", what);
    }
    const unknown = await admin(server.adminPort, "PUT", "/api/rooms/no-such-room-x/slowmode", {
      seconds: 10,
    });
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as { error: { code: string } }).error.code, "no_such_room");
    assert.equal(await listedSlowMode(ann, room), 0);
    await ann.ok({ type: "say", room, text: "a" });
    await ann.ok({ type: "say", room, text: "b" });
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("slow mode: bad input 9 says refused by slow mode spend none of the sender's message rate: a burst in another room right after is accepted", async () => {
  // The server's own anti-abuse rates on (5 a second, burst 10), as in production.
  const server = await startServer({ env: ENV, args: ["--msg-rate", "5:10"] });
  const ann = await loggedIn(server.port);
  try {
    const slow = await freshRoom(ann, "slowr");
    const other = await freshRoom(ann, "fast");
    await setSlowMode(server.adminPort, slow, 600);
    await ann.ok({ type: "say", room: slow, text: "one" });
    for (let i = 0; i < 9; i++) {
      const reply = await ann.request({ type: "say", room: slow, text: `again ${i}` });
      assertError(reply, "rate_limited");
      assert.match(String(reply.message), /Slow mode/, JSON.stringify(reply));
    }
    // The bucket still holds the burst's other 9 tokens (the old order had spent them all).
    for (let i = 0; i < 8; i++) await ann.ok({ type: "say", room: other, text: `burst ${i}` });
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});

Deno.test("slow mode: bad input a sender that ignores slow mode's retry_after collects flood strikes and is muted automatically, like one that ignores the message rate", async () => {
  const server = await startServer({ env: ENV, args: ["--msg-rate", "5:10"] });
  const ann = await loggedIn(server.port);
  try {
    const slow = await freshRoom(ann, "slowf");
    await setSlowMode(server.adminPort, slow, 600);
    await ann.ok({ type: "say", room: slow, text: "one" });
    const codes: string[] = [];
    for (let i = 0; i < 30 && !codes.includes("muted"); i++) {
      const reply = await ann.request({ type: "say", room: slow, text: `again ${i}` });
      codes.push(String(reply.code));
    }
    assert.ok(codes.includes("muted"), `never muted: ${codes.join(" ")}`);
    assert.ok(codes.slice(0, 20).every((code) => code === "rate_limited"), codes.join(" "));
    // The mute's notice came before the first `muted` answer.
    assert.ok(
      ann.received.some((f) => f.type === "notice" && /Automatic mute/.test(String(f.text))),
      "the automatic mute's notice",
    );
  } finally {
    closeAll(ann);
    await server.cleanup();
  }
});
