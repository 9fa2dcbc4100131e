/** A one-line question on a raw-mode terminal, optionally masked (for passwords). */
import { t } from "../i18n.ts";
import type { Style } from "../style.ts";
import { graphemes } from "../text_width.ts";
import { LineEditor } from "./line_editor.ts";
import { ANSI, captureKeys, isCancelKey, printable, type Terminal } from "./terminal.ts";

/** Options of {@linkcode askLine}. */
export interface AskOptions {
  /** Show `•` for each character typed instead of what is typed. */
  mask?: boolean;
}

/**
 * Asks for one line and resolves with it, or with null when the user cancels (Escape,
 * Ctrl-C, Ctrl-D). Editing is by grapheme cluster (←/→, Backspace, Delete, Home/End,
 * Ctrl-U), and the row is redrawn whole, so wide characters are erased correctly.
 */
export function askLine(
  term: Terminal,
  label: string,
  style: Style,
  options: AskOptions = {},
): Promise<string | null> {
  const out = term.output;
  const editor = new LineEditor();
  const head = `${style.bold(label)} `;
  const shown = (text: string) =>
    options.mask ? "•".repeat(graphemes(text).length) : text.replace(/\p{Cc}/gu, "\uFFFD");
  const draw = () => {
    const before = shown(editor.beforeCursor);
    out.write(`\r${head}${shown(editor.text)}${ANSI.clearLine}\r${head}${before}`);
  };
  out.write(head);
  return new Promise((resolve) => {
    const release = captureKeys(term, (key) => {
      if (isCancelKey(key)) {
        release();
        out.write(`${style.dim(` ${t("prompt.cancelled")}`)}\n`);
        resolve(null);
        return;
      }
      if (key.name === "return" || key.name === "enter") {
        release();
        editor.end();
        draw();
        out.write("\n");
        resolve(editor.text);
        return;
      }
      const name = `${key.ctrl ? "C-" : ""}${key.name ?? ""}`;
      if (name === "backspace" || name === "C-h") editor.backspace();
      else if (name === "delete") editor.deleteForward();
      else if (name === "left") editor.left();
      else if (name === "right") editor.right();
      else if (name === "home" || name === "C-a") editor.home();
      else if (name === "end" || name === "C-e") editor.end();
      else if (name === "C-u") editor.killToStart();
      else {
        const text = printable(key);
        if (text === null) return;
        editor.insert(text);
      }
      draw();
    });
  });
}
