/** A one-line question on a raw-mode terminal, optionally masked (for passwords). */
import type { Style } from "../style.ts";
import { captureKeys, isCancelKey, printable, type Terminal } from "./terminal.ts";

/** Options of {@linkcode askLine}. */
export interface AskOptions {
  /** Show `•` instead of what is typed. */
  mask?: boolean;
}

/**
 * Asks for one line and resolves with it, or with null when the user cancels (Escape,
 * Ctrl-C, Ctrl-D). Backspace deletes, Ctrl-U clears.
 */
export function askLine(
  term: Terminal,
  label: string,
  style: Style,
  options: AskOptions = {},
): Promise<string | null> {
  const out = term.output;
  let value: string[] = [];
  const shown = (chars: string[]) => (options.mask ? "•".repeat(chars.length) : chars.join(""));
  out.write(`${style.bold(label)} `);
  return new Promise((resolve) => {
    const release = captureKeys(term, (key) => {
      if (isCancelKey(key)) {
        release();
        out.write(`${style.dim(" (cancelled)")}\n`);
        resolve(null);
        return;
      }
      if (key.name === "return" || key.name === "enter") {
        release();
        out.write("\n");
        resolve(value.join(""));
        return;
      }
      if (key.name === "backspace") {
        if (value.length > 0) {
          value = value.slice(0, -1);
          out.write("\b \b");
        }
        return;
      }
      if (key.ctrl && key.name === "u") {
        out.write("\b \b".repeat(value.length));
        value = [];
        return;
      }
      const text = printable(key);
      if (text === null) return;
      const chars = [...text];
      value.push(...chars);
      out.write(shown(chars));
    });
  });
}
