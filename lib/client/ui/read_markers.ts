/**
 * Read markers (protocol 1.1, feature `read_markers`): tells the server how far the user has
 * read each room and each conversation of direct messages (shown as they arrive), at most
 * once a second per room or person, so the account's other sessions and its next login
 * clear the same unread counts.
 */
import type { ChatClient } from "../chat_client.ts";

/** Wait before sending a marker, so that a burst of messages sends one. */
const DELAY_MS = 1_000;

/** Sends `mark_read` for the rooms the user looks at. */
export class ReadMarkers {
  #client: ChatClient;
  /** By `room:NAME` or `with:NAME`. */
  #pending = new Map<string, { msgid: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(client: ChatClient) {
    this.#client = client;
  }

  /** The user has seen `room` up to `msgid` (the newest message shown there). */
  seen(room: string, msgid: string | null): void {
    this.#seen("room", room, msgid);
  }

  /** The user has seen the direct messages with `user` up to `msgid` (one just shown). */
  seenDm(user: string, msgid: string | null): void {
    this.#seen("with", user, msgid);
  }

  #seen(field: "room" | "with", name: string, msgid: string | null): void {
    if (msgid === null || !this.#client.supports("read_markers")) return;
    const key = `${field}:${name}`;
    const waiting = this.#pending.get(key);
    if (waiting) {
      if (msgid > waiting.msgid) waiting.msgid = msgid;
      return;
    }
    const entry = {
      msgid,
      timer: setTimeout(() => {
        this.#pending.delete(key);
        if (!this.#client.online) return;
        const msgid = entry.msgid;
        this.#client.request(
          field === "room"
            ? { type: "mark_read", room: name, msgid }
            : { type: "mark_read", with: name, msgid },
        ).catch(() => {});
      }, DELAY_MS),
    };
    Deno.unrefTimer(entry.timer);
    this.#pending.set(key, entry);
  }

  /** Drops the markers not sent yet. */
  close(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
