/** Times, durations and numbers for display, in the page's language (through `Intl`). */
import { t, tr } from "./i18n.ts";

/** A local time (`14:05`, `2:05 PM`), with the date when it is not today's. */
export function clock(isoTime: string, now = Date.now()): string {
  return tr.value.when(Date.parse(isoTime), now);
}

const UNITS = [86_400, 3_600, 60, 1];

/**
 * A duration in words, to its two largest units (`3 minutes, 20 seconds`,
 * `2 heures et 5 minutes`): idle times and uptimes need no more precision.
 */
export function span(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(totalSeconds) ? totalSeconds : 0));
  const first = UNITS.findIndex((unit) => s >= unit);
  // `Intl.DurationFormat` writes nothing at all for a zero duration.
  if (first < 0) return t("common.zeroSeconds");
  const kept = UNITS.slice(first, first + 2);
  const shown = kept.reduce((sum, unit, i) => {
    const above = i === 0 ? Infinity : kept[i - 1]!;
    return sum + Math.floor((s % above) / unit) * unit;
  }, 0);
  return tr.value.duration(shown);
}

/** How far an ISO time is from now: `in 5 min`, `dans 5 min`. */
export function fromNow(isoTime: string, now = Date.now()): string {
  return tr.value.relative((Date.parse(isoTime) - now) / 1000);
}

const DURATION = /^(\d{1,7})([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** A duration as the API takes it (`30s`, `5m`) in words; anything else as typed. */
export function durationText(text: string): string {
  const match = DURATION.exec(text.trim());
  if (!match) return text.trim();
  return tr.value.duration(Number(match[1]) * UNIT_SECONDS[match[2]!]!);
}

/** A number in the page's locale (`1,234.5`, `1 234,5`). */
export function number(value: number, maximumFractionDigits = 0): string {
  return new Intl.NumberFormat(tr.value.locale, { maximumFractionDigits }).format(value);
}
