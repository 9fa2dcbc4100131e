/**
 * Admin login sessions: random opaque ids kept in memory, ended by logout, by 30 minutes
 * without a request, or after 12 hours in any case. A restart logs everybody out. A staff
 * member's session also ends when their role is revoked, their account banned, or their
 * chat password changed (see `request_guard.ts`).
 */
import type { Clock } from "../common/clock.ts";
import { cookieValue } from "./http.ts";

/** Who a session (or a bearer token) acts as: the bootstrap `admin`, or a staff account. */
export interface AdminIdentity {
  /** The name recorded in `by`. */
  user: string;
  /** The chat account's id for a staff member; null for `admin` and the bearer token. */
  userId: number | null;
  /** The role at login; a staff session's role is read again on every request. */
  role: "moderator" | "admin";
}

/** A logged-in admin session. */
export interface AdminSession extends AdminIdentity {
  id: string;
  /** Client address at login. */
  address: string;
  createdAt: number;
  lastSeen: number;
}

/** Session lifetimes, in milliseconds. */
export interface SessionLimits {
  /** Ends a session this long after its last request (default 30 minutes). */
  idleMs?: number;
  /** Ends a session this long after login whatever happens (default 12 hours). */
  absoluteMs?: number;
}

/** The name of the admin session cookie. */
export const SESSION_COOKIE = "fastchat_admin";

/** The live admin sessions. */
export class AdminSessions {
  #sessions = new Map<string, AdminSession>();
  #clock: Clock;
  #idleMs: number;
  #absoluteMs: number;

  constructor(clock: Clock = Date.now, limits: SessionLimits = {}) {
    this.#clock = clock;
    this.#idleMs = limits.idleMs ?? 30 * 60_000;
    this.#absoluteMs = limits.absoluteMs ?? 12 * 3_600_000;
  }

  /** Opens a session and returns it; its id is 256 random bits. */
  create(identity: AdminIdentity, address: string): AdminSession {
    this.#sweep();
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const now = this.#clock();
    const session = { ...identity, id, address, createdAt: now, lastSeen: now };
    this.#sessions.set(id, session);
    return session;
  }

  /**
   * The live session with this id, or null. `touch` (default true) counts this as
   * activity; the live feed looks without touching, so an open page alone does not keep
   * a session alive.
   */
  get(id: string, touch = true): AdminSession | null {
    const session = this.#sessions.get(id);
    if (!session) return null;
    const now = this.#clock();
    if (now - session.lastSeen >= this.#idleMs || now - session.createdAt >= this.#absoluteMs) {
      this.#sessions.delete(id);
      return null;
    }
    if (touch) session.lastSeen = now;
    return session;
  }

  /** Ends a session (logout). */
  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session (after a password reset, for instance). */
  clear(): void {
    this.#sessions.clear();
  }

  /** Number of sessions held, expired ones not yet swept included. */
  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    for (const id of [...this.#sessions.keys()]) this.get(id, false);
  }
}

/** The value of the session cookie in a request, or null. */
export function sessionIdFromCookie(header: string | null): string | null {
  return cookieValue(header, SESSION_COOKIE);
}

/** The `Set-Cookie` value that stores a session id in the browser. */
export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
