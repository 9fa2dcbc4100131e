/**
 * A pane's scrollback, stored compactly (issue 17: 50,000 lines well under the client's
 * memory budget). Lines live in chunks of {@linkcode CHUNK_LINES}; once a chunk is full its
 * strings are joined into one flat string, and what each line needs besides its text (its
 * kind, the length of the author's name, the time, the msgid as a number) sits in typed
 * arrays. A room message is kept as its author and raw text and formatted only when drawn;
 * any other line as the styled text to draw. No object is kept per line.
 *
 * Every line has an absolute index that does not change while it is kept: appending adds at
 * {@linkcode Scrollback.end}, prepending (older history) lowers {@linkcode Scrollback.first},
 * dropping the oldest lines raises it.
 */
import { parseMsgid } from "../../protocol/msgid.ts";

/** Lines per chunk. */
export const CHUNK_LINES = 512;

/** Bits of a line's flags. */
export const LineFlag = {
  /** A room message (author + text), formatted when drawn; else a styled line. */
  message: 1,
  action: 2,
  edited: 4,
  deleted: 8,
} as const;

/** A room message as the scrollback keeps it. */
export interface StoredMessage {
  user: string;
  text: string;
  /** Milliseconds since the epoch. */
  ts: number;
  /** {@linkcode LineFlag} bits. */
  flags: number;
}

/** One line read back: styled text to draw, or a message to format. */
export type StoredLine =
  | { kind: "text"; text: string }
  | { kind: "message"; message: StoredMessage };

/** Marks a msgid that is not a safe integer: it is kept in a map beside the chunks. */
const ODD_ID = -1;

/** One line's fields, for moving lines between chunks. */
type Row = [text: string, flags: number, userLength: number, ts: number, id: number];

class Chunk {
  /** Absolute index of slot 0. */
  start: number;
  count = 0;
  /** The lines' strings while the chunk is open (or being changed); null once joined. */
  parts: string[] | null = [];
  /** The lines' strings once joined: line `i` is `joined.slice(ends[i - 1], ends[i])`. */
  joined = "";
  readonly ends: Uint32Array;
  readonly flags: Uint8Array;
  readonly userLength: Uint32Array;
  readonly ts: Float64Array;
  /** The msgid as a number; NaN for a line without one, {@linkcode ODD_ID} for the map. */
  readonly ids: Float64Array;

  constructor(start: number, capacity = CHUNK_LINES) {
    this.start = start;
    this.ends = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.userLength = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.ids = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.count === this.ends.length;
  }

  string(slot: number): string {
    if (this.parts !== null) return this.parts[slot]!;
    return this.joined.slice(slot === 0 ? 0 : this.ends[slot - 1]!, this.ends[slot]);
  }

  row(slot: number): Row {
    const { flags, userLength, ts, ids } = this;
    return [this.string(slot), flags[slot]!, userLength[slot]!, ts[slot]!, ids[slot]!];
  }

  push([text, flags, userLength, ts, id]: Row): void {
    const slot = this.count++;
    this.parts!.push(text);
    this.ends[slot] = (slot === 0 ? 0 : this.ends[slot - 1]!) + text.length;
    this.flags[slot] = flags;
    this.userLength[slot] = userLength;
    this.ts[slot] = ts;
    this.ids[slot] = id;
  }

  /** Joins the strings into one flat string (a full chunk, or one that will not grow). */
  seal(): void {
    if (this.parts === null) return;
    this.joined = this.parts.join("");
    this.parts = null;
  }

  /** Replaces the string of `slot`; a joined chunk is joined again. */
  setString(slot: number, text: string): void {
    const sealed = this.parts === null;
    const parts = this.parts ?? Array.from({ length: this.count }, (_, i) => this.string(i));
    parts[slot] = text;
    for (let i = slot; i < this.count; i++) {
      this.ends[i] = (i === 0 ? 0 : this.ends[i - 1]!) + parts[i]!.length;
    }
    this.parts = parts;
    if (sealed) this.seal();
  }
}

/** The lines of one pane, oldest first, at most `limit` of them (older ones are dropped). */
export class Scrollback {
  readonly limit: number;
  #chunks: Chunk[] = [new Chunk(0)];
  #first = 0;
  #end = 0;
  /** Msgids that are not safe integers, with their line's absolute index. */
  #oddIds = new Map<string, number>();

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Absolute index of the oldest line kept. */
  get first(): number {
    return this.#first;
  }

  /** Absolute index after the newest line. */
  get end(): number {
    return this.#end;
  }

  /** Lines kept. */
  get length(): number {
    return this.#end - this.#first;
  }

  /** Adds a styled line (with the msgid of the message it shows, if any); its index. */
  appendText(text: string, msgid?: string): number {
    return this.#append(text, 0, 0, NaN, msgid);
  }

  /** Adds a room message, formatted when drawn; its index. */
  appendMessage(message: StoredMessage, msgid?: string): number {
    const flags = message.flags | LineFlag.message;
    return this.#append(message.user + message.text, flags, message.user.length, message.ts, msgid);
  }

