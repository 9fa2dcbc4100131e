/** Moderation durations as people write them: `30s`, `5m`, `1h`, `2d`. */

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** The longest duration accepted (10 years); longer is what a ban is for. */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d;

/**
 * Parses a duration such as `90s`, `15m`, `2h` or `3d` into milliseconds. Returns a
 * sentence explaining the problem (as `{ error }`) for anything else, including zero.
 */
export function parseDuration(text: string): { ms: number } | { error: string } {
  const match = /^\s*(\d{1,9})\s*([smhd])\s*$/i.exec(text);
  if (!match) {
    return {
      error: `Cannot parse duration ${
        JSON.stringify(text)
      }: write a whole number and a unit s, m, h or d, like 30s, 5m, 1h or 2d.`,
    };
  }
  const unit = match[2]!.toLowerCase() as keyof typeof UNIT_MS;
  const ms = Number(match[1]) * UNIT_MS[unit];
  if (ms === 0) return { error: "Cannot use duration 0: a duration must be longer than zero." };
  if (ms > MAX_DURATION_MS) {
    return { error: `Cannot use duration ${text.trim()}: the longest is 3650d (use a ban).` };
  }
  return { ms };
}
