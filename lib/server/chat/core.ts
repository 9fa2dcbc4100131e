/**
 * The chat server's shared state and the operations that handlers and the admin side
 * compose: presence, user look-ups, live events. Committed messages go out through
 * {@linkcode Delivery} (`delivery.ts`), which the message writer calls back.
 */
import { encodeFrame } from "../../protocol/frame.ts";
import type { ServerFrame } from "../../protocol/server_frames.ts";
import type { Moderation } from "../limits/moderation_state.ts";
import { RoomActivity } from "./room_activity.ts";
import { StoreReads } from "../limits/store_reads.ts";
import type { RoomCreationLimiter } from "../limits/room_limiter.ts";
import type { AccountBytes } from "../limits/account_bytes.ts";
import type { ResumeTokens } from "../../auth/tokens.ts";
import type { StaffRoles } from "../limits/staff_roles.ts";
import type { Store, UserRecord } from "../../store/store.ts";
import type { ServerEvent } from "../control.ts";
import type { FloodEscalation } from "../limits/flood_counter.ts";
import type { GuardSettings } from "../limits/guards.ts";
import type { Logger } from "../../common/log.ts";
import { MessageWriter, type WriterCallbacks } from "./message_writer.ts";
import type { MessageLog } from "./message_log.ts";
import type { ClusterLink } from "./cluster_link.ts";
import { wireMessage } from "./wire_message.ts";
import type { Clock } from "../../common/clock.ts";
import type { TokenBucket, WindowCounter } from "../../common/rate_limit.ts";
import type { Room, RoomDirectory } from "./rooms.ts";
import type { Account, Session } from "../net/session.ts";
import type { SessionRegistry } from "./session_registry.ts";
import {
  type Delivery,
  LocalDelivery,
  type LocalDeliveryParts,
  type PendingChange,
  type PendingMessage,
  writerOutcomes,
} from "./delivery.ts";

export type { PendingChange, PendingMessage };

/** Limits the core applies; null disables one. */
export interface CoreLimits {
  maxText: number;
  /** Creates the `say`/`dm` bucket of a new session, or null when unlimited. */
  newBucket: (() => TokenBucket) | null;
  /** Registrations per address; null when off. */
  registrations: WindowCounter | null;
  /** Failed logins per address and per account; null when off. */
  loginFailures: WindowCounter | null;
  /** `say`/`dm` a session may have waiting for a commit before it waits itself. */
  maxPendingWrites: number;
  /** Server-wide bounds (rooms, room size, store backlog); absent = unbounded. */
  guards?: GuardSettings;
  /** Escalation of repeated floods (auto-mute, then kick); absent or null = off. */
  flood?: FloodEscalation | null;
  /** Rooms a user may create per hour, per account and per address; absent or null = off. */
  roomCreation?: RoomCreationLimiter | null;
  /** New `report`s per account (key: the user id) and window; absent or null = off. */
  reports?: WindowCounter | null;
  /** `topic` changes per account (key: the user id) and window; absent or null = off. */
  topicChanges?: WindowCounter | null;
  /** Bytes of message text per account, all its connections together; absent or null = off. */
  accountBytes?: AccountBytes | null;
}

/** Counters for metrics and the admin page. */
export interface CoreCounters {
  messagesAccepted: number;
  messagesStored: number;
  storeFailures: number;
  errors: Record<string, number>;
}

/**
 * The settings key of the highest sequence number ever handed out when messages were
 * deleted (with a room); a restart starts above it, so msgids are never reused.
 */
export const SEQ_FLOOR_SETTING = "message_seq_floor";

/** A stored message as the protocol's message object (see `wire_message.ts`). */
export { wireMessage };

const USER_CACHE_MAX = 50_000;

/** State and shared operations of one chat server. */
export class ChatCore {
  readonly store: Store;
  readonly rooms: RoomDirectory;
  readonly sessions: SessionRegistry;
  readonly moderation: Moderation;
  /** Resume tokens; `tokens.revokeAllOf(userId)` must follow every ban. */
  readonly tokens: ResumeTokens;
  /** Staff roles (moderator, admin): `staff.isStaff(userId)` for staff-only actions. */
  readonly staff: StaffRoles;
  /** Group commit into the store (one process) or the cluster's log. */
  readonly writer: MessageLog<PendingMessage, PendingChange>;
  /** The cluster this instance belongs to; null when it runs alone. */
  readonly cluster: ClusterLink | null;
  /** Where committed messages go: the sender's answer, the fan-out, the admin feed. */
  readonly delivery: Delivery;
  /** When each room was last used (messages, joins, leaves), for room expiry. */
  readonly roomActivity = new RoomActivity();
  /** Searches and unread counts, one at a time per account (lib/server/limits/store_reads.ts). */
  readonly storeReads = new StoreReads();
  /**
   * When each account's password was last changed (`password`, here or on another instance
   * of the cluster), since this process started: the admin sessions of a staff member that
   * began before it end (`ChatControl.staffRoleOf`).
   */
  readonly passwordChanges = new Map<number, number>();
  readonly limits: CoreLimits;
  readonly log: Logger;
  readonly clock: Clock;
  readonly counters: CoreCounters;
  #stopping = false;
  #listeners = new Set<(event: ServerEvent) => void>();
  #users = new Map<string, UserRecord>();

