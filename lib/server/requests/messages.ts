/** `say`, `dm`, `history`. */
import { RequestError } from "../../protocol/error_codes.ts";
import { HISTORY_BYTES, HISTORY_DEFAULT_LIMIT } from "../../protocol/limits.ts";
import { codePoints, foldName } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import type { UserRecord } from "../../store/store.ts";
import { isoTime } from "../chat/core.ts";
import { noteRefusal } from "../moderation/flood.ts";
import { refuseBlockedSender } from "../moderation/sender_check.ts";
import { checkStoreBacklog } from "../limits/guards.ts";
import { fitHistory, type PageReader } from "../chat/history_fit.ts";
import type { Room } from "../chat/rooms.ts";
import type { Account } from "../net/session.ts";
import {
  accountOf,
  existingRoom,
  type HandlerResult,
  joinedRoom,
  REPLY_LATER,
  type RequestContext,
} from "./context.ts";
import { msgidField } from "./rooms.ts";

function checkText(ctx: RequestContext, text: string): void {
  if (text.trim() === "") throw new RequestError("empty_text", "The message is empty.");
  const max = ctx.core.limits.maxText;
  if (text.length > max && codePoints(text) > max) {
    throw new RequestError("text_too_long", `Messages are at most ${max} characters.`);
  }
}

/** Ban, kick, mute and rate checks shared by `say` and `dm`, at accept time. */
function checkMaySpeak(ctx: RequestContext): void {
  refuseBlockedSender(ctx.core, ctx.session);
  const account = accountOf(ctx);
  const until = ctx.core.moderation.mutedUntil(account.id);
  if (until !== null) {
    noteRefusal(ctx.core, ctx.session, "muted");
    throw new RequestError("muted", `You are muted until ${isoTime(until)}.`, {
      until: isoTime(until),
    });
  }
  const wait = ctx.session.bucket?.take() ?? 0;
  if (wait > 0) {
    noteRefusal(ctx.core, ctx.session, "rate_limited", wait);
    throw new RequestError("rate_limited", "You are sending too fast; slow down.", {
      retryAfterMs: wait,
    });
  }
}

async function submit(
  ctx: RequestContext,
  target: { room: Room | null; recipient: Account | null },
  text: string,
  cid: string | undefined,
): Promise<HandlerResult> {
  const { core, session } = ctx;
  if (session.pendingWrites >= core.limits.maxPendingWrites) await core.writer.drained();
  checkStoreBacklog(core);
  const sender = accountOf(ctx);
  session.beginWrite();
  session.messagesSent++;
  core.writer.submit(
    { session, requestId: ctx.id, sender, room: target.room, recipient: target.recipient },
    {
      roomId: target.room?.id ?? null,
      senderId: sender.id,
      recipientId: target.recipient?.id ?? null,
      text,
      cid: cid ?? null,
    },
  );
  return REPLY_LATER;
}

export function say(
  ctx: RequestContext,
  { room: name, text, cid }: RequestFields<"say">,
): Promise<HandlerResult> {
  const room = joinedRoom(ctx, name);
  checkText(ctx, text);
  checkMaySpeak(ctx);
  return submit(ctx, { room, recipient: null }, text, cid);
}

async function existingUser(ctx: RequestContext, name: string): Promise<UserRecord> {
  const user = name === "" ? null : await ctx.core.findUser(foldName(name));
  if (!user) {
    throw new RequestError("no_such_user", `There is no user named ${JSON.stringify(name)}.`);
  }
  return user;
}

export async function dm(
  ctx: RequestContext,
  { to, text, cid }: RequestFields<"dm">,
): Promise<HandlerResult> {
  checkText(ctx, text);
  const recipient = await existingUser(ctx, to);
  checkMaySpeak(ctx);
  return submit(
    ctx,
    { room: null, recipient: { id: recipient.id, name: recipient.name, key: recipient.nameKey } },
    text,
    cid,
  );
}

export async function history(
  ctx: RequestContext,
  fields: RequestFields<"history">,
): Promise<HandlerResult> {
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
  ctx.session.replyWith(ctx.id, { more: page.more }, { messages: page.json });
  return REPLY_LATER;
}
