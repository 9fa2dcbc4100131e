/** An arrow-key menu on a raw-mode terminal: ↑/↓ (or a digit) to move, Enter to choose. */
import type { Style } from "../style.ts";
import { t } from "../i18n.ts";
import { textWidth, truncateToWidth } from "../text_width.ts";
import { ANSI, captureKeys, columns, isCancelKey, rows, type Terminal } from "./terminal.ts";

/** One choice of a menu. */
export interface MenuItem<T> {
  label: string;
  value: T;
  /** Quieter text after the label. */
  hint?: string;
}

function _fit(text: string, width: number): string {
  return truncateToWidth(text, Math.max(1, width), true);
}

/** Options of {@linkcode selectMenu}. */
export interface MenuOptions {
  /** The item selected first. Default 0. */
  initial?: number;
  /**
   * What Escape does: cancel (resolve null, the default) or nothing (a menu with nothing to
   * go back to; Ctrl-C and Ctrl-D still cancel).
   */
  escape?: "cancel" | "ignore";
  /** The help line under the items. Default: the keys, Escape's only when it goes back. */
  help?: string;
  /** What the menu's line says once cancelled. Default `(back)`. */
  cancelled?: string;
}

/**
 * Shows a menu and resolves with the chosen item's value, or null when the user cancels
 * (Escape, Ctrl-C, Ctrl-D). The menu is replaced by one line with the choice. A list
 * taller than the terminal shows a window of it that follows the selection.
 */
export function selectMenu<T>(
  term: Terminal,
  title: string,
  items: readonly MenuItem<T>[],
  style: Style,
  options: MenuOptions = {},
): Promise<T | null> {
  if (items.length === 0) throw new RangeError("Cannot show a menu: it has no items");
  let selected = Math.min(Math.max(options.initial ?? 0, 0), items.length - 1);
  let top = 0;
  let drawn = 0;
  const out = term.output;
  const page = () => Math.max(3, Math.min(items.length, rows(term) - 4));
  // PgUp/PgDn are worth saying only when the list is taller than the menu.
  const help = () =>
    options.help ??
      (options.escape === "ignore"
        ? t(items.length > page() ? "menu.keysPaged" : "menu.keys")
        : t("menu.keysBack"));
  const draw = () => {
    // One column spare: a row that fills the width exactly makes some terminals wrap.
    const width = columns(term) - 3;
    const visible = page();
    if (selected < top) top = selected;
    if (selected >= top + visible) top = selected - visible + 1;
    const above = top > 0 ? t("menu.above", { count: top }) : "";
    const belowCount = items.length - top - visible;
    const below = belowCount > 0 ? t("menu.below", { count: belowCount }) : "";
    const lines = [
      style.bold(_fit(`${title}${above}`, width + 2)),
      ...items.slice(top, top + visible).map((item, offset) => {
        const hint = item.hint ? `  ${item.hint}` : "";
        const text = _fit(`${item.label}${hint}`, width);
        const label = truncateToWidth(text, textWidth(item.label));
        const rest = text.slice(label.length);
        return top + offset === selected
          ? `${style.cyan("❯")} ${style.bold(style.cyan(label))}${style.dim(rest)}`
          : `  ${label}${style.dim(rest)}`;
      }),
      style.dim(_fit(`${help()}${below}`, width + 2)),
    ];
    out.write(`${ANSI.up(drawn)}\r${ANSI.clearDown}${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  return new Promise((resolve) => {
    out.write(ANSI.hideCursor);
    draw();
    const finish = (value: T | null) => {
      release();
      const summary = value === null
        ? style.dim(options.cancelled ?? t("menu.back"))
        : items[selected]!.label;
      out.write(`${ANSI.up(drawn)}\r${ANSI.clearDown}${style.bold(title)} ${summary}\n`);
      out.write(ANSI.showCursor);
      resolve(value);
    };
    const release = captureKeys(term, (key) => {
      if (key.name === "escape" && options.escape === "ignore") return;
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
      } else if (key.name === "pageup") {
        selected = Math.max(0, selected - page());
      } else if (key.name === "pagedown") {
        selected = Math.min(items.length - 1, selected + page());
      } else if (/^[1-9]$/.test(key.sequence) && Number(key.sequence) <= items.length) {
        selected = Number(key.sequence) - 1;
      } else {
        return;
      }
      draw();
    });
  });
}
