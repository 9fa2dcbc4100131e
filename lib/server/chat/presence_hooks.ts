/**
 * Presence across instances: the chat server tells these hooks of every local change (after
 * making it); the cluster's presence module tells the other instances. Without a cluster
 * there are no hooks.
 */
import type { Account, Session } from "../net/session.ts";
import type { Room } from "./rooms.ts";

/**
 * Local presence changes, told to the cluster. Each is called after the change, with the
 * session registry and the room directory already showing it; none may throw.
 */
export interface PresenceHooks {
  /** A session logged in (it is in the session registry). */
  loggedIn(session: Session): void;
  /**
   * A session logged out or closed (its rooms were left first); `account` is the one it
   * was logged in as (`session.account` is null by now).
   */
  loggedOut(session: Session, account: Account): void;
  /** A logged-in session entered a room. */
  entered(session: Session, room: Room): void;
  /** A logged-in session left a room. */
  left(session: Session, room: Room): void;
}
