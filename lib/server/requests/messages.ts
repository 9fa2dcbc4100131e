/**
 * `say`, `dm`, `history`. A `say` or `dm` is validated here (room, text, may the sender
 * speak), then handed to the message writer with its reply context; the answer comes from
 * the delivery (`chat/delivery.ts`) once the message is stored.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { HISTORY_BYTES, HISTORY_DEFAULT_LIMIT } from "../../protocol/limits.ts";
import { codePoints } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import type { UserRecord } from "../../store/store.ts";
import { noteRefusal } from "../moderation/flood.ts";
import { blockedSenderError, closeBlockedSender, senderBlock } from "../moderation/sender_check.ts";
import { mutedError } from "../moderation/sanctions.ts";
import { checkStoreBacklog } from "../limits/guards.ts";
import { fitHistory, type PageReader } from "../chat/history_fit.ts";
import { lookupUser } from "../chat/user_lookup.ts";
import type { Room } from "../chat/rooms.ts";
import type { LoginBlock } from "../limits/moderation_state.ts";
import type { Account } from "../net/session.ts";
import { accountOf, existingRoom, joinedRoom, type RequestContext } from "./context.ts";
import { msgidField } from "./rooms.ts";

function checkText(ctx: RequestContext, text: string): void {
  if (text.trim() === "") throw new RequestError("empty_text", "The message is empty.");
  const max = ctx.core.limits.maxText;
  if (text.length > max && codePoints(text) > max) {
    throw new RequestError("text_too_long", `Messages are at most ${max} characters.`);
  }
}

/** Why a `say` or `dm` is refused by {@linkcode speakRefusal}. */
type SpeakRefusal =
  | { code: "blocked"; block: LoginBlock }
  | { code: "muted"; until: number }
  | { code: "rate_limited"; waitMs: number };

/**
 * Ban, kick, mute and rate checks shared by `say` and `dm`, at accept time. Only looks
 * (and takes this message's token from the session's bucket): the handler applies what a
 * refusal leads to, with {@linkcode refuse}.
 */
function speakRefusal(ctx: RequestContext): SpeakRefusal | null {
  const block = senderBlock(ctx.core, ctx.session);
  if (block) return { code: "blocked", block };
  const until = ctx.core.moderation.mutedUntil(accountOf(ctx).id);
  if (until !== null) return { code: "muted", until };
  const waitMs = ctx.session.bucket?.take() ?? 0;
  if (waitMs > 0) return { code: "rate_limited", waitMs };
  return null;
}

/**
 * Answers a refused `say`/`dm` and applies what the refusal leads to: a banned or kicked
 * sender's sessions close (after the answer); a `muted` or `rate_limited` refusal counts
 * towards flood escalation (whose mute notice or kick comes first, as it did before).
 */
function refuse(ctx: RequestContext, refusal: SpeakRefusal): void {
  const { core, session } = ctx;
  switch (refusal.code) {
    case "blocked": {
      const userId = accountOf(ctx).id;
      ctx.failWith(blockedSenderError(refusal.block));
      closeBlockedSender(core, userId, refusal.block);
      return;
    }
    case "muted":
      noteRefusal(core, session, "muted");
      ctx.failWith(mutedError(refusal.until));
      return;
    case "rate_limited":
      noteRefusal(core, session, "rate_limited", refusal.waitMs);
      ctx.fail("rate_limited", "You are sending too fast; slow down.", {
        retryAfterMs: refusal.waitMs,
      });
  }
}

/** Hands a validated `say` (`room`) or `dm` (`recipient`) to the message writer. */
async function submit(
  ctx: RequestContext,
  room: Room | null,
  recipient: Account | null,
  text: string,
  cid: string | undefined,
): Promise<void> {
  const { core, session } = ctx;
  if (session.pendingWrites >= core.limits.maxPendingWrites) await core.writer.drained();
  checkStoreBacklog(core);
  const sender = accountOf(ctx);
  session.beginWrite();
  session.messagesSent++;
  // Answered by the delivery once the commit settles.
  ctx.later();
  core.writer.submit({ reply: ctx, sender, room, recipient }, {
    roomId: room?.id ?? null,
    senderId: sender.id,
    recipientId: recipient?.id ?? null,
    text,
    cid: cid ?? null,
  });
}

/** `say`: a message to a room this session is in. */
export function say(
  ctx: RequestContext,
  { room: name, text, cid }: RequestFields<"say">,
): void | Promise<void> {
  const room = joinedRoom(ctx, name);
  checkText(ctx, text);
  const refusal = speakRefusal(ctx);
  if (refusal) return refuse(ctx, refusal);
  return submit(ctx, room, null, text, cid);
}

async function existingUser(ctx: RequestContext, name: string): Promise<UserRecord> {
  const user = await lookupUser(ctx.core, name);
  if (!user) {
    throw new RequestError("no_such_user", `There is no user named ${JSON.stringify(name)}.`);
  }
  return user;
}

/** `dm`: a direct message to a user (any user, logged in or not). */
export async function dm(
  ctx: RequestContext,
  { to, text, cid }: RequestFields<"dm">,
): Promise<void> {
  checkText(ctx, text);
  const recipient = await existingUser(ctx, to);
  const refusal = speakRefusal(ctx);
  if (refusal) return refuse(ctx, refusal);
  const account = { id: recipient.id, name: recipient.name, key: recipient.nameKey };
  return submit(ctx, null, account, text, cid);
}

/** `history`: a page of a room's or a dm conversation's stored messages. */
export async function history(
  ctx: RequestContext,
  fields: RequestFields<"history">,
): Promise<void> {
  const query = {
    before: msgidField("before", fields.before),
    after: msgidField("after", fields.after),
    limit: fields.limit ?? HISTORY_DEFAULT_LIMIT,
  };
  const { store } = ctx.core;
  let read: PageReader;
  if (fields.room !== undefined) {
    const room = existingRoom(ctx, fields.room);
    read = (q) => store.roomHistory(room.id, q);
  } else {
    const other = await existingUser(ctx, fields.with!);
    const self = accountOf(ctx).id;
    read = (q) => store.dmHistory(self, other.id, q);
  }
  // Bounded by bytes too: the newest (or, with after, oldest) that fit, and `more: true`.
  const page = await fitHistory(read, query, HISTORY_BYTES);
  ctx.okWith({ more: page.more }, { messages: page.json });
}
