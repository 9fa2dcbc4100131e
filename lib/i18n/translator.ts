/**
 * The translator: messages of a catalog (ICU MessageFormat through `@formatjs/intl`),
 * clock times, dates, relative times and durations through `Intl`, all in one locale.
 * Built once per language and part; pure apart from reading the host's time zone.
 */
import { createIntl, createIntlCache, type IntlShape } from "@formatjs/intl";
import type { CatalogSet } from "./catalog.ts";
import { type Language, type LocaleChoice, NEUTRAL_CHOICE } from "./languages.ts";

/** Values for a message's `{placeholders}`. */
export type MessageValues = Readonly<Record<string, string | number | Date>>;

/** A translator for one part's keys `K`. */
export interface Translator<K extends string> {
  /** The catalog language. */
  readonly language: Language;
  /** The BCP 47 locale of dates and numbers (`fr-CA`). */
  readonly locale: string;
  /** The message `key` with its placeholders filled. */
  t(key: K, values?: MessageValues): string;
  /** A clock time in the locale: `14:05`, `2:05 PM`, `14 h 05`. */
  time(at: Date | number): string;
  /** The time alone today, else the date and time (`2025-03-14 14:05` when neutral). */
  when(at: Date | number, now?: Date | number): string;
  /**
   * A day in words, for a day separator: `Monday, December 1, 2025`,
   * `lundi 1er décembre 2025` (`--` for an invalid date).
   */
  day(at: Date | number): string;
  /** A delay from now, short: `in 5 min.`, `dans 5 min`, `5 min ago`. */
  relative(seconds: number): string;
  /** A length of time in words: `1 minute, 30 seconds`, `1 minute et 30 secondes`. */
  duration(seconds: number): string;
  /** A list: `a, b, and c` / `a, b et c`. */
  list(items: readonly string[]): string;
}

/** Largest unit of {@linkcode Translator.relative}, by seconds. */
const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

/**
 * How a language writes the first of the month when it differs from the number:
 * French writes `1er` (premier), then `2`, `3`…
 */
const FIRST_OF_MONTH: Partial<Record<Language, string>> = { fr: "1er" };

function _pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `Intl.DurationFormat` (ES2025) as far as this module uses it. */
interface _DurationFormat {
  format(duration: Record<string, number>): string;
}
type _DurationFormatCtor = new (locale: string, options: { style: "long" }) => _DurationFormat;

class _Translator<K extends string> implements Translator<K> {
  readonly language: Language;
  readonly locale: string;
  readonly #intl: IntlShape<string>;
  readonly #neutral: boolean;
  readonly #clock: Intl.DateTimeFormat;
  readonly #dateTime: Intl.DateTimeFormat;
  readonly #day: Intl.DateTimeFormat;
  readonly #relative: Intl.RelativeTimeFormat;
  readonly #duration: _DurationFormat | null;
  readonly #list: Intl.ListFormat;

  constructor(catalogs: CatalogSet<K>, choice: LocaleChoice) {
    this.language = choice.language;
    this.locale = choice.locale;
    this.#neutral = choice.neutral;
    this.#intl = createIntl({
      locale: choice.locale,
      defaultLocale: "en",
      messages: { ...catalogs.en, ...catalogs[choice.language] },
      // A missing key shows the English text (or the key): never a crash, never a log line.
      onError: () => {},
    }, createIntlCache());
    const hour12 = choice.hour12 ?? this.#prefers12h(choice.locale);
    const hour = hour12 ? "numeric" : "2-digit";
    this.#clock = new Intl.DateTimeFormat(choice.locale, { hour, minute: "2-digit", hour12 });
    this.#dateTime = new Intl.DateTimeFormat(choice.locale, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour,
      minute: "2-digit",
      hour12,
    });
    this.#day = new Intl.DateTimeFormat(choice.locale, {
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
    });
    this.#relative = new Intl.RelativeTimeFormat(choice.locale, { style: "short" });
    const DurationFormat = (Intl as unknown as { DurationFormat?: _DurationFormatCtor })
      .DurationFormat;
    this.#duration = DurationFormat ? new DurationFormat(choice.locale, { style: "long" }) : null;
    this.#list = new Intl.ListFormat(choice.locale, { type: "conjunction" });
  }

  #prefers12h(locale: string): boolean {
    const cycle = new Intl.DateTimeFormat(locale, { hour: "numeric" }).resolvedOptions().hourCycle;
    return cycle === "h11" || cycle === "h12";
  }

  t(key: K, values?: MessageValues): string {
    return this.#intl.formatMessage({ id: key }, values);
  }

  time(at: Date | number): string {
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) return "--:--";
    if (this.#neutral) return `${_pad(date.getHours())}:${_pad(date.getMinutes())}`;
    return this.#clock.format(date);
  }

  when(at: Date | number, now: Date | number = Date.now()): string {
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) return "--:--";
    if (date.toDateString() === new Date(now).toDateString()) return this.time(date);
    if (!this.#neutral) return this.#dateTime.format(date);
    const day = `${date.getFullYear()}-${_pad(date.getMonth() + 1)}-${_pad(date.getDate())}`;
    return `${day} ${this.time(date)}`;
  }

  day(at: Date | number): string {
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) return "--";
    const first = FIRST_OF_MONTH[this.language];
    if (first === undefined) return this.#day.format(date);
    return this.#day.formatToParts(date)
      .map((part) => part.type === "day" && Number(part.value) === 1 ? first : part.value)
      .join("");
  }

  relative(seconds: number): string {
    const s = Number.isFinite(seconds) ? Math.round(seconds) : 0;
    const [unit, size] = RELATIVE_UNITS.find(([, size]) => Math.abs(s) >= size) ??
      RELATIVE_UNITS.at(-1)!;
    return this.#relative.format(Math.round(s / size), unit);
  }

  duration(seconds: number): string {
    const s = Number.isFinite(seconds) ? Math.max(0, Math.round(seconds)) : 0;
    const parts: Record<string, number> = {};
    const days = Math.floor(s / 86_400);
    const hours = Math.floor((s % 86_400) / 3_600);
    const minutes = Math.floor((s % 3_600) / 60);
    const rest = s % 60;
    if (days) parts.days = days;
    if (hours) parts.hours = hours;
    if (minutes) parts.minutes = minutes;
    if (rest || s === 0) parts.seconds = rest;
    if (this.#duration) return this.#duration.format(parts);
    return Object.entries(parts).map(([unit, n]) => `${n} ${unit}`).join(" ");
  }

  list(items: readonly string[]): string {
    return this.#list.format(items);
  }
}

/**
 * A translator of `catalogs` for `choice` (from `negotiate`/`languageFromEnvironment`;
 * {@linkcode NEUTRAL_CHOICE} by default). A key missing from the chosen language falls
 * back to English; the key sets are kept equal by `tests/i18n/catalogs_test.ts`.
 */
export function createTranslator<K extends string>(
  catalogs: CatalogSet<K>,
  choice: LocaleChoice = NEUTRAL_CHOICE,
): Translator<K> {
  return new _Translator(catalogs, choice);
}
