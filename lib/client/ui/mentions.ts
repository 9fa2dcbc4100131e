/** Whether a message mentions the user: their name as a whole word, in any case. */
import { foldName } from "../../protocol/names.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";

/** Characters that make up a name, so that `al` is not mentioned by `alice`. */
const NAME_CHAR = /[\p{L}\p{M}\p{N}_.-]/u;

/**
 * True when `message` (from someone else) contains `self` as a word: case-folded, so
 * `ÉLODIE` mentions `Élodie`, and bounded, so `alice` does not mention `al`.
 */
export function mentions(
  message: Pick<ChatMessage, "user" | "text">,
  self: string | null,
): boolean {
  if (self === null || self === "") return false;
  const name = foldName(self);
  if (foldName(message.user) === name) return false;
  const text = foldName(message.text);
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
