/** The server's `--lang`: parsed from flag or environment, refused when unknown; its notices. */
import assert from "node:assert/strict";
import { ConfigError, parseServerConfig } from "../../lib/app/config.ts";
import { muteNotice } from "../../lib/server/moderation/sanctions.ts";
import { matchServerText } from "../../lib/i18n/server_texts.ts";
import { noticeText } from "../../lib/client/messages.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";

Deno.test("server --lang: default en, flag and FASTCHAT_LANG, fr-CA → fr", () => {
  assert.equal(parseServerConfig([], {}).lang, "en");
  assert.equal(parseServerConfig(["--lang", "fr"], {}).lang, "fr");
  assert.equal(parseServerConfig([], { FASTCHAT_LANG: "fr-CA" }).lang, "fr");
  assert.equal(parseServerConfig(["--lang", "en"], { FASTCHAT_LANG: "fr" }).lang, "en");
});

Deno.test("server --lang: bad input: an unknown or malformed language is refused", () => {
  for (const bad of ["de", "", "!!", "C", "x".repeat(300)]) {
    assert.throws(() => parseServerConfig(["--lang", bad], {}), ConfigError, bad.slice(0, 10));
  }
});

Deno.test("mute notice: text in the server's language, shape unchanged", () => {
  const until = Date.UTC(2025, 2, 14, 13, 5);
  assert.deepEqual(muteNotice(until, "", "fr"), {
    type: "notice",
    text: "Vous ne pouvez plus écrire jusqu'à 2025-03-14T13:05:00.000Z.",
  });
  assert.equal(
    muteNotice(until, "spam").text,
    "You are muted until 2025-03-14T13:05:00.000Z: spam",
  );
});

Deno.test("a client recognizes a mute notice from a server of either language", () => {
  const today = new Date();
  today.setHours(14, 5, 0, 0);
  const iso = today.toISOString();
  assert.deepEqual(matchServerText("server.mutedReason", `You are muted until ${iso}: a: b`), {
    until: iso,
    reason: "a: b",
  });
  assert.deepEqual(matchServerText("server.muted", `Vous ne pouvez plus écrire jusqu'à ${iso}.`), {
    until: iso,
  });
  assert.equal(matchServerText("server.muted", "Welcome"), null);
  assert.equal(matchServerText("server.muted", "x".repeat(20_000)), null, "bad input: huge text");
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(
      noticeText({ type: "notice", text: `You are muted until ${iso}.` }),
      "Vous ne pouvez plus écrire jusqu'à 14:05.",
    );
    assert.equal(noticeText({ type: "notice", text: "Bonjour" }), "Bonjour");
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});

Deno.test("a client still recognizes the former French mute notice of an older server", () => {
  const today = new Date();
  today.setHours(14, 5, 0, 0);
  const iso = today.toISOString();
  assert.deepEqual(matchServerText("server.muted", `Vous êtes muet jusqu'à ${iso}.`), {
    until: iso,
  });
  assert.deepEqual(matchServerText("server.mutedReason", `Vous êtes muet jusqu'à ${iso} : spam`), {
    until: iso,
    reason: "spam",
  });
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(
      noticeText({ type: "notice", text: `Vous êtes muet jusqu'à ${iso} : spam` }),
      "Vous ne pouvez plus écrire jusqu'à 14:05 : spam",
    );
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
  // Bad input: a former wording is recognized only whole.
  assert.equal(matchServerText("server.muted", `Vous êtes muet jusqu'à ${iso}. Et plus`), null);
});
