/**
 * Read markers (protocol 1.1, feature `read_markers`): tells the server how far the user has
 * read each room, at most once a second per room, so the account's other sessions clear the
 * same unread counts.
 */
import type { ChatClient } from "../chat_client.ts";

/** Wait before sending a marker, so that a burst of messages sends one. */
const DELAY_MS = 1_000;

/** Sends `mark_read` for the rooms the user looks at. */
export class ReadMarkers {
  #client: ChatClient;
  #pending = new Map<string, { msgid: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(client: ChatClient) {
    this.#client = client;
  }

  /** The user has seen `room` up to `msgid` (the newest message shown there). */
  seen(room: string, msgid: string | null): void {
    if (msgid === null || !this.#client.supports("read_markers")) return;
    const waiting = this.#pending.get(room);
    if (waiting) {
      if (msgid > waiting.msgid) waiting.msgid = msgid;
      return;
    }
    const entry = {
      msgid,
      timer: setTimeout(() => {
        this.#pending.delete(room);
        if (!this.#client.online) return;
        this.#client.request({ type: "mark_read", room, msgid: entry.msgid }).catch(() => {});
      }, DELAY_MS),
    };
    Deno.unrefTimer(entry.timer);
    this.#pending.set(room, entry);
  }

  /** Drops the markers not sent yet. */
  close(): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }
}
