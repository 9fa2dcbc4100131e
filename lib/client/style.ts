/** ANSI styling of terminal output, switched off for `NO_COLOR` or a non-terminal. */

/** Foreground colours handed out to user names (none of them is the own-name colour). */
const NAME_COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96] as const;

/** Applies terminal styles when enabled; otherwise returns text unchanged. */
export class Style {
  readonly enabled: boolean;

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  #wrap(open: string, text: string, close: string): string {
    return this.enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  }

  /** Bold text. */
  bold(text: string): string {
    return this.#wrap("1", text, "22");
  }

  /** Faint text, for things that should stay quiet. */
  dim(text: string): string {
    return this.#wrap("2", text, "22");
  }

  /** Red text, for errors. */
  red(text: string): string {
    return this.#wrap("31", text, "39");
  }

  /** Yellow text, for server notices. */
  yellow(text: string): string {
    return this.#wrap("33", text, "39");
  }

  /** Magenta text, for direct messages. */
  magenta(text: string): string {
    return this.#wrap("35", text, "39");
  }

  /** Cyan text, for the client's own information lines. */
  cyan(text: string): string {
    return this.#wrap("36", text, "39");
  }

  /** Reverse video, for the own name. */
  inverse(text: string): string {
    return this.#wrap("7", text, "27");
  }

  /** A line that mentions the user: marked with `»` (bold yellow when colours are on). */
  mention(text: string): string {
    return `${this.#wrap("1;33", "»", "22;39")} ${text}`;
  }

  /** A user name in its own colour, the same for every appearance of the name. */
  name(name: string): string {
    return this.#wrap(String(nameColour(name)), name, "39");
  }
}

/** The ANSI colour code of a name: a stable hash of the name, so it never changes. */
export function nameColour(name: string): number {
  let hash = 2166136261;
  for (const char of name.normalize("NFC").toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return NAME_COLOURS[hash % NAME_COLOURS.length]!;
}
