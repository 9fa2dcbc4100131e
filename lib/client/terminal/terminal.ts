/** The terminal the interactive client draws on, and raw key input for menus and prompts. */
import process from "node:process";
import readline from "node:readline";

/** Input and output streams of a terminal. */
export interface Terminal {
  input: typeof process.stdin;
  output: typeof process.stdout;
  /** Calls `handler` when the terminal's size changes; returns the function that stops it. */
  onResize?: (handler: () => void) => () => void;
}

/** The process's own terminal. */
export function processTerminal(): Terminal {
  return {
    input: process.stdin,
    output: process.stdout,
    onResize(handler) {
      try {
        Deno.addSignalListener("SIGWINCH", handler);
      } catch {
        return () => {}; // No SIGWINCH here (Windows): no resize events.
      }
      return () => Deno.removeSignalListener("SIGWINCH", handler);
    },
  };
}

/** Width of the terminal in columns (80 when unknown). */
export function columns(term: Terminal): number {
  return term.output.columns > 0 ? term.output.columns : 80;
}

/** Height of the terminal in rows (24 when unknown). */
export function rows(term: Terminal): number {
  return term.output.rows > 0 ? term.output.rows : 24;
}

/** One key press, as node's readline decodes it. */
export interface Key {
  /** `up`, `down`, `return`, `backspace`, `escape`, a letter… (may be absent for symbols). */
  name?: string;
  ctrl: boolean;
  meta: boolean;
  shift?: boolean;
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
      shift: key?.shift === true,
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
  clearLine: "\x1b[K",
  up: (n: number) => (n > 0 ? `\x1b[${n}A` : ""),
  /** Moves to column `n` (1-based) of the current row. */
  column: (n: number) => `\x1b[${Math.max(1, n)}G`,
  /** Moves to row `row`, column `col` (1-based). */
  to: (row: number, col: number) => `\x1b[${row};${col}H`,
  bracketedPasteOn: "\x1b[?2004h",
  bracketedPasteOff: "\x1b[?2004l",
  altScreenOn: "\x1b[?1049h",
  altScreenOff: "\x1b[?1049l",
  bell: "\x07",
} as const;

/** Outputs currently showing the alternate screen (so that restoring leaves it once). */
const _altScreens = new WeakSet<Terminal["output"]>();

/** Switches to the alternate screen (full-screen mode), cleared. */
export function enterAltScreen(term: Terminal): void {
  _altScreens.add(term.output);
  term.output.write(`${ANSI.altScreenOn}${ANSI.to(1, 1)}\x1b[2J`);
}

/** Goes back to the normal screen, if the alternate one is shown. */
export function leaveAltScreen(term: Terminal): void {
  if (!_altScreens.delete(term.output)) return;
  term.output.write(ANSI.altScreenOff);
}

/**
 * Puts the terminal back as the shell expects it: cooked mode, cursor shown, bracketed
 * paste off, normal screen. Safe to call more than once and on a terminal never changed.
 */
export function restoreTerminal(term: Terminal): void {
  try {
    if (term.input.isTTY) term.input.setRawMode(false);
  } catch {
    // The terminal is gone (hung up): nothing to restore.
  }
  try {
    leaveAltScreen(term);
    term.output.write(`${ANSI.bracketedPasteOff}${ANSI.showCursor}`);
  } catch {
    // Same.
  }
}

/** Signals after which the client restores the terminal before it exits. */
const _EXIT_SIGNALS: Deno.Signal[] = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT"];
const _SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGTERM: 15,
};

/**
 * Restores the terminal on every way out that skips the normal path: a signal (then the
 * process exits with 128 + its number), an uncaught error or an unhandled rejection.
 * Returns the function that removes the guard.
 */
export function guardTerminal(term: Terminal): () => void {
  // The row the cursor is on is the input row (or a question): start the shell's row clean.
  const onCrash = () => {
    restoreTerminal(term);
    term.output.write(`\r${ANSI.clearLine}`);
  };
  const handlers = _EXIT_SIGNALS.map((signal) => {
    const handler = () => {
      onCrash();
      Deno.exit(128 + (_SIGNAL_NUMBERS[signal] ?? 0));
    };
    try {
      Deno.addSignalListener(signal, handler);
    } catch {
      return null; // Not available on this platform.
    }
    return { signal, handler };
  });
  globalThis.addEventListener("error", onCrash);
  globalThis.addEventListener("unhandledrejection", onCrash);
  return () => {
    for (const entry of handlers) {
      if (entry) Deno.removeSignalListener(entry.signal, entry.handler);
    }
    globalThis.removeEventListener("error", onCrash);
    globalThis.removeEventListener("unhandledrejection", onCrash);
  };
}
