/**
 * The single place where a ban revokes the banned user's resume tokens (so a stored
 * token cannot log them back in once the ban is lifted, per the contract's "revoked ...
 * by a ban"). Runs after the ban is stored; a failure is logged, not fatal: a banned
 * account cannot log in with a token anyway.
 */
import type { ChatCore } from "../chat/core.ts";

/** Revokes every resume token of `user`; never throws. */
export async function revokeTokensOnBan(
  core: ChatCore,
  user: { id: number; name: string },
): Promise<void> {
  try {
    const revoked = await core.tokens.revokeAllOf(user.id);
    if (revoked > 0) core.log.log("info", "tokens_revoked", { user: user.name, revoked });
  } catch (error) {
    core.log.log("warn", "tokens_not_revoked", {
      user: user.name,
      error: String((error as Error)?.message ?? error),
    });
  }
}
