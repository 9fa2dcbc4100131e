/**
 * Checks made before any route runs: the request's `Origin` (a cross-site request gets
 * 403), and who is calling (a session cookie or the bearer token; 401 otherwise) with
 * which role.
 */
import { timingSafeEqual } from "node:crypto";
import type { Actor, StaffRole } from "../server/control.ts";
import { HttpError, requestUrl } from "./http.ts";
import { refusal } from "./login.ts";
import type { LoginThrottle } from "./login_throttle.ts";
import { type AdminSession, type AdminSessions, sessionIdFromCookie } from "./sessions.ts";

/**
 * The name recorded in the audit log (and in `deleted` events' `by`) for requests made with
 * the bearer token: the token is the server owner's, so it acts as `admin`, as in version 1.
 */
export const TOKEN_ACTOR = "admin";

/**
 * Throws 403 when the request carries an `Origin` other than the admin page's own (scheme,
 * host and port compared exactly), or, for a state-changing method, when the browser says
 * the request comes from another site (`Sec-Fetch-Site`). Requests without these headers
 * (scripts, `curl`) pass: they carry no ambient browser credentials.
 */
export function checkOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  const own = requestUrl(req).origin;
  if (origin !== null && origin !== own) {
    throw new HttpError(
      403,
      "forbidden_origin",
      `Requests from origin ${JSON.stringify(origin)} are not allowed; only ${own} is.`,
    );
  }
  const site = req.headers.get("sec-fetch-site");
  const safe = req.method === "GET" || req.method === "HEAD";
  if (!safe && site !== null && site !== "same-origin" && site !== "none") {
    throw new HttpError(403, "forbidden_origin", "Cross-site requests are not allowed.");
  }
}

/**
 * Throws 421 unless the request's `Host` names the admin page: `localhost`, an IP address
 * literal (a DNS rebinding attack always comes through a host NAME that the attacker's DNS
 * points at this machine, so a literal address is safe), or one of `names`
 * (`--admin-host-names`). The port is not compared: a port forward may change it.
 */
export function checkHost(req: Request, names: readonly string[]): void {
  const hostname = requestUrl(req).hostname.toLowerCase();
  if (isAllowedHost(hostname, names)) return;
  throw new HttpError(
    421,
    "bad_host",
    `This admin page does not answer to host ${JSON.stringify(hostname)}; ` +
      "add it with --admin-host-names if it is yours.",
  );
}

/** Whether a `Host` name (lowercase, without port) is one the admin page answers to. */
export function isAllowedHost(hostname: string, names: readonly string[]): boolean {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname)) return true;
  if (hostname.startsWith("[") && hostname.endsWith("]")) return true;
  return names.includes(hostname.replace(/\.$/, ""));
}

/** An authenticated caller: the audit actor, its role, and its session (null: the token). */
export interface Caller extends Actor {
  role: StaffRole;
  sessionId: string | null;
}

/**
 * A staff account's role now (null once revoked, banned, or, for a session that began at
 * `sessionSince`, once its password changed since); `ChatControl.staffRoleOf`.
 */
export type RoleLookup = (userId: number, sessionSince?: number) => StaffRole | null;

/**
 * The session's live role: `admin`'s is fixed, a staff member's is read now, so a role
 * revoked or changed takes effect on the next request. A revoked member's session is ended.
 */
export function liveRole(
  sessions: AdminSessions,
  session: AdminSession,
  roleOf: RoleLookup,
): StaffRole | null {
  if (session.userId === null) return session.role;
  const role = roleOf(session.userId, session.createdAt);
  if (role === null) sessions.delete(session.id);
  return role;
}

/** Who may call the API: logged-in sessions, and scripts holding the token. */
export class RequestGuard {
  #sessions: AdminSessions;
  #tokenDigest: Uint8Array | null = null;
  #tokenPromise: Promise<void>;
  #throttle: LoginThrottle;
  #onFailure: (address: string, delayMs: number) => void;
  #roleOf: RoleLookup;
  #tokenName: string;

  /**
   * `throttle` delays addresses that send wrong bearer tokens; `onFailure` logs each one;
   * `roleOf` gives a staff account's current role; `tokenName` is the token's `by`.
   */
  constructor(
    sessions: AdminSessions,
    token: string | null,
    throttle: LoginThrottle,
    onFailure: (address: string, delayMs: number) => void,
    roleOf: RoleLookup,
    tokenName: string = TOKEN_ACTOR,
  ) {
    this.#sessions = sessions;
    this.#roleOf = roleOf;
    this.#tokenName = tokenName;
    this.#throttle = throttle;
    this.#onFailure = onFailure;
    this.#tokenPromise = token
      ? digest(token).then((d) => void (this.#tokenDigest = d))
      : Promise.resolve();
  }

  /**
   * The caller as an audit actor, or a 401. A bearer token is checked first (in constant
   * time), so the right token always passes; only a wrong one meets the throttle (429 while
   * `host` must wait after earlier wrong tokens). `touch` (default true) counts the request
   * as session activity. The token acts as an admin; a staff session with its role now, and
   * 401 once the role is revoked.
   */
  async authenticate(
    req: Request,
    host: string,
    address: string,
    touch = true,
  ): Promise<Caller> {
    const authorization = req.headers.get("authorization");
    if (authorization !== null) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (match && (await this.#tokenMatches(match[1]!))) {
        return { by: this.#tokenName, address, role: "admin", sessionId: null };
      }
      const waitMs = this.#throttle.wait(host);
      if (waitMs > 0) throw refusal({ reason: "wait", waitMs });
      this.#onFailure(address, this.#throttle.fail(host));
      throw new HttpError(401, "unauthorized", "The bearer token is not valid.", {
        "www-authenticate": 'Bearer realm="fastchat-admin"',
      });
    }
    const id = sessionIdFromCookie(req.headers.get("cookie"));
    const session = id ? this.#sessions.get(id, touch) : null;
    const role = session ? liveRole(this.#sessions, session, this.#roleOf) : null;
    if (!session || !role) {
      throw new HttpError(401, "unauthorized", "Log in first: there is no valid admin session.");
    }
    return { by: session.user, address, role, sessionId: session.id };
  }

  async #tokenMatches(candidate: string): Promise<boolean> {
    await this.#tokenPromise;
    if (!this.#tokenDigest) return false;
    // Comparing fixed-length digests keeps the time independent of the token's content.
    return timingSafeEqual(await digest(candidate), this.#tokenDigest);
  }
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
