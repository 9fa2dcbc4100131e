/** The terminal the interactive client draws on, and raw key input for menus and prompts. */
import process from "node:process";
import readline from "node:readline";

/** Input and output streams of a terminal. */
export interface Terminal {
  input: typeof process.stdin;
  output: typeof process.stdout;
}

/** The process's own terminal. */
export function processTerminal(): Terminal {
  return { input: process.stdin, output: process.stdout };
}

/** Width of the terminal in columns (80 when unknown). */
export function columns(term: Terminal): number {
  return term.output.columns > 0 ? term.output.columns : 80;
}

/** One key press, as node's readline decodes it. */
export interface Key {
  /** `up`, `down`, `return`, `backspace`, `escape`, a letter… (may be absent for symbols). */
  name?: string;
  ctrl: boolean;
  meta: boolean;
  /** The characters the key produced. */
  sequence: string;
}

/**
 * Puts the terminal in raw mode and calls `onKey` for every key press until the returned
 * function is called, which restores cooked mode and stops reading.
 */
export function captureKeys(term: Terminal, onKey: (key: Key) => void): () => void {
  readline.emitKeypressEvents(term.input);
  const listener = (_text: string | undefined, key: Partial<Key> | undefined) => {
    onKey({
      name: key?.name,
      ctrl: key?.ctrl === true,
      meta: key?.meta === true,
      sequence: key?.sequence ?? _text ?? "",
    });
  };
  term.input.on("keypress", listener);
  if (term.input.isTTY) term.input.setRawMode(true);
  term.input.resume();
  return () => {
    term.input.off("keypress", listener);
    if (term.input.isTTY) term.input.setRawMode(false);
    term.input.pause();
  };
}

/** Whether a key is a request to cancel (Ctrl-C, Ctrl-D, Escape). */
export function isCancelKey(key: Key): boolean {
  return (key.ctrl && (key.name === "c" || key.name === "d")) || key.name === "escape";
}

/** The printable text a key adds to an input, or null for control keys. */
export function printable(key: Key): string | null {
  if (key.ctrl || key.meta) return null;
  const text = key.sequence;
  if (text === "" || /[\p{Cc}]/u.test(text)) return null;
  return text;
}

/** ANSI sequences used for redrawing. */
export const ANSI = {
  hideCursor: "\x1b[?25l",
  showCursor: "\x1b[?25h",
  clearDown: "\x1b[J",
  up: (n: number) => (n > 0 ? `\x1b[${n}A` : ""),
} as const;
