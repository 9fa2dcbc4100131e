/** Outcome of feeding bytes to a {@linkcode FrameDecoder}. */
export type DecodedLine =
  | { kind: "line"; bytes: Uint8Array }
  | { kind: "too_large" };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into newline-terminated frames without copying more than needed.
 *
 * Bytes are pushed as they arrive; complete lines come out in order, with the `\n` and a
 * `\r` before it removed. A line longer than `maxFrame` bytes is reported once as
 * `too_large` as soon as it is known, before its end arrives: the caller closes.
 */
export class FrameDecoder {
  readonly maxFrame: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(maxFrame: number) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) {
      throw new RangeError(`Cannot create decoder: maxFrame must be a positive integer`);
    }
    this.maxFrame = maxFrame;
  }

  /** Bytes of an unfinished frame held back, waiting for its newline. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds a chunk; returns the frames it completes. Lines may view `chunk`: use them before reusing it. */
  push(chunk: Uint8Array): DecodedLine[] {
    const out: DecodedLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        const rest = chunk.length - start;
        // The terminator may still come as "\r\n": allow one byte for the "\r".
        if (this.#pendingBytes + rest > this.maxFrame + 1) {
          out.push({ kind: "too_large" });
          this.#reset();
          return out;
        }
        this.#pending.push(chunk.slice(start));
        this.#pendingBytes += rest;
        return out;
      }
      let line: Uint8Array;
      if (this.#pendingBytes === 0) {
        line = chunk.subarray(start, nl);
      } else {
        line = new Uint8Array(this.#pendingBytes + nl - start);
        let at = 0;
        for (const part of this.#pending) {
          line.set(part, at);
          at += part.length;
        }
        line.set(chunk.subarray(start, nl), at);
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

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
