/** Outcome of feeding bytes to a {@linkcode FrameDecoder}. */
export type DecodedLine =
  | { kind: "line"; bytes: Uint8Array }
  | { kind: "too_large" };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** First capacity of the buffer of an unfinished frame; it doubles from there. */
const FIRST_CAPACITY = 256;

const EMPTY = new Uint8Array(0);

/**
 * Splits a byte stream into newline-terminated frames without copying more than needed.
 *
 * Bytes are pushed as they arrive; complete lines come out in order, with the `\n` and a
 * `\r` before it removed. A line longer than `maxFrame` bytes is reported once as
 * `too_large` as soon as it is known, before its end arrives: the caller closes.
 *
 * An unfinished frame is kept in ONE buffer that doubles as needed (at most `maxFrame + 1`
 * bytes), so a peer that trickles one byte per segment costs one byte per byte, not an
 * array object per read. The buffer is let go once its frame is complete: an idle
 * connection holds nothing.
 */
export class FrameDecoder {
  readonly maxFrame: number;
  #buffer: Uint8Array = EMPTY;
  #length = 0;

  constructor(maxFrame: number) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) {
      throw new RangeError(`Cannot create decoder: maxFrame must be a positive integer`);
    }
    this.maxFrame = maxFrame;
  }

  /** Bytes of an unfinished frame held back, waiting for its newline. */
  get bufferedBytes(): number {
    return this.#length;
  }

  /** Bytes reserved for the unfinished frame (at most about twice {@linkcode bufferedBytes}). */
  get capacity(): number {
    return this.#buffer.length;
  }

  /**
   * Feeds a chunk; returns the frames it completes. Lines may view `chunk` or the decoder's
   * buffer: use them before the next push and before reusing `chunk`.
   */
  push(chunk: Uint8Array): DecodedLine[] {
    const out: DecodedLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        // The terminator may still come as "\r\n": allow one byte for the "\r".
        if (!this.#append(chunk.subarray(start))) out.push({ kind: "too_large" });
        return out;
      }
      let line: Uint8Array;
      if (this.#length === 0) {
        line = chunk.subarray(start, nl);
      } else {
        if (!this.#append(chunk.subarray(start, nl))) {
          out.push({ kind: "too_large" });
          return out;
        }
        // The line views the buffer, which is handed over with it: the next unfinished
        // frame gets a new one, so this line stays intact until the caller is done.
        line = this.#buffer.subarray(0, this.#length);
        this.#reset();
      }
      if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) {
        line = line.subarray(0, line.length - 1);
      }
      if (line.length > this.maxFrame) {
        out.push({ kind: "too_large" });
        return out;
      }
      out.push({ kind: "line", bytes: line });
      start = nl + 1;
    }
    return out;
  }

  /** Appends to the unfinished frame; false (and forgotten) when it passes the limit. */
  #append(bytes: Uint8Array): boolean {
    const needed = this.#length + bytes.length;
    if (needed > this.maxFrame + 1) {
      this.#reset();
      return false;
    }
    if (needed > this.#buffer.length) {
      let capacity = Math.max(FIRST_CAPACITY, this.#buffer.length * 2);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, this.maxFrame + 1));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(bytes, this.#length);
    this.#length = needed;
    return true;
  }

  #reset(): void {
    this.#buffer = EMPTY;
    this.#length = 0;
  }
}
