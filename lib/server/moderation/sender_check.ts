/**
 * The ban and kick check of `say`/`dm` at accept time. A ban or kick closes the user's
 * sessions first, so this only catches a request that raced with it (or a session that
 * outlived it some other way): nothing from a banned or kicked account is ever stored.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { type ChatCore, isoTime } from "../chat/core.ts";
import type { Session } from "../net/session.ts";

/**
 * Throws `banned` (+`reason`) or `kicked` (+`until`, `reason`) when the session's account
 * may not log in, and closes the account's sessions right after that answer is queued,
 * with the same last frame a ban or kick sends.
 */
export function refuseBlockedSender(core: ChatCore, session: Session): void {
  const account = session.account;
  if (!account) return;
  const block = core.moderation.loginBlock(account.id);
  if (!block) return;
  const frame = block.code === "banned"
    ? { type: "banned", reason: block.reason }
    : { type: "kicked", until: isoTime(block.until), reason: block.reason };
  // After the error reply (queued when the handler's rejection is handled), not before it.
  setTimeout(() => core.closeUser(account.id, frame, block.code), 0);
  const { type: _type, ...extra } = frame;
  throw new RequestError(
    block.code,
    block.code === "banned" ? "This account is banned." : "This account was kicked.",
    extra,
  );
}
