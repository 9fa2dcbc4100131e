/** The Store contract's cases about the accounts directory and account history (schema 8). */
import assert from "node:assert/strict";
import { type Case, T0, user } from "./_contract_fixture.ts";

/** Accounts listing, last seen and audit-by-target cases. */
export const ACCOUNT_CASES: Case[] = [
  ["listAccounts pages by name key, every account once; contains and equals filter", async (f) => {
    const { store } = f;
    for (const name of ["Zoe_x", "amy_x", "Bo%_x", "cy_x"]) await user(store, name);
    const seen: string[] = [];
    let afterKey: string | undefined;
    for (;;) {
      const page = await store.listAccounts({ contains: "_x", afterKey, limit: 2 });
      seen.push(...page.accounts.map((a) => a.name));
      afterKey = page.accounts.at(-1)?.nameKey;
      if (!page.more) break;
    }
    assert.deepEqual(seen, ["amy_x", "Bo%_x", "cy_x", "Zoe_x"]);
    const percent = await store.listAccounts({ contains: "o%", limit: 10 });
    assert.deepEqual(percent.accounts.map((a) => a.name), ["Bo%_x"], "% matches itself");
    const under = await store.listAccounts({ contains: "o_", limit: 10 });
    assert.deepEqual(under.accounts, [], "_ matches itself, not any character (zoe, bo%)");
    assert.deepEqual((await store.listAccounts({ contains: "q_q", limit: 10 })).accounts, []);
    const one = await store.listAccounts({ equals: "cy_x", limit: 1 });
    assert.deepEqual(one.accounts.map((a) => [a.name, a.lastSeen]), [["cy_x", null]]);
    assert.equal(one.more, false);
  }],
  ["touchLastSeen only moves forward and ignores unknown ids", async (f) => {
    const { store, alice } = f;
    const seen = async () =>
      (await store.listAccounts({ equals: alice.nameKey, limit: 1 })).accounts[0]?.lastSeen;
    assert.equal(await seen(), null);
    await store.touchLastSeen(alice.id, T0 + 10);
    await store.touchLastSeen(alice.id, T0 + 5);
    assert.equal(await seen(), T0 + 10);
    await store.touchLastSeen(999_999, T0);
  }],
  ["touchLastSeenMany writes every entry, only forward, ignoring unknown ids", async (f) => {
    const { store, alice, bob } = f;
    const seen = async (nameKey: string) =>
      (await store.listAccounts({ equals: nameKey, limit: 1 })).accounts[0]?.lastSeen;
    await store.touchLastSeenMany([]);
    await store.touchLastSeen(bob.id, T0 + 50);
    await store.touchLastSeenMany([
      { userId: alice.id, at: T0 + 20 },
      { userId: 999_999, at: T0 },
      { userId: bob.id, at: T0 + 30 },
      // More than one statement's worth (MySQL writes 100 accounts per statement).
      ...Array.from({ length: 150 }, (_, i) => ({ userId: 800_000 + i, at: T0 })),
    ]);
    assert.equal(await seen(alice.nameKey), T0 + 20);
    assert.equal(await seen(bob.nameKey), T0 + 50);
  }],
  ["listAuditFor lists a target's entries, newest first", async (f) => {
    const { store } = f;
    const entry = (action: string, target: string | null, at: number) => ({
      at,
      by: "mod",
      address: "127.0.0.1:1",
      action,
      target,
      detail: null,
    });
    await store.appendAudit(entry("mute", "amy", T0));
    await store.appendAudit(entry("kick", "bob", T0 + 1));
    await store.appendAudit(entry("unmute", "amy", T0 + 2));
    await store.appendAudit(entry("login", null, T0 + 3));
    const amy = await store.listAuditFor("amy", 10);
    assert.deepEqual(amy.map((e) => e.action), ["unmute", "mute"]);
    assert.deepEqual((await store.listAuditFor("amy", 1)).map((e) => e.action), ["unmute"]);
    assert.deepEqual(await store.listAuditFor("nobody", 10), []);
  }],
];
