/** Encoding of one frame: JSON on one line, terminated by `\n`. */
import type { RequestId } from "./requests.ts";
import type { ServerFrame } from "./server_frames.ts";

const encoder = new TextEncoder();

/** A request as a client sends it (typed per request type by the client's own issue). */
export type RequestFrame = { type: string; id: RequestId; [field: string]: unknown };

/** Encodes one frame the server sends. */
export function encodeFrame(frame: ServerFrame): Uint8Array;
/** @deprecated For requests, use {@linkcode encodeRequest}. */
export function encodeFrame(frame: RequestFrame): Uint8Array;
export function encodeFrame(frame: ServerFrame | RequestFrame): Uint8Array {
  return encoder.encode(JSON.stringify(frame) + "\n");
}

/** Encodes one request a client sends. */
export function encodeRequest(request: RequestFrame): Uint8Array {
  return encoder.encode(JSON.stringify(request) + "\n");
}
