/**
 * Protocol 1.1 read markers (`mark_read`, `unread`, event `read` to the account's other
 * sessions, forward only, durable) and `report` (visible messages only, the same id
 * again, a reason of 1 to 500 characters, a per-account rate). Bad input gets its code,
 * the connection stays usable and nothing is stored.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import {
  anotherSession,
  closeAll,
  expectError,
  freshRoom,
  loggedIn,
  sayMany,
  startServer,
  uniqueName,
} from "./support.ts";

/** The `unread` entry of a room, or undefined. */
async function roomUnread(client: FrameClient, room: string): Promise<Frame | undefined> {
  const reply = await client.ok({ type: "unread" });
  assert.ok(Array.isArray(reply.rooms) && Array.isArray(reply.dms));
  return (reply.rooms as Frame[]).find((r) => r.room === room);
}

/** The `unread` entry of a dm conversation, or undefined. */
async function dmUnread(client: FrameClient, user: string): Promise<Frame | undefined> {
  const reply = await client.ok({ type: "unread" });
  return (reply.dms as Frame[]).find((r) => r.with === user);
}

Deno.test("read markers: mark_read moves forward only, tells the other sessions, and unread follows", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const ann2 = await anotherSession(server.port, ann.user);
  const bob = await loggedIn(server.port);
  try {
    const room = await freshRoom(bob, "marked");
    await ann.ok({ type: "join", room });
    const [m1, m2, m3] = await sayMany(bob, room, 3);
    await ann.ok({ type: "say", room, text: "my own line is never unread" });
    assert.equal(await roomUnread(ann, room), undefined, "no marker yet: not listed");

    const marked = await ann.ok({ type: "mark_read", room, msgid: m2 });
    assert.deepEqual([marked.room, marked.msgid], [room, m2]);
    assert.deepEqual(await ann2.next((f) => f.type === "read"), { type: "read", room, msgid: m2 });
    assert.deepEqual(await roomUnread(ann2, room), { room, unread: 1, last_read: m2 });

    const older = await ann2.ok({ type: "mark_read", room, msgid: m1 });
    assert.equal(older.msgid, m2, "an older msgid keeps the stored marker");
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 1, last_read: m2 });

    await ann2.ok({ type: "mark_read", room, msgid: m3 });
    assert.deepEqual(await ann.next((f) => f.type === "read" && f.msgid === m3), {
      type: "read",
      room,
      msgid: m3,
    });
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 0, last_read: m3 });
    assert.equal(ann.events("read").length, 1, "a session is not told of its own marks");
    assert.deepEqual(bob.events("read"), [], "other accounts are not told");

    await bob.ok({ type: "say", room, text: "one more" });
    assert.deepEqual(await roomUnread(ann2, room), { room, unread: 1, last_read: m3 });
    assert.equal(await roomUnread(bob, room), undefined, "markers are per account");
  } finally {
    closeAll(ann, ann2, bob);
    await server.cleanup();
  }
});

Deno.test("read markers: dms count every received dm until marked; each conversation on its own", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const ann2 = await anotherSession(server.port, ann.user);
  const bob = await loggedIn(server.port);
  const cat = await loggedIn(server.port);
  try {
    const b1 = await bob.ok({ type: "dm", to: ann.user, text: "one" });
    await bob.ok({ type: "dm", to: ann.user, text: "two" });
    await ann.ok({ type: "dm", to: bob.user, text: "mine" });
    await ann.ok({ type: "dm", to: cat.user, text: "hi cat" });
    assert.deepEqual(await dmUnread(ann, bob.user), { with: bob.user, unread: 2, last_read: null });
    assert.deepEqual(await dmUnread(ann, cat.user), { with: cat.user, unread: 0, last_read: null });
    assert.deepEqual(await dmUnread(bob, ann.user), { with: ann.user, unread: 1, last_read: null });

    const marked = await ann.ok({ type: "mark_read", with: bob.user, msgid: b1.msgid });
    assert.deepEqual([marked.with, marked.msgid], [bob.user, b1.msgid]);
    assert.deepEqual(await ann2.next((f) => f.type === "read"), {
      type: "read",
      with: bob.user,
      msgid: b1.msgid,
    });
    assert.deepEqual(await dmUnread(ann2, bob.user), {
      with: bob.user,
      unread: 1,
      last_read: b1.msgid,
    });
    assert.deepEqual(await dmUnread(bob, ann.user), { with: ann.user, unread: 1, last_read: null });
  } finally {
    closeAll(ann, ann2, bob, cat);
    await server.cleanup();
  }
});

Deno.test("read markers: bad input (a msgid of another room or conversation, unknown room or user, malformed msgid) is refused and nothing is stored", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  const cat = await loggedIn(server.port);
  try {
    const room = await freshRoom(bob, "here");
    const other = await freshRoom(bob, "there");
    await ann.ok({ type: "join", room });
    const [here] = await sayMany(bob, room, 1);
    const [there] = await sayMany(bob, other, 1);
    const dmWithAnn = await bob.ok({ type: "dm", to: ann.user, text: "psst" });
    const dmWithCat = await bob.ok({ type: "dm", to: cat.user, text: "not for ann" });
    await ann.ok({ type: "mark_read", room, msgid: here });

    await expectError(ann, { type: "mark_read", room, msgid: there }, "no_such_message");
    await expectError(ann, { type: "mark_read", room, msgid: dmWithAnn.msgid }, "no_such_message");
    await expectError(ann, { type: "mark_read", room, msgid: "zzzz" }, "no_such_message");
    await expectError(ann, { type: "mark_read", room, msgid: "0".repeat(20) }, "no_such_message");
    await expectError(ann, { type: "mark_read", with: bob.user, msgid: here }, "no_such_message");
    await expectError(
      ann,
      { type: "mark_read", with: bob.user, msgid: dmWithCat.msgid },
      "no_such_message",
    );
    await expectError(
      ann,
      { type: "mark_read", with: cat.user, msgid: dmWithCat.msgid },
      "no_such_message",
    );
    await expectError(
      ann,
      { type: "mark_read", room: uniqueName("gone"), msgid: here },
      "no_such_room",
    );
    await expectError(
      ann,
      { type: "mark_read", with: uniqueName("ghost"), msgid: here },
      "no_such_user",
    );
    await expectError(ann, { type: "mark_read", room, with: bob.user, msgid: here }, "bad_frame");
    await expectError(ann, { type: "mark_read", msgid: here }, "bad_frame");
    await expectError(ann, { type: "mark_read", room }, "bad_frame");

    await ann.ok({ type: "ping" });
    const unread = await ann.ok({ type: "unread" });
    assert.deepEqual(unread.rooms, [{ room, unread: 0, last_read: here }], "only the one marker");
    assert.deepEqual(unread.dms, [{ with: bob.user, unread: 1, last_read: null }]);
  } finally {
    closeAll(ann, bob, cat);
    await server.cleanup();
  }
});

