/**
 * The (sender, cid) pairs of the messages read from the cluster's log lately, with the
 * msgid and time each first got. Every instance reads the same log in the same order and
 * keeps the same pairs, so all of them tell a resend from a new message the same way, and
 * answer it with the first message's msgid, whichever instance it reaches. Bounded in age
 * and in number; beyond that the database's unique (sender, cid) keeps the first message.
 */

/** What a pair maps to: the first message's sequence number and time. */
export interface FirstSend {
  seq: number;
  ts: number;
}

/** Pairs kept at most (about 100 bytes each). */
const MAX_PAIRS = 500_000;

/** How long a pair is kept (resends come after a reconnect, within seconds). */
const MAX_AGE_MS = 15 * 60_000;

/** A bounded, insertion-ordered map of recent (sender, cid) pairs. */
export class RecentCids {
  #pairs = new Map<string, FirstSend & { at: number }>();
  #maxPairs: number;
  #maxAgeMs: number;

  constructor(maxPairs = MAX_PAIRS, maxAgeMs = MAX_AGE_MS) {
    this.#maxPairs = maxPairs;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The first send of (sender, cid), if kept. */
  get(senderId: number, cid: string): FirstSend | undefined {
    return this.#pairs.get(`${senderId}\u0000${cid}`);
  }

  /** Records a first send read at `now`, forgetting the oldest pairs beyond the bounds. */
  add(senderId: number, cid: string, first: FirstSend, now: number): void {
    this.#pairs.set(`${senderId}\u0000${cid}`, { ...first, at: now });
    for (const [key, value] of this.#pairs) {
      if (this.#pairs.size <= this.#maxPairs && now - value.at <= this.#maxAgeMs) break;
      this.#pairs.delete(key);
    }
  }

  get size(): number {
    return this.#pairs.size;
  }
}
