/**
 * Whether a message mentions the user: their name as a whole word, in any case. Checked for
 * every message of a burst, so ASCII text (most of it) is folded the cheap way.
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

/** The last name folded for {@linkcode mentions}: the user's own, asked about every time. */
let _self = { name: "", folded: "" };

/**
 * True when `message` (from someone else) contains `self` as a word: case-folded, so
 * `ÉLODIE` mentions `Élodie`, and bounded, so `alice` does not mention `al`.
 */
export function mentions(
  message: Pick<ChatMessage, "user" | "text">,
  self: string | null,
): boolean {
  if (self === null || self === "") return false;
  if (_self.name !== self) _self = { name: self, folded: foldName(self) };
  const name = _self.folded;
  if (foldText(message.user) === name) return false;
  const text = foldText(message.text);
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = at === 0 ? "" : text[at - 1]!;
    const after = text.slice(at + name.length, at + name.length + 1);
    const trailingDot = after === "." && !NAME_CHAR.test(text[at + name.length + 1] ?? "");
    if (!NAME_CHAR.test(before) && (after === "" || !NAME_CHAR.test(after) || trailingDot)) {
      return true;
    }
  }
  return false;
}
