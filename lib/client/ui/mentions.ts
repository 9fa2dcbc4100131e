/**
 * Whether a message mentions the user: their name as a whole word, in any case and with or
 * without its accents. Checked for every message of a burst, so ASCII text (most of it) is
 * folded the cheap way.
 */
import { foldName } from "../../protocol/names.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";

/** Characters that make up a name, so that `al` is not mentioned by `alice`. */
const NAME_CHAR = /[\p{L}\p{M}\p{N}_.-]/u;

// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * {@linkcode foldName}, without its Unicode normalization and case-mapping rounds for ASCII
 * text, whose fold is its lower case (NFC leaves ASCII as it is; no ASCII letter folds to
 * more than one character).
 */
export function foldText(text: string): string {
  return ASCII.test(text) ? text.toLowerCase() : foldName(text);
}

/**
 * The combining diacritics of Latin, Greek and Cyrillic (and their extensions), removed after
 * canonical decomposition: accents people leave out. Not every mark: the vowel signs of Indic
 * scripts or kana's voicing marks change the word.
 */
const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+/gu;

/**
 * {@linkcode foldText} without accents: what a mention is compared by, so that `elodie`
 * and `@Elodie` mention `Élodie` (people type names without their accents). Marks are
 * removed from a canonical decomposition, then the rest is composed again (Hangul).
 */
export function foldMention(text: string): string {
  if (ASCII.test(text)) return text.toLowerCase();
  return foldName(text).normalize("NFD").replace(MARKS, "").normalize("NFC");
}

/** The last name folded for {@linkcode mentions}: the user's own, asked about every time. */
let _self = { name: "", folded: "", mention: "" };

/**
 * True when `message` (from someone else) contains `self` as a word: folded, so `ÉLODIE`,
 * `elodie` and `@Elodie` mention `Élodie`, and bounded (letters of any script count), so
 * `alice` does not mention `al` nor `xélodie` `élodie`.
 */
export function mentions(
  message: Pick<ChatMessage, "user" | "text">,
  self: string | null,
): boolean {
  if (self === null || self === "") return false;
  if (_self.name !== self) {
    _self = { name: self, folded: foldName(self), mention: foldMention(self) };
  }
  // The author is the user by the name's case folding only, as the server compares names.
  if (foldText(message.user) === _self.folded) return false;
  const name = _self.mention;
  if (name === "") return false;
  const text = foldMention(message.text);
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = _charBefore(text, at);
    const after = _charAt(text, at + name.length);
    const trailingDot = after === "." && !NAME_CHAR.test(_charAt(text, at + name.length + 1));
    if (!NAME_CHAR.test(before) && (after === "" || !NAME_CHAR.test(after) || trailingDot)) {
      return true;
    }
  }
  return false;
}

/**
 * The character of `text` that ends at `at`, or "": a whole code point, so that a letter
 * outside the BMP (`𠀀`) is a letter, not half of a surrogate pair.
 */
function _charBefore(text: string, at: number): string {
  if (at === 0) return "";
  const unit = text.charCodeAt(at - 1);
  const pair = unit >= 0xdc00 && unit <= 0xdfff && at >= 2;
  return text.slice(pair ? at - 2 : at - 1, at);
}

/** The character (whole code point) of `text` that starts at `at`, or "". */
function _charAt(text: string, at: number): string {
  const code = text.codePointAt(at);
  return code === undefined ? "" : String.fromCodePoint(code);
}
