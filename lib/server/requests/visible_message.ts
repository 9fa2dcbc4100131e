/**
 * The message a `msgid` field names, when the requester may see it: any room message,
 * or a dm the requester sent or received. Anything else, a malformed msgid included, is
 * `no_such_message`, so that a dm between two other users looks exactly like no message.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { parseMsgid } from "../../protocol/msgid.ts";
import type { StoredMessage } from "../../store/store.ts";
import { accountOf, type RequestContext } from "./context.ts";

/** Whether `userId` may see `message`. */
export function canSee(message: StoredMessage, userId: number): boolean {
  return message.roomId !== null || message.senderId === userId ||
    message.recipientId === userId;
}

/** The stored message `msgid` names if the requester may see it; else `no_such_message`. */
export async function visibleMessage(ctx: RequestContext, msgid: string): Promise<StoredMessage> {
  const seq = parseMsgid(msgid);
  const message = seq === null ? null : await ctx.core.store.findMessage(seq);
  if (!message || !canSee(message, accountOf(ctx).id)) {
    throw new RequestError("no_such_message", `There is no message ${JSON.stringify(msgid)}.`);
  }
  return message;
}
