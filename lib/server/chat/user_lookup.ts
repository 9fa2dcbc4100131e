/**
 * Looking up an account by a name someone typed (a `dm` recipient, a login, an admin's
 * target): the one function for it. Not gated on today's name rules: an account registered
 * before a rule was tightened (an invisible character, say) must still be found. Only an
 * empty name or an absurd length skips the look-up.
 */
import { codePoints, foldName } from "../../protocol/names.ts";
import type { UserRecord } from "../../store/store.ts";
import type { ChatCore } from "./core.ts";

/** Longer names are never looked up (names are at most 32 characters). */
export const MAX_LOOKUP_NAME = 64;

/** The account `name` names (case-folded, cached by the core), or null. */
export function lookupUser(core: ChatCore, name: string): Promise<UserRecord | null> {
  if (name === "" || codePoints(name) > MAX_LOOKUP_NAME) return Promise.resolve(null);
  return core.findUser(foldName(name));
}
