/**
 * The client's frame decoder: splits the server's byte stream into lines, with a limit that
 * can be raised once the server announces its largest frame. A line over the limit is never
 * buffered whole: its first bytes are kept (to tell whose reply it was), the rest is skipped
 * up to the next newline, and it is reported once, so the stream stays usable after it.
 */

/** One outcome of {@linkcode LineSplitter.push}. */
export type SplitLine =
  | { kind: "line"; bytes: Uint8Array }
  /** A line over the limit was skipped; `prefix` holds its first bytes, `bytes` its size. */
  | { kind: "too_large"; bytes: number; prefix: Uint8Array };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Bytes of an oversize line kept to find its `type` and `id`. */
const PREFIX_BYTES = 256;
/** Starting (and resting) capacity of the buffer of an unfinished line. */
const SMALL = 16 * 1024;

/** Splits a byte stream into lines of at most `maxLine` bytes; memory stays under that. */
export class LineSplitter {
  #maxLine: number;
  #buffer = new Uint8Array(SMALL);
  #length = 0;
  /** Bytes skipped of the current oversize line, or -1 when not skipping. */
  #skipped = -1;
  #prefix: Uint8Array = new Uint8Array(0);

  constructor(maxLine: number) {
    this.#maxLine = _checked(maxLine);
  }

  /** The largest line accepted, in bytes (without its terminator). */
  get maxLine(): number {
    return this.#maxLine;
  }

  /** Changes the limit (e.g. to the server's announced `maxServerFrame`). */
  set maxLine(value: number) {
    this.#maxLine = _checked(value);
  }

  /** Bytes of an unfinished line held back. */
  get bufferedBytes(): number {
    return this.#length;
  }

  /**
   * Feeds a chunk; returns the lines it completes, in order. A returned line may view
   * internal memory: use it before the next push.
   */
  push(chunk: Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.#skipped >= 0) {
        this.#skipped += end - start;
      } else if (this.#length + (end - start) > this.#maxLine + 1) {
        // One byte of slack for a "\r" before the "\n".
        this.#startSkipping(chunk.subarray(start, end));
      } else if (nl === -1 || this.#length > 0) {
        this.#append(chunk.subarray(start, end));
      }
      if (nl === -1) return out;
      out.push(this.#finish(chunk, start, nl));
      start = nl + 1;
    }
    return out;
  }

  #finish(chunk: Uint8Array, start: number, nl: number): SplitLine {
    if (this.#skipped >= 0) {
      const done: SplitLine = { kind: "too_large", bytes: this.#skipped, prefix: this.#prefix };
      this.#skipped = -1;
      this.#prefix = new Uint8Array(0);
      return done;
    }
    let line = this.#length === 0
      ? chunk.subarray(start, nl)
      : this.#buffer.subarray(0, this.#length);
    if (this.#length > 0) {
      // The line was buffered: hand out a copy and let a large buffer go.
      line = line.slice();
      this.#length = 0;
      if (this.#buffer.length > SMALL * 4) this.#buffer = new Uint8Array(SMALL);
    }
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
    if (line.length > this.#maxLine) {
      return { kind: "too_large", bytes: line.length, prefix: line.slice(0, PREFIX_BYTES) };
    }
    return { kind: "line", bytes: line };
  }

  #append(part: Uint8Array): void {
    const needed = this.#length + part.length;
    if (needed > this.#buffer.length) {
      let size = this.#buffer.length;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.#maxLine + 1));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(part, this.#length);
    this.#length = needed;
  }

  #startSkipping(part: Uint8Array): void {
    const prefix = new Uint8Array(PREFIX_BYTES);
    const held = Math.min(this.#length, PREFIX_BYTES);
    prefix.set(this.#buffer.subarray(0, held));
    const more = Math.min(PREFIX_BYTES - held, part.length);
    prefix.set(part.subarray(0, more), held);
    this.#prefix = prefix.subarray(0, held + more);
    this.#skipped = this.#length + part.length;
    this.#length = 0;
    this.#buffer = new Uint8Array(SMALL);
  }
}

function _checked(maxLine: number): number {
  if (!Number.isInteger(maxLine) || maxLine < 1) {
    throw new RangeError(`Cannot set the line limit: ${maxLine} is not a positive integer`);
  }
  return maxLine;
}
