/**
 * Splits the byte stream a client sends to the admin port into HTTP/1.1 requests, so that
 * the relay (`listener.ts`) knows at every moment whether a request's head or body is in
 * progress (each gets its own deadline), can stop reading a body that is over the size
 * limit, and can add the relay's own header to each request head.
 *
 * It is deliberately strict: anything the HTTP server behind it might read differently
 * (obsolete line folding, `Content-Length` together with `Transfer-Encoding`, conflicting
 * lengths, a transfer coding other than `chunked`) is refused with 400, so the two can
 * never disagree on where a request ends.
 */

/** Where the framer is in the client's byte stream. */
export type FramePhase = "idle" | "head" | "body";

/** A request the framer refuses; the relay answers it and closes the connection. */
export interface FrameError {
  status: 400 | 413 | 431;
  message: string;
}

/** What one chunk of client bytes became. */
export interface FrameOutput {
  /** Bytes to pass on to the HTTP server, in order. */
  forward: Uint8Array[];
  /** Set when the stream cannot be framed; nothing after it is forwarded. */
  error?: FrameError;
}

/** Framer settings. */
export interface FramerOptions {
  /** Largest request head, in bytes (default 32 KiB). */
  maxHeadBytes?: number;
  /** Body size past which {@linkcode RequestFramer.overLimit} is set. */
  maxBodyBytes: number;
  /** A header line (`name: value`) added to each request head. */
  extraHeader: string;
  /** Header name (lowercase) dropped from every request head: the relay's own. */
  dropHeader: string;
}

type BodyState =
  | { kind: "length"; remaining: number }
  | { kind: "size-line"; line: string }
  | { kind: "data"; remaining: number }
  | { kind: "data-end"; seen: number }
  | { kind: "trailers"; line: string; total: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_CHUNK_LINE = 1024;
const MAX_TRAILERS = 16 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/** An incremental HTTP/1.1 request framer for one connection. */
export class RequestFramer {
  readonly #options: Required<FramerOptions>;
  #phase: FramePhase = "idle";
  #head: Uint8Array[] = [];
  #headSize = 0;
  #body: BodyState | null = null;
  #bodyBytes = 0;
  #overLimit = false;
  #failed = false;

  constructor(options: FramerOptions) {
    this.#options = { maxHeadBytes: 32 * 1024, ...options };
  }

  /** The current phase: between requests, in a request's head, or in its body. */
  get phase(): FramePhase {
    return this.#phase;
  }

  /** Whether the current request's body has passed `maxBodyBytes` (reading should stop). */
  get overLimit(): boolean {
    return this.#overLimit;
  }

  /** Feeds client bytes; returns what to forward, or the error that ends the connection. */
  push(chunk: Uint8Array): FrameOutput {
    const forward: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length && !this.#failed && !this.#overLimit) {
      if (this.#phase === "body") {
        const start = at;
        at = this.#readBody(chunk, at);
        if (this.#failed) return this.#fail(forward, 400, "The chunked body is malformed.");
        forward.push(chunk.subarray(start, at));
        continue;
      }
      if (this.#phase === "idle") {
        // Empty lines between requests are ignored (RFC 9112, 2.2).
        if (chunk[at] === 13 || chunk[at] === 10) {
          at++;
          continue;
        }
        this.#phase = "head";
      }
      const end = headEnd(this.#head, chunk, at);
      const piece = chunk.subarray(at, end === -1 ? chunk.length : end);
      this.#headSize += piece.length;
      if (this.#headSize > this.#options.maxHeadBytes) {
        return this.#fail(forward, 431, "The request head is too large.");
      }
      this.#head.push(piece.slice()); // The caller reuses its read buffer.
      if (end === -1) break;
      at = end;
      const result = this.#finishHead();
      if ("status" in result) return this.#fail(forward, result.status, result.message);
      forward.push(result);
    }
    return { forward };
  }

  #fail(forward: Uint8Array[], status: FrameError["status"], message: string): FrameOutput {
    this.#failed = true;
    return { forward, error: { status, message } };
  }

  #finishHead(): Uint8Array | FrameError {
    const text = decoder.decode(concatAll(this.#head));
    this.#head = [];
    this.#headSize = 0;
    const lines = text.split(/\r?\n/);
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    const requestLine = lines.shift() ?? "";
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ \S+ HTTP\/1\.[01]$/.test(requestLine)) {
      return { status: 400, message: "The request line is malformed." };
    }
    const kept: string[] = [];
    const lengths = new Set<string>();
    let coding: string | null = null;
    for (const line of lines) {
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!TOKEN.test(name)) return { status: 400, message: "A header line is malformed." };
      const lower = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (lower === this.#options.dropHeader) continue;
      if (lower === "content-length") {
        for (const part of value.split(",")) lengths.add(part.trim());
      }
      if (lower === "transfer-encoding") coding = coding === null ? value : `${coding}, ${value}`;
      kept.push(line);
    }
    const body = bodyFraming(lengths, coding);
    if ("status" in body) return body;
    this.#bodyBytes = 0;
    this.#body = body.kind === "length" && body.remaining === 0 ? null : body;
    this.#phase = this.#body ? "body" : "idle";
    if (body.kind === "length" && body.remaining > this.#options.maxBodyBytes) {
      this.#overLimit = true;
    }
    const head = [requestLine, this.#options.extraHeader, ...kept, "", ""].join("\r\n");
    return encoder.encode(head);
  }

  /** Consumes body bytes from `at`; returns where the body (or the chunk) ends. */
  #readBody(chunk: Uint8Array, at: number): number {
    const body = this.#body!;
    switch (body.kind) {
      case "length":
      case "data": {
        const take = Math.min(body.remaining, chunk.length - at);
        body.remaining -= take;
        at += take;
        // Only payload counts: the server sees more than the limit once this is forwarded.
        this.#bodyBytes += take;
        if (body.remaining === 0) {
          if (body.kind === "length") this.#endBody();
          else this.#body = { kind: "data-end", seen: 0 };
        }
        break;
      }
      case "data-end": {
        const byte = chunk[at++];
        if (byte === 10) this.#body = { kind: "size-line", line: "" };
        else if (byte !== 13 || body.seen > 0) this.#failed = true;
        else body.seen++;
        break;
      }
      case "size-line":
      case "trailers": {
        const byte = chunk[at++]!;
        if (byte !== 10) {
          body.line += String.fromCharCode(byte);
          if (body.line.length > MAX_CHUNK_LINE) this.#failed = true;
          if (body.kind === "trailers" && ++body.total > MAX_TRAILERS) this.#failed = true;
          break;
        }
        const line = body.line.replace(/\r$/, "");
        if (body.kind === "trailers") {
          if (line === "") this.#endBody();
          else body.line = "";
          break;
        }
        const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) {
          this.#failed = true;
          break;
        }
        const n = parseInt(size[1]!, 16);
        this.#body = n === 0
          ? { kind: "trailers", line: "", total: 0 }
          : { kind: "data", remaining: n };
        break;
      }
    }
    if (this.#bodyBytes > this.#options.maxBodyBytes) this.#overLimit = true;
    return at;
  }

  #endBody(): void {
    this.#body = null;
    this.#phase = "idle";
  }
}

