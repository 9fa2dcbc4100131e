/** The translator: ICU plurals, clock times and dates by locale, relative times, negotiation. */
import assert from "node:assert/strict";
import {
  createTranslator,
  languageFromEnvironment,
  localeTag,
  matchLanguage,
  negotiate,
  NEUTRAL_CHOICE,
} from "../../lib/i18n/mod.ts";
import { CLIENT_CATALOGS } from "../../lib/client/i18n.ts";
import { serverTexts } from "../../lib/i18n/server_texts.ts";

const fr = createTranslator(CLIENT_CATALOGS, matchLanguage("fr_FR.UTF-8")!);
const en = createTranslator(CLIENT_CATALOGS, matchLanguage("en-US")!);
const neutral = createTranslator(CLIENT_CATALOGS, NEUTRAL_CHOICE);

Deno.test("plurals: French and English forms of one ICU message", () => {
  assert.equal(
    fr.t("chat.unread", { count: 1, room: "Général" }),
    "1 message non lu dans Général.",
  );
  assert.equal(
    fr.t("chat.unread", { count: 3, room: "Général" }),
    "3 messages non lus dans Général.",
  );
  assert.equal(fr.t("chat.unread", { count: 0, room: "x" }), "0 message non lu dans x.");
  assert.equal(en.t("chat.unread", { count: 1, room: "x" }), "1 unread message in x.");
  assert.equal(en.t("chat.unread", { count: 0, room: "x" }), "0 unread messages in x.");
  assert.equal(fr.t("time.seconds", { n: 30 }), "30 secondes");
});

Deno.test("dates: 24 h in French, 12 h in US English, HH:MM when nothing is set", () => {
  const at = new Date(2025, 2, 14, 14, 5);
  assert.equal(fr.time(at), "14:05");
  assert.match(en.time(at), /^2:05\s?PM$/);
  assert.equal(neutral.time(at), "14:05");
  assert.equal(neutral.time(new Date(2025, 2, 14, 9, 5)), "09:05");
  assert.equal(
    fr.t("error.mutedUntil", { until: fr.time(at) }),
    "Vous ne pouvez plus écrire jusqu'à 14:05.",
  );
  const nextDay = new Date(2025, 2, 15, 8, 0);
  assert.equal(fr.when(at, at), "14:05");
  assert.equal(fr.when(at, nextDay), "14/03/2025 14:05");
  assert.equal(neutral.when(at, nextDay), "2025-03-14 14:05");
  assert.equal(neutral.time(new Date("not a date")), "--:--");
});

Deno.test("dates: a day in words says 1er for the first of the month in French only", () => {
  const first = new Date(2025, 11, 1, 9, 0);
  assert.equal(fr.day(first), "lundi 1er décembre 2025");
  assert.equal(
    createTranslator(CLIENT_CATALOGS, matchLanguage("fr_CA.UTF-8")!).day(first),
    "lundi 1er décembre 2025",
  );
  // Other days keep their number, 11 and 21 included.
  assert.equal(fr.day(new Date(2025, 11, 2)), "mardi 2 décembre 2025");
  assert.equal(fr.day(new Date(2025, 11, 11)), "jeudi 11 décembre 2025");
  assert.equal(fr.day(new Date(2026, 0, 21)), "mercredi 21 janvier 2026");
  // English as Intl writes it.
  assert.equal(en.day(first), "Monday, December 1, 2025");
  assert.equal(neutral.day(first), "Monday, December 1, 2025");
  assert.equal(
    createTranslator(CLIENT_CATALOGS, matchLanguage("en-GB")!).day(first),
    "Monday, 1 December 2025",
  );
});

Deno.test("dates: bad input: a day of an invalid date is a placeholder, not a throw", () => {
  assert.equal(fr.day(new Date("not a date")), "--");
  assert.equal(en.day(Number.NaN), "--");
});

Deno.test("durations and relative times through Intl", () => {
  // Intl separates numbers and units with (narrow) no-break spaces: \s matches them.
  assert.match(fr.relative(300), /^dans\s5\smin$/);
  assert.match(fr.relative(-7200), /^il\sy\sa\s2\sh$/);
  assert.match(en.relative(300), /^in 5 min\.?$/);
  assert.match(fr.duration(90), /^1\sminute\set\s30\ssecondes$/);
  assert.equal(en.list(["a", "b", "c"]), "a, b, and c");
  assert.equal(fr.list(["a", "b", "c"]), "a, b et c");
  // Nonsense never throws.
  assert.equal(typeof fr.relative(Number.NaN), "string");
  assert.equal(typeof fr.duration(-5), "string");
});

Deno.test("negotiation: fr-CA → fr with its formats, unknown → en, C → neutral", () => {
  assert.deepEqual(matchLanguage("fr-CA"), {
    language: "fr",
    locale: "fr-CA",
    hour12: null,
    neutral: false,
  });
  assert.equal(matchLanguage("fr_CA.UTF-8@euro")?.language, "fr");
  assert.equal(matchLanguage("de-DE"), null);
  assert.equal(negotiate(["de-DE"]), NEUTRAL_CHOICE);
  assert.equal(negotiate([]), NEUTRAL_CHOICE);
  assert.equal(negotiate([null, "", "C.UTF-8"]), NEUTRAL_CHOICE);
  assert.equal(negotiate([undefined, "fr_BE.UTF-8"]).language, "fr");
  assert.equal(localeTag("POSIX"), null);
});

Deno.test("negotiation: bad input: garbage tags fall back to English, never throw", () => {
  for (const bad of ["", "   ", "!!", "x".repeat(10_000), "fr-!!", "\u0000", "..", "@"]) {
    assert.equal(negotiate([bad]).language, "en", JSON.stringify(bad.slice(0, 20)));
  }
});

Deno.test("language from the environment: --lang, FASTCHAT_LANG, LC_ALL, LC_MESSAGES, LANG", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(languageFromEnvironment("fr", env({ FASTCHAT_LANG: "en" })).language, "fr");
  assert.equal(
    languageFromEnvironment(null, env({ FASTCHAT_LANG: "fr", LANG: "en" })).language,
    "fr",
  );
  assert.equal(
    languageFromEnvironment(null, env({ LC_ALL: "fr_FR.UTF-8", LANG: "en_US.UTF-8" })).language,
    "fr",
  );
  assert.equal(
    languageFromEnvironment(null, env({ LC_MESSAGES: "fr_CA.UTF-8", LANG: "en_US.UTF-8" }))
      .locale,
    "fr-CA",
  );
  assert.equal(languageFromEnvironment(null, env({ LANG: "fr_FR.UTF-8" })).language, "fr");
  assert.equal(languageFromEnvironment(null, env({})), NEUTRAL_CHOICE);
  // The first set variable decides, as in POSIX.
  assert.equal(languageFromEnvironment(null, env({ LC_ALL: "C", LANG: "fr_FR" })).language, "en");
});

Deno.test("a missing key falls back to the key, never throws", () => {
  // deno-lint-ignore no-explicit-any
  assert.equal(fr.t("no.such.key" as any), "no.such.key");
});

Deno.test("server texts: French defaults and an ISO time kept for the client", () => {
  assert.equal(serverTexts("fr").t("server.motd"), "Bienvenue sur FastChat.");
  assert.equal(serverTexts("en").t("server.shutdown"), "The server is shutting down.");
  assert.equal(
    serverTexts("fr").t("server.muted", { until: "2025-03-14T13:05:00.000Z" }),
    "Vous ne pouvez plus écrire jusqu'à 2025-03-14T13:05:00.000Z.",
  );
});
