/** Mentions: the own name as a whole word, in any case, never from oneself. */
import assert from "node:assert/strict";
import { mentions } from "../../lib/client/ui/mentions.ts";

Deno.test("mentions: whole words, any case, Unicode folding; not from oneself, not inside a name", () => {
  const from = (user: string, text: string) => ({ user, text });
  assert.ok(mentions(from("bob", "hi alice"), "alice"));
  assert.ok(mentions(from("bob", "ALICE: look"), "alice"));
  assert.ok(mentions(from("bob", "thanks alice."), "alice"));
  assert.ok(mentions(from("bob", "@Élodie ?"), "ÉLODIE"));
  assert.ok(!mentions(from("bob", "alicex and xalice"), "alice"));
  assert.ok(!mentions(from("bob", "alice.b is here"), "alice"));
  assert.ok(!mentions(from("Alice", "alice talks to herself"), "alice"));
  assert.ok(!mentions(from("bob", "anything"), null));
});

Deno.test("mentions: accents and case do not matter: elodie and @Elodie mention Élodie", () => {
  const from = (user: string, text: string) => ({ user, text });
  assert.ok(mentions(from("bob", "elodie, tu es là ?"), "Élodie"));
  assert.ok(mentions(from("bob", "merci @Elodie"), "Élodie"));
  assert.ok(mentions(from("bob", "ELODIE!"), "Élodie"));
  assert.ok(mentions(from("bob", "salut E\u0301lodie"), "Élodie"), "decomposed accents");
  assert.ok(mentions(from("bob", "Élodie: regarde"), "Elodie"), "an accent the name lacks");
  assert.ok(mentions(from("bob", "ça va, Zoë ?"), "zoe"));
  assert.ok(mentions(from("bob", "où est Łukasz?"), "Łukasz"));
});

Deno.test("mentions: bad input: word boundaries hold for letters of any script", () => {
  const from = (user: string, text: string) => ({ user, text });
  assert.ok(!mentions(from("bob", "xélodie et élodiex"), "Élodie"));
  assert.ok(!mentions(from("bob", "leselodies"), "Élodie"));
  assert.ok(!mentions(from("bob", "Renée"), "René"), "a longer name with an accent");
  assert.ok(!mentions(from("bob", "ßelodie"), "Élodie"));
  assert.ok(!mentions(from("bob", "𠀀elodie"), "Élodie"), "a letter outside the BMP before");
  assert.ok(!mentions(from("bob", "elodie𠀀"), "Élodie"), "a letter outside the BMP after");
  assert.ok(!mentions(from("bob", "𠀀alice and alice𠀀"), "alice"), "an ASCII name too");
  assert.ok(mentions(from("bob", "😀elodie😀"), "Élodie"), "an emoji is no letter");
  assert.ok(mentions(from("bob", "Élodie."), "elodie"), "a full stop after the name");
  // The author is the user only by the name's case folding: Elodie is another account.
  assert.ok(!mentions(from("ÉLODIE", "moi, élodie"), "Élodie"));
  assert.ok(mentions(from("Elodie", "coucou élodie"), "Élodie"));
  assert.ok(!mentions(from("bob", "\u0301\u0301"), "\u0301"), "a name of marks only");
});

Deno.test("mentions: bad input: only accents are left out, not the marks that make another word in other scripts", () => {
  const from = (user: string, text: string) => ({ user, text });
  assert.ok(!mentions(from("bob", "अनल"), "अनिल"), "a Devanagari vowel sign");
  assert.ok(!mentions(from("bob", "かな"), "がな"), "kana's voicing mark");
  assert.ok(!mentions(from("bob", "กน"), "กิน"), "a Thai vowel");
  assert.ok(mentions(from("bob", "नमस्ते अनिल"), "अनिल"), "the same name still mentions");
  assert.ok(mentions(from("bob", "привет Алёна"), "алена"), "a Cyrillic diaeresis is an accent");
});
