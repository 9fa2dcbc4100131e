/**
 * `POST /api/login` and `POST /api/logout`. A wrong name and a wrong password get the same
 * answer after the same work; failures are throttled per client host.
 */
import { verifyAgainstDummy, verifyPassword } from "../auth/password.ts";
import { empty, HttpError, json, readJson } from "./http.ts";
import { LoginBody, parseInput } from "./bodies.ts";
import type { LoginThrottle } from "./login_throttle.ts";
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
  /** Records a login or logout in the audit log. */
  audit(action: "login" | "logout", by: string, address: string): Promise<void>;
}

/** Handles `POST /api/login` from `address` (`host:port`), throttled by `host`. */
export async function login(
  req: Request,
  host: string,
  address: string,
  deps: LoginDeps,
): Promise<Response> {
  const { user, password } = parseInput(LoginBody, await readJson(req));
  const wait = deps.throttle.wait(host);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    throw new HttpError(
      429,
      "rate_limited",
      `Too many failed logins from this address: try again in ${seconds} s.`,
      { "retry-after": String(seconds) },
    );
  }
  const hash = await deps.settings.getSetting(ADMIN_PASSWORD_SETTING);
  const ok = hash !== null && user === ADMIN_USER
    ? await verifyPassword(hash, password)
    : await verifyAgainstDummy(password);
  if (!ok) {
    deps.throttle.fail(host);
    throw new HttpError(401, "bad_credentials", "Wrong user name or password.");
  }
  deps.throttle.succeed(host);
  const session = deps.sessions.create(ADMIN_USER, address);
  await deps.audit("login", ADMIN_USER, address);
  return json({ user: ADMIN_USER }, 200, { "set-cookie": sessionCookie(session.id) });
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