Deno.test("read markers: stored durably (a restart keeps them); deleted messages are not counted", async () => {
  const first = await startServer();
  let server = first;
  let ann = await loggedIn(server.port);
  let bob = await loggedIn(server.port);
  const [annName, bobName] = [ann.user, bob.user];
  try {
    const room = await freshRoom(bob, "kept");
    const [m1, m2, m3] = await sayMany(bob, room, 3);
    await ann.ok({ type: "mark_read", room, msgid: m1 });
    await server.stop("SIGTERM");
    closeAll(ann, bob);
    server = await startServer({ db: first.db });
    ann = await anotherSession(server.port, annName);
    bob = await anotherSession(server.port, bobName);
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 2, last_read: m1 });
    await bob.ok({ type: "delete", msgid: m2 });
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 1, last_read: m1 });
    // A tombstone still names a place in the room: marking it is allowed.
    await ann.ok({ type: "mark_read", room, msgid: m2 });
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 1, last_read: m2 });
    await ann.ok({ type: "mark_read", room, msgid: m3 });
    assert.deepEqual(await roomUnread(ann, room), { room, unread: 0, last_read: m3 });
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
  }
});

Deno.test("report: a visible message gets an id, the same id again; bad input (empty or 501-character reason, an invisible dm, a malformed msgid) is refused and nothing is stored", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  const cat = await loggedIn(server.port);
  try {
    const room = await freshRoom(bob, "reported");
    const [m1, m2] = await sayMany(bob, room, 2);
    const dmToAnn = await bob.ok({ type: "dm", to: ann.user, text: "rude" });
    const dmToCat = await bob.ok({ type: "dm", to: cat.user, text: "private" });

    const first = await ann.ok({ type: "report", msgid: m1, reason: "spam" });
    assert.equal(typeof first.report, "number");
    const again = await ann.ok({ type: "report", msgid: m1, reason: "spam, really" });
    assert.equal(again.report, first.report, "the same message again: the same report");

    for (const reason of ["", "   ", "r".repeat(501)]) {
      await expectError(ann, { type: "report", msgid: m2, reason }, "bad_frame");
    }
    await expectError(ann, { type: "report", msgid: m2 }, "bad_frame");
    await expectError(
      ann,
      { type: "report", msgid: dmToCat.msgid, reason: "peek" },
      "no_such_message",
    );
    await expectError(
      ann,
      { type: "report", msgid: "not-a-msgid", reason: "x" },
      "no_such_message",
    );
    await expectError(
      ann,
      { type: "report", msgid: "9".repeat(20), reason: "x" },
      "no_such_message",
    );
    await ann.ok({ type: "ping" });

    // Ids are handed out in order: nothing was stored by the refusals above.
    const second = await ann.ok({ type: "report", msgid: m2, reason: "r".repeat(500) });
    assert.equal(second.report, (first.report as number) + 1);
    const ownDm = await ann.ok({ type: "report", msgid: dmToAnn.msgid, reason: "harassment" });
    assert.equal(ownDm.report, (first.report as number) + 2, "a dm one received is visible");
    const byCat = await cat.ok({ type: "report", msgid: m1, reason: "spam" });
    assert.equal(byCat.report, (first.report as number) + 3, "another reporter: another report");
  } finally {
    closeAll(ann, bob, cat);
    await server.cleanup();
  }
});

Deno.test("report: bad input past 10 new reports in 10 minutes gets rate_limited with retry_after; repeats of earlier ones do not count", async () => {
  const server = await startServer();
  const ann = await loggedIn(server.port);
  const bob = await loggedIn(server.port);
  try {
    const room = await freshRoom(bob, "noisy");
    const msgids = await sayMany(bob, room, 12);
    const first = await ann.ok({ type: "report", msgid: msgids[0], reason: "spam" });
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await ann.ok({ type: "report", msgid: msgids[0], reason: "spam" })).report,
        first.report,
      );
    }
    for (let i = 1; i < 10; i++) await ann.ok({ type: "report", msgid: msgids[i], reason: "spam" });
    const refused = await expectError(
      ann,
      { type: "report", msgid: msgids[10], reason: "spam" },
      "rate_limited",
    );
    assert.equal(typeof refused.retry_after, "number");
    assert.ok((refused.retry_after as number) > 0 && (refused.retry_after as number) <= 600);
    await ann.ok({ type: "ping" });
    // Another account has its own allowance.
    await bob.ok({ type: "report", msgid: msgids[11], reason: "my own, by mistake" });
  } finally {
    closeAll(ann, bob);
    await server.cleanup();
  }
});