  constructor(options: {
    store: Store;
    rooms: RoomDirectory;
    sessions: SessionRegistry;
    moderation: Moderation;
    tokens: ResumeTokens;
    staff: StaffRoles;
    limits: CoreLimits;
    log: Logger;
    clock: Clock;
    lastSeq: number;
    messagesStored: number;
    /** The delivery to use instead of {@linkcode LocalDelivery} (a cluster's). */
    delivery?: (parts: LocalDeliveryParts) => Delivery;
    /** The message log to use instead of the store's group commit (a cluster's). */
    writer?: (
      callbacks: WriterCallbacks<PendingMessage, PendingChange>,
    ) => MessageLog<PendingMessage, PendingChange>;
    /** The cluster's link, when this instance is one of several. */
    cluster?: ClusterLink | null;
  }) {
    this.store = options.store;
    this.rooms = options.rooms;
    this.sessions = options.sessions;
    this.moderation = options.moderation;
    this.tokens = options.tokens;
    this.staff = options.staff;
    this.limits = options.limits;
    this.log = options.log;
    this.clock = options.clock;
    this.counters = {
      messagesAccepted: 0,
      messagesStored: options.messagesStored,
      storeFailures: 0,
      errors: {},
    };
    const parts: LocalDeliveryParts = {
      sessions: this.sessions,
      roomActivity: this.roomActivity,
      counters: this.counters,
      feed: this,
      log: this.log,
      lastSeq: options.lastSeq,
    };
    this.rooms.presence.largeRoom = options.limits.guards?.largeRoom ?? null;
    this.cluster = options.cluster ?? null;
    this.delivery = options.delivery?.(parts) ?? new LocalDelivery(parts);
    const callbacks = writerOutcomes(this.delivery);
    this.writer = options.writer?.(callbacks) ??
      new MessageWriter(this.store, callbacks, {
        nextSeq: options.lastSeq + 1,
        clock: options.clock,
        maxInFlight: this.store.overlappingCommits === false ? 1 : 2,
      });
  }

  /** Set once the server stops taking requests. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Stopping also sends the waiting presence batches, and the later ones at once. */
  set stopping(value: boolean) {
    this.#stopping = value;
    if (value) this.rooms.stopBatching();
  }

  /** A user by case-folded name, cached (accounts are never renamed or deleted). */
  async findUser(nameKey: string): Promise<UserRecord | null> {
    const cached = this.#users.get(nameKey);
    if (cached) return cached;
    const user = await this.store.findUserByKey(nameKey);
    if (user) {
      if (this.#users.size >= USER_CACHE_MAX) this.#users.clear();
      this.#users.set(nameKey, user);
    }
    return user;
  }

  /** Drops a cached user (after its password hash changed). */
  forgetUser(nameKey: string): void {
    this.#users.delete(nameKey);
  }

  /** Adds a session to a room, telling the others when its user arrives. */
  enterRoom(session: Session, room: Room): void {
    const outcome = this.rooms.join(session, room);
    if (outcome === "already") return;
    this.cluster?.presence.entered(session, room);
    this.roomActivity.touch(room.id, this.clock());
    if (outcome === "arrived") {
      const account = session.account!;
      this.rooms.announce(room, account.id, account.name, true, session);
      this.emit({ type: "presence" });
    }
  }

  /** Removes a session from a room, telling the others when its user's last session goes. */
  leaveRoom(session: Session, room: Room): void {
    const outcome = this.rooms.leave(session, room);
    if (outcome === "absent") return;
    this.cluster?.presence.left(session, room);
    this.roomActivity.touch(room.id, this.clock());
    if (outcome === "departed") {
      const account = session.account!;
      this.rooms.announce(room, account.id, account.name, false);
    }
    this.emit({ type: "presence" });
  }

  /** Leaves every room and logs out (on logout, re-login or disconnect). */
  logout(session: Session): void {
    for (const room of [...this.rooms.roomsOf(session)]) this.leaveRoom(session, room);
    const account = session.account;
    if (account) {
      this.sessions.logout(session);
      this.cluster?.presence.loggedOut(session, account);
      this.emit({ type: "presence" });
    }
  }

  /**
   * Marks a session as logged in as `account` (after {@linkcode logout} of any previous
   * account), telling the cluster.
   */
  login(session: Session, account: Account): void {
    this.sessions.login(session, account);
    this.cluster?.presence.loggedIn(session);
  }

  /** Forgets a closed connection. */
  drop(session: Session): void {
    this.logout(session);
    this.sessions.remove(session);
  }

  /** Closes every session of a user with a last frame (kick, ban). */
  closeUser(userId: number, frame: ServerFrame, reason: string): number {
    const sessions = [...this.sessions.ofUser(userId)];
    for (const session of sessions) {
      this.logout(session);
      void session.close(reason, frame);
    }
    return sessions.length;
  }

  /** Sends a frame to every open connection. */
  broadcastAll(frame: ServerFrame): void {
    const bytes = encodeFrame(frame);
    for (const session of this.sessions.all) session.sendBytes(bytes);
  }

  /** Counts an error reply by code. */
  countError(code: string): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }

  /** Whether anyone subscribed to live events. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /** Subscribes to live events; returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the subscribers (the admin page) that something happened. */
  emit(event: ServerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.log("warn", "listener_failed", { error: String(error) });
      }
    }
  }
}
