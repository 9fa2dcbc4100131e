/**
 * The Store contract's cases about `writeMessages`: inserts, edits and deletions applied
 * in order in one transaction, tombstones, kinds, and the audit entry of a deletion.
 */
import assert from "node:assert/strict";
import { StoreUnavailableError } from "../../lib/store/store.ts";
import { type Case, dm, say, T0 } from "./_contract_fixture.ts";

const AUDIT = {
  at: T0,
  by: "mod",
  address: "127.0.0.1",
  action: "delete_message",
  target: "0000000000000001",
  detail: null,
};

/** Edit cases. */
export const EDIT_CASES: Case[] = [
  ["writeMessages applies inserts, edits and deletions in order", async (f) => {
    const { store, lobby, alice, bob } = f;
    const outcomes = await store.writeMessages([
      { op: "insert", message: { ...say(1, lobby, alice), kind: "action" } },
      { op: "edit", seq: 1, text: "edited once", at: T0 + 50 },
      { op: "insert", message: dm(2, alice, bob) },
      { op: "edit", seq: 1, text: "edited twice", at: T0 + 60 },
      { op: "delete", seq: 2, audit: null },
      { op: "edit", seq: 2, text: "too late", at: T0 + 70 },
      { op: "delete", seq: 2, audit: null },
      { op: "edit", seq: 99, text: "nobody", at: T0 + 80 },
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), [
      "stored",
      "stored",
      "stored",
      "stored",
      "stored",
      "missing",
      "missing",
      "missing",
    ]);
    const message = await store.findMessage(1);
    assert.equal(message?.text, "edited twice");
    assert.equal(message?.editedAt, T0 + 60);
    assert.equal(message?.kind, "action");
    assert.equal(message?.deleted, false);
    const [tomb] = (await store.dmHistory(bob.id, alice.id, { limit: 5 })).messages;
    assert.deepEqual(
      [tomb?.seq, tomb?.text, tomb?.deleted, tomb?.ts, tomb?.to, tomb?.user],
      [2, "", true, T0 + 2, "bob", "alice"],
    );
    assert.equal(await store.countMessages(), 2, "a tombstone stays a message");
  }],
  ["an edit to the same text still counts as stored", async ({ store, lobby, alice }) => {
    await store.insertMessages([say(1, lobby, alice)]);
    const outcomes = await store.writeMessages([
      { op: "edit", seq: 1, text: "message 1", at: T0 + 5 },
      { op: "edit", seq: 1, text: "message 1", at: T0 + 5 },
    ]);
    assert.deepEqual(outcomes, [{ status: "stored" }, { status: "stored" }]);
  }],
  ["a deletion with an audit entry writes it in the same transaction", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([say(1, lobby, alice)]);
    await store.writeMessages([{ op: "delete", seq: 1, audit: AUDIT }]);
    const [entry] = await store.listAudit(5);
    assert.deepEqual(entry, AUDIT);
    // A deletion that finds nothing writes no audit entry.
    await store.writeMessages([{ op: "delete", seq: 1, audit: { ...AUDIT, at: T0 + 1 } }]);
    assert.equal((await store.listAudit(5)).length, 1);
  }],
  ["bad input a failing writeMessages keeps nothing of its batch", async (f) => {
    const { store, lobby, alice } = f;
    await store.insertMessages([say(1, lobby, alice)]);
    await assert.rejects(
      store.writeMessages([
        { op: "edit", seq: 1, text: "lost", at: T0 + 5 },
        { op: "insert", message: { ...say(2, lobby, alice), roomId: 999_999 } },
      ]),
      StoreUnavailableError,
    );
    assert.equal((await store.findMessage(1))?.text, "message 1");
    assert.equal(await store.countMessages(), 1);
  }],
];
