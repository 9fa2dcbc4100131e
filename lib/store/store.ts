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

/** The setting that records which `SKELETON_VERSION` computed the stored skeleton keys. */
export const SKELETON_VERSION_SETTING = "name_skeleton_version";

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
   * The account that created it with `create_room` (may set its topic); null for
   * `general`, rooms created by the admin page and rooms older than schema version 5.
   * Stores fill it when reading.
   */
  createdBy?: number | null;
  /**
   * When the room was last used (a message, a join or a leave; ms). Stores fill it when
   * reading (never below `createdAt`); ignored by `createRoom`.
   */
  lastActive?: number;
  /** Slow mode in seconds, 0 when off (schema version 7). Stores fill it when reading. */
  slowmode?: number;
}

/** A room to create (see {@linkcode Store.createRoom}). */
export interface NewRoom {
  name: string;
  nameKey: string;
  topic: string | null;
  createdAt: number;
  /** The creating account (`create_room`); absent or null for none. */
  createdBy?: number | null;
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
  /** "action" for a `/me` line; absent means "text". */
  kind?: MessageKind;
}

/** What a message is: an ordinary line, or a `/me` action. */
export type MessageKind = "text" | "action";

/** A change to a stored message: its new text, or its deletion (a tombstone). */
export type MessageChange =
  | { op: "edit"; seq: number; text: string; at: number }
  /** With `audit` (a staff member deleting another's message), written in the same transaction. */
  | { op: "delete"; seq: number; audit: AuditEntry | null };

/** One operation of a batch given to {@linkcode Store.writeMessages}. */
export type MessageOp = { op: "insert"; message: NewMessage } | MessageChange;

/**
 * What became of one operation of {@linkcode Store.writeMessages}: an insert's outcome, or
 * a change's: "stored", or "missing" when the message does not exist or is deleted.
 */
export type OpOutcome = InsertOutcome | { status: "missing" };

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
  /** Filled in by the stores: "text" or "action". */
  kind?: MessageKind;
  /** When the text was last edited (ms); null or absent when never edited. */
  editedAt?: number | null;
  /** True for a tombstone (its text is then ""). */
  deleted?: boolean;
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

/** A staff role (protocol 1.1 "Staff"). */
export type StaffRole = "moderator" | "admin";

/** A chat account's staff role. */
export interface StaffRecord {
  userId: number;
  /** The account's name (filled in by the store when reading). */
  user: string;
  role: StaffRole;
  /** When the role was granted (ms). */
  since: number;
  /** Who granted it (an admin name). */
  by: string;
}

/** A registered account as the accounts directory lists it (schema version 8). */
export interface AccountRecord {
  id: number;
  name: string;
  nameKey: string;
  createdAt: number;
  /** Its last login, logout or disconnect (ms), or null when never seen since version 8. */
  lastSeen: number | null;
}

/** A {@linkcode Store.listAccounts} request; keys are folded names (`foldName`). */
export interface AccountQuery {
  /** Only names whose key contains this folded text (case-insensitive substring). */
  contains?: string;
  /** Only the name whose key is exactly this (one account's row). */
  equals?: string;
  /** Only names whose key sorts after this one (the last name of the previous page). */
  afterKey?: string;
  limit: number;
}

/** A page of accounts by folded name; `more`: further ones exist. */
export interface AccountPage {
  accounts: AccountRecord[];
  more: boolean;
}

/** A conversation a read marker belongs to: a room, or the dms with another user. */
export type MarkerTarget = { roomId: number } | { peerId: number };

/** An account's read marker (the sequence number of the last message it read). */
export type ReadMarker = MarkerTarget & { seq: number };

/** Unread counts of one conversation (see {@linkcode Store.unreadCounts}). */
export interface UnreadCount {
  /** The room's id and name, or the other user's. */
  roomId?: number;
  room?: string;
  peerId?: number;
  peer?: string;
  /** Messages from others after the marker (all received dms when there is none). */
  unread: number;
  /** The marker's sequence number, null when there is none. */
  lastRead: number | null;
}

/** A report of a message for the staff's review queue. */
export interface ReportRecord {
  id: number;
  seq: number;
  reporterId: number;
  reason: string;
  at: number;
  status: "open" | "closed";
  resolvedBy: string | null;
  resolvedAt: number | null;
}

/** Which reports {@linkcode Store.listReports} lists. */
export type ReportStatus = "open" | "closed";

/** An address ban (schema version 7): an address or a network, until a time or for ever. */
export interface AddressBanRecord {
  id: number;
  /** The banned network as normalised CIDR text (`203.0.113.0/24`, `2001:db8::1/128`). */
  address: string;
  /** When it ends (ms); null when permanent. */
  until: number | null;
  reason: string;
  /** Who imposed it. */
  by: string;
  at: number;
}

/** Where a search looks: one room, the dms of two users, or every room plus a user's dms. */
export type SearchScope =
  | { roomId: number }
  | { dmOf: number; dmWith: number }
  | { everywhereFor: number };

/** A {@linkcode Store.searchMessages} request; the words come from `search_query.ts`. */
export interface SearchQuery {
  /** Folded words (`parseSearchQuery(…).words`), at least one. */
  words: readonly string[];
  /** The same words as typed (`parseSearchQuery(…).phrases`), for SQLite FTS5. */
  phrases: readonly string[];
  scope: SearchScope;
  /** Only messages sent by this user. */
  fromId?: number;
  /** Only messages older than this sequence number (exclusive). */
  before?: number;
  limit: number;
}

