/**
 * A duration typed in a moderation form, as people write it in English or French
 * (`10m`, `10 min`, `2 heures`, `3j`, `1 day`), turned into the API's form (`10m`, `2h`,
 * `3d`) before it is sent: the API only reads the short form, and its refusal would be an
 * English sentence.
 */

/** The longest duration the API accepts (its `MAX_DURATION_MS`): 3650 days. */
const MAX_DURATION_MS = 3650 * 86_400_000;
/** Each API unit, and the words (lowercase, accents removed) that mean it. */
const UNITS: Record<"s" | "m" | "h" | "d", readonly string[]> = {
  s: ["s", "sec", "secs", "second", "seconds", "seconde", "secondes"],
  m: ["m", "mn", "min", "mins", "minute", "minutes"],
  h: ["h", "hr", "hrs", "hour", "hours", "heure", "heures"],
  d: ["d", "j", "day", "days", "jour", "jours"],
};
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const TYPED = /^(\d{1,7})\s*([a-z]+)\.?$/;

/**
 * The API form of a typed duration (`"10 min"` → `"10m"`), or null when it is not one, is
 * zero, or is longer than the API accepts (3650 days).
 */
export function toApiDuration(text: string): string | null {
  const plain = text.trim().toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  const match = TYPED.exec(plain);
  if (!match) return null;
  const count = Number(match[1]);
  const unit = (Object.keys(UNITS) as (keyof typeof UNITS)[])
    .find((u) => UNITS[u].includes(match[2]!));
  if (!unit) return null;
  const ms = count * UNIT_MS[unit];
  if (ms === 0 || ms > MAX_DURATION_MS) return null;
  return `${count}${unit}`;
}
