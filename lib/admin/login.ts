/**
 * `POST /api/login` and `POST /api/logout`. `admin` logs in with the admin password; any
 * other name is a chat account holding a staff role, with its own chat password (the same
 * argon2id hashes). A wrong name, a wrong password and an account without a role get the
 * same answer after the same work; failures are throttled per client host (or per device,
 * for a browser holding a valid device cookie), logged and audited.
 */
import { verifyAgainstDummy, verifyPassword } from "../auth/password.ts";
import type { DeviceCookies } from "./device_cookie.ts";
import { empty, HttpError, json, readJson } from "./http.ts";
import { LoginBody, parseInput } from "./bodies.ts";
import type { LoginThrottle, Refusal } from "./login_throttle.ts";
import type { StaffRole } from "../server/control.ts";
import { ADMIN_PASSWORD_SETTING, ADMIN_USER, type SettingsStore } from "./password_setup.ts";
import {
  type AdminIdentity,
  type AdminSessions,
  clearedSessionCookie,
  sessionCookie,
  sessionIdFromCookie,
} from "./sessions.ts";

/** What a login needs. */
export interface LoginDeps {
  settings: SettingsStore;
  sessions: AdminSessions;
  /** Checks a chat account's password (`ChatControl.verifyAccount`). */
  verifyAccount(name: string, password: string): Promise<{ userId: number; user: string } | null>;
  /** A chat account's staff role (`ChatControl.staffRoleOf`). */
  roleOf(userId: number): StaffRole | null;
  throttle: LoginThrottle;
  /** Device cookies: a browser that logged in before is throttled on its own key. */
  devices: DeviceCookies;
  /** Records a login, a logout or a failed login in the audit log. */
  audit(action: "login" | "logout" | "login_failed", by: string, address: string): Promise<void>;
  /** Logs a failed login (the name tried, the address, the delay now imposed). */
  onFailure(user: string, address: string, delayMs: number): void;
}

/**
 * Handles `POST /api/login` from `address` (`host:port`), throttled by `host` (or by the
 * device cookie, when the request carries a valid one for this user): the attempt is
 * counted before the slow hash runs, and one key verifies one password at a time. A
 * success sets the session cookie and a fresh device cookie.
 */
export async function login(
  req: Request,
  host: string,
  address: string,
  deps: LoginDeps,
): Promise<Response> {
  const { user, password } = parseInput(LoginBody, await readJson(req));
  const device = await deps.devices.keyOf(req.headers.get("cookie"), user);
  const attempt = device ? deps.throttle.beginDevice(device) : deps.throttle.begin(host);
  if ("reason" in attempt) throw refusal(attempt);
  let identity: AdminIdentity | null = null;
  try {
    identity = await checkCredentials(user, password, deps);
  } finally {
    if (!identity) {
      const delay = attempt.fail();
      deps.onFailure(user, address, delay);
      // The failure is answered even when the audit log cannot be written.
      await deps.audit("login_failed", user.slice(0, 64), address).catch(() => {});
    }
  }
  if (!identity) throw new HttpError(401, "bad_credentials", "Wrong user name or password.");
  attempt.succeed();
  const session = deps.sessions.create(identity, address);
  await deps.audit("login", identity.user, address);
  const response = json({ user: identity.user, role: identity.role }, 200, {
    "set-cookie": sessionCookie(session.id),
  });
  // Keyed by the name as typed: the next login's name is compared with it as typed.
  const deviceCookie = await deps.devices.issue(user);
  if (deviceCookie) response.headers.append("set-cookie", deviceCookie);
  return response;
}

/**
 * Who `user`/`password` log in as, or null: `admin` with the admin password, or a chat
 * account with its password and a staff role (one slow hash either way).
 */
async function checkCredentials(
  user: string,
  password: string,
  deps: LoginDeps,
): Promise<AdminIdentity | null> {
  if (user === ADMIN_USER) {
    const hash = await deps.settings.getSetting(ADMIN_PASSWORD_SETTING);
    const ok = hash !== null
      ? await verifyPassword(hash, password)
      : await verifyAgainstDummy(password);
    return ok ? { user: ADMIN_USER, userId: null, role: "admin" } : null;
  }
  const account = await deps.verifyAccount(user, password);
  const role = account ? deps.roleOf(account.userId) : null;
  return account && role ? { user: account.user, userId: account.userId, role } : null;
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
