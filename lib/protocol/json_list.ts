/**
 * Replies bounded by bytes: JSON arrays built one element at a time, each element encoded
 * once and measured exactly as it goes out (UTF-8 of the JSON text, escapes included: a
 * control character costs 6 bytes, not 1), and frames assembled from such pieces.
 */

const encoder = new TextEncoder();

/** The UTF-8 length of `text` (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A pair: 2 code units, 4 bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * A JSON array filled under a byte budget and a count: {@linkcode JsonList.add} refuses an
 * element that would pass either, and the caller stops there (and says `more`).
 */
export class JsonList {
  readonly budget: number;
  readonly maxItems: number;
  #items: string[] = [];
  /** Bytes of the array text: brackets and commas included. */
  #bytes = 2;

  constructor(budget: number, maxItems = Number.POSITIVE_INFINITY) {
    this.budget = budget;
    this.maxItems = maxItems;
  }

  /** Elements added. */
  get length(): number {
    return this.#items.length;
  }

  /** Bytes of the array's JSON text so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds a value (encoded here); false, adding nothing, when it does not fit. */
  add(value: unknown): boolean {
    return this.addJson(JSON.stringify(value));
  }

  /**
   * Adds an element already encoded as JSON; false, adding nothing, when it does not fit.
   * With `always`, the first element is taken whatever its size (a list that could never
   * hold its first element would never make progress).
   */
  addJson(json: string, always = false): boolean {
    if (this.#items.length >= this.maxItems) return false;
    const size = utf8Length(json) + (this.#items.length > 0 ? 1 : 0);
    if (this.#bytes + size > this.budget && !(always && this.#items.length === 0)) return false;
    this.#items.push(json);
    this.#bytes += size;
    return true;
  }

  /** Reverses the elements (for lists collected newest first and sent oldest first). */
  reverse(): void {
    this.#items.reverse();
  }

  /** The array's JSON text. */
  toJson(): string {
    return `[${this.#items.join(",")}]`;
  }
}

/**
 * Encodes an object whose `raw` fields are already JSON text, after its other `fields`:
 * `{...fields, ...raw}`, with no second encoding of the raw parts.
 */
export function objectJson(fields: Record<string, unknown>, raw: Record<string, string>): string {
  let json = JSON.stringify(fields);
  let parts = "";
  for (const [key, value] of Object.entries(raw)) parts += `,${JSON.stringify(key)}:${value}`;
  if (parts === "") return json;
  json = json.slice(0, -1);
  return json === "{" ? `{${parts.slice(1)}}` : `${json}${parts}}`;
}

/** {@linkcode objectJson} as a frame: UTF-8 with its `\n`. */
export function encodeFrameWith(
  fields: Record<string, unknown>,
  raw: Record<string, string>,
): Uint8Array {
  return encoder.encode(objectJson(fields, raw) + "\n");
}
