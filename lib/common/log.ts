/** A small structured logger: human text or one JSON object per line. Never given secrets. */

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Writes log lines; `fields` are flat key/value pairs. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

/**
 * Characters never written raw: controls (U+0085 too), format characters (bidi overrides
 * such as U+202E, zero-width ones), line and paragraph separators, lone surrogates, other
 * invisible ones. Raw, they would let a user name or a reason fake a second line or a
 * field (`by=admin`) or reorder what a terminal shows.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** A value written without quotes: visible characters only, none of `"`, `=`, `\`. */
const BARE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]+$/u;

/** `json` with every unsafe character written as a `\uXXXX` escape (still valid JSON). */
function _escapeUnsafe(json: string): string {
  return json.replace(UNSAFE, (ch) => {
    let out = "";
    for (let i = 0; i < ch.length; i++) {
      out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    }
    return out;
  });
}

/** One `key=value` pair of a text line: bare when plainly visible, else JSON-quoted. */
function _textField(key: string, value: unknown): string {
  if (typeof value === "string" && BARE.test(value) && !/["=\\]/.test(value)) {
    UNSAFE.lastIndex = 0;
    if (!UNSAFE.test(value)) return `${key}=${value}`;
  }
  // `=` escaped too: the only `=` of a text line is the one after each key, so not even a
  // reader that ignores quotes can be shown a forged field.
  return `${key}=${_escapeUnsafe(JSON.stringify(value) ?? "null").replaceAll("=", "\\u003d")}`;
}

/** A logger writing to stderr in the given format; field values cannot forge lines or fields. */
export function createLogger(
  format: "text" | "json",
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  return {
    log(level, event, fields = {}) {
      const at = new Date().toISOString();
      if (format === "json") {
        write(_escapeUnsafe(JSON.stringify({ at, level, event, ...fields })));
        return;
      }
      const rest = Object.entries(fields).map(([k, v]) => _textField(k, v));
      write([at, level.toUpperCase(), event, ...rest].join(" "));
    },
  };
}

/** A logger that drops everything (for tests of pure parts). */
export const silentLogger: Logger = { log() {} };
