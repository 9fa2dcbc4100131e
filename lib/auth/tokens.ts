/**
 * Resume tokens: what a successful `login` answers, so that a reconnect costs one MAC
 * check and one indexed look-up instead of an argon2 hash.
 *
 * A token reads `fc1.<id>.<expires>.<mac>`: a random 128-bit id (base64url), the expiry in
 * milliseconds since the epoch, and HMAC-SHA256(server secret, `fc1|id|userId|expires`)
 * (base64url). The secret is generated once and kept in the store's settings, so tokens
 * outlive restarts; each token's row (id, user, issued, expires, revoked) is stored too, so
 * that a revocation outlives them as well. The MAC is checked first, in constant time, so a
 * forged token costs no database access; only a token the server made reaches the store.
 * The user is inside the MAC, so a token presented with another user's name is refused.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Store } from "../store/store.ts";
import { Buffer } from "node:buffer";

/** How long a token is valid from its issue: 30 days. */
export const TOKEN_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/** Live tokens kept per account; issuing one more revokes the oldest. */
export const MAX_LIVE_TOKENS = 50;

/** The longest token the protocol allows (characters). */
export const MAX_TOKEN_LENGTH = 200;

/** The settings key of the MAC secret. */
export const TOKEN_SECRET_SETTING = "resume_token_secret";

const PREFIX = "fc1";
const TOKEN_SHAPE = /^fc1\.([A-Za-z0-9_-]{22})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

function _randomId(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

/** Issues, checks and revokes the resume tokens of one store. */
export class ResumeTokens {
  #store: Store;
  #secret: Buffer;
  #clock: () => number;

  private constructor(store: Store, secret: Buffer, clock: () => number) {
    this.#store = store;
    this.#secret = secret;
    this.#clock = clock;
  }

  /** Reads the MAC secret from the store's settings, creating it on first use. */
  static async load(store: Store, clock: () => number = Date.now): Promise<ResumeTokens> {
    // Should several servers start at once on one database (a cluster), the first one's
    // secret is kept and every one of them reads it back.
    const secret = await store.getSetting(TOKEN_SECRET_SETTING) ??
      await store.initSetting(TOKEN_SECRET_SETTING, _randomId(32));
    if (secret === null || secret.length < 32) {
      throw new Error("Cannot load the resume token secret from the store");
    }
    return new ResumeTokens(store, Buffer.from(secret, "utf8"), clock);
  }

  #mac(id: string, userId: number, expires: number): Buffer {
    return createHmac("sha256", this.#secret).update(`${PREFIX}|${id}|${userId}|${expires}`)
      .digest();
  }

  /** A new token for `userId`, valid {@linkcode TOKEN_LIFETIME_MS}, with its id. */
  async issue(userId: number): Promise<{ token: string; id: string }> {
    const now = this.#clock();
    const id = _randomId(16);
    const expires = now + TOKEN_LIFETIME_MS;
    await this.#store.addToken(
      { id, userId, issuedAt: now, expiresAt: expires, revokedAt: null },
      MAX_LIVE_TOKENS,
    );
    const mac = this.#mac(id, userId, expires).toString("base64url");
    return { token: `${PREFIX}.${id}.${expires}.${mac}`, id };
  }

  /**
   * The token's id when `token` was issued by this server to `userId` and is neither
   * expired nor revoked; otherwise null (forged, truncated, altered, another user's…).
   */
  async verify(token: string, userId: number): Promise<string | null> {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const parts = TOKEN_SHAPE.exec(token);
    if (!parts) return null;
    const [, id, expiresText, macText] = parts as unknown as [string, string, string, string];
    const expires = Number(expiresText);
    const given = Buffer.from(macText, "base64url");
    const expected = this.#mac(id, userId, expires);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const now = this.#clock();
    if (expires <= now) return null;
    const row = await this.#store.findToken(id);
    if (!row || row.userId !== userId || row.revokedAt !== null || row.expiresAt <= now) {
      return null;
    }
    return id;
  }

  /** Revokes one token (logout of the session it belongs to). */
  revoke(id: string): Promise<boolean> {
    return this.#store.revokeToken(id, this.#clock());
  }

  /**
   * Revokes every token of a user but `exceptId` (a password change keeps the current
   * session's; a ban keeps none). Returns how many were revoked.
   */
  revokeAllOf(userId: number, exceptId?: string): Promise<number> {
    return this.#store.revokeTokensOf(userId, this.#clock(), exceptId);
  }
}
