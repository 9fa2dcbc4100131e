/**
 * The one NDJSON line splitter of the project: the server's connections, the terminal
 * client, the test, bench and script clients all cut their byte streams with it.
 */

/** Outcome of feeding bytes to a {@linkcode FrameDecoder}. */
export type DecodedLine =
  | { kind: "line"; bytes: Uint8Array }
  | {
    kind: "too_large";
    /**
     * The line's size in bytes: with `oversize: "skip"`, the whole line (without its `\n`
     * or `\r\n`); with `"stop"`, the bytes known when the limit was passed (a lower bound).
     */
    bytes: number;
    /** Its first bytes (at most {@linkcode OVERSIZE_PREFIX_BYTES}), e.g. to find its `id`. */
    prefix: Uint8Array;
  };

/**
 * What a decoder does with a line over its limit. `"stop"` (the server): report it once, as
 * soon as it is known, and drop the rest of the chunk; the caller closes. `"skip"` (a
 * client): report it once its newline arrives, without buffering it, and go on with the
 * next line, so the stream stays usable.
 */
export type OversizePolicy = "stop" | "skip";

/** Settings of a {@linkcode FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Default `"stop"`. */
  oversize?: OversizePolicy;
}

/** Bytes of an oversize line kept in its `too_large` report. */
export const OVERSIZE_PREFIX_BYTES = 256;

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
 * `too_large`, as its {@linkcode OversizePolicy} says.
 *
 * An unfinished frame is kept in ONE buffer that doubles as needed (at most `maxFrame + 1`
 * bytes), so a peer that trickles one byte per segment costs one byte per byte, not an
 * array object per read. The buffer is let go once its frame is complete: an idle
 * connection holds nothing. A skipped oversize line holds only its prefix.
 */
export class FrameDecoder {
  #maxFrame: number;
  readonly #skip: boolean;
  #buffer: Uint8Array = EMPTY;
  #length = 0;
  /** Bytes skipped of the current oversize line, or -1 when not skipping. */
  #skipped = -1;
  /** The last byte skipped (a `\r` there is part of the terminator). */
  #lastSkipped = -1;
  #prefix: Uint8Array = EMPTY;

  constructor(maxFrame: number, options: FrameDecoderOptions = {}) {
    this.#maxFrame = _checked(maxFrame);
    this.#skip = options.oversize === "skip";
  }

  /** The largest frame accepted, in bytes (without its terminator). */
  get maxFrame(): number {
    return this.#maxFrame;
  }

  /**
   * Changes the limit (a client learns the server's from `welcome`); it applies from the
   * next byte pushed. A RangeError unless a positive integer.
   */
  set maxFrame(value: number) {
    this.#maxFrame = _checked(value);
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
      const part = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (this.#skipped >= 0) {
        this.#skipMore(part);
      } else if ((nl === -1 || this.#length > 0) && !this.#append(part)) {
        const oversize = this.#oversize(part);
        if (!this.#skip) {
          out.push(oversize);
          return out;
        }
        this.#skipped = oversize.bytes;
        this.#lastSkipped = part.length > 0 ? part[part.length - 1]! : -1;
        this.#prefix = oversize.prefix;
      }
      if (nl === -1) return out;
      const line = this.#complete(part);
      out.push(line);
      if (line.kind === "too_large" && !this.#skip) return out;
      start = nl + 1;
    }
    return out;
  }

  /** The line ending at a newline; `part` is its piece in the current chunk. */
  #complete(part: Uint8Array): DecodedLine {
    if (this.#skipped >= 0) {
      const bytes = this.#skipped - (this.#lastSkipped === CARRIAGE_RETURN ? 1 : 0);
      // A short line's prefix may end with the "\r" of its terminator: not part of it.
      const prefix = this.#prefix.subarray(0, bytes);
      const skipped: DecodedLine = { kind: "too_large", bytes, prefix };
      this.#skipped = -1;
      this.#prefix = EMPTY;
      return skipped;
    }
    let line = part;
    if (this.#length > 0) {
      // The line views the buffer, which is handed over with it: the next unfinished
      // frame gets a new one, so this line stays intact until the caller is done.
      line = this.#buffer.subarray(0, this.#length);
      this.#reset();
    }
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) {
      line = line.subarray(0, line.length - 1);
    }
    if (line.length > this.#maxFrame) {
      return {
        kind: "too_large",
        bytes: line.length,
        prefix: line.slice(0, OVERSIZE_PREFIX_BYTES),
      };
    }
    return { kind: "line", bytes: line };
  }

  /** Skips `part` of an oversize line, keeping its first bytes until the prefix is full. */
  #skipMore(part: Uint8Array): void {
    if (part.length === 0) return;
    this.#skipped += part.length;
    this.#lastSkipped = part[part.length - 1]!;
    const room = OVERSIZE_PREFIX_BYTES - this.#prefix.length;
    if (room <= 0) return;
    const prefix = new Uint8Array(this.#prefix.length + Math.min(room, part.length));
    prefix.set(this.#prefix);
    prefix.set(part.subarray(0, prefix.length - this.#prefix.length), this.#prefix.length);
    this.#prefix = prefix;
  }

  /**
   * Appends to the unfinished frame; false (nothing appended) when it would pass the limit.
   * The terminator may still come as "\r\n": one byte is allowed for the "\r".
   */
  #append(bytes: Uint8Array): boolean {
    const needed = this.#length + bytes.length;
    if (needed > this.#maxFrame + 1) return false;
    if (needed > this.#buffer.length) {
      let capacity = Math.max(FIRST_CAPACITY, this.#buffer.length * 2);
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(Math.min(capacity, this.#maxFrame + 1));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(bytes, this.#length);
    this.#length = needed;
    return true;
  }

  /** The unfinished frame plus `part` passed the limit: its report; the buffer is let go. */
  #oversize(part: Uint8Array): Extract<DecodedLine, { kind: "too_large" }> {
    const held = Math.min(this.#length, OVERSIZE_PREFIX_BYTES);
    const more = Math.min(OVERSIZE_PREFIX_BYTES - held, part.length);
    const prefix = new Uint8Array(held + more);
    prefix.set(this.#buffer.subarray(0, held));
    prefix.set(part.subarray(0, more), held);
    const bytes = this.#length + part.length;
    this.#reset();
    return { kind: "too_large", bytes, prefix };
  }

  #reset(): void {
    this.#buffer = EMPTY;
    this.#length = 0;
  }
}

function _checked(maxFrame: number): number {
  if (!Number.isInteger(maxFrame) || maxFrame < 1) {
    throw new RangeError(`Cannot set the frame limit: ${maxFrame} is not a positive integer`);
  }
  return maxFrame;
}
