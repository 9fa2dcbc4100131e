/** `register`, `login` (with a password or a resume token), `password`, `logout`, `ping`. */
import { recordLastSeen } from "../chat/last_seen.ts";
import { RequestError } from "../../protocol/error_codes.ts";
import {
  checkUserName,
  foldName,
  hasBadMarks,
  hasInvisible,
  isAcceptablePassword,
} from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import { errorFrame } from "../../protocol/server_frames.ts";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../../auth/password.ts";
import { addressKey } from "../../auth/address_key.ts";
import { loginDelay, recordLoginFailure, recordLoginSuccess } from "../../auth/login_throttle.ts";
import { PasswordLoginRate } from "../../auth/login_rate.ts";
import { RegistrationProofs } from "../../auth/registration_proof.ts";
import type { UserRecord } from "../../store/store.ts";
import type { ChatCore } from "../chat/core.ts";
import { isoTime } from "../../common/time.ts";
import { loginRooms } from "../chat/room_pages.ts";
import { lookupUser } from "../chat/user_lookup.ts";
import { WindowCounter } from "../../common/rate_limit.ts";
import type { Session } from "../net/session.ts";
import { accountOf, type RequestContext } from "./context.ts";

/** The resume token each logged-in session holds (revoked by its `logout`). */
const sessionTokens = new WeakMap<Session, string>();
/**
 * Tokens a session was given by earlier logins to the same account on the same connection:
 * they belong to that session too, so its `logout` revokes them with the current one.
 */
const earlierTokens = new WeakMap<Session, Set<string>>();

/** Addresses whose registration refusal was logged within the window (one line each). */
const refusalsLogged = new WeakMap<ChatCore, WindowCounter>();

/** The password-login rate of each server (only while `--auth-rate` is not `off`). */
const loginRates = new WeakMap<ChatCore, PasswordLoginRate>();

/** What lets a login right after `register` skip the second hash (see its module). */
const registrations = new RegistrationProofs();

/** What an operator runs to let a classroom behind one address register. */
const AUTH_RATE_HINT = "--auth-rate 60";

function checkPasswordField(password: string): void {
  if (!isAcceptablePassword(password)) {
    throw new RequestError(
      "weak_password",
      password === ""
        ? "The password is empty."
        : "Passwords must be at least 8 characters and at most 1024 bytes.",
    );
  }
}

export async function register(
  ctx: RequestContext,
  { user, password }: RequestFields<"register">,
): Promise<void> {
  const name = checkUserName(user);
  if (name === null) {
    throw new RequestError(
      "invalid_username",
      user === ""
        ? "The user name is empty."
        : hasInvisible(user)
        ? "User names cannot hold invisible, format or direction-changing characters."
        : hasBadMarks(user.normalize("NFC"))
        ? "User names start with a letter or digit and carry at most 2 accents per letter, none struck through."
        : "User names are 2 to 32 letters, digits, '_', '.' or '-'.",
    );
  }
  checkPasswordField(password);
  // Only well-formed attempts count: a typo costs nothing and never hides its own error.
  const limiter = ctx.core.limits.registrations;
  if (limiter) {
    const key = addressKey(ctx.session.host);
    const wait = limiter.hit(key);
    if (wait > 0) {
      logRegistrationRefusal(ctx.core, key);
      throw new RequestError(
        "rate_limited",
        `Too many registrations from your address; try again in ${
          Math.ceil(wait / 60_000)
        } min (the server's operator can raise the limit, e.g. ${AUTH_RATE_HINT}).`,
        { retry_after: Math.ceil(wait / 1000), retryAfterMs: wait },
      );
    }
  }
  const nameKey = foldName(name);
  if (await ctx.core.findUser(nameKey)) {
    throw new RequestError("user_taken", `The name ${name} is taken.`);
  }
  const passwordHash = await hashPassword(password);
  const created = await ctx.core.store.createUser({
    name,
    nameKey,
    passwordHash,
    createdAt: ctx.core.clock(),
  });
  if (!created) throw new RequestError("user_taken", `The name ${name} is taken.`);
  await registrations.remember(ctx.session, created.id, passwordHash, password, ctx.core.clock());
  ctx.ok({ user: created.name });
}

