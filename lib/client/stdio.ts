/** Whole lines to the process's stdout and stderr, for the launcher and pipe mode. */

const encoder = new TextEncoder();

/** Writes a whole line to stdout or stderr; a closed pipe (e.g. `| head`) is not an error. */
export function writeLine(file: typeof Deno.stdout | typeof Deno.stderr, line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    let written = 0;
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
  } catch {
    // The reader went away; nothing useful to do with the output.
  }
}

/** Writes a line to stdout. */
export const out = (line: string): void => writeLine(Deno.stdout, line);

/** Writes a line to stderr. */
export const err = (line: string): void => writeLine(Deno.stderr, line);
