/**
 * The server's own texts (default motd, default shutdown warning, notices) in the
 * language of its `--lang` setting. Times inside them stay ISO 8601 UTC: the server does
 * not know its clients' time zones, and clients show such times in local time.
 */
import { type CatalogSet, type KeyOf } from "./catalog.ts";
import { serverEn, type ServerKey } from "./catalogs/server.en.ts";
import { serverFr } from "./catalogs/server.fr.ts";
import { type Language, matchLanguage, NEUTRAL_CHOICE } from "./languages.ts";
import { createTranslator, type Translator } from "./translator.ts";

export type { ServerKey };

/** The server's catalogs in every language. */
export const SERVER_CATALOGS: CatalogSet<KeyOf<typeof serverEn>> = { en: serverEn, fr: serverFr };

const _cache = new Map<Language, Translator<ServerKey>>();

/** The server's texts in `language` (built once per language). */
export function serverTexts(language: Language): Translator<ServerKey> {
  let texts = _cache.get(language);
  if (!texts) {
    const choice = matchLanguage(language) ?? NEUTRAL_CHOICE;
    texts = createTranslator(SERVER_CATALOGS, choice);
    _cache.set(language, texts);
  }
  return texts;
}

/** `{name}` placeholders of a plain catalog message (no plural or select). */
const _PLACEHOLDER = /\{(\w+)\}/g;

/**
 * Former wordings of server texts, still recognized: a client may talk to a server of an
 * older version (the French mute notice was reworded to be gender-neutral).
 */
const _FORMER: Partial<Record<ServerKey, readonly string[]>> = {
  "server.muted": ["Vous êtes muet jusqu'à {until}."],
  "server.mutedReason": ["Vous êtes muet jusqu'à {until} : {reason}"],
};

/**
 * The values of the server text `key` if `text` is that message in any language, in its
 * current or a former wording (for a client that recognizes, say, a mute notice from a
 * server speaking another language), or null. Each placeholder matches one or more
 * characters; the whole text must match.
 */
export function matchServerText(key: ServerKey, text: string): Record<string, string> | null {
  if (text.length > 10_000) return null;
  const messages = [...Object.values(SERVER_CATALOGS).map((c) => c[key]), ...(_FORMER[key] ?? [])];
  for (const message of messages) {
    const names: string[] = [];
    const pattern = message.split(_PLACEHOLDER).map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(part);
      return "([^]+?)";
    }).join("");
    const match = new RegExp(`^${pattern}$`).exec(text);
    if (match) return Object.fromEntries(names.map((name, i) => [name, match[i + 1]!]));
  }
  return null;
}
