/**
 * Names of users and rooms: validation, the case-insensitive key they are looked up by, and
 * the confusable skeleton they are unique by. The one module that says what a valid name
 * is, for the chat protocol and the admin side alike.
 */
import { createHash } from "node:crypto";
import confusablesData from "unhomoglyph/data.json" with { type: "json" };

const USER_NAME = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;

/**
 * Characters no name may hold: controls, format characters (Cf: zero-width space and
 * joiners, bidi embeddings and overrides such as U+202E, the BOM), line and paragraph
 * separators, lone surrogates, every default-ignorable code point (variation selectors
 * U+FE00–FE0F and U+E0100–E01EF, the combining grapheme joiner U+034F, the Hangul fillers
 * U+115F, U+1160, U+3164 and U+FFA0, tag characters…), and the blank braille pattern U+2800.
 * The explicit ranges repeat what the property already covers, so the rule does not depend
 * on the runtime's Unicode version for the characters the issue names.
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\u034F\u115F\u1160\u2800\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;

/** Whether `name` holds a character no name may hold (see {@linkcode INVISIBLE}). */
export function hasInvisible(name: string): boolean {
  return INVISIBLE.test(name);
}

/** Number of Unicode code points in `text`. */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The key a name is unique by: NFC, then full Unicode case folding.
 *
 * Lower, upper, then lower again applies the full (multi-character) mappings, so `ß`, `ẞ`,
 * `SS` and `ss` fold alike, and final sigma is folded to sigma; ASCII-only folding is not
 * enough. Dotless `ı` is kept apart from `i`, as case folding keeps it.
 */
export function foldName(name: string): string {
  return name.normalize("NFC")
    .replace(/[^ı]+/gu, (run) => run.toLowerCase().toUpperCase().toLowerCase())
    .replaceAll("ς", "σ")
    .normalize("NFC");
}

/** The confusables mapping of UTS #39 (Unicode 13 `confusables.txt`): one code point → prototype. */
const CONFUSABLES: Readonly<Record<string, string>> = confusablesData;

/** Rounds of map-then-fold before the skeleton is taken as settled (it settles in one or two). */
const SKELETON_ROUNDS = 4;

function _mapConfusables(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFD")) out += CONFUSABLES[ch] ?? ch;
  return out;
}

/**
 * The case-insensitive confusable skeleton of a name (UTS #39, section 4): the folded name
 * in NFKC, then, until it no longer changes, each code point of its NFD replaced by its
 * prototype in `confusables.txt` and the result folded again. Names with equal skeletons
 * look alike (`admin`, Cyrillic `аdmin`, `ａｄｍｉｎ`, `𝐚𝐝𝐦𝐢𝐧`), so they are one name. Names
 * equal under {@linkcode foldName} always have equal skeletons. The standard's own pairs
 * apply too: `rn` and `m`, `l`, `I` and `1`, `0` and `O`, `vv` and `w` are confusable.
 */
export function nameSkeleton(name: string): string {
  let text = foldName(foldName(name).normalize("NFKC"));
  for (let round = 0; round < SKELETON_ROUNDS; round++) {
    const next = foldName(_mapConfusables(text));
    if (next === text) break;
    text = next;
  }
  return text;
}

/**
 * The key a name is unique by: the SHA-256 (hex) of its {@linkcode nameSkeleton}, so that it
 * has a fixed length whatever the skeleton's (a mapping may expand one code point to many).
 */
export function skeletonKey(name: string): string {
  return createHash("sha256").update(nameSkeleton(name)).digest("hex");
}

/** A user name as it is stored (NFC), or null when it breaks the rules. */
export function checkUserName(name: string): string | null {
  const nfc = name.normalize("NFC");
  const n = codePoints(nfc);
  if (n < 2 || n > 32 || !USER_NAME.test(nfc) || INVISIBLE.test(nfc)) return null;
  return nfc;
}

/** A room name as it is stored (NFC), or null when it breaks the rules. */
export function checkRoomName(name: string): string | null {
  const nfc = name.normalize("NFC");
  const n = codePoints(nfc);
  if (n < 1 || n > 64 || INVISIBLE.test(nfc) || nfc.trim() !== nfc) return null;
  return nfc;
}

/** Whether a password has an acceptable length: 8 characters to 1,024 UTF-8 bytes. */
export function isAcceptablePassword(password: string): boolean {
  return codePoints(password) >= 8 && new TextEncoder().encode(password).length <= 1024;
}