/** One log line per address and window when registrations are refused, with the remedy. */
function logRegistrationRefusal(core: ChatCore, key: string): void {
  let logged = refusalsLogged.get(core);
  if (!logged) {
    logged = new WindowCounter(1, 10 * 60_000, core.clock);
    refusalsLogged.set(core, logged);
  }
  logged.sweep();
  if (logged.hit(key) > 0) return;
  core.log.log("warn", "registrations_rate_limited", {
    address: key,
    hint: `raise the limit per address and 10 minutes with ${AUTH_RATE_HINT} ` +
      "(e.g. a classroom behind one NAT), or turn it off with --auth-rate off",
  });
}

/** The account `password` logs in, or bad_credentials (after the growing delay). */
async function checkPassword(
  ctx: RequestContext,
  user: string,
  nameKey: string,
  password: string,
): Promise<UserRecord> {
  const failures = ctx.core.limits.loginFailures;
  // `--auth-rate off` turns the failed-login delays off, and this rate with them.
  const rate = failures ? loginRateOf(ctx.core) : null;
  const wait = rate?.begin(ctx.session.host, nameKey) ?? 0;
  if (wait > 0) {
    throw new RequestError(
      "rate_limited",
      `Too many password logins; try again in ${Math.ceil(wait / 1000)} s.`,
      { retry_after: Math.ceil(wait / 1000), retryAfterMs: wait },
    );
  }
  const delay = failures ? loginDelay(failures, ctx.session.host, nameKey) : 0;
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const record = await lookupUser(ctx.core, user);
  const ok = await passwordMatches(ctx, record, password);
  if (!record || !ok) {
    if (failures) recordLoginFailure(failures, ctx.session.host, nameKey, record !== null);
    throw new RequestError("bad_credentials", "Wrong user name or password.");
  }
  if (failures) recordLoginSuccess(failures, ctx.session.host, nameKey);
  rate?.succeeded(nameKey);
  return record;
}

/**
 * Whether `password` is the password of `record` (null: no such account, which takes as
 * long as a wrong password): the connection's fresh registration of that account, or one
 * argon2 verification.
 */
async function passwordMatches(
  ctx: RequestContext,
  record: UserRecord | null,
  password: string,
): Promise<boolean> {
  if (record && await registrations.matches(ctx.session, record, password, ctx.core.clock())) {
    return true;
  }
  return record
    ? await verifyPassword(record.passwordHash, password)
    : await verifyAgainstDummy(password);
}

/** The password-login rate of `core`, created on first use. */
function loginRateOf(core: ChatCore): PasswordLoginRate {
  let rate = loginRates.get(core);
  if (!rate) {
    rate = new PasswordLoginRate(core.clock);
    loginRates.set(core, rate);
  }
  return rate;
}

/**
 * The account a resume token logs in, with the token's id, or bad_credentials. A token is
 * a MAC check and one indexed look-up: no delay, since a token cannot be guessed.
 */
async function checkToken(
  ctx: RequestContext,
  user: string,
  token: string,
): Promise<{ record: UserRecord; tokenId: string }> {
  const record = await lookupUser(ctx.core, user);
  const tokenId = record ? await ctx.core.tokens.verify(token, record.id) : null;
  if (!record || tokenId === null) {
    throw new RequestError(
      "bad_credentials",
      "The resume token is unknown, expired or revoked; log in with the password.",
    );
  }
  return { record, tokenId };
}

