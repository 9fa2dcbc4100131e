/**
 * `POST /api/login` and `POST /api/logout`. A wrong name and a wrong password get the same
 * answer after the same work; failures are throttled per client host, logged and audited.
 */
import { verifyAgainstDummy, verifyPassword } from "../auth/password.ts";
import { empty, HttpError, json, readJson } from "./http.ts";
import { LoginBody, parseInput } from "./bodies.ts";
import type { LoginThrottle, Refusal } from "./login_throttle.ts";
import { ADMIN_PASSWORD_SETTING, ADMIN_USER, type SettingsStore } from "./password_setup.ts";
import {
  type AdminSessions,
  clearedSessionCookie,
  sessionCookie,
  sessionIdFromCookie,
} from "./sessions.ts";

/** What a login needs. */
export interface LoginDeps {
  settings: SettingsStore;
  sessions: AdminSessions;
  throttle: LoginThrottle;
  /** Records a login, a logout or a failed login in the audit log. */
  audit(action: "login" | "logout" | "login_failed", by: string, address: string): Promise<void>;
  /** Logs a failed login (the name tried, the address, the delay now imposed). */
  onFailure(user: string, address: string, delayMs: number): void;
}

/**
 * Handles `POST /api/login` from `address` (`host:port`), throttled by `host`: the attempt
 * is counted before the slow hash runs, and one address verifies one password at a time.
 */
export async function login(
  req: Request,
  host: string,
  address: string,
  deps: LoginDeps,
): Promise<Response> {
  const { user, password } = parseInput(LoginBody, await readJson(req));
  const attempt = deps.throttle.begin(host);
  if ("reason" in attempt) throw refusal(attempt);
  let ok = false;
  try {
    const hash = await deps.settings.getSetting(ADMIN_PASSWORD_SETTING);
    ok = hash !== null && user === ADMIN_USER
      ? await verifyPassword(hash, password)
      : await verifyAgainstDummy(password);
  } finally {
    if (!ok) {
      const delay = attempt.fail();
      deps.onFailure(user, address, delay);
      // The failure is answered even when the audit log cannot be written.
      await deps.audit("login_failed", user.slice(0, 64), address).catch(() => {});
    }
  }
  if (!ok) throw new HttpError(401, "bad_credentials", "Wrong user name or password.");
  attempt.succeed();
  const session = deps.sessions.create(ADMIN_USER, address);
  await deps.audit("login", ADMIN_USER, address);
  return json({ user: ADMIN_USER }, 200, { "set-cookie": sessionCookie(session.id) });
}

/** The 429 for an attempt that may not start now. */
export function refusal(refused: Refusal): HttpError {
  const seconds = refused.reason === "wait" ? Math.ceil(refused.waitMs / 1000) : 1;
  const message = refused.reason === "wait"
    ? `Too many failed attempts from this address: try again in ${seconds} s.`
    : "Another attempt from this address is being checked: try again in a moment.";
  return new HttpError(429, "rate_limited", message, { "retry-after": String(seconds) });
}

/** Handles `POST /api/logout` for an authenticated caller. */
export async function logout(
  req: Request,
  by: string,
  address: string,
  deps: LoginDeps,
): Promise<Response> {
  const id = sessionIdFromCookie(req.headers.get("cookie"));
  if (id) deps.sessions.delete(id);
  await deps.audit("logout", by, address);
  return empty(204, { "set-cookie": clearedSessionCookie() });
}
