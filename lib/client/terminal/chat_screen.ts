/**
 * The chat screen: the input (one row that scrolls sideways, edited by grapheme cluster) and
 * the lines printed above it. Keys and editing live here; where and how things are drawn is
 * a {@linkcode ScreenPainter}: {@linkcode LinePainter} prints lines into the terminal's own
 * scrollback (line mode), `full_screen.ts` draws a whole window.
 */
import type { Completion } from "../completion.ts";
import { t } from "../i18n.ts";
import { type InputRow, layoutInput } from "./input_row.ts";
import { type Completer, LineEditor } from "./line_editor.ts";
import {
  ANSI,
  captureKeys,
  columns,
  type Key,
  printable,
  stopKeyReading,
  type Terminal,
} from "./terminal.ts";

/** Draws the screen for a {@linkcode ChatScreen}. */
export interface ScreenPainter {
  /** Shows lines (line mode: above the input; full screen: in the current room's pane). */
  print(lines: string[]): void;
  /** Draws the input row. */
  drawInput(row: InputRow): void;
  /** Columns available to the input row. */
  inputColumns(): number;
  /** The terminal changed size. */
  resized(): void;
  /** Keys the painter handles itself (scrolling, panels); true when handled. */
  key?(key: Key, inputEmpty: boolean): boolean;
  /** Leaves the terminal as the shell expects it. */
  close(): void;
}

/** Options of a {@linkcode ChatScreen}. */
export interface ChatScreenOptions {
  prompt: string;
  complete: (line: string) => Completion;
  /** How to draw; default a {@linkcode LinePainter}. */
  painter?: ScreenPainter;
}

/** Lines in a paste from which Enter asks for a confirmation first. */
export const PASTE_CONFIRM_LINES = 2;

/** Line mode: lines go into the terminal's scrollback, the input stays on the last row. */
export class LinePainter implements ScreenPainter {
  #term: Terminal;
  #drawnWidth = 0;
  #cursorCol = 0;

  constructor(term: Terminal) {
    this.#term = term;
  }

  print(lines: string[]): void {
    this.#term.output.write(`\r${ANSI.clearLine}${lines.join("\n")}\n`);
  }

