/**
 * The Store contract: one suite every implementation runs (see `sqlite_store_test.ts`,
 * `mysql_store_test.ts`). Each case gets a fresh, empty database.
 */
import assert from "node:assert/strict";
import type { Store } from "../../lib/store/store.ts";
import {
  type Case,
  dm,
  type Fixture,
  range,
  room,
  say,
  seqs,
  T0,
  user,
} from "./_contract_fixture.ts";
import { MESSAGE_CASES } from "./_message_cases.ts";
import { MARKER_CASES } from "./_marker_cases.ts";
import { MODERATION2_CASES } from "./_moderation2_cases.ts";
import { ACCOUNT_CASES } from "./_account_cases.ts";
import { SEARCH_CASES } from "./_search_cases.ts";
import { EDIT_CASES } from "./_edit_cases.ts";

/** A fresh store, how to open the same database again, and how to throw it away. */
export interface OpenedStore {
  store: Store;
  /** Opens the same database again (after `store.close()`). */
  reopen(): Promise<Store>;
  /** Closes whatever is open and deletes the database. */
  cleanup(): Promise<void>;
}

/** Registers the contract's tests for one implementation. */
export function runStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  for (const [caseName, run] of CASES) {
    Deno.test(`${name} store: ${caseName}`, async () => {
      const opened = await open();
      try {
        const store = opened.store;
        const fixture: Fixture = {
          store,
          opened,
          alice: await user(store, "alice"),
          bob: await user(store, "bob"),
          carol: await user(store, "carol"),
          lobby: await room(store, "lobby"),
          dev: await room(store, "dev"),
        };
        await run(fixture);
      } finally {
        await opened.cleanup();
      }
    });
  }
}