function bodyFraming(
  lengths: Set<string>,
  coding: string | null,
): { kind: "length"; remaining: number } | { kind: "size-line"; line: string } | FrameError {
  if (coding !== null) {
    if (lengths.size > 0) {
      return { status: 400, message: "Content-Length and Transfer-Encoding together." };
    }
    const codings = coding.split(",").map((c) => c.trim().toLowerCase());
    if (
      codings[codings.length - 1] !== "chunked" || codings.indexOf("chunked") !== codings.length - 1
    ) {
      return { status: 400, message: "Only the chunked transfer coding is accepted." };
    }
    return { kind: "size-line", line: "" };
  }
  if (lengths.size > 1) return { status: 400, message: "Conflicting Content-Length values." };
  const [length] = lengths;
  if (length === undefined) return { kind: "length", remaining: 0 };
  if (!/^\d{1,15}$/.test(length)) return { status: 400, message: "Bad Content-Length." };
  return { kind: "length", remaining: Number(length) };
}

/**
 * The index in `chunk` just past the end of a request head (an empty line, CRLF or bare LF)
 * whose start is `held` (earlier chunks) plus `chunk` from `from`; -1 when not there yet.
 */
function headEnd(held: Uint8Array[], chunk: Uint8Array, from: number): number {
  // The last two bytes held before `from` decide a terminator that spans chunks.
  let prev2 = -1;
  let prev1 = -1;
  for (let i = held.length - 1, need = 2; i >= 0 && need > 0; i--) {
    const part = held[i]!;
    for (let j = part.length - 1; j >= 0 && need > 0; j--, need--) {
      if (need === 2) prev1 = part[j]!;
      else prev2 = part[j]!;
    }
  }
  for (let i = from; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte === 10 && (prev1 === 10 || (prev1 === 13 && prev2 === 10))) return i + 1;
    prev2 = prev1;
    prev1 = byte;
  }
  return -1;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Body bytes the relay passes on at once: `BodyHold` keeps at most this much (plus one read)
 * per connection.
 */
export const BODY_FLUSH_BYTES = 16 * 1024;

/**
 * Client bytes not yet passed to the private server. The HTTP server hands each read of a
 * request body to the handler as a view of its own 64 KiB buffer, which the handler keeps
 * until the body is complete: a body trickled one byte per TCP segment would cost 64 KiB per
 * byte (a 64 KiB body, 4 GiB). So while a request's body is arriving, the relay holds it and
 * passes it on when it is complete or `BODY_FLUSH_BYTES` have gathered: a request reaches
 * the private server in a handful of writes, whatever its client's pace.
 */
export class BodyHold {
  #parts: Uint8Array[] = [];
  #size = 0;

  /** Bytes held. */
  get size(): number {
    return this.#size;
  }

  /** Holds a copy of `bytes` (the caller reuses its read buffer). */
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#parts.push(bytes.slice());
    this.#size += bytes.length;
  }

  /** Everything held, as one buffer; holds nothing after. */
  take(): Uint8Array {
    const all = this.#parts.length === 1 ? this.#parts[0]! : concatAll(this.#parts);
    this.#parts = [];
    this.#size = 0;
    return all;
  }
}
