/**
 * The state of the chat input: its text and cursor, edited by grapheme cluster (an emoji
 * family, a flag or a letter with its accents is one step for ←/→ and one Backspace), the
 * history of sent lines, and Tab completion that cycles through the candidates in place.
 * Pure: no terminal here (see `input_line.ts`).
 */
import { graphemes } from "../text_width.ts";

/** Candidates for the end of the text before the cursor, and that fragment. */
export type Completer = (before: string) => [string[], string];

interface Cycle {
  /** Text before the fragment being completed, and after the cursor. */
  head: string;
  tail: string;
  candidates: string[];
  index: number;
}

/** Lines kept for ↑/↓. */
const HISTORY_SIZE = 200;

/** Editable input text with a cursor, history and completion. */
export class LineEditor {
  #text = "";
  /** Cursor as a string index, always on a grapheme boundary. */
  #cursor = 0;
  #history: string[] = [];
  /** Position in the history while browsing it (history length = the draft). */
  #browse = 0;
  #draft = "";
  #cycle: Cycle | null = null;

  /** The whole text. */
  get text(): string {
    return this.#text;
  }

  /** The text before the cursor. */
  get beforeCursor(): string {
    return this.#text.slice(0, this.#cursor);
  }

  /** The cursor, in grapheme clusters from the start. */
  get cursorClusters(): number {
    return graphemes(this.beforeCursor).length;
  }

  /** Replaces the text; the cursor goes to its end. */
  set(text: string): void {
    this.#text = text;
    this.#cursor = text.length;
    this.#cycle = null;
  }

  /** Inserts text at the cursor. */
  insert(text: string): void {
    this.#text = this.#text.slice(0, this.#cursor) + text + this.#text.slice(this.#cursor);
    this.#cursor += text.length;
    this.#snap();
    this.#cycle = null;
  }

  /** Moves one cluster left (false when at the start). */
  left(): boolean {
    this.#cycle = null;
    const bounds = this.#bounds();
    const at = bounds.indexOf(this.#cursor);
    if (at <= 0) return false;
    this.#cursor = bounds[at - 1]!;
    return true;
  }

  /** Moves one cluster right (false when at the end). */
  right(): boolean {
    this.#cycle = null;
    const bounds = this.#bounds();
    const at = bounds.indexOf(this.#cursor);
    if (at < 0 || at >= bounds.length - 1) return false;
    this.#cursor = bounds[at + 1]!;
    return true;
  }

  /** Moves to the start of the previous word. */
  wordLeft(): void {
    this.#cursor = this.#wordStart();
    this.#cycle = null;
  }

  /** Moves past the end of the next word. */
  wordRight(): void {
    const rest = this.#text.slice(this.#cursor);
    const match = /^\s*\S+/u.exec(rest);
    this.#cursor += match ? match[0].length : rest.length;
    this.#snap();
    this.#cycle = null;
  }

  /** Moves to the start. */
  home(): void {
    this.#cursor = 0;
    this.#cycle = null;
  }

  /** Moves to the end. */
  end(): void {
    this.#cursor = this.#text.length;
    this.#cycle = null;
  }

  /** Deletes the cluster before the cursor (false when nothing was deleted). */
  backspace(): boolean {
    const end = this.#cursor;
    if (!this.left()) return false;
    this.#text = this.#text.slice(0, this.#cursor) + this.#text.slice(end);
    return true;
  }

  /** Deletes the cluster under the cursor (false when at the end). */
  deleteForward(): boolean {
    const start = this.#cursor;
    if (!this.right()) return false;
    this.#text = this.#text.slice(0, start) + this.#text.slice(this.#cursor);
    this.#cursor = start;
    return true;
  }

  /** Deletes everything before the cursor. */
  killToStart(): void {
    this.#text = this.#text.slice(this.#cursor);
    this.#cursor = 0;
    this.#cycle = null;
  }

  /** Deletes everything after the cursor. */
  killToEnd(): void {
    this.#text = this.#text.slice(0, this.#cursor);
    this.#cycle = null;
  }

  /** Deletes the word before the cursor. */
  killWordBack(): void {
    const start = this.#wordStart();
    this.#text = this.#text.slice(0, start) + this.#text.slice(this.#cursor);
    this.#cursor = start;
    this.#cycle = null;
  }

  /** Takes the text (for sending): remembers it in the history and empties the input. */
  submit(): string {
    const text = this.#text;
    if (text.trim() !== "" && this.#history.at(-1) !== text) {
      this.#history.push(text);
      if (this.#history.length > HISTORY_SIZE) this.#history.shift();
    }
    this.#browse = this.#history.length;
    this.#draft = "";
    this.set("");
    return text;
  }

  /** Shows the previous history entry (the current text is kept as a draft). */
  historyUp(): boolean {
    if (this.#browse === 0) return false;
    if (this.#browse === this.#history.length) this.#draft = this.#text;
    this.#browse--;
    this.set(this.#history[this.#browse]!);
    return true;
  }

  /** Shows the next history entry, or the draft after the last one. */
  historyDown(): boolean {
    if (this.#browse >= this.#history.length) return false;
    this.#browse++;
    this.set(this.#browse === this.#history.length ? this.#draft : this.#history[this.#browse]!);
    return true;
  }

  /**
   * Tab: replaces the fragment before the cursor with the next candidate (the previous one
   * with `backwards`), cycling; false when there is nothing to complete.
   */
  complete(completer: Completer, backwards = false): boolean {
    if (this.#cycle === null) {
      const [candidates, fragment] = completer(this.beforeCursor);
      if (candidates.length === 0) return false;
      this.#cycle = {
        head: this.beforeCursor.slice(0, this.#cursor - fragment.length),
        tail: this.#text.slice(this.#cursor),
        candidates,
        index: backwards ? candidates.length - 1 : 0,
      };
    } else {
      const n = this.#cycle.candidates.length;
      this.#cycle.index = (this.#cycle.index + (backwards ? n - 1 : 1)) % n;
    }
    const { head, tail, candidates, index } = this.#cycle;
    const before = head + candidates[index]!;
    this.#text = before + tail;
    this.#cursor = before.length;
    return true;
  }

  /** The candidates of the completion in progress, and which one is shown, or null. */
  get completion(): { candidates: readonly string[]; index: number } | null {
    return this.#cycle && { candidates: this.#cycle.candidates, index: this.#cycle.index };
  }

  #bounds(): number[] {
    const bounds = [0];
    let at = 0;
    for (const cluster of graphemes(this.#text)) bounds.push(at += cluster.length);
    return bounds;
  }

  /** Moves the cursor forward to a cluster boundary if it is inside one. */
  #snap(): void {
    const bounds = this.#bounds();
    this.#cursor = bounds.find((bound) => bound >= this.#cursor) ?? this.#text.length;
  }

  #wordStart(): number {
    const before = this.#text.slice(0, this.#cursor);
    const match = /\S+\s*$/u.exec(before);
    return match ? match.index : 0;
  }
}
