/**
 * Per-receiver bookkeeping of what each sender's messages looked like on arrival: in
 * order, late (reordered), repeated (duplicate), or not yet seen (lost, if never).
 */

interface SenderTrack {
  /** The next sequence number expected. */
  next: number;
  /** Numbers skipped over and not seen since. */
  missing: Set<number> | null;
}

/** Totals of one or more receivers. */
export interface ArrivalCounts {
  /** Distinct messages received. */
  distinct: number;
  duplicates: number;
  /** Messages that arrived after a later one of the same sender. */
  reordered: number;
}

/** Tracks the arrivals at one receiver. */
export class SequenceTracker {
  #senders = new Map<number, SenderTrack>();
  readonly counts: ArrivalCounts = { distinct: 0, duplicates: 0, reordered: 0 };

  /** Notes one arrival; returns true when it is a message not seen before. */
  arrive(sender: number, seq: number): boolean {
    let track = this.#senders.get(sender);
    if (track === undefined) {
      track = { next: 0, missing: null };
      this.#senders.set(sender, track);
    }
    if (seq === track.next) {
      track.next++;
      this.counts.distinct++;
      return true;
    }
    if (seq > track.next) {
      track.missing ??= new Set();
      for (let s = track.next; s < seq; s++) track.missing.add(s);
      track.next = seq + 1;
      this.counts.distinct++;
      return true;
    }
    if (track.missing?.delete(seq)) {
      this.counts.reordered++;
      this.counts.distinct++;
      return true;
    }
    this.counts.duplicates++;
    return false;
  }
}
