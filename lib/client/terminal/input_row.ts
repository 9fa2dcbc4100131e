/**
 * How the one-row input looks: the prompt, then the part of the text around the cursor that
 * fits (the row scrolls sideways, `…` marking text cut off on the left), then an optional
 * quiet hint. Pure; widths by grapheme cluster.
 */
import { graphemes, graphemeWidth, stripStyle, textWidth, truncateToWidth } from "../text_width.ts";

/** What to draw. */
export interface InputState {
  prompt: string;
  text: string;
  /** The cursor, in clusters from the start of `text`. */
  cursor: number;
  /** A quiet hint after the text (completion position, paste confirmation). */
  hint: string;
}

/** The drawn row: its text (styled), the cursor's column (0-based) and the row's width. */
export interface InputRow {
  text: string;
  cursorCol: number;
  width: number;
  /** First visible cluster: keep it for the next render so the row does not jump. */
  scroll: number;
}

/** A visible stand-in for an input character that would otherwise not show as one column. */
export function shownCluster(cluster: string): string {
  if (cluster === "\n") return "↵";
  if (cluster === "\t") return "→";
  const code = cluster.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return cluster;
}

/** Lays the input out in `columns` (the last column of the terminal is left free by callers). */
export function layoutInput(state: InputState, columns: number, scroll: number): InputRow {
  const width = Math.max(2, columns);
  let prompt = state.prompt;
  // The prompt gives way only when fewer than 6 columns would be left for the text.
  if (textWidth(prompt) > width - 6) {
    prompt = truncateToWidth(stripStyle(prompt), Math.max(1, width - 6), true);
  }
  const promptWidth = textWidth(prompt);
  const room = Math.max(1, width - promptWidth);
  const clusters = graphemes(state.text).map(shownCluster);
  const widths = clusters.map(graphemeWidth);
  const cursor = Math.min(state.cursor, clusters.length);
  const span = (from: number, to: number) => widths.slice(from, to).reduce((a, b) => a + b, 0);
  // Keep the cursor (and one column after it) visible.
  let first = Math.min(scroll, cursor);
  while (first < cursor && span(first, cursor) + 1 > room - (first > 0 ? 1 : 0)) first++;
  const lead = first > 0 ? "…" : "";
  let shown = lead;
  let used = lead.length;
  let cursorCol = used;
  for (let i = first; i < clusters.length; i++) {
    if (i === cursor) cursorCol = used;
    if (used + widths[i]! > room) break;
    shown += clusters[i];
    used += widths[i]!;
  }
  if (cursor >= clusters.length) cursorCol = used;
  const hint = truncateToWidth(state.hint, Math.max(0, room - used));
  const styledHint = hint === "" ? "" : `\x1b[2m${hint}\x1b[22m`;
  return {
    text: `${prompt}${shown}${styledHint}`,
    cursorCol: promptWidth + cursorCol,
    width: promptWidth + used + textWidth(hint),
    scroll: first,
  };
}
