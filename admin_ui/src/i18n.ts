/**
 * The page's language: the browser's (`navigator.languages`), or the one chosen with the
 * switch in the header, remembered in localStorage. `<html lang>` and the title follow.
 * Components read {@linkcode t} (and {@linkcode tr}) while rendering, so they re-render when
 * the language changes.
 */
import { computed, effect, signal } from "@preact/signals";
import {
  createTranslator,
  DEFAULT_LANGUAGE,
  isLanguage,
  type Language,
  type LocaleChoice,
  matchLanguage,
  type MessageValues,
  type Translator,
} from "../../lib/i18n/mod.ts";
import { adminEn, type AdminKey } from "../../lib/i18n/catalogs/admin.en.ts";
import { adminFr } from "../../lib/i18n/catalogs/admin.fr.ts";

export type { AdminKey };

const LANG_KEY = "fastchat-admin.lang";
const CATALOGS = { en: adminEn, fr: adminFr } as const;

/** The browser's preferred languages, most wanted first. */
function browserTags(): readonly string[] {
  const nav = globalThis.navigator;
  return nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : [];
}

/** The first of `tags` with catalogs (its locale kept: `fr-CA`), or null. */
export function firstSupported(tags: readonly string[]): LocaleChoice | null {
  for (const tag of tags) {
    const choice = matchLanguage(tag);
    if (choice) return choice;
  }
  return null;
}

/**
 * The formatting choice for `language`: the browser's own locale of that language when it
 * lists one (`fr-CA`), else the bare language.
 */
export function choiceFor(language: Language, tags: readonly string[]): LocaleChoice {
  const own = tags.map((tag) => matchLanguage(tag)).find((c) => c?.language === language);
  return own ?? matchLanguage(language) ?? { ...matchLanguage(DEFAULT_LANGUAGE)! };
}

function remembered(): Language | null {
  try {
    const value = globalThis.localStorage?.getItem(LANG_KEY) ?? "";
    return isLanguage(value) ? value : null;
  } catch {
    return null;
  }
}

/** The page's language. */
export const language = signal<Language>(
  remembered() ?? firstSupported(browserTags())?.language ?? DEFAULT_LANGUAGE,
);

/** The translator of the page's language. */
export const tr = computed<Translator<AdminKey>>(() =>
  createTranslator(CATALOGS, choiceFor(language.value, browserTags()))
);

/** The message `key` in the page's language. */
export function t(key: AdminKey, values?: MessageValues): string {
  return tr.value.t(key, values);
}

/** Whether `key` is a key of the catalogs (for texts chosen by an API word). */
export function isKey(key: string): key is AdminKey {
  return Object.hasOwn(adminEn, key);
}

/** Switches the page to `next` and remembers the choice in this browser. */
export function setLanguage(next: Language): void {
  language.value = next;
  try {
    globalThis.localStorage?.setItem(LANG_KEY, next);
  } catch {
    // Storage refused (private mode): the choice lasts until the page is closed.
  }
}

effect(() => {
  const doc = globalThis.document;
  if (!doc) return;
  doc.documentElement.lang = tr.value.locale;
  doc.title = t("app.title");
});
