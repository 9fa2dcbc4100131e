/**
 * The text every benchmark message carries: `~sender~seq~sentAtMicros~` and padding.
 * Receivers read it straight from the frame's bytes (no JSON parse per delivery), so the
 * load generator stays cheap next to the server it measures.
 */

/** `~`: appears in no frame of a benchmark run except inside a payload. */
const TILDE = 0x7e;
const ZERO = 0x30;

/** Microseconds on a clock shared by every process of the machine. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** The text of one benchmark message, padded with `x` to `size` characters. */
export function makePayload(sender: number, seq: number, sentAt: number, size: number): string {
  const head = `~${sender}~${seq}~${sentAt}~`;
  return head.length >= size ? head : head + "x".repeat(size - head.length);
}

/** What a payload says. */
export interface Payload {
  sender: number;
  seq: number;
  sentAt: number;
}

/**
 * Reads the payload of a frame (a line without its newline) into `out`; false when the
 * line holds none (replies and other events).
 */
export function readPayload(line: Uint8Array, out: Payload): boolean {
  let at = line.indexOf(TILDE);
  if (at < 0) return false;
  const values = [0, 0, 0];
  for (let field = 0; field < 3; field++) {
    at++;
    let value = 0;
    let digits = 0;
    while (at < line.length) {
      const d = line[at]! - ZERO;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      at++;
    }
    if (digits === 0 || line[at] !== TILDE) return false;
    values[field] = value;
  }
  out.sender = values[0]!;
  out.seq = values[1]!;
  out.sentAt = values[2]!;
  return true;
}
