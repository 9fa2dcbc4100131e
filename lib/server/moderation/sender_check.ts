/**
 * The ban and kick check of `say`/`dm` at accept time. A ban or kick closes the user's
 * sessions first, so this only catches a request that raced with it (or a session that
 * outlived it some other way): nothing from a banned or kicked account is ever stored.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import type { ChatCore } from "../chat/core.ts";
import type { LoginBlock } from "../limits/moderation_state.ts";
import type { BannedEvent, KickedEvent } from "../../protocol/server_frames.ts";
import type { Session } from "../net/session.ts";
import { bannedFrame, kickedFrame } from "./sanctions.ts";

/** The ban or kick that keeps the session's account from speaking, or null. Only looks. */
export function senderBlock(core: ChatCore, session: Session): LoginBlock | null {
  const account = session.account;
  return account ? core.moderation.loginBlock(account.id) : null;
}

/** The refusal a blocked sender is answered: `banned` (+`reason`) or `kicked` (+`until`). */
export function blockedSenderError(block: LoginBlock): RequestError {
  const { type: _type, ...extra } = _lastFrame(block);
  return new RequestError(
    block.code,
    block.code === "banned" ? "This account is banned." : "This account was kicked.",
    extra,
  );
}

/**
 * Closes every session of a blocked sender's account with the same last frame a ban or
 * kick sends. Called after the refusal is queued, so that the refusal comes first.
 */
export function closeBlockedSender(core: ChatCore, userId: number, block: LoginBlock): void {
  core.closeUser(userId, _lastFrame(block), block.code);
}

function _lastFrame(block: LoginBlock): BannedEvent | KickedEvent {
  return block.code === "banned"
    ? bannedFrame(block.reason)
    : kickedFrame(block.until, block.reason);
}
