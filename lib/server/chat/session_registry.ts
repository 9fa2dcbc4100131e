/**
 * Every open connection, and the logged-in sessions of each user; in cluster mode also how
 * many sessions each user has on the other instances (set by `lib/cluster/presence.ts`).
 */
import { addressKey } from "../../auth/address_key.ts";
import type { Account, Session } from "../net/session.ts";

/**
 * Finds sessions by user; counts connections per client address, by its limit key
 * (`addressKey`: an IPv6 /64 as one address, an IPv4-mapped address as its IPv4).
 */
export class SessionRegistry {
  readonly all = new Set<Session>();
  #byUser = new Map<number, Set<Session>>();
  #perHost = new Map<string, number>();
  /** userId → instance → that instance's logged-in sessions of the user (cluster mode). */
  #remote = new Map<number, Map<string, number>>();

  /** Connections currently open from `host`'s address key (its whole /64 for IPv6). */
  connectionsFrom(host: string): number {
    return this.#perHost.get(addressKey(host)) ?? 0;
  }

  /** Adds an open connection. */
  add(session: Session): void {
    this.all.add(session);
    this.#perHost.set(addressKey(session.host), this.connectionsFrom(session.host) + 1);
  }

  /** Forgets a closed connection (logging it out first). */
  remove(session: Session): void {
    if (!this.all.delete(session)) return;
    this.logout(session);
    const key = addressKey(session.host);
    const n = this.connectionsFrom(session.host) - 1;
    if (n > 0) this.#perHost.set(key, n);
    else this.#perHost.delete(key);
  }

  /** Marks a session as logged in as `account`. */
  login(session: Session, account: Account): void {
    this.logout(session);
    session.account = account;
    session.lastUser = account.name;
    let sessions = this.#byUser.get(account.id);
    if (!sessions) {
      sessions = new Set();
      this.#byUser.set(account.id, sessions);
    }
    sessions.add(session);
  }

  /** Marks a session as logged out (its rooms must be left first). */
  logout(session: Session): void {
    const account = session.account;
    if (!account) return;
    const sessions = this.#byUser.get(account.id);
    sessions?.delete(session);
    if (sessions?.size === 0) this.#byUser.delete(account.id);
    session.account = null;
  }

  /** The logged-in sessions of a user. */
  ofUser(userId: number): ReadonlySet<Session> {
    return this.#byUser.get(userId) ?? new Set();
  }

  /** Whether the user has a logged-in session here or on another instance. */
  isOnline(userId: number): boolean {
    return this.#byUser.has(userId) || this.#remote.has(userId);
  }

  /** The user's logged-in sessions on the other instances (as last told). */
  remoteSessions(userId: number): number {
    let n = 0;
    for (const count of this.#remote.get(userId)?.values() ?? []) n += count;
    return n;
  }

  /** Sets how many logged-in sessions of a user another instance has (0: none). */
  setRemote(instance: string, userId: number, count: number): void {
    let counts = this.#remote.get(userId);
    if (count > 0) {
      if (!counts) {
        counts = new Map();
        this.#remote.set(userId, counts);
      }
      counts.set(instance, count);
      return;
    }
    if (!counts?.delete(instance)) return;
    if (counts.size === 0) this.#remote.delete(userId);
  }

  /** Logged-in users with their sessions. */
  users(): { account: Account; sessions: Session[] }[] {
    return [...this.#byUser.values()].map((set) => {
      const sessions = [...set];
      return { account: sessions[0]!.account!, sessions };
    });
  }

  /** The number of logged-in sessions. */
  get loggedIn(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }
}