const CASES: Case[] = [
  ["users are created and found by key and id", async ({ store, alice }) => {
    assert.deepEqual(await store.findUserByKey("alice"), alice);
    assert.deepEqual(await store.findUserById(alice.id), alice);
    assert.equal(alice.name, "alice");
    assert.equal(alice.passwordHash, "hash-of-alice");
    assert.equal(alice.createdAt, T0);
    assert.equal(await store.findUserByKey("nobody"), null);
    assert.equal(await store.findUserById(999_999), null);
  }],
  ["a taken user name key (duplicate createUser) gives null", async ({ store }) => {
    const again = await store.createUser({
      name: "ALICE",
      nameKey: "alice",
      passwordHash: "x",
      createdAt: T0,
    });
    assert.equal(again, null);
  }],
  ["name keys compare exactly: case, accents, emoji", async ({ store }) => {
    const keys = ["Général", "général", "generál", "straße", "strasse", "🎉party", "🎉party2"];
    for (const [i, nameKey] of keys.entries()) {
      // Distinct names (their confusable skeletons differ too); keys a collation would mix.
      const name = `key${"abcdefg"[i]}`;
      const record = await store.createUser({ name, nameKey, passwordHash: "x", createdAt: T0 });
      assert.ok(record, `${nameKey} is a distinct key`);
      assert.equal((await store.findUserByKey(nameKey))?.name, name);
    }
    assert.equal(await store.findUserByKey("GÉNÉRAL"), null);
    assert.equal(await store.findUserByKey("general"), null);
  }],
  ["a look-alike name (equal confusable skeleton) is taken: null", async ({ store }) => {
    const user = (name: string) =>
      store.createUser({ name, nameKey: name, passwordHash: "x", createdAt: T0 });
    assert.equal(await user("\u0430lice"), null, "Cyrillic а next to alice");
    assert.equal(await user("ａｌｉｃｅ"), null, "fullwidth");
    assert.ok(await user("alicia"), "another name");
    const room = (name: string) =>
      store.createRoom({ name, nameKey: name, topic: null, createdAt: T0 });
    assert.equal(await room("l\u043Ebby"), null, "Cyrillic о in lobby");
    assert.ok(await room("lobby2"));
    assert.deepEqual(await store.fillSkeletonKeys(), [], "nothing left to fill");
  }],
  ["passwords are replaced; resume tokens are stored, revoked and bounded", async (f) => {
    const { store, alice, bob } = f;
    assert.equal(await store.setPasswordHash(alice.id, "new-hash"), true);
    assert.equal((await store.findUserById(alice.id))?.passwordHash, "new-hash");
    assert.equal(await store.setPasswordHash(999_999, "x"), false, "unknown user");
    const token = (id: string, userId: number, issuedAt: number) => ({
      id,
      userId,
      issuedAt,
      expiresAt: issuedAt + 1_000,
      revokedAt: null,
    });
    for (let i = 0; i < 5; i++) await store.addToken(token(`a${i}`, alice.id, T0 + i), 3);
    await store.addToken(token("b0", bob.id, T0), 3);
    assert.deepEqual(await store.findToken("a4"), token("a4", alice.id, T0 + 4));
    assert.equal(await store.findToken("a 4"), null);
    assert.equal(await store.findToken("a4 "), null, "no trailing-space match");
    const live = async (id: string) => (await store.findToken(id))?.revokedAt === null;
    assert.deepEqual(
      await Promise.all(["a0", "a1", "a2", "a3", "a4"].map(live)),
      [false, false, true, true, true],
      "the newest 3 stay live",
    );
    assert.equal(await store.revokeToken("a2", T0 + 9), true);
    assert.equal(await store.revokeToken("a2", T0 + 9), false, "once");
    assert.equal((await store.findToken("a2"))?.revokedAt, T0 + 9);
    assert.equal(await store.revokeTokensOf(alice.id, T0 + 10, "a4"), 1);
    assert.equal(await live("a3"), false);
    assert.equal(await live("a4"), true);
    assert.equal(await live("b0"), true, "another user's token");
    assert.equal(await store.revokeTokensOf(alice.id, T0 + 11), 1);
    assert.equal(await live("a4"), false);
    await store.addToken(token("a5", alice.id, T0 + 2_000), 3);
    assert.equal(await store.findToken("a0"), null, "expired and revoked rows are pruned");
    assert.equal(await live("a5"), true);
  }],
  ["rooms are listed in creation order, with topics set and cleared", async (f) => {
    const { store, lobby, dev } = f;
    const café = await store.createRoom({
      name: "Café ☕",
      nameKey: "café ☕",
      topic: "Général 🎉",
      createdAt: T0 + 5,
    });
    assert.ok(café);
    assert.deepEqual((await store.listRooms()).map((r) => r.id), [lobby, dev, café.id]);
    assert.deepEqual((await store.listRooms())[2], café);
    assert.equal(await store.setRoomTopic(lobby, "hello ✨"), true);
    assert.equal(await store.setRoomTopic(lobby, "hello ✨"), true, "same topic again");
    assert.equal((await store.listRooms())[0]?.topic, "hello ✨");
    assert.equal(await store.setRoomTopic(lobby, null), true);
    assert.equal((await store.listRooms())[0]?.topic, null);
    assert.equal(await store.setRoomTopic(999_999, "x"), false, "unknown room");
  }],
  ["a taken room name key (duplicate createRoom) gives null", async ({ store }) => {
    const again = await store.createRoom({
      name: "Lobby",
      nameKey: "lobby",
      topic: null,
      createdAt: T0,
    });
    assert.equal(again, null);
  }],
  ["deleteRoom removes the room and its messages only", async (f) => {
    const { store, lobby, dev, alice } = f;
    await store.insertMessages([say(1, lobby, alice), say(2, dev, alice), dm(3, alice, f.bob)]);
    assert.equal(await store.deleteRoom(lobby), true);
    assert.equal(await store.deleteRoom(lobby), false, "already deleted");
    assert.equal(await store.deleteRoom(999_999), false, "unknown room");
    assert.deepEqual((await store.listRooms()).map((r) => r.id), [dev]);
    assert.equal(await store.countMessages(), 2);
    assert.deepEqual(seqs(await store.roomHistory(lobby, { limit: 10 })), []);
    assert.deepEqual(seqs(await store.roomHistory(dev, { limit: 10 })), [2]);
  }],
  ...MESSAGE_CASES,
  ...EDIT_CASES,
  ...SEARCH_CASES,
  ...MARKER_CASES,
  ...MODERATION2_CASES,
  ...ACCOUNT_CASES,
  ["sanctions are replaced per kind, listed with names, and lifted", async (f) => {
    const { store, alice, bob } = f;
    assert.deepEqual(await store.listSanctions(), []);
    await store.putSanction({
      kind: "mute",
      userId: alice.id,
      until: T0 + 60_000,
      reason: "spam",
      by: "root",
      at: T0,
    });
    await store.putSanction({
      kind: "ban",
      userId: bob.id,
      until: null,
      reason: "abuse ☠",
      by: "system",
      at: T0 + 1,
    });
    await store.putSanction({
      kind: "mute",
      userId: alice.id,
      until: T0 + 120_000,
      reason: "more spam",
      by: "admin",
      at: T0 + 2,
    });
    assert.deepEqual(await store.listSanctions(), [
      {
        kind: "ban",
        userId: bob.id,
        user: "bob",
        until: null,
        reason: "abuse ☠",
        by: "system",
        at: T0 + 1,
      },
      {
        kind: "mute",
        userId: alice.id,
        user: "alice",
        until: T0 + 120_000,
        reason: "more spam",
        by: "admin",
        at: T0 + 2,
      },
    ]);
    assert.equal(await store.deleteSanction(alice.id, "mute"), true);
    assert.equal(await store.deleteSanction(alice.id, "mute"), false, "already lifted");
    assert.equal(await store.deleteSanction(bob.id, "kick"), false, "never imposed");
    assert.deepEqual((await store.listSanctions()).map((s) => s.kind), ["ban"]);
  }],
  ["audit entries are listed newest first", async ({ store }) => {
    assert.deepEqual(await store.listAudit(10), []);
    for (let i = 1; i <= 5; i++) {
      await store.appendAudit({
        at: T0 + i,
        by: "root",
        address: "127.0.0.1",
        action: `action-${i}`,
        target: i % 2 === 0 ? "alice" : null,
        detail: i === 5 ? "Général 🎉" : null,
      });
    }
    const entries = await store.listAudit(3);
    assert.deepEqual(entries.map((e) => e.action), ["action-5", "action-4", "action-3"]);
    assert.deepEqual(entries[0], {
      at: T0 + 5,
      by: "root",
      address: "127.0.0.1",
      action: "action-5",
      target: null,
      detail: "Général 🎉",
    });
    assert.equal(entries[1]?.target, "alice");
  }],
  ["settings are read, written and overwritten", async ({ store }) => {
    assert.equal(await store.getSetting("admin_password"), null);
    await store.setSetting("admin_password", "hash-1");
    await store.setSetting("other", "🎉");
    await store.setSetting("admin_password", "hash-2");
    assert.equal(await store.getSetting("admin_password"), "hash-2");
    assert.equal(await store.getSetting("other"), "🎉");
  }],
  ["initSetting keeps the first value when several servers start at once", async ({ store }) => {
    const firsts = await Promise.all(
      range(1, 8).map((i) => store.initSetting("token_secret_race", `secret-${i}`)),
    );
    assert.equal(new Set(firsts).size, 1, "every starter reads the same value");
    assert.match(firsts[0]!, /^secret-\d$/);
    assert.equal(await store.initSetting("token_secret_race", "later"), firsts[0]);
    assert.equal(await store.getSetting("token_secret_race"), firsts[0]);
  }],
  ["concurrent writers all land, a contested cid once", async (f) => {
    const { store, lobby, alice, bob } = f;
    const writers = range(0, 9).map((w) =>
      store.insertMessages(
        range(1, 50).map((i) => say(w * 100 + i, lobby, w % 2 ? alice : bob, `w${w}-${i}`)),
      )
    );
    const contested = range(1, 4).map((i) =>
      store.insertMessages([say(2_000 + i, lobby, alice, "contested")])
    );
    const results = await Promise.all([...writers, ...contested]);
    assert.equal(results.slice(0, 10).flat().filter((o) => o.status === "stored").length, 500);
    const contestedOutcomes = results.slice(10).flat();
    assert.equal(contestedOutcomes.filter((o) => o.status === "stored").length, 1);
    assert.equal(await store.countMessages(), 501);
  }],
  [
    "rooms' last activity starts at creation, only moves forward, and survives a reopen",
    async (f) => {
      const { store, lobby, dev, opened } = f;
      const activity = async (s: Store) =>
        new Map((await s.listRooms()).map((r) => [r.id, r.lastActive]));
      assert.deepEqual(await activity(store), new Map([[lobby, T0], [dev, T0]]));
      await store.touchRooms(new Map([[lobby, T0 + 100], [dev, T0 + 50], [999_999, T0 + 1]]));
      await store.touchRooms(new Map([[lobby, T0 + 10]])); // Older: ignored.
      await store.touchRooms(new Map());
      assert.deepEqual(await activity(store), new Map([[lobby, T0 + 100], [dev, T0 + 50]]));
      await store.close();
      const again = await opened.reopen();
      assert.deepEqual(await activity(again), new Map([[lobby, T0 + 100], [dev, T0 + 50]]));
    },
  ],
  ["a sanction and its audit entry are stored together, or neither is", async (f) => {
    const { store, bob } = f;
    const ban = { kind: "ban" as const, userId: bob.id, until: null, reason: "r", by: "root" };
    const entry = {
      at: T0,
      by: "root",
      address: "127.0.0.1:1",
      action: "ban",
      target: "bob",
      detail: null,
    };
    // bad input: an audit row the database refuses (by is NOT NULL) takes the ban with it.
    await assert.rejects(
      store.putSanction({ ...ban, at: T0 }, { ...entry, by: null as unknown as string }),
    );
    assert.deepEqual(await store.listSanctions(), []);
    assert.deepEqual(await store.listAudit(10), []);
    await store.putSanction({ ...ban, at: T0 + 1 }, entry);
    assert.equal((await store.listSanctions())[0]?.at, T0 + 1);
    assert.deepEqual(await store.listAudit(10), [entry]);
  }],
  ["everything survives closing and reopening the database", async (f) => {
    const { store, lobby, alice, bob, opened } = f;
    await store.insertMessages([say(1, lobby, alice, "c"), dm(2, alice, bob)]);
    await store.setRoomTopic(lobby, "kept");
    await store.putSanction({
      kind: "ban",
      userId: bob.id,
      until: null,
      reason: "r",
      by: "root",
      at: T0,
    });
    await store.setSetting("k", "v");
    await store.close();
    const again = await opened.reopen();
    assert.deepEqual(await again.findUserByKey("alice"), alice);
    assert.equal((await again.listRooms())[0]?.topic, "kept");
    assert.equal(await again.lastMessageSeq(), 2);
    assert.deepEqual(seqs(await again.dmHistory(bob.id, alice.id, { limit: 5 })), [2]);
    assert.deepEqual(await again.insertMessages([say(3, lobby, alice, "c")]), [
      { status: "duplicate", seq: 1, ts: T0 + 1 },
    ]);
    assert.equal((await again.listSanctions()).length, 1);
    assert.equal(await again.getSetting("k"), "v");
  }],
];
