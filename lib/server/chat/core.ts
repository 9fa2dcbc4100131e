/**
 * The chat server's shared state and the operations that handlers and the admin side
 * compose: presence, delivery of committed messages, user look-ups, live events.
 */
import { encodeFrame } from "../../protocol/frame.ts";
import { formatMsgid } from "../../protocol/msgid.ts";
import type { RequestId } from "../../protocol/requests.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import type { Moderation } from "../moderation/moderation.ts";
import { RoomActivity } from "./room_activity.ts";
import type { RoomCreationLimiter } from "../limits/room_limiter.ts";
import type { ResumeTokens } from "../../auth/tokens.ts";
import type {
  InsertOutcome,
  NewMessage,
  Store,
  StoredMessage,
  UserRecord,
} from "../../store/store.ts";
import type { ServerEvent } from "../control.ts";
import type { FloodEscalation } from "../moderation/flood.ts";
import type { GuardSettings } from "../limits/guards.ts";
import type { Logger } from "../../common/log.ts";
import { MessageWriter } from "./message_writer.ts";
import type { Clock, TokenBucket, WindowCounter } from "../../common/rate_limit.ts";
import type { Room, RoomDirectory } from "./rooms.ts";
import type { Account, Session } from "../net/session.ts";
import type { SessionRegistry } from "./session_registry.ts";

/** A `say` or `dm` waiting for its commit. */
export interface PendingMessage {
  session: Session;
  requestId: RequestId;
  sender: Account;
  room: Room | null;
  recipient: Account | null;
}

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

/** ISO 8601 UTC with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A stored message as the protocol's message object. */
export function wireMessage(m: StoredMessage): ChatMessage {
  return m.room !== null
    ? { msgid: formatMsgid(m.seq), room: m.room, user: m.user, text: m.text, ts: isoTime(m.ts) }
    : { msgid: formatMsgid(m.seq), to: m.to!, user: m.user, text: m.text, ts: isoTime(m.ts) };
}

const USER_CACHE_MAX = 50_000;

/** State and shared operations of one chat server. */
export class ChatCore {
  readonly store: Store;
  readonly rooms: RoomDirectory;
  readonly sessions: SessionRegistry;
  readonly moderation: Moderation;
  /** Resume tokens; `tokens.revokeAllOf(userId)` must follow every ban. */
  readonly tokens: ResumeTokens;
  readonly writer: MessageWriter<PendingMessage>;
  /** When each room was last used (messages, joins, leaves), for room expiry. */
  readonly roomActivity = new RoomActivity();
  readonly limits: CoreLimits;
  readonly log: Logger;
  readonly clock: Clock;
  readonly counters: CoreCounters;
  /** The highest sequence number whose event has been broadcast. */
  lastBroadcastSeq: number;
  /** Set once the server stops taking requests. */
  stopping = false;
  #listeners = new Set<(event: ServerEvent) => void>();
  #users = new Map<string, UserRecord>();

  constructor(options: {
    store: Store;
    rooms: RoomDirectory;
    sessions: SessionRegistry;
    moderation: Moderation;
    tokens: ResumeTokens;
    limits: CoreLimits;
    log: Logger;
    clock: Clock;
    lastSeq: number;
    messagesStored: number;
  }) {
    this.store = options.store;
    this.rooms = options.rooms;
    this.sessions = options.sessions;
    this.moderation = options.moderation;
    this.tokens = options.tokens;
    this.limits = options.limits;
    this.log = options.log;
    this.clock = options.clock;
    this.lastBroadcastSeq = options.lastSeq;
    this.counters = {
      messagesAccepted: 0,
      messagesStored: options.messagesStored,
      storeFailures: 0,
      errors: {},
    };
    this.writer = new MessageWriter<PendingMessage>(this.store, {
      stored: (item, message, outcome) => this.#stored(item, message, outcome),
      failed: (item, _message, error) => this.#failed(item, error),
    }, { nextSeq: options.lastSeq + 1, clock: options.clock });
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
    if (session.rooms.has(room.id)) return;
    session.rooms.set(room.id, room);
    this.roomActivity.touch(room.id, this.clock());
    if (room.add(session)) {
      room.broadcast(
        encodeFrame({ type: "joined", room: room.name, user: session.account!.name }),
        session,
      );
      this.emit({ type: "presence" });
    }
  }

  /** Removes a session from a room, telling the others when its user's last session goes. */
  leaveRoom(session: Session, room: Room): void {
    if (!session.rooms.delete(room.id)) return;
    this.roomActivity.touch(room.id, this.clock());
    if (room.remove(session)) {
      room.broadcast(encodeFrame({ type: "left", room: room.name, user: session.account!.name }));
    }
    this.emit({ type: "presence" });
  }

  /** Leaves every room and logs out (on logout, re-login or disconnect). */
  logout(session: Session): void {
    for (const room of [...session.rooms.values()]) this.leaveRoom(session, room);
    if (session.account) {
      this.sessions.logout(session);
      this.emit({ type: "presence" });
    }
  }

  /** Forgets a closed connection. */
  drop(session: Session): void {
    this.logout(session);
    this.sessions.remove(session);
  }

  /** Closes every session of a user with a last frame (kick, ban). */
  closeUser(userId: number, frame: Record<string, unknown>, reason: string): number {
    const sessions = [...this.sessions.ofUser(userId)];
    for (const session of sessions) {
      this.logout(session);
      void session.close(reason, frame);
    }
    return sessions.length;
  }

  /** Sends a frame to every open connection. */
  broadcastAll(frame: Record<string, unknown>): void {
    const bytes = encodeFrame(frame);
    for (const session of this.sessions.all) session.sendBytes(bytes);
  }

  /** Counts an error reply by code. */
  countError(code: string): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
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

  #stored(item: PendingMessage, message: NewMessage, outcome: InsertOutcome): void {
    item.session.endWrite();
    if (outcome.status === "duplicate") {
      item.session.reply(item.requestId, {
        msgid: formatMsgid(outcome.seq),
        ts: isoTime(outcome.ts),
      });
      return;
    }
    this.counters.messagesAccepted++;
    this.counters.messagesStored++;
    this.lastBroadcastSeq = message.seq;
    const msgid = formatMsgid(message.seq);
    const ts = isoTime(message.ts);
    item.session.reply(item.requestId, { msgid, ts });
    const stored: StoredMessage = {
      seq: message.seq,
      roomId: item.room?.id ?? null,
      room: item.room?.name ?? null,
      senderId: item.sender.id,
      user: item.sender.name,
      recipientId: item.recipient?.id ?? null,
      to: item.recipient?.name ?? null,
      text: message.text,
      ts: message.ts,
    };
    if (item.room) {
      this.roomActivity.touch(item.room.id, message.ts);
      item.room.broadcast(encodeFrame({ type: "message", ...wireMessage(stored) }));
    } else {
      const bytes = encodeFrame({ type: "dm", ...wireMessage(stored) });
      const targets = new Set([
        ...this.sessions.ofUser(item.sender.id),
        ...this.sessions.ofUser(item.recipient!.id),
      ]);
      for (const session of targets) session.sendEvent(bytes);
    }
    if (this.#listeners.size > 0) this.emit({ type: "message", message: stored });
  }

  #failed(item: PendingMessage, error: unknown): void {
    item.session.endWrite();
    this.counters.storeFailures++;
    this.countError("unavailable");
    this.log.log("warn", "store_write_failed", {
      error: String((error as Error)?.message ?? error),
    });
    item.session.replyError(
      item.requestId,
      "unavailable",
      "The message could not be stored; nothing was sent. Try again.",
    );
  }
}
