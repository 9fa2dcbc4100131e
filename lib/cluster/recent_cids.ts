/**
 * The (sender, cid) pairs of the messages read from the cluster's log lately, with the
 * msgid and time each first got. Every instance reads the same log in the same order and
 * keeps the same pairs, so all of them tell a resend from a new message the same way, and
 * answer it with the first message's msgid, whichever instance it reaches. Bounded in age
 * and in number (oldest first out, in constant time per pair); beyond that the accepting
 * instance asks the database, and the database's unique (sender, cid) keeps the first.
 */

/** What a pair maps to: the first message's sequence number and time. */
export interface FirstSend {
  seq: number;
  ts: number;
}

/** Pairs kept at most (a pair with a 36-character cid takes about 230 bytes). */
const MAX_PAIRS = 100_000;

/** How long a pair is kept (resends come after a reconnect, within seconds). */
const MAX_AGE_MS = 15 * 60_000;

/** A bounded map of recent (sender, cid) pairs, evicted in insertion order. */
export class RecentCids {
  #pairs = new Map<string, FirstSend>();
  /** Keys and arrival times in insertion order, as a ring. */
  #keys: (string | undefined)[];
  #times: Float64Array;
  #head = 0;
  #count = 0;
  #maxAgeMs: number;

  constructor(maxPairs = MAX_PAIRS, maxAgeMs = MAX_AGE_MS) {
    this.#keys = new Array(maxPairs);
    this.#times = new Float64Array(maxPairs);
    this.#maxAgeMs = maxAgeMs;
  }

  /** The first send of (sender, cid), if kept. */
  get(senderId: number, cid: string): FirstSend | undefined {
    return this.#pairs.get(`${senderId}\u0000${cid}`);
  }

  /** Records a first send read at `now`, forgetting the oldest pairs beyond the bounds. */
  add(senderId: number, cid: string, first: FirstSend, now: number): void {
    const capacity = this.#keys.length;
    while (
      this.#count > 0 &&
      (this.#count === capacity || now - this.#times[this.#head]! > this.#maxAgeMs)
    ) {
      this.#pairs.delete(this.#keys[this.#head]!);
      this.#keys[this.#head] = undefined;
      this.#head = (this.#head + 1) % capacity;
      this.#count--;
    }
    const key = `${senderId}\u0000${cid}`;
    if (this.#pairs.has(key)) return;
    const tail = (this.#head + this.#count) % capacity;
    this.#keys[tail] = key;
    this.#times[tail] = now;
    this.#count++;
    this.#pairs.set(key, first);
  }

  get size(): number {
    return this.#pairs.size;
  }
}

/** Sequence numbers kept at most by {@linkcode RecentSeqs}. */
const MAX_SEQS = 100_000;

/** A bounded set of recent sequence numbers (deleted messages), oldest out first. */
export class RecentSeqs {
  #set = new Set<number>();
  #ring: Float64Array;
  #head = 0;

  constructor(max = MAX_SEQS) {
    this.#ring = new Float64Array(max);
  }

  has(seq: number): boolean {
    return this.#set.has(seq);
  }

  add(seq: number): void {
    if (this.#set.has(seq)) return;
    if (this.#set.size === this.#ring.length) this.#set.delete(this.#ring[this.#head]!);
    this.#ring[this.#head] = seq;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#set.add(seq);
  }
}
