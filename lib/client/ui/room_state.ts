/** What the chat view keeps per joined room: members, topic, unread and mention counts. */
import { foldName } from "../../protocol/names.ts";
import type { JoinResult } from "../chat_client.ts";
import type { RoomMessage } from "../events.ts";
import { RecentMessages } from "./recent_messages.ts";
import type { RoomStatus } from "./status.ts";

/** Unread messages kept per room for showing on `/switch` (line mode). */
export const UNREAD_KEPT = 200;

/** A joined room as the view knows it. */
export interface RoomView extends RoomStatus {
  members: Map<string, string>;
  /** Line mode: messages held until `/switch`. */
  unread: RoomMessage[];
  /** Oldest msgid shown, where `/history` continues. */
  oldest: string | null;
  /** Newest msgid received. */
  newest: string | null;
  /** Whether the room's first message is shown (no older page to fetch). */
  complete: boolean;
  /** The recent messages, for `/edit N`, `/delete N`, `/report N` and in-place changes. */
  recent: RecentMessages;
}

/** The state of a room just joined. */
export function roomFromJoin(joined: Extract<JoinResult, { ok: true }>): RoomView {
  const recent = new RecentMessages();
  for (const message of joined.history) recent.add(message);
  return {
    recent,
    key: foldName(joined.room),
    name: joined.room,
    topic: joined.topic,
    members: new Map(joined.members.map((name) => [foldName(name), name])),
    unread: [],
    unreadCount: 0,
    mentionCount: 0,
    oldest: joined.history[0]?.msgid ?? null,
    newest: joined.history.at(-1)?.msgid ?? null,
    complete: !joined.more && joined.history.length < 50,
  };
}

/** The room is looked at: nothing in it is unread any more. */
export function clearUnread(room: RoomView): void {
  room.unread = [];
  room.unreadCount = 0;
  room.mentionCount = 0;
}

/**
 * A message arrived in a room not looked at: counted as unread (and as a mention); in line
 * mode (`holdLines`) it is also held, up to {@linkcode UNREAD_KEPT}, for `/switch`.
 */
export function countUnread(
  room: RoomView,
  message: RoomMessage,
  mentioned: boolean,
  holdLines: boolean,
): void {
  room.unreadCount++;
  if (mentioned) room.mentionCount++;
  if (!holdLines) return;
  room.unread.push(message);
  if (room.unread.length > UNREAD_KEPT) room.unread.shift();
}

/**
 * The server's count of unread messages in a room not looked at (`unread` after login or a
 * reconnect): it replaces the local count, which only knows what arrived on this device.
 */
export function setUnread(room: RoomView, unread: number): void {
  room.unreadCount = unread;
  if (unread === 0) {
    room.unread = [];
    room.mentionCount = 0;
  } else if (room.unread.length > unread) {
    room.unread = room.unread.slice(-unread);
  }
}

/** Another session read `room` up to `msgid`: what it read is not unread here either. */
export function readUpTo(room: RoomView, msgid: string, holdLines: boolean): void {
  room.unread = room.unread.filter((message) => message.msgid > msgid);
  if (room.newest !== null && msgid >= room.newest) {
    room.unreadCount = 0;
    room.mentionCount = 0;
  } else if (holdLines) {
    room.unreadCount = Math.min(room.unreadCount, room.unread.length);
  }
}

/** Room names whose folded key is kept, at most (a cache: names seen are few). */
const KEYS_KEPT = 256;

/** The joined rooms by folded name, in the order they were joined. */
export class JoinedRooms {
  #rooms = new Map<string, RoomView>();
  /** Folded keys of names looked up, so that a burst of messages folds its room name once. */
  #keys = new Map<string, string>();

  /** The room called `name` (any case), if joined. */
  get(name: string | null): RoomView | undefined {
    return name === null ? undefined : this.#rooms.get(this.#key(name));
  }

  #key(name: string): string {
    let key = this.#keys.get(name);
    if (key === undefined) {
      if (this.#keys.size >= KEYS_KEPT) this.#keys.clear();
      key = foldName(name);
      this.#keys.set(name, key);
    }
    return key;
  }

  /** Adds (or replaces) a room. */
  set(room: RoomView): void {
    this.#rooms.set(room.key, room);
  }

  /** Forgets a room; false when it was not joined. */
  delete(name: string): boolean {
    return this.#rooms.delete(this.#key(name));
  }

  /** The room joined `index`-th, if any. */
  at(index: number): RoomView | undefined {
    return [...this.#rooms.values()][index];
  }

  /** Every joined room. */
  values(): IterableIterator<RoomView> {
    return this.#rooms.values();
  }
}
