/**
 * Resume tokens against a real SQLite store: issue and verify, survival of a reopen, and
 * every bad token refused: forged, truncated, altered, expired (injected clock), too long,
 * another user's, revoked; the per-account bound on live tokens.
 */
import { deepStrictEqual as assertEquals, notEqual, ok } from "node:assert/strict";
import {
  MAX_LIVE_TOKENS,
  MAX_TOKEN_LENGTH,
  ResumeTokens,
  TOKEN_LIFETIME_MS,
} from "../../lib/auth/tokens.ts";
import { openSqliteStore } from "../../lib/store/sqlite_store.ts";
import type { Store } from "../../lib/store/store.ts";

async function withStore(
  work: (store: Store, path: string, users: [number, number]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-tokens-" });
  const path = `${dir}/t.db`;
  const store = await openSqliteStore(path);
  try {
    const a = await store.createUser({
      name: "ann",
      nameKey: "ann",
      passwordHash: "x",
      createdAt: 0,
    });
    const b = await store.createUser({
      name: "ben",
      nameKey: "ben",
      passwordHash: "x",
      createdAt: 0,
    });
    await work(store, path, [a!.id, b!.id]);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("tokens: a token logs its user in, also after the store is reopened", async () => {
  await withStore(async (store, path, [ann]) => {
    const tokens = await ResumeTokens.load(store);
    const { token, id } = await tokens.issue(ann);
    ok(token.length <= MAX_TOKEN_LENGTH);
    assertEquals(await tokens.verify(token, ann), id);
    await store.close();
    const reopened = await openSqliteStore(path);
    try {
      const again = await ResumeTokens.load(reopened);
      assertEquals(await again.verify(token, ann), id, "the secret and the row persist");
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("tokens: bad input forged, truncated, altered, long, another user's tokens", async () => {
  await withStore(async (store, _path, [ann, ben]) => {
    const tokens = await ResumeTokens.load(store);
    const { token } = await tokens.issue(ann);
    const [prefix, id, expires, mac] = token.split(".") as [string, string, string, string];
    const flip = (text: string) => (text[0] === "A" ? "B" : "A") + text.slice(1);
    const bad: Record<string, string> = {
      "empty": "",
      "garbage": "not a token",
      "truncated by one": token.slice(0, -1),
      "truncated to the id": `${prefix}.${id}`,
      "altered mac": `${prefix}.${id}.${expires}.${flip(mac)}`,
      "altered id": `${prefix}.${flip(id)}.${expires}.${mac}`,
      "extended expiry": `${prefix}.${id}.${Number(expires) + 1000}.${mac}`,
      "other prefix": `fc2.${id}.${expires}.${mac}`,
      "201 characters": token + "x".repeat(201 - token.length),
      "forged with a guessed secret": `${prefix}.${id}.${expires}.${"A".repeat(43)}`,
    };
    for (const [what, candidate] of Object.entries(bad)) {
      assertEquals(await tokens.verify(candidate, ann), null, what);
    }
    assertEquals(await tokens.verify(token, ben), null, "another user's token");
    const otherServer = await withOtherSecret(tokens, store);
    assertEquals(await otherServer.verify(token, ann), null, "made with another secret");
  });
});

/** A ResumeTokens over the same rows but another secret (another server's). */
async function withOtherSecret(_tokens: ResumeTokens, store: Store): Promise<ResumeTokens> {
  const secret = await store.getSetting("resume_token_secret");
  await store.setSetting("resume_token_secret", "z".repeat(43));
  const other = await ResumeTokens.load(store);
  await store.setSetting("resume_token_secret", secret!);
  return other;
}

Deno.test("tokens: bad input an expired token (injected clock) is refused", async () => {
  await withStore(async (store, _path, [ann]) => {
    let now = 1_700_000_000_000;
    const tokens = await ResumeTokens.load(store, () => now);
    const { token, id } = await tokens.issue(ann);
    now += TOKEN_LIFETIME_MS - 1;
    assertEquals(await tokens.verify(token, ann), id, "valid until the last millisecond");
    now += 1;
    assertEquals(await tokens.verify(token, ann), null, "expired after 30 days");
  });
});

Deno.test("tokens: revoking one, or all but one, of a user's tokens", async () => {
  await withStore(async (store, _path, [ann, ben]) => {
    const tokens = await ResumeTokens.load(store);
    const first = await tokens.issue(ann);
    const second = await tokens.issue(ann);
    const third = await tokens.issue(ann);
    const bens = await tokens.issue(ben);
    assertEquals(await tokens.revoke(first.id), true);
    assertEquals(await tokens.verify(first.token, ann), null, "revoked");
    assertEquals(await tokens.verify(second.token, ann), second.id, "the others stay");
    assertEquals(await tokens.revokeAllOf(ann, third.id), 1);
    assertEquals(await tokens.verify(second.token, ann), null);
    assertEquals(await tokens.verify(third.token, ann), third.id, "the one kept");
    assertEquals(await tokens.revokeAllOf(ann), 1, "a ban keeps none");
    assertEquals(await tokens.verify(third.token, ann), null);
    assertEquals(await tokens.verify(bens.token, ben), bens.id, "other users untouched");
  });
});

Deno.test("tokens: at most 50 live tokens per account, the oldest revoked first", async () => {
  await withStore(async (store, _path, [ann]) => {
    let now = 1_700_000_000_000;
    const tokens = await ResumeTokens.load(store, () => now);
    const issued: { token: string; id: string }[] = [];
    for (let i = 0; i < MAX_LIVE_TOKENS + 5; i++) {
      now += 1;
      issued.push(await tokens.issue(ann));
    }
    for (let i = 0; i < 5; i++) {
      assertEquals(await tokens.verify(issued[i]!.token, ann), null, `token ${i} dropped`);
    }
    for (let i = 5; i < issued.length; i++) {
      notEqual(await tokens.verify(issued[i]!.token, ann), null, `token ${i} kept`);
    }
  });
});
