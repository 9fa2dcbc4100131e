/** A small structured logger: human text or one JSON object per line. Never given secrets. */

/** Severity of a log line. */
export type LogLevel = "info" | "warn" | "error";

/** Writes log lines; `fields` are flat key/value pairs. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

/** A logger writing to stderr in the given format. */
export function createLogger(
  format: "text" | "json",
  write: (line: string) => void = (line) => console.error(line),
): Logger {
  return {
    log(level, event, fields = {}) {
      const at = new Date().toISOString();
      if (format === "json") {
        write(JSON.stringify({ at, level, event, ...fields }));
        return;
      }
      const rest = Object.entries(fields).map(([k, v]) =>
        `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`
      );
      write([at, level.toUpperCase(), event, ...rest].join(" "));
    },
  };
}

/** A logger that drops everything (for tests of pure parts). */
export const silentLogger: Logger = { log() {} };
