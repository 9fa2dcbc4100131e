/**
 * The client's language: one translator for the whole process, chosen once at start from
 * `--lang`, `FASTCHAT_LANG` and the locale variables (`client.ts`), English until then.
 * Every user-facing text of `lib/client/` goes through {@linkcode t}.
 */
import type { CatalogSet } from "../i18n/catalog.ts";
import { clientEn, type ClientKey } from "../i18n/catalogs/client.en.ts";
import { clientFr } from "../i18n/catalogs/client.fr.ts";
import { type LocaleChoice, NEUTRAL_CHOICE } from "../i18n/languages.ts";
import { createTranslator, type MessageValues, type Translator } from "../i18n/translator.ts";

export type { ClientKey };

/** The client's catalogs in every language. */
export const CLIENT_CATALOGS: CatalogSet<ClientKey> = { en: clientEn, fr: clientFr };

let _ui: Translator<ClientKey> = createTranslator(CLIENT_CATALOGS, NEUTRAL_CHOICE);

/** Switches the client's language (at start; tests switch back and forth). */
export function useClientLanguage(choice: LocaleChoice): void {
  _ui = createTranslator(CLIENT_CATALOGS, choice);
}

/** The client's translator: messages, clock times, dates. */
export function ui(): Translator<ClientKey> {
  return _ui;
}

/** The client text `key`, its placeholders filled from `values`. */
export function t(key: ClientKey, values?: MessageValues): string {
  return _ui.t(key, values);
}
