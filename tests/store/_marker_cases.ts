/** The Store contract's cases about room creators, staff roles, read markers and reports. */
import assert from "node:assert/strict";
import { type Case, dm, say, T0 } from "./_contract_fixture.ts";

/** Marker, report and staff cases. */
export const MARKER_CASES: Case[] = [
  ["a room keeps its creator (null when none), across a reopen", async (f) => {
    const { alice } = f;
    const made = await f.store.createRoom({
      name: "made",
      nameKey: "made",
      topic: null,
      createdAt: T0,
      createdBy: alice.id,
    });
    assert.equal(made?.createdBy, alice.id);
    await f.store.close();
    const store = await f.opened.reopen();
    const rooms = await store.listRooms();
    assert.equal(rooms.find((r) => r.name === "made")?.createdBy, alice.id);
    assert.equal(rooms.find((r) => r.name === "lobby")?.createdBy, null);
  }],
  [
    "staff roles are granted, changed, listed by name and revoked; unknown accounts refused",
    async (f) => {
      const { store, alice, bob } = f;
      assert.deepEqual(await store.listStaff(), []);
      assert.equal(
        await store.setStaffRole({ userId: bob.id, role: "moderator", since: T0, by: "admin" }),
        true,
      );
      assert.equal(
        await store.setStaffRole({ userId: alice.id, role: "moderator", since: T0, by: "admin" }),
        true,
      );
      assert.equal(
        await store.setStaffRole({ userId: alice.id, role: "admin", since: T0 + 1, by: "root" }),
        true,
      );
      assert.equal(
        await store.setStaffRole({ userId: 999_999, role: "admin", since: T0, by: "admin" }),
        false,
      );
      assert.deepEqual(await store.listStaff(), [
        { userId: alice.id, user: "alice", role: "admin", since: T0 + 1, by: "root" },
        { userId: bob.id, user: "bob", role: "moderator", since: T0, by: "admin" },
      ]);
      assert.equal(await store.removeStaffRole(bob.id), true);
      assert.equal(await store.removeStaffRole(bob.id), false, "no role left to revoke");
      assert.deepEqual((await store.listStaff()).map((s) => s.user), ["alice"]);
    },
  ],
  ["markers only move forward; unread counts others' messages after them", async (f) => {
    const { store, lobby, dev, alice, bob } = f;
    await store.insertMessages([
      say(1, lobby, bob),
      say(2, lobby, alice),
      say(3, lobby, bob),
      say(4, dev, bob),
      say(5, lobby, bob),
    ]);
    assert.deepEqual(await store.unreadCounts(alice.id), [], "no marker, no dm: nothing");
    assert.equal(await store.markRead(alice.id, { roomId: lobby, seq: 3 }), 3);
    assert.equal(await store.markRead(alice.id, { roomId: lobby, seq: 1 }), 3, "never back");
    assert.equal(await store.markRead(alice.id, { roomId: dev, seq: 4 }), 4);
    assert.deepEqual(await store.unreadCounts(alice.id), [
      { roomId: dev, room: "dev", unread: 0, lastRead: 4 },
      { roomId: lobby, room: "lobby", unread: 1, lastRead: 3 },
    ]);
    assert.equal(await store.markRead(alice.id, { roomId: lobby, seq: 1 }), 3);
    assert.equal(await store.markRead(bob.id, { roomId: lobby, seq: 1 }), 1);
    assert.deepEqual(await store.unreadCounts(bob.id), [
      { roomId: lobby, room: "lobby", unread: 1, lastRead: 1 },
    ], "only alice's message 2: a user's own messages are never unread");
  }],
  [
    "dm conversations are listed from both sides; without a marker every received dm counts",
    async (f) => {
      const { store, alice, bob, carol } = f;
      await store.insertMessages([
        dm(1, bob, alice),
        dm(2, alice, bob),
        dm(3, bob, alice),
        dm(4, alice, carol),
      ]);
      assert.deepEqual(await store.unreadCounts(alice.id), [
        { peerId: bob.id, peer: "bob", unread: 2, lastRead: null },
        { peerId: carol.id, peer: "carol", unread: 0, lastRead: null },
      ]);
      assert.equal(await store.markRead(alice.id, { peerId: bob.id, seq: 1 }), 1);
      assert.deepEqual((await store.unreadCounts(alice.id))[0], {
        peerId: bob.id,
        peer: "bob",
        unread: 1,
        lastRead: 1,
      });
      assert.deepEqual(await store.unreadCounts(carol.id), [
        { peerId: alice.id, peer: "alice", unread: 1, lastRead: null },
      ]);
    },
  ],
  ["deleted messages are not unread; a deleted room takes its markers", async (f) => {
    const { store, lobby, dev, alice, bob } = f;
    await store.insertMessages([say(1, lobby, bob), say(2, lobby, bob), say(3, dev, bob)]);
    await store.markRead(alice.id, { roomId: lobby, seq: 0 });
    await store.markRead(alice.id, { roomId: dev, seq: 0 });
    await store.writeMessages([{ op: "delete", seq: 2, audit: null }]);
    assert.deepEqual((await store.unreadCounts(alice.id)).map((c) => [c.room, c.unread]), [
      ["dev", 1],
      ["lobby", 1],
    ]);
    assert.equal(await store.deleteRoom(dev), true);
    assert.deepEqual((await store.unreadCounts(alice.id)).map((c) => c.room), ["lobby"]);
  }],
  ["findMessage finds room messages and dms by seq", async (f) => {
    const { store, lobby, alice, bob } = f;
    await store.insertMessages([say(1, lobby, alice), dm(2, alice, bob)]);
    assert.equal((await store.findMessage(1))?.roomId, lobby);
    assert.equal((await store.findMessage(2))?.recipientId, bob.id);
    assert.equal(await store.findMessage(3), null);
  }],
  ["a report is filed once per message and reporter; ids are dense", async (f) => {
    const { store, lobby, alice, bob } = f;
    await store.insertMessages([say(1, lobby, bob), say(2, lobby, bob)]);
    const first = await store.addReport({ seq: 1, reporterId: alice.id, reason: "spam", at: T0 });
    assert.equal(first.created, true);
    assert.deepEqual({ ...first.report, id: 0 }, {
      id: 0,
      seq: 1,
      reporterId: alice.id,
      reason: "spam",
      at: T0,
      status: "open",
      resolvedBy: null,
      resolvedAt: null,
    });
    const again = await store.addReport({
      seq: 1,
      reporterId: alice.id,
      reason: "other",
      at: T0 + 5,
    });
    assert.equal(again.created, false);
    assert.deepEqual(again.report, first.report, "the first report, unchanged");
    const other = await store.addReport({ seq: 1, reporterId: bob.id, reason: "spam", at: T0 });
    assert.equal(other.report.id, first.report.id + 1);
    const next = await store.addReport({
      seq: 2,
      reporterId: alice.id,
      reason: "🎉 ünïcode",
      at: T0,
    });
    assert.equal(next.report.id, first.report.id + 2);
    assert.equal(next.report.reason, "🎉 ünïcode");
  }],
];
