const encoder = new TextEncoder();

/** Encodes one frame: JSON on one line, terminated by `\n`. */
export function encodeFrame(frame: Record<string, unknown>): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}
