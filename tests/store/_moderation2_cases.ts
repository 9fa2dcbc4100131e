/** The Store contract's cases about report resolution, slow mode and address bans (schema 7). */
import assert from "node:assert/strict";
import { type Case, say, T0 } from "./_contract_fixture.ts";

/** Report queue, slow mode and address ban cases. */
export const MODERATION2_CASES: Case[] = [
  ["reports are listed by status, newest first, and resolved once", async (f) => {
    const { store, alice, bob, lobby } = f;
    await store.insertMessages([say(1, lobby, alice), say(2, lobby, alice)]);
    const first = await store.addReport({ seq: 1, reporterId: bob.id, reason: "a", at: T0 });
    const second = await store.addReport({ seq: 2, reporterId: bob.id, reason: "b", at: T0 + 1 });
    const open = await store.listReports("open", 10);
    assert.deepEqual(open.map((r) => r.id), [second.report.id, first.report.id]);
    assert.deepEqual((await store.listReports("open", 1)).map((r) => r.id), [second.report.id]);
    assert.equal((await store.findReport(first.report.id))?.reason, "a");
    assert.equal(await store.findReport(999_999), null);
    assert.equal(await store.resolveReport(first.report.id, "mod", T0 + 5), true);
    assert.equal(await store.resolveReport(first.report.id, "mod", T0 + 6), false, "once");
    assert.equal(await store.resolveReport(999_999, "mod", T0), false);
    const closed = await store.listReports("closed", 10);
    assert.deepEqual(
      closed.map((r) => [r.id, r.status, r.resolvedBy, r.resolvedAt]),
      [[first.report.id, "closed", "mod", T0 + 5]],
    );
  }],
  ["a room's slow mode is 0 by default, stored, and kept across a reopen", async (f) => {
    const { store, lobby } = f;
    const slow = (rooms: { id: number; slowmode?: number }[]) =>
      rooms.find((r) => r.id === lobby)?.slowmode;
    assert.equal(slow(await store.listRooms()), 0);
    assert.equal(await store.setRoomSlowMode(lobby, 30), true);
    assert.equal(await store.setRoomSlowMode(lobby, 30), true, "the same value again");
    assert.equal(await store.setRoomSlowMode(999_999, 30), false);
    await store.close();
    const reopened = await f.opened.reopen();
    assert.equal(slow(await reopened.listRooms()), 30);
  }],
  [
    "address bans are added with an id, listed by id, removed once, and kept across a reopen",
    async (f) => {
      const { store } = f;
      assert.deepEqual(await store.listAddressBans(), []);
      const timed = await store.addAddressBan({
        address: "192.0.2.0/24",
        until: T0 + 60_000,
        reason: "r",
        by: "admin",
        at: T0,
      });
      const forever = await store.addAddressBan({
        address: "2001:db8::/32",
        until: null,
        reason: "",
        by: "mod",
        at: T0 + 1,
      });
      assert.notEqual(timed.id, forever.id);
      assert.equal(await store.deleteAddressBan(timed.id), true);
      assert.equal(await store.deleteAddressBan(timed.id), false);
      await store.close();
      const reopened = await f.opened.reopen();
      assert.deepEqual(await reopened.listAddressBans(), [forever]);
    },
  ],
];
