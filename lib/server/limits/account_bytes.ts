/**
 * The bytes of text one account may send to others per second, all its connections
 * together. `--msg-rate` counts messages per connection, and one account may hold many
 * connections: 19 connections at 5 messages a second of 4,000 control characters (each
 * sent as a 6-byte `\u0001` escape, 24 KB a message) sent every member of a room 2.3 MB/s,
 * and cut a member reading at 2 Mbit/s as a slow consumer within half a minute. With this
 * budget an account sends at most {@linkcode ACCOUNT_BYTES_PER_SECOND} of message text
 * (counted as it travels, escapes included) after a burst of
 * {@linkcode ACCOUNT_BURST_BYTES}: far above what people type or paste, far below what a
 * modest connection reads.
 */
import type { Clock } from "../../common/clock.ts";

/** Sustained bytes of message text per account and second. */
export const ACCOUNT_BYTES_PER_SECOND = 64 * 1024;

/** Bytes an idle account may send at once (128 of the longest messages in Latin letters). */
export const ACCOUNT_BURST_BYTES = 512 * 1024;

/**
 * The bytes `text` takes inside a JSON string as the server sends it (UTF-8, with the
 * escapes of quotes, backslashes and control characters), without encoding it.
 */
export function jsonTextBytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      bytes += c === 0x0a || c === 0x09 || c === 0x0d || c === 0x08 || c === 0x0c ? 2 : 6;
    } else if (c === 0x22 || c === 0x5c) bytes += 2;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 6; // A lone surrogate is sent as a `\ud800` escape.
    } else if (c >= 0xd800 && c <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

interface Bucket {
  bytes: number;
  at: number;
}

/** A byte bucket per account: {@linkcode take} spends, time refills up to the burst. */
export class AccountBytes {
  #rate: number;
  #burst: number;
  #clock: Clock;
  #buckets = new Map<number, Bucket>();

  constructor(
    bytesPerSecond = ACCOUNT_BYTES_PER_SECOND,
    burstBytes = ACCOUNT_BURST_BYTES,
    clock: Clock = Date.now,
  ) {
    this.#rate = bytesPerSecond;
    this.#burst = burstBytes;
    this.#clock = clock;
  }

  /**
   * Spends `bytes` of the account's budget: 0 when spent, else the milliseconds until
   * that much is available (nothing is spent then). A text larger than the whole burst
   * may go once the bucket is full (it empties it).
   */
  take(accountId: number, bytes: number): number {
    const now = this.#clock();
    const bucket = this.#refilled(accountId, now);
    const cost = Math.min(bytes, this.#burst);
    if (bucket.bytes >= cost) {
      bucket.bytes -= cost;
      this.#buckets.set(accountId, bucket);
      return 0;
    }
    return Math.ceil(((cost - bucket.bytes) / this.#rate) * 1000);
  }

  /** Accounts with a bucket not yet full. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forgets the accounts whose bucket has refilled (call now and then). */
  sweep(): void {
    const now = this.#clock();
    for (const id of [...this.#buckets.keys()]) {
      if (this.#refilled(id, now).bytes >= this.#burst) this.#buckets.delete(id);
    }
  }

  #refilled(accountId: number, now: number): Bucket {
    const bucket = this.#buckets.get(accountId);
    if (!bucket) return { bytes: this.#burst, at: now };
    bucket.bytes = Math.min(this.#burst, bucket.bytes + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    return bucket;
  }
}