/** Matches of a search, newest first; `more`: older matches exist. */
export interface SearchPage {
  messages: StoredMessage[];
  more: boolean;
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

  /**
   * Whether a second transaction started while one commits gets done sooner (a networked
   * database: true, the default when absent). SQLite commits one at a time: overlapping
   * would only split the group commit into smaller batches, hence smaller fan-out writes.
   */
  readonly overlappingCommits?: boolean;

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
  createRoom(room: NewRoom): Promise<RoomRecord | null>;
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
  /**
   * Applies inserts, edits and deletions in the order given, in one transaction (all or
   * nothing), returning one outcome per operation. An edit or deletion of a message that
   * does not exist or is deleted changes nothing ("missing"); a deletion leaves a tombstone
   * (text "", `deleted`).
   */
  writeMessages(ops: readonly MessageOp[]): Promise<OpOutcome[]>;
  roomHistory(roomId: number, query: HistoryQuery): Promise<HistoryPage>;
  /** Direct messages between two users, both directions (the same user twice: notes to self). */
  dmHistory(userA: number, userB: number, query: HistoryQuery): Promise<HistoryPage>;
  /** The newest messages (room and direct), newest first, for the admin page. */
  recentMessages(query: RecentQuery): Promise<StoredMessage[]>;
  /** The number of messages stored. */
  countMessages(): Promise<number>;
  /**
   * Full-text search (protocol 1.1 `search`): messages of the scope whose text has, for
   * each of the query's words, a word starting with it (case- and accent-insensitive);
   * deleted messages never. Newest first, `more` telling whether older matches exist.
   */
  searchMessages(query: SearchQuery): Promise<SearchPage>;

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
   * Computes the skeleton keys that rows lack (created before schema version 2), and every
   * row's key again, oldest first, when the setting {@linkcode SKELETON_VERSION_SETTING}
   * differs from `SKELETON_VERSION` of lib/protocol/names.ts (then stores it). A row whose
   * key is taken by an older one keeps none and is returned (both names keep working).
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

  /** Every staff role, by user name. */
  listStaff(): Promise<StaffRecord[]>;
  /** Grants or changes a staff role; false when there is no such account. */
  setStaffRole(role: Omit<StaffRecord, "user">): Promise<boolean>;
  /** Revokes a staff role; false when the account had none. */
  removeStaffRole(userId: number): Promise<boolean>;

  /**
   * Moves an account's read marker forward to `marker.seq` (never back) and returns the
   * stored marker's sequence number.
   */
  markRead(userId: number, marker: ReadMarker): Promise<number>;
  /**
   * Unread counts of an account: one per room it has a marker in (rooms that still exist)
   * and one per user it has exchanged dms with. Counts messages from others after the
   * marker, deleted ones excluded, over indexes.
   */
  unreadCounts(userId: number): Promise<UnreadCount[]>;
  /** One stored message by sequence number, or null. */
  findMessage(seq: number): Promise<StoredMessage | null>;
  /**
   * The stored messages (seq and ts) of these senders' cids, keyed `${senderId}:${cid}`
   * (cluster mode: a resend older than what the instances remember). Absent on stores that
   * cannot be shared by a cluster (SQLite).
   */
  findFirstSends?(
    sends: readonly { senderId: number; cid: string }[],
  ): Promise<Map<string, { seq: number; ts: number }>>;

  /**
   * Files a report; when this reporter reported this message already, nothing is written
   * and the first report is returned (`created: false`).
   */
  addReport(
    report: { seq: number; reporterId: number; reason: string; at: number },
  ): Promise<{ report: ReportRecord; created: boolean }>;

  /** Reports of one status, newest first, at most `limit`. */
  listReports(status: ReportStatus, limit: number): Promise<ReportRecord[]>;
  /** One report by id, or null. */
  findReport(id: number): Promise<ReportRecord | null>;
  /** Closes an open report (resolved by/at); false when it is unknown or already closed. */
  resolveReport(id: number, by: string, at: number): Promise<boolean>;

  /** Sets a room's slow mode (seconds, 0 = off); false when there is no such room. */
  setRoomSlowMode(roomId: number, seconds: number): Promise<boolean>;

  /** Stores an address ban and returns it with its id. */
  addAddressBan(ban: Omit<AddressBanRecord, "id">): Promise<AddressBanRecord>;
  /** Every stored address ban, expired ones included (the caller compares `until`), by id. */
  listAddressBans(): Promise<AddressBanRecord[]>;
  /** Removes an address ban; false when there was none. */
  deleteAddressBan(id: number): Promise<boolean>;

  /** Accounts by folded name (`name_key` order), filtered and paged (schema version 8). */
  listAccounts(query: AccountQuery): Promise<AccountPage>;
  /** Raises an account's last-seen time (never lowers it); unknown ids are ignored. */
  touchLastSeen(userId: number, at: number): Promise<void>;
  /**
   * {@linkcode touchLastSeen} for several distinct accounts in a few statements (SQLite: one
   * transaction; MySQL: one autocommitted statement per 100 accounts), instead of one commit
   * per account: a restart's thousands of logins and disconnects.
   */
  touchLastSeenMany(entries: readonly { userId: number; at: number }[]): Promise<void>;
  /** The newest audit entries whose target is `target` (an account's history), at most `limit`. */
  listAuditFor(target: string, limit: number): Promise<AuditEntry[]>;

  /** Small server settings (e.g. the admin password hash). */
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /**
   * Stores `value` under `key` unless the key has a value already, and returns the value
   * the key has afterwards: several servers starting at once on one database agree on it.
   */
  initSetting(key: string, value: string): Promise<string>;
}
