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
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\u034F\u115F\u1160\u2800\u3164\uFE00-\uFE0F\uFFA0\u{16FE4}\u{1D159}\u{E0100}-\u{E01EF}]/u;

/**
 * Combining marks drawn across their base rather than beside it (canonical combining class
 * 1, "overlay": U+0334–U+0338 strike a letter through, so `ad\u0336min` reads as `admin`
 * struck out) and enclosing marks (U+20DD…). No name may hold one.
 */
const OVERLAY_MARK =
  /[\p{Me}\u0334-\u0338\u1CD4\u1CE2-\u1CE8\u20D2\u20D3\u20D8-\u20DA\u20E5\u20E6\u20EA\u20EB\u{10A39}\u{16AF0}-\u{16AF4}\u{1BC9E}\u{1D167}-\u{1D169}]/u;

/** Combining marks one base character may carry in NFD (Vietnamese needs two: `ệ`). */
export const MAX_MARKS_PER_BASE = 2;

/** Whether `name` holds a character no name may hold (see {@linkcode INVISIBLE}). */
export function hasInvisible(name: string): boolean {
  return INVISIBLE.test(name);
}

/**
 * Whether `name` misuses combining marks: it starts with one (a name of marks only has
 * no base character to show), holds an overlay or enclosing mark ({@linkcode OVERLAY_MARK}),
 * or stacks more than {@linkcode MAX_MARKS_PER_BASE} of them on one base character in NFD.
 */
export function hasBadMarks(name: string): boolean {
  if (/^\p{M}/u.test(name) || OVERLAY_MARK.test(name)) return true;
  let run = 0;
  for (const ch of name.normalize("NFD")) {
    run = /\p{M}/u.test(ch) ? run + 1 : 0;
    if (run > MAX_MARKS_PER_BASE) return true;
  }
  return false;
}

/**
 * Whether `text` is empty or only white space: Unicode's White_Space (which, unlike
 * `String.prototype.trim`, counts U+0085 NEXT LINE) and the byte order mark.
 */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

const BLANK = /^[\p{White_Space}\uFEFF]*$/u;

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

/**
 * The version of {@linkcode nameSkeleton}: stores keep it in their settings and recompute
 * every stored skeleton key on start when it changes (`Store.fillSkeletonKeys`).
 * 1: folded before mapping; 2: mapped before folding in names that hold a lower-case letter.
 */
export const SKELETON_VERSION = "2";

function _mapConfusables(text: string): string {
  let out = "";
  for (const ch of text.normalize("NFD")) out += CONFUSABLES[ch] ?? ch;
  return out;
}

/**
 * The confusable skeleton of a name (UTS #39, section 4), case-insensitive: its NFKC form,
 * then, until it no longer changes, each code point of its NFD replaced by its prototype in
 * `confusables.txt` and the result case-folded. Names with equal skeletons look alike
 * (`admin`, Cyrillic `аdmin`, `ａｄｍｉｎ`, `𝐚𝐝𝐦𝐢𝐧`), so they are one name. The standard's
 * own pairs apply too: `rn` and `m`, `l`, `I` and `1`, `0` and `O`, `vv` and `w`.
 *
 * The first round maps BEFORE folding, so that a capital letter shown among lower-case ones
 * is compared as it looks: `paypaI` (capital i) is `paypal`, `bobI` is `bob1`. Folding first
 * would turn `I` into `i`, which looks like nothing else. A name with no lower-case letter
 * (`ADMIN`, `ÉLODIE`) is folded first: in capitals `I` reads as the letter i, and such a
 * name is the same as its lower-case spelling. Names equal under {@linkcode foldName} are
 * one name anyway (their name keys are equal), whatever their skeletons.
 */
export function nameSkeleton(name: string): string {
  const nfkc = name.normalize("NFC").normalize("NFKC");
  let text = /\p{Ll}/u.test(nfkc) ? foldName(_mapConfusables(nfkc)) : foldName(nfkc);
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
  if (n < 2 || n > 32 || !USER_NAME.test(nfc) || INVISIBLE.test(nfc) || hasBadMarks(nfc)) {
    return null;
  }
  return nfc;
}

/** A room name as it is stored (NFC), or null when it breaks the rules. */
export function checkRoomName(name: string): string | null {
  const nfc = name.normalize("NFC");
  const n = codePoints(nfc);
  if (n < 1 || n > 64 || INVISIBLE.test(nfc) || nfc.trim() !== nfc || hasBadMarks(nfc)) {
    return null;
  }
  return nfc;
}

/** Whether a password has an acceptable length: 8 characters to 1,024 UTF-8 bytes. */
export function isAcceptablePassword(password: string): boolean {
  return codePoints(password) >= 8 && new TextEncoder().encode(password).length <= 1024;
}
