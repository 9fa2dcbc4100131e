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

/** Reads keys in raw mode and queues them, so keys typed ahead of the next question are kept. */
class _KeyReader {
  #term: Terminal;
  #queue: Key[] = [];
  #handler: ((key: Key) => void) | null = null;
  #listener = (text: string | undefined, key: Partial<Key> | undefined) => {
    this.#queue.push({
      name: key?.name,
      ctrl: key?.ctrl === true,
      meta: key?.meta === true,
      sequence: key?.sequence ?? text ?? "",
    });
    this.#deliver();
  };

  constructor(term: Terminal) {
    this.#term = term;
    readline.emitKeypressEvents(term.input);
    term.input.on("keypress", this.#listener);
    if (term.input.isTTY) term.input.setRawMode(true);
    term.input.resume();
  }

  handle(handler: ((key: Key) => void) | null): void {
    this.#handler = handler;
    // Later, so that the caller has its release function before the first key arrives.
    if (handler) queueMicrotask(() => this.#deliver());
  }

  stop(): void {
    this.#term.input.off("keypress", this.#listener);
    if (this.#term.input.isTTY) this.#term.input.setRawMode(false);
    this.#term.input.pause();
  }

  #deliver(): void {
    while (this.#handler && this.#queue.length > 0) this.#handler(this.#queue.shift()!);
  }
}

const _readers = new WeakMap<Terminal["input"], _KeyReader>();

/**
 * Calls `onKey` for every key press (the terminal in raw mode) until the returned function
 * is called. Keys pressed while nobody listens are kept for the next caller.
 */
export function captureKeys(term: Terminal, onKey: (key: Key) => void): () => void {
  let reader = _readers.get(term.input);
  if (!reader) {
    reader = new _KeyReader(term);
    _readers.set(term.input, reader);
  }
  const owner = reader;
  owner.handle(onKey);
  return () => owner.handle(null);
}

/** Stops raw key reading (before a line editor takes the terminal over, or at exit). */
export function stopKeyReading(term: Terminal): void {
  _readers.get(term.input)?.stop();
  _readers.delete(term.input);
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
