/**
 * Admin login sessions: random opaque ids kept in memory, ended by logout, by 30 minutes
 * without a request, or after 12 hours in any case. A restart logs everybody out.
 */
import type { Clock } from "../common/clock.ts";

/** A logged-in admin session. */
export interface AdminSession {
  id: string;
  user: string;
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
  create(user: string, address: string): AdminSession {
    this.#sweep();
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const now = this.#clock();
    const session = { id, user, address, createdAt: now, lastSeen: now };
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
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/** The `Set-Cookie` value that stores a session id in the browser. */
export function sessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The `Set-Cookie` value that removes the session cookie. */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
