/**
 * Display width of text on a terminal, by grapheme cluster: CJK and emoji take two columns,
 * combining marks, ZWJ sequences, skin tones and flags stay one cluster. Every piece of the
 * client that wraps, pads, truncates or moves the cursor measures with this module.
 */
import stringWidth from "string-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** ANSI escape sequences the client itself writes (SGR colours and cursor moves). */
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Printable ASCII: every character a cluster of its own, one column wide (the common case). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The grapheme clusters of `text`, in order. */
export function graphemes(text: string): string[] {
  if (PRINTABLE_ASCII.test(text)) return text.split("");
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) out.push(segment);
  return out;
}

/** Columns one grapheme cluster takes (0 for controls and lone zero-width characters). */
export function graphemeWidth(cluster: string): number {
  const code = cluster.codePointAt(0) ?? 0;
  if (cluster.length === 1 && code < 0x7f) return code >= 0x20 ? 1 : 0;
  return stringWidth(cluster, { countAnsiEscapeCodes: true });
}

/** Columns `text` takes; the client's own ANSI styling is not counted. */
export function textWidth(text: string): number {
  const plain = text.replace(ANSI, "");
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const cluster of graphemes(plain)) width += graphemeWidth(cluster);
  return width;
}

/** `text` without the client's ANSI styling. */
export function stripStyle(text: string): string {
  return text.replace(ANSI, "");
}

/**
 * The longest start of plain `text` that fits in `columns`, never splitting a cluster;
 * with `ellipsis`, text that does not fit ends in `…` (inside the width).
 */
export function truncateToWidth(text: string, columns: number, ellipsis = false): string {
  if (columns <= 0) return "";
  if (textWidth(text) <= columns) return text;
  const limit = ellipsis ? columns - 1 : columns;
  let out = "";
  let used = 0;
  for (const cluster of graphemes(text)) {
    const width = graphemeWidth(cluster);
    if (used + width > limit) break;
    out += cluster;
    used += width;
  }
  return ellipsis ? out + "…" : out;
}

/** Plain `text` padded with spaces to exactly `columns` (truncated when longer). */
export function padToWidth(text: string, columns: number): string {
  const fitted = truncateToWidth(text, columns);
  return fitted + " ".repeat(Math.max(0, columns - textWidth(fitted)));
}

/**
 * Splits plain `text` into rows of at most `columns` columns, at spaces when a word fits,
 * else inside the word (never inside a cluster). `\n` starts a new row. A row that fills
 * the width exactly is one row, not two.
 */
export function wrapToWidth(text: string, columns: number): string[] {
  const width = Math.max(1, columns);
  const rows: string[] = [];
  for (const paragraph of text.split("\n")) {
    let row = "";
    let used = 0;
    let lastSpace = -1; // index in `row` after the last space, and its width there
    let widthAtSpace = 0;
    for (const cluster of graphemes(paragraph)) {
      const w = graphemeWidth(cluster);
      if (used + w > width) {
        if (cluster === " ") {
          rows.push(row);
          row = "";
          used = 0;
          lastSpace = -1;
          continue;
        }
        if (lastSpace > 0) {
          rows.push(row.slice(0, lastSpace).trimEnd());
          row = row.slice(lastSpace);
          used -= widthAtSpace;
        } else {
          rows.push(row);
          row = "";
          used = 0;
        }
        lastSpace = -1;
      }
      row += cluster;
      used += w;
      if (cluster === " ") {
        lastSpace = row.length;
        widthAtSpace = used;
      }
    }
    rows.push(row);
  }
  return rows;
}

/** One ANSI SGR sequence or one grapheme cluster, in order. */
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/y;

/**
 * Splits text styled with SGR sequences into rows of at most `columns` columns: at a space
 * when the word fits on the next row, else inside the word (never inside a cluster); `\n`
 * starts a row. Each row stands alone: it starts with the styles active where it begins
 * and ends with a reset, so rows can be drawn anywhere.
 */
export function wrapStyled(text: string, columns: number): string[] {
  const width = Math.max(1, columns);
  const rows: string[] = [];
  let active = "";
  let row = "";
  let used = 0;
  /** After the last space of the row: where to break, the width before it, the styles there. */
  let breakAt = -1;
  let usedAtBreak = 0;
  let activeAtBreak = "";
  const end = (part: string) => (part.includes("\x1b") ? `${part}\x1b[0m` : part);
  const flush = () => {
    if (breakAt > 0 && breakAt < row.length) {
      // Move the word being written to the next row.
      rows.push(end(row.slice(0, breakAt - 1))); // without the space
      row = activeAtBreak + row.slice(breakAt);
      used -= usedAtBreak;
    } else {
      rows.push(end(row));
      row = active;
      used = 0;
    }
    breakAt = -1;
  };
  let plain = "";
  const takePlain = () => {
    for (const cluster of graphemes(plain)) {
      if (cluster === "\n") {
        breakAt = -1;
        flush();
        continue;
      }
      const w = graphemeWidth(cluster);
      if (used + w > width && used > 0) {
        if (cluster === " ") {
          // A space at the end of a row is dropped: the next word starts the next row.
          breakAt = -1;
          flush();
          continue;
        }
        flush();
      }
      row += cluster;
      used += w;
      if (cluster === " ") {
        breakAt = row.length;
        usedAtBreak = used;
        activeAtBreak = active;
      }
    }
    plain = "";
  };
  let at = 0;
  while (at < text.length) {
    SGR.lastIndex = at;
    const match = SGR.exec(text);
    if (match) {
      takePlain();
      const code = match[0];
      active = code === "\x1b[0m" || code === "\x1b[m" ? "" : active + code;
      row += code;
      at += code.length;
      continue;
    }
    const next = text.indexOf("\x1b[", at + 1);
    const stop = next === -1 ? text.length : next;
    plain += text.slice(at, stop);
    at = stop;
  }
  takePlain();
  rows.push(end(row));
  return rows;
}
