/**
 * Language negotiation: which catalog language and which formatting locale a user asked
 * for, from a BCP 47 tag (`fr-CA`) or a POSIX locale name (`fr_CA.UTF-8@euro`). Pure.
 */

/** The languages with catalogs, the default first. */
export const LANGUAGES = ["en", "fr"] as const;

/** A language with catalogs. */
export type Language = typeof LANGUAGES[number];

/** The language used when nothing (or nothing known) is asked for. */
export const DEFAULT_LANGUAGE: Language = "en";

/**
 * What a user asked for, resolved: `language` picks the catalog, `locale` the formats of
 * dates and numbers (`fr-CA` keeps its region), `hour12` whether clocks use AM/PM.
 */
export interface LocaleChoice {
  language: Language;
  locale: string;
  /** null: as the locale has it. */
  hour12: boolean | null;
  /** Nothing was asked for: the C locale's `HH:MM` and `YYYY-MM-DD HH:MM`. */
  neutral: boolean;
}

/**
 * The choice when nothing is set (or the POSIX `C` locale): English texts with a
 * 24-hour `HH:MM` clock and `YYYY-MM-DD` dates, as the C locale writes them.
 */
export const NEUTRAL_CHOICE: LocaleChoice = Object.freeze({
  language: DEFAULT_LANGUAGE,
  locale: "en",
  hour12: false,
  neutral: true,
});

/** Whether `value` names a language with catalogs. */
export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/**
 * A BCP 47 tag from a tag or a POSIX locale name (`fr_CA.UTF-8@euro` → `fr-CA`); null for
 * `C`, `POSIX`, an empty value or anything that is not a well-formed tag.
 */
export function localeTag(value: string): string | null {
  const bare = value.trim().replace(/[.@].*$/s, "").replaceAll("_", "-");
  if (bare === "" || bare === "C" || bare === "POSIX") return null;
  try {
    return Intl.getCanonicalLocales(bare)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * The supported language and formatting locale for `value` (`fr-CA` → fr, formats of
 * fr-CA); null when the value names no language with catalogs (`de`, `C`, garbage).
 */
export function matchLanguage(value: string): LocaleChoice | null {
  const tag = localeTag(value);
  if (tag === null) return null;
  const language = tag.split("-")[0]!.toLowerCase();
  return isLanguage(language) ? { language, locale: tag, hour12: null, neutral: false } : null;
}

/**
 * Negotiates the first set value of `candidates` (most important first: a flag, then the
 * environment): its language when it has catalogs, else English. A value that is `C` or
 * `POSIX`, or nothing set at all, gives {@linkcode NEUTRAL_CHOICE}. Like POSIX, the first
 * set variable decides: `FASTCHAT_LANG=de` means English even when `LANG` is French.
 */
export function negotiate(candidates: readonly (string | null | undefined)[]): LocaleChoice {
  const first = candidates.find((value) =>
    value !== undefined && value !== null && value.trim() !== ""
  );
  if (first === undefined || first === null) return NEUTRAL_CHOICE;
  return matchLanguage(first) ?? NEUTRAL_CHOICE;
}

/** The locale variables read, in POSIX order (`LC_ALL` wins over `LC_MESSAGES` over `LANG`). */
export const LOCALE_VARIABLES = ["LC_ALL", "LC_MESSAGES", "LANG"] as const;

/**
 * The language of a process: `flag` (e.g. `--lang`), else `FASTCHAT_LANG`, else the POSIX
 * locale variables, else English. `env` reads one variable (undefined when unset or not
 * readable).
 */
export function languageFromEnvironment(
  flag: string | null,
  env: (name: string) => string | undefined,
): LocaleChoice {
  return negotiate([flag, env("FASTCHAT_LANG"), ...LOCALE_VARIABLES.map((name) => env(name))]);
}
