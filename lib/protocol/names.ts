/**
 * Names of users and rooms: validation and the case-insensitive key they are unique by.
 */

const USER_NAME = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;
const CONTROL = /\p{Cc}/u;

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

/** A user name as it is stored (NFC), or null when it breaks the rules. */
export function checkUserName(name: string): string | null {
  const nfc = name.normalize("NFC");
  const n = codePoints(nfc);
  if (n < 2 || n > 32 || !USER_NAME.test(nfc)) return null;
  return nfc;
}

/** A room name as it is stored (NFC), or null when it breaks the rules. */
export function checkRoomName(name: string): string | null {
  const nfc = name.normalize("NFC");
  const n = codePoints(nfc);
  if (n < 1 || n > 64 || CONTROL.test(nfc) || nfc.trim() !== nfc) return null;
  return nfc;
}

/** Whether a password has an acceptable length: 8 characters to 1,024 UTF-8 bytes. */
export function isAcceptablePassword(password: string): boolean {
  return codePoints(password) >= 8 && new TextEncoder().encode(password).length <= 1024;
}
