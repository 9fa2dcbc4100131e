/**
 * The recent messages of one room as the client has shown them, newest last: what `/edit N`,
 * `/delete N` and `/report N` address ("the Nth last"), and what an `edited` or `deleted`
 * event changes. Bounded: only the newest {@linkcode RECENT_KEPT} are kept.
 */
import { foldName } from "../../protocol/names.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import { NTH_MAX } from "../commands.ts";

/** Messages kept per room (at least the largest N a command accepts). */
export const RECENT_KEPT = Math.max(1_000, NTH_MAX);

/** Which messages count when addressing the Nth last one. */
export type Addressed = { kind: "own"; user: string } | { kind: "any" };

/** A room's recent messages in msgid order. */
export class RecentMessages {
  #messages: ChatMessage[] = [];
  #byId = new Map<string, ChatMessage>();

  /** Adds a message (or replaces the one with its msgid), in msgid order. */
  add(message: ChatMessage): void {
    const known = this.#byId.get(message.msgid);
    if (known) {
      const index = this.#messages.indexOf(known);
      this.#messages[index] = message;
      this.#byId.set(message.msgid, message);
      return;
    }
    let at = this.#messages.length;
    while (at > 0 && this.#messages[at - 1]!.msgid > message.msgid) at--;
    // Older than everything kept while full: not kept.
    if (at === 0 && this.#messages.length >= RECENT_KEPT) return;
    this.#messages.splice(at, 0, message);
    this.#byId.set(message.msgid, message);
    if (this.#messages.length > RECENT_KEPT) {
      this.#byId.delete(this.#messages.shift()!.msgid);
    }
  }

  /** The message with `msgid`, if kept. */
  get(msgid: string): ChatMessage | undefined {
    return this.#byId.get(msgid);
  }

  /** A message was deleted: it stays, as a tombstone. Returns it as it was, if kept. */
  markDeleted(msgid: string): ChatMessage | undefined {
    const known = this.#byId.get(msgid);
    if (known) this.add({ ...known, text: "", deleted: true });
    return known;
  }

  /**
   * The `n`th last message (1 = the newest) that is not deleted and, for `own`, was written
   * by `user` (any of the account's sessions); `count` says how many there are.
   */
  nthLast(n: number, who: Addressed): { message: ChatMessage | null; count: number } {
    const matching = this.latest(Infinity, who);
    return { message: matching[n - 1] ?? null, count: matching.length };
  }

  /** Up to `limit` addressable messages, newest first. */
  latest(limit: number, who: Addressed): ChatMessage[] {
    const key = who.kind === "own" ? foldName(who.user) : null;
    const out: ChatMessage[] = [];
    for (let i = this.#messages.length - 1; i >= 0 && out.length < limit; i--) {
      const message = this.#messages[i]!;
      if (message.deleted === true) continue;
      if (key !== null && foldName(message.user) !== key) continue;
      out.push(message);
    }
    return out;
  }
}