export async function login(
  ctx: RequestContext,
  { user, password, token }: RequestFields<"login">,
): Promise<void> {
  if (user === "") throw new RequestError("invalid_username", "The user name is empty.");
  if (password === "") throw new RequestError("weak_password", "The password is empty.");
  const nameKey = foldName(user);
  let record: UserRecord;
  let tokenId: string | null = null;
  if (token !== undefined) {
    ({ record, tokenId } = await checkToken(ctx, user, token));
  } else {
    record = await checkPassword(ctx, user, nameKey, password!);
  }
  const block = ctx.core.moderation.loginBlock(record.id);
  if (block?.code === "banned") {
    throw new RequestError("banned", "This account is banned.", { reason: block.reason });
  }
  if (block?.code === "kicked") {
    throw new RequestError("kicked", `This account was kicked until ${isoTime(block.until)}.`, {
      until: isoTime(block.until),
      reason: block.reason,
    });
  }
  // A closing connection is not answered (nor logged in): its close is under way.
  if (ctx.session.closing) return ctx.later();
  // A token login answers the token it used (valid 30 days from its issue); a password
  // login answers a new one.
  let answer = token;
  if (tokenId === null) ({ token: answer, id: tokenId } = await ctx.core.tokens.issue(record.id));
  if (ctx.session.closing) return ctx.later();
  const previous = ctx.session.account;
  const previousToken = sessionTokens.get(ctx.session);
  ctx.core.logout(ctx.session);
  ctx.core.login(ctx.session, { id: record.id, name: record.name, key: nameKey });
  recordLastSeen(ctx.core, record.id);
  sessionTokens.set(ctx.session, tokenId);
  if (previousToken !== undefined && previousToken !== tokenId) {
    if (previous && previous.id !== record.id) {
      // Switching this connection to another account ends the previous account's session:
      // its tokens would otherwise outlive the `logout` that revokes only the current one.
      for (const id of [previousToken, ...takeEarlierTokens(ctx.session)]) {
        await revokeToken(ctx, id);
      }
    } else {
      // Another login to the same account: the session keeps the first token until its
      // `logout`, which revokes both. A set (at most the account's live tokens), without
      // the token in use now.
      const earlier = earlierTokens.get(ctx.session) ?? new Set<string>();
      earlier.add(previousToken);
      earlier.delete(tokenId);
      earlierTokens.set(ctx.session, earlier);
    }
  }
  ctx.core.emit({ type: "presence" });
  await ctx.core.cluster?.presenceBarrier();
  ctx.ok({
    user: record.name,
    token: answer,
    ...loginRooms(ctx.core.rooms),
  });
}

export async function logout(ctx: RequestContext): Promise<void> {
  const tokenId = sessionTokens.get(ctx.session);
  sessionTokens.delete(ctx.session);
  ctx.core.logout(ctx.session);
  for (
    const id of [...(tokenId === undefined ? [] : [tokenId]), ...takeEarlierTokens(ctx.session)]
  ) {
    await revokeToken(ctx, id);
  }
  ctx.ok();
  void ctx.session.close("logout");
}

/** The session's tokens from earlier logins (see {@linkcode earlierTokens}), forgotten. */
function takeEarlierTokens(session: Session): string[] {
  const earlier = [...(earlierTokens.get(session) ?? [])];
  earlierTokens.delete(session);
  return earlier;
}

/** Revokes a session's token; a failure is logged (the token then lives until it expires). */
async function revokeToken(ctx: RequestContext, tokenId: string): Promise<void> {
  try {
    await ctx.core.tokens.revoke(tokenId);
  } catch (error) {
    ctx.core.log.log("warn", "token_revoke_failed", { error: String(error) });
  }
}

/**
 * `password`: checks `old` (with the failed-login delays), stores the hash of `new`,
 * revokes every token of the account but this session's, and closes the account's other
 * sessions with `error` `bad_credentials`.
 */
export async function changePassword(
  ctx: RequestContext,
  { old, new: fresh }: RequestFields<"password">,
): Promise<void> {
  if (!isAcceptablePassword(fresh)) {
    throw new RequestError(
      "weak_password",
      fresh === ""
        ? "The new password is empty."
        : "Passwords must be at least 8 characters and at most 1024 bytes.",
    );
  }
  const account = accountOf(ctx);
  const record = await checkPassword(ctx, account.name, account.key, old);
  if (record.id !== account.id) {
    throw new RequestError("bad_credentials", "Wrong user name or password.");
  }
  await ctx.core.store.setPasswordHash(account.id, await hashPassword(fresh));
  ctx.core.forgetUser(account.key);
  ctx.core.passwordChanges.set(account.id, ctx.core.clock());
  await ctx.core.cluster?.announce({
    type: "password_changed",
    userId: account.id,
    userKey: account.key,
  });
  // The session's tokens from earlier logins are revoked too: only the current one stays.
  earlierTokens.delete(ctx.session);
  await ctx.core.tokens.revokeAllOf(account.id, sessionTokens.get(ctx.session));
  const message = "The account's password was changed; log in again.";
  for (const other of [...ctx.core.sessions.ofUser(account.id)]) {
    if (other === ctx.session) continue;
    sessionTokens.delete(other);
    earlierTokens.delete(other);
    ctx.core.logout(other);
    void other.close("password changed", errorFrame("bad_credentials", message));
  }
  ctx.core.log.log("info", "password_changed", { user: account.name, session: ctx.session.id });
  ctx.ok();
}

/** `ping`: answers `ok`. */
export function ping(ctx: RequestContext): void {
  ctx.ok();
}