  drawInput(row: InputRow): void {
    this.#drawnWidth = row.width;
    this.#cursorCol = row.cursorCol;
    this.#term.output.write(
      `\r${row.text}${ANSI.clearLine}${ANSI.column(row.cursorCol + 1)}`,
    );
  }

  inputColumns(): number {
    // The last column stays free: writing there makes some terminals wrap early.
    return columns(this.#term) - 1;
  }

  /**
   * After a resize the terminal may have re-wrapped the old input row (tmux and most
   * terminals reflow a row wider than the new width): clear from its first row down.
   */
  resized(): void {
    const width = columns(this.#term);
    const up = this.#drawnWidth > width ? Math.floor(this.#cursorCol / width) : 0;
    this.#term.output.write(`\r${ANSI.up(up)}${ANSI.clearDown}`);
  }

  close(): void {
    this.#term.output.write(`\r${ANSI.clearLine}`);
  }
}

/** A chat screen on a terminal: the editable input and what is printed. */
export class ChatScreen {
  #term: Terminal;
  #painter: ScreenPainter;
  #prompt: string;
  #editor = new LineEditor();
  #completer: Completer;
  #closed = false;
  #lineHandlers = new Set<(line: string) => void>();
  #closeHandlers = new Set<() => void>();
  #release: () => void;
  #stopResize: () => void;
  #scroll = 0;
  #batch: Key[] = [];
  #pasting = false;
  /** A multi-line paste waiting for a second Enter. */
  #confirming = false;

  constructor(term: Terminal, options: ChatScreenOptions) {
    this.#term = term;
    this.#painter = options.painter ?? new LinePainter(term);
    this.#prompt = options.prompt;
    this.#completer = (before) => options.complete(before);
    term.output.write(ANSI.bracketedPasteOn);
    this.#release = captureKeys(term, (key) => this.#queue(key));
    this.#stopResize = term.onResize?.(() => this.#resized()) ?? (() => {});
    this.#render();
  }

  /** Calls `handler` with every line the user enters. */
  onLine(handler: (line: string) => void): void {
    this.#lineHandlers.add(handler);
  }

  /** Calls `handler` when the user asks to leave (Ctrl-C, or Ctrl-D on an empty line). */
  onClose(handler: () => void): void {
    this.#closeHandlers.add(handler);
  }

  /** Prints lines, keeping what is typed intact. */
  print(...lines: string[]): void {
    if (lines.length === 0) return;
    if (this.#closed) {
      this.#term.output.write(lines.join("\n") + "\n");
      return;
    }
    this.#painter.print(lines);
    this.#render();
  }

  /** Changes the prompt and redraws the input row. */
  setPrompt(prompt: string): void {
    if (this.#closed || this.#prompt === prompt) return;
    this.#prompt = prompt;
    this.#render();
  }

  /** Puts text back into an empty input (e.g. a message the server refused). */
  restore(text: string): boolean {
    if (this.#closed || this.#editor.text !== "") return false;
    this.#editor.set(text);
    this.#render();
    return true;
  }

  /** Rings the terminal bell. */
  bell(): void {
    if (!this.#closed) this.#term.output.write(ANSI.bell);
  }

  /** The text being typed. */
  get text(): string {
    return this.#editor.text;
  }

  /** Redraws the input row (after the painter redrew the rest). */
  redraw(): void {
    this.#render();
  }

  /** Stops reading input and gives the terminal back. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#stopResize();
    stopKeyReading(this.#term);
    this.#painter.close();
    this.#term.output.write(ANSI.bracketedPasteOff);
  }

  /** Keys of one read are handled together, then the screen is drawn once. */
  #queue(key: Key): void {
    this.#batch.push(key);
    if (this.#batch.length === 1) queueMicrotask(() => this.#drain());
  }

  #drain(): void {
    const keys = this.#batch;
    this.#batch = [];
    for (let i = 0; i < keys.length && !this.#closed; i++) {
      let key = keys[i]!;
      // Bracketed paste markers; some key decoders split them into `ESC[200` and `~`.
      // deno-lint-ignore no-control-regex
      const marker = /^\x1b\[(200|201)~?$/.exec(key.sequence);
      if (marker) {
        if (!key.sequence.endsWith("~") && keys[i + 1]?.sequence === "~") i++;
        key = { ...key, name: marker[1] === "200" ? "paste-start" : "paste-end" };
      }
      // A paste is told only by the bracketed-paste markers (turned on at start): lines typed
      // quickly, or read together from a busy terminal, are still separate lines.
      if (this.#pasting && !marker) {
        const taken = this.#pasteRun(keys, i);
        if (taken > 0) {
          i += taken - 1;
          continue;
        }
      }
      this.#key(key);
    }
    if (!this.#closed) this.#render();
  }

  /**
   * Inserts the pasted characters and line breaks from `keys[from]` on as one text, up to
   * the paste's end or a key that is not text; returns how many keys it took. One insert
   * per key read the whole input again each time: a 10,000-character paste took 11 s.
   */
  #pasteRun(keys: Key[], from: number): number {
    let text = "";
    let at = from;
    for (; at < keys.length; at++) {
      const key = keys[at]!;
      const piece = key.name === "return" || key.name === "enter" ? "\n" : printable(key);
      if (piece === null || key.sequence.startsWith("\x1b")) break;
      text += piece;
    }
    if (text !== "") {
      this.#confirming = false;
      this.#editor.insert(text);
    }
    return at - from;
  }

  #key(key: Key): void {
    const editor = this.#editor;
    if (key.name === "paste-start" || key.name === "paste-end") {
      this.#pasting = key.name === "paste-start";
      return;
    }
    const enter = key.name === "return" || key.name === "enter";
    if (enter && this.#pasting) return editor.insert("\n");
    if (this.#confirming && !enter) {
      this.#confirming = false;
      if (key.name === "escape") return;
    }
    if (enter) return this.#submit();
    if (this.#painter.key?.(key, editor.text === "")) return;
    if (key.ctrl && key.name === "c") return this.#requestClose();
    if (key.ctrl && key.name === "d") {
      if (editor.text === "") return this.#requestClose();
      editor.deleteForward();
      return;
    }
    if (key.name === "tab") {
      if (!editor.complete(this.#completer, key.shift === true)) this.bell();
      return;
    }
    if (editor.completion !== null && key.name === "escape") return void editor.end();
    if (key.meta && (key.name === "b" || key.name === "left")) return editor.wordLeft();
    if (key.meta && (key.name === "f" || key.name === "right")) return editor.wordRight();
    if (key.ctrl && key.name === "left") return editor.wordLeft();
    if (key.ctrl && key.name === "right") return editor.wordRight();
    if (key.meta && key.name === "backspace") return editor.killWordBack();
    const action = _ACTIONS[`${key.ctrl ? "C-" : ""}${key.name ?? ""}`];
    if (action) return void action(editor);
    const text = printable(key);
    if (text !== null) return editor.insert(text);
    // Escape and a character typed within the terminal's escape delay (~0.5 s) arrive as one
    // Alt key. Unbound, it is both: Escape (closing the search pane) and then the character
    // (the "/" of the next command, which would otherwise be lost and the command sent as
    // text).
    // deno-lint-ignore no-control-regex
    const alt = key.meta && !key.ctrl ? /^\x1b(.)$/su.exec(key.sequence)?.[1] : undefined;
    if (alt !== undefined && !/\p{Cc}/u.test(alt)) {
      this.#key({ name: "escape", ctrl: false, meta: false, sequence: "\x1b" });
      this.#key({ name: alt.toLowerCase(), ctrl: false, meta: false, sequence: alt });
    }
  }

  #submit(): void {
    const text = this.#editor.text;
    const lines = text.split("\n").length;
    if (lines >= PASTE_CONFIRM_LINES && !this.#confirming && !text.startsWith("/")) {
      this.#confirming = true;
      this.#painter.print([
        `\x1b[33m${t("screen.paste", { lines })}\x1b[39m`,
      ]);
      return;
    }
    this.#confirming = false;
    const line = this.#editor.submit();
    this.#scroll = 0;
    this.#render();
    for (const handler of this.#lineHandlers) handler(line);
  }

  #requestClose(): void {
    for (const handler of this.#closeHandlers) handler();
  }

  #resized(): void {
    if (this.#closed) return;
    this.#painter.resized();
    this.#render();
  }

  #render(): void {
    if (this.#closed) return;
    const completion = this.#editor.completion;
    let hint = this.#confirming ? ` ${t("screen.enterSends")}` : "";
    if (hint === "" && completion && completion.candidates.length > 1) {
      hint = ` (${completion.index + 1}/${completion.candidates.length})`;
    }
    const row = layoutInput(
      { prompt: this.#prompt, text: this.#editor.text, cursor: this.#editor.cursorClusters, hint },
      this.#painter.inputColumns(),
      this.#scroll,
    );
    this.#scroll = row.scroll;
    this.#painter.drawInput(row);
  }
}

/** Keys that edit or move, by `C-` + name. */
const _ACTIONS: Record<string, (editor: LineEditor) => unknown> = {
  backspace: (e) => e.backspace(),
  "C-h": (e) => e.backspace(),
  delete: (e) => e.deleteForward(),
  left: (e) => e.left(),
  "C-b": (e) => e.left(),
  right: (e) => e.right(),
  "C-f": (e) => e.right(),
  home: (e) => e.home(),
  "C-a": (e) => e.home(),
  end: (e) => e.end(),
  "C-e": (e) => e.end(),
  up: (e) => e.historyUp(),
  "C-p": (e) => e.historyUp(),
  down: (e) => e.historyDown(),
  "C-n": (e) => e.historyDown(),
  "C-u": (e) => e.killToStart(),
  "C-k": (e) => e.killToEnd(),
  "C-w": (e) => e.killWordBack(),
};
