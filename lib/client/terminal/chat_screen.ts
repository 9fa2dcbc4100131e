/**
 * The chat screen: an input line at the bottom (node's readline, with history and tab
 * completion) and lines printed above it. Incoming lines never corrupt what is being
 * typed: the input, however many rows it wraps to, is erased, the line printed, and the
 * input redrawn with the cursor where it was.
 */
import readline from "node:readline";
import type { Completion } from "../completion.ts";
import { ANSI, stopKeyReading, type Terminal } from "./terminal.ts";

/** Options of a {@linkcode ChatScreen}. */
export interface ChatScreenOptions {
  prompt: string;
  complete: (line: string) => Completion;
}

/** A line-oriented chat screen on a terminal. */
export class ChatScreen {
  #rl: readline.Interface;
  #term: Terminal;
  #closed = false;
  #lineHandlers = new Set<(line: string) => void>();
  #closeHandlers = new Set<() => void>();

  constructor(term: Terminal, options: ChatScreenOptions) {
    this.#term = term;
    stopKeyReading(term);
    this.#rl = readline.createInterface({
      input: term.input,
      output: term.output,
      terminal: true,
      historySize: 200,
      completer: (line: string) => options.complete(line),
      tabSize: 4,
    });
    this.#rl.setPrompt(options.prompt);
    this.#rl.on("line", (line) => {
      // A message comes back from the server as a chat line: erase the typed copy.
      if (!line.trimStart().startsWith("/")) this.#eraseSubmitted(line);
      for (const handler of this.#lineHandlers) handler(line);
      if (!this.#closed) this.#rl.prompt();
    });
    // Ctrl-C and Ctrl-D (on an empty line) both mean "quit" here.
    this.#rl.on("SIGINT", () => this.#requestClose());
    this.#rl.on("close", () => this.#requestClose());
    term.input.resume();
    this.#rl.prompt();
  }

  /** Calls `handler` with every line the user enters. */
  onLine(handler: (line: string) => void): void {
    this.#lineHandlers.add(handler);
  }

  /** Calls `handler` when the user asks to leave (Ctrl-C, or Ctrl-D on an empty line). */
  onClose(handler: () => void): void {
    this.#closeHandlers.add(handler);
  }

  /** Prints lines above the input line, keeping what is typed intact. */
  print(...lines: string[]): void {
    if (lines.length === 0) return;
    if (this.#closed) {
      this.#term.output.write(lines.join("\n") + "\n");
      return;
    }
    // readline redraws the input by first moving up as many rows as the cursor is below
    // the prompt: print that many newlines after the lines so that it lands right.
    const rows = this.#rl.getCursorPos().rows;
    this.#term.output.write(
      `\r${ANSI.up(rows)}${ANSI.clearDown}${lines.join("\n")}\n${"\n".repeat(rows)}`,
    );
    this.#rl.prompt(true);
  }

  /** Changes the prompt and redraws the input line. */
  setPrompt(prompt: string): void {
    if (this.#closed || this.#rl.getPrompt() === prompt) return;
    this.#rl.setPrompt(prompt);
    this.#rl.prompt(true);
  }

  /** Stops reading input and leaves the cursor on a fresh line. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const rows = this.#rl.getCursorPos().rows;
    this.#term.output.write(`\r${ANSI.up(rows)}${ANSI.clearDown}`);
    this.#rl.close();
    this.#term.input.pause();
  }

  /** Erases the rows the just-submitted input took (the cursor is on the row below them). */
  #eraseSubmitted(line: string): void {
    const width = this.#term.output.columns > 0 ? this.#term.output.columns : 80;
    const visible = _visibleLength(this.#rl.getPrompt()) + _visibleLength(line);
    const rows = Math.max(1, Math.ceil(visible / width));
    this.#term.output.write(`${ANSI.up(rows)}\r${ANSI.clearDown}`);
  }

  #requestClose(): void {
    if (this.#closed) return;
    for (const handler of this.#closeHandlers) handler();
  }
}

/** Terminal columns taken by text: code points, without ANSI escape sequences. */
function _visibleLength(text: string): number {
  // deno-lint-ignore no-control-regex
  return [...text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")].length;
}