  /**
   * Puts older lines before the oldest one, oldest first: styled text, or messages. The
   * limit is not applied (the user asked for them); later appends drop the oldest again.
   */
  prepend(lines: readonly (StoredLine & { msgid?: string })[]): void {
    if (lines.length === 0) return;
    this.#compactFront();
    const first = this.#first - lines.length;
    const rows = lines.map((line, i): Row => {
      const id = this.#id(line.msgid, first + i);
      if (line.kind === "text") return [line.text, 0, 0, NaN, id];
      const m = line.message;
      return [m.user + m.text, m.flags | LineFlag.message, m.user.length, m.ts, id];
    });
    // A small joined chunk in front (an earlier page of history) is merged with these lines.
    const front = this.#chunks[0]!;
    if (this.#chunks.length > 1 && front.count + rows.length <= CHUNK_LINES) {
      for (let slot = 0; slot < front.count; slot++) rows.push(front.row(slot));
      this.#chunks.shift();
    }
    const chunks: Chunk[] = [];
    for (let at = 0; at < rows.length;) {
      const size = at === 0 ? (rows.length % CHUNK_LINES || CHUNK_LINES) : CHUNK_LINES;
      const chunk = new Chunk(first + at, size);
      for (let i = at; i < at + size; i++) chunk.push(rows[i]!);
      chunk.seal();
      chunks.push(chunk);
      at += size;
    }
    this.#first = first;
    if (this.#chunks.length === 1 && this.#chunks[0]!.count === 0) this.#chunks.shift();
    this.#chunks.unshift(...chunks);
    if (this.#chunks.length === chunks.length) this.#chunks.push(new Chunk(this.#end));
  }

  /** Line `index`, or null when it is not kept. */
  line(index: number): StoredLine | null {
    const found = this.#locate(index);
    if (found === null) return null;
    const [chunk, slot] = found;
    const text = chunk.string(slot);
    const flags = chunk.flags[slot]!;
    if ((flags & LineFlag.message) === 0) return { kind: "text", text };
    const userLength = chunk.userLength[slot]!;
    return {
      kind: "message",
      message: {
        user: text.slice(0, userLength),
        text: text.slice(userLength),
        ts: chunk.ts[slot]!,
        flags,
      },
    };
  }

  /** The index of the newest line showing message `msgid`, or null. */
  find(msgid: string): number | null {
    const seq = parseMsgid(msgid);
    if (seq === null) {
      const index = this.#oddIds.get(msgid);
      return index !== undefined && index >= this.#first ? index : null;
    }
    for (let c = this.#chunks.length - 1; c >= 0; c--) {
      const chunk = this.#chunks[c]!;
      const low = Math.max(0, this.#first - chunk.start);
      for (let slot = chunk.count - 1; slot >= low; slot--) {
        if (chunk.ids[slot] === seq) return chunk.start + slot;
      }
    }
    return null;
  }

  /** Replaces line `index` with a styled line, keeping its msgid; false when not kept. */
  replaceText(index: number, text: string): boolean {
    const found = this.#locate(index);
    if (found === null) return false;
    const [chunk, slot] = found;
    chunk.setString(slot, text);
    chunk.flags[slot] = 0;
    chunk.userLength[slot] = 0;
    return true;
  }

  #append(text: string, flags: number, userLength: number, ts: number, msgid?: string): number {
    let chunk = this.#chunks.at(-1)!;
    if (chunk.full) {
      chunk.seal();
      chunk = new Chunk(this.#end);
      this.#chunks.push(chunk);
    }
    const index = this.#end++;
    chunk.push([text, flags, userLength, ts, this.#id(msgid, index)]);
    this.#trim();
    return index;
  }

  #id(msgid: string | undefined, index: number): number {
    if (msgid === undefined) return NaN;
    const seq = parseMsgid(msgid);
    if (seq !== null) return seq;
    this.#oddIds.set(msgid, index);
    return ODD_ID;
  }

  /** Drops the oldest lines over the limit: whole chunks, else by moving `first`. */
  #trim(): void {
    let over = this.length - this.limit;
    if (over <= 0) return;
    while (over > 0 && this.#chunks.length > 1) {
      const chunk = this.#chunks[0]!;
      const left = chunk.start + chunk.count - this.#first;
      if (left > over) break;
      this.#chunks.shift();
      this.#first += left;
      over -= left;
    }
    this.#first += over;
    if (this.#oddIds.size > 0) {
      for (const [msgid, index] of this.#oddIds) {
        if (index < this.#first) this.#oddIds.delete(msgid);
      }
    }
  }

  /** Rebuilds the first chunk without the lines dropped from its front. */
  #compactFront(): void {
    const chunk = this.#chunks[0]!;
    const skip = this.#first - chunk.start;
    if (skip === 0) return;
    const open = this.#chunks.length === 1;
    const fresh = new Chunk(this.#first, open ? CHUNK_LINES : chunk.count - skip);
    for (let slot = skip; slot < chunk.count; slot++) fresh.push(chunk.row(slot));
    if (!open) fresh.seal();
    this.#chunks[0] = fresh;
  }

  #locate(index: number): [Chunk, number] | null {
    if (index < this.#first || index >= this.#end) return null;
    const chunks = this.#chunks;
    let low = 0;
    let high = chunks.length - 1;
    // Most reads are near the newest line.
    if (index >= chunks[high]!.start) low = high;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (chunks[mid]!.start <= index) low = mid;
      else high = mid - 1;
    }
    const chunk = chunks[low]!;
    return [chunk, index - chunk.start];
  }
}
