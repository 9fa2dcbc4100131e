/**
 * The storage interface. One implementation per database (`sqlite_store.ts`,
 * `mysql_store.ts`); both pass the same contract suite (`tests/store/`).
 *
 * Times are milliseconds since the epoch (UTC). Message sequence numbers are assigned by
 * the server (see `lib/protocol/msgid.ts`) and stored as given, so they order messages in
 * the order the server accepted them, across restarts too.
 */

/** A registered account. */
export interface UserRecord {
  id: number;
  /** The name as registered (NFC), shown to everybody. */
  name: string;
  /** The case-folded key the name is unique by (`foldName`). */
  nameKey: string;
  passwordHash: string;
  createdAt: number;
}

/** A resume token's stored row (lib/auth/tokens.ts); the token itself is never stored. */
export interface TokenRecord {
  id: string;
  userId: number;
  issuedAt: number;
  expiresAt: number;
  /** When it was revoked, or null while it is not. */
  revokedAt: number | null;
}

/** An old name whose skeleton key clashes with another's: kept, without a skeleton key. */
export interface NameClash {
  kind: "user" | "room";
  id: number;
  name: string;
}

/** A room. */
export interface RoomRecord {
  id: number;
  name: string;
  nameKey: string;
  topic: string | null;
  createdAt: number;
  /**
   * When the room was last used (a message, a join or a leave; ms). Stores fill it when
   * reading (never below `createdAt`); ignored by `createRoom`.
   */
  lastActive?: number;
}

/** A message to store: either `roomId` or `recipientId` is set. */
export interface NewMessage {
  seq: number;
  roomId: number | null;
  senderId: number;
  recipientId: number | null;
  text: string;
  ts: number;
  /** Client id making a resend safe: unique per sender when not null. */
  cid: string | null;
}

/** What became of one message of a batch given to {@linkcode Store.insertMessages}. */
export type InsertOutcome =
  | { status: "stored" }
  /** The sender already stored a message with this cid: nothing was written. */
  | { status: "duplicate"; seq: number; ts: number };

/** A stored message with the names it refers to. */
export interface StoredMessage {
  seq: number;
  roomId: number | null;
  /** The room's name, for a room message. */
  room: string | null;
  senderId: number;
  /** The sender's name. */
  user: string;
  recipientId: number | null;
  /** The recipient's name, for a direct message. */
  to: string | null;
  text: string;
  ts: number;
}

/** A page request: at most one of `before`/`after` (sequence numbers, exclusive). */
export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

/**
 * A page of messages, oldest first. Without `after`: the newest `limit` messages (before
 * `before` if given), `more` telling whether older ones exist. With `after`: the oldest
 * `limit` messages after it, `more` telling whether newer ones exist.
 */
export interface HistoryPage {
  messages: StoredMessage[];
  more: boolean;
}

/** Kinds of moderation measure. */
export type SanctionKind = "kick" | "mute" | "ban";

/** A kick, mute or ban of a user; at most one of each kind per user. */
export interface Sanction {
  kind: SanctionKind;
  userId: number;
  /** The user's name (filled in by the store when reading). */
  user: string;
  /** When it ends (ms); null for a ban, which lasts until lifted. */
  until: number | null;
  reason: string;
  /** Who imposed it (an admin name, or "system"). */
  by: string;
  at: number;
}

/** One audit log entry. */
export interface AuditEntry {
  at: number;
  by: string;
  address: string;
  action: string;
  target: string | null;
  detail: string | null;
}

/** Filters for {@linkcode Store.recentMessages}. */
export interface RecentQuery {
  limit: number;
  roomId?: number;
  userId?: number;
}

/**
 * Thrown by any store method when the database cannot be reached or failed; the request
 * is answered `unavailable` and may be retried. Nothing of the failed call was kept.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/** Persistent state of a FastChat server. */
export interface Store {
  /** "sqlite" or "mysql", with where it is (no password), for the startup log. */
  readonly description: string;

  close(): Promise<void>;

  /**
   * Creates an account; null when the name key or the name's confusable skeleton key
   * (`skeletonKey` of lib/protocol/names.ts, computed by the store) is taken.
   */
  createUser(
    user: { name: string; nameKey: string; passwordHash: string; createdAt: number },
  ): Promise<UserRecord | null>;
  findUserByKey(nameKey: string): Promise<UserRecord | null>;
  findUserById(id: number): Promise<UserRecord | null>;

  /** All rooms, in creation order. */
  listRooms(): Promise<RoomRecord[]>;
  /** Creates a room; null when the name key or its confusable skeleton key is taken. */
  createRoom(
    room: { name: string; nameKey: string; topic: string | null; createdAt: number },
  ): Promise<RoomRecord | null>;
  /** Sets or clears a room's topic; false when there is no such room. */
  setRoomTopic(roomId: number, topic: string | null): Promise<boolean>;
  /** Deletes a room and its messages; false when there is no such room. */
  deleteRoom(roomId: number): Promise<boolean>;

  /** The highest message sequence number stored, 0 when none. */
  lastMessageSeq(): Promise<number>;
  /**
   * Stores a batch in one transaction (all or nothing), returning one outcome per message,
   * in order. A message whose (sender, cid) is already stored is not written again.
   */
  insertMessages(batch: readonly NewMessage[]): Promise<InsertOutcome[]>;
  roomHistory(roomId: number, query: HistoryQuery): Promise<HistoryPage>;
  /** Direct messages between two users, both directions (the same user twice: notes to self). */
  dmHistory(userA: number, userB: number, query: HistoryQuery): Promise<HistoryPage>;
  /** The newest messages (room and direct), newest first, for the admin page. */
  recentMessages(query: RecentQuery): Promise<StoredMessage[]>;
  /** The number of messages stored. */
  countMessages(): Promise<number>;

  /**
   * Stores a sanction, replacing one of the same kind for the same user; with `audit`, the
   * audit entry is written in the same transaction (both or neither).
   */
  putSanction(sanction: Omit<Sanction, "user">, audit?: AuditEntry): Promise<void>;
  /**
   * Raises rooms' last activity (room id → ms) in one transaction; a time older than the
   * stored one and an unknown room id are ignored.
   */
  touchRooms(activity: ReadonlyMap<number, number>): Promise<void>;
  /** Lifts a sanction; false when there was none. */
  deleteSanction(userId: number, kind: SanctionKind): Promise<boolean>;
  /** Every stored sanction, expired ones included (the caller compares `until`). */
  listSanctions(): Promise<Sanction[]>;

  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest audit entries first. */
  listAudit(limit: number): Promise<AuditEntry[]>;

  /** Replaces an account's password hash; false when there is no such account. */
  setPasswordHash(userId: number, passwordHash: string): Promise<boolean>;
  /**
   * Computes the skeleton keys that rows created before schema version 2 lack. A row whose
   * key is taken by another keeps none and is returned (both names keep working).
   */
  fillSkeletonKeys(): Promise<NameClash[]>;

  /**
   * Stores a new resume token; then drops the user's expired and revoked rows and revokes
   * the oldest live ones beyond `maxLive`.
   */
  addToken(token: TokenRecord, maxLive: number): Promise<void>;
  findToken(id: string): Promise<TokenRecord | null>;
  /** Revokes one token; false when it does not exist or was revoked already. */
  revokeToken(id: string, at: number): Promise<boolean>;
  /** Revokes every live token of a user but `exceptId`; returns how many. */
  revokeTokensOf(userId: number, at: number, exceptId?: string): Promise<number>;

  /** Small server settings (e.g. the admin password hash). */
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
}
