/** `register`, `login`, `logout`, `ping`. */
import { RequestError } from "../../protocol/error_codes.ts";
import { checkUserName, foldName, isAcceptablePassword } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../../auth/password.ts";
import { isoTime } from "../core.ts";
import { type HandlerResult, REPLY_LATER, type RequestContext } from "./context.ts";

/** Failed logins (per address, per account) before answers are delayed. */
const FREE_FAILURES = 5;
const MAX_DELAY_MS = 8_000;

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
): Promise<HandlerResult> {
  const name = checkUserName(user);
  if (name === null) {
    throw new RequestError(
      "invalid_username",
      user === ""
        ? "The user name is empty."
        : "User names are 2 to 32 letters, digits, '_', '.' or '-'.",
    );
  }
  checkPasswordField(password);
  // Only well-formed attempts count: a typo costs nothing and never hides its own error.
  const limiter = ctx.core.limits.registrations;
  if (limiter) {
    const wait = limiter.hit(ctx.session.host);
    if (wait > 0) {
      throw new RequestError("rate_limited", "Too many registrations from your address.", {
        retryAfterMs: wait,
      });
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
  return { user: created.name };
}

function failureDelay(ctx: RequestContext, nameKey: string): number {
  const failures = ctx.core.limits.loginFailures;
  if (!failures) return 0;
  const n = Math.max(failures.count(ctx.session.host), failures.count(`user:${nameKey}`));
  if (n < FREE_FAILURES) return 0;
  return Math.min(MAX_DELAY_MS, 250 * 2 ** (n - FREE_FAILURES));
}

export async function login(
  ctx: RequestContext,
  { user, password }: RequestFields<"login">,
): Promise<HandlerResult> {
  if (user === "") throw new RequestError("invalid_username", "The user name is empty.");
  if (password === "") throw new RequestError("weak_password", "The password is empty.");
  const nameKey = foldName(user);
  const delay = failureDelay(ctx, nameKey);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const record = checkUserName(user) === null ? null : await ctx.core.findUser(nameKey);
  const ok = record
    ? await verifyPassword(record.passwordHash, password)
    : await verifyAgainstDummy(password);
  const failures = ctx.core.limits.loginFailures;
  if (!record || !ok) {
    failures?.record(ctx.session.host);
    if (record) failures?.record(`user:${nameKey}`);
    throw new RequestError("bad_credentials", "Wrong user name or password.");
  }
  failures?.reset(`user:${nameKey}`);
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
  if (ctx.session.closing) return REPLY_LATER;
  ctx.core.logout(ctx.session);
  ctx.core.sessions.login(ctx.session, { id: record.id, name: record.name, key: nameKey });
  ctx.core.emit({ type: "presence" });
  return { user: record.name, rooms: ctx.core.rooms.list().map((r) => r.summary()) };
}

export function logout(ctx: RequestContext): HandlerResult {
  ctx.core.logout(ctx.session);
  ctx.session.reply(ctx.id);
  void ctx.session.close("logout");
  return REPLY_LATER;
}

export function ping(): HandlerResult {
  return {};
}
