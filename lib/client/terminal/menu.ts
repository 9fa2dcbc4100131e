/** An arrow-key menu on a raw-mode terminal: ↑/↓ (or a digit) to move, Enter to choose. */
import type { Style } from "../style.ts";
import { ANSI, captureKeys, columns, isCancelKey, type Terminal } from "./terminal.ts";

/** One choice of a menu. */
export interface MenuItem<T> {
  label: string;
  value: T;
  /** Quieter text after the label. */
  hint?: string;
}

function _fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join("") + "…";
}

/**
 * Shows a menu and resolves with the chosen item's value, or null when the user cancels
 * (Escape, Ctrl-C, Ctrl-D). The menu is replaced by one line with the choice.
 */
export function selectMenu<T>(
  term: Terminal,
  title: string,
  items: readonly MenuItem<T>[],
  style: Style,
  initial = 0,
): Promise<T | null> {
  if (items.length === 0) throw new RangeError("Cannot show a menu: it has no items");
  let selected = Math.min(Math.max(initial, 0), items.length - 1);
  let drawn = 0;
  const out = term.output;
  const draw = () => {
    const width = columns(term) - 3;
    const lines = [
      style.bold(_fit(title, width + 2)),
      ...items.map((item, index) => {
        const hint = item.hint ? `  ${item.hint}` : "";
        const text = _fit(`${item.label}${hint}`, width);
        const label = text.slice(0, Math.min(text.length, item.label.length));
        const rest = text.slice(label.length);
        return index === selected
          ? `${style.cyan("❯")} ${style.bold(style.cyan(label))}${style.dim(rest)}`
          : `  ${label}${style.dim(rest)}`;
      }),
      style.dim(_fit("↑/↓ to move, Enter to choose, Esc to go back", width + 2)),
    ];
    out.write(`${ANSI.up(drawn)}\r${ANSI.clearDown}${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  return new Promise((resolve) => {
    out.write(ANSI.hideCursor);
    draw();
    const finish = (value: T | null) => {
      release();
      const summary = value === null ? style.dim("(back)") : items[selected]!.label;
      out.write(`${ANSI.up(drawn)}\r${ANSI.clearDown}${style.bold(title)} ${summary}\n`);
      out.write(ANSI.showCursor);
      resolve(value);
    };
    const release = captureKeys(term, (key) => {
      if (isCancelKey(key)) return finish(null);
      if (key.name === "return" || key.name === "enter") return finish(items[selected]!.value);
      if (key.name === "up" || key.name === "k" || (key.ctrl && key.name === "p")) {
        selected = (selected + items.length - 1) % items.length;
      } else if (key.name === "down" || key.name === "j" || (key.ctrl && key.name === "n")) {
        selected = (selected + 1) % items.length;
      } else if (key.name === "home") {
        selected = 0;
      } else if (key.name === "end") {
        selected = items.length - 1;
      } else if (/^[1-9]$/.test(key.sequence) && Number(key.sequence) <= items.length) {
        selected = Number(key.sequence) - 1;
      } else {
        return;
      }
      draw();
    });
  });
}
