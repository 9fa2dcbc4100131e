/**
 * `say`, `dm`, `history`, `edit`, `delete`. A `say` or `dm` is validated here (room, text,
 * may the sender speak), then handed to the message writer with its reply context; the
 * answer comes from the delivery (`chat/delivery.ts`) once the message is stored. An
 * `edit` or `delete` is checked against the stored message (visible, not deleted, the
 * requester's own, or a staff member's deletion of a room message) and takes the same
 * path, so it is durable before `ok` and reaches the audience in submission order.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { HISTORY_BYTES, HISTORY_DEFAULT_LIMIT } from "../../protocol/limits.ts";
import { codePoints, isBlank } from "../../protocol/names.ts";
import type { RequestFields } from "../../protocol/requests.ts";
import type { MessageChange, StoredMessage, UserRecord } from "../../store/store.ts";
import { formatMsgid, parseMsgid } from "../../protocol/msgid.ts";
import { noteRefusal } from "../moderation/flood.ts";
import { blockedSenderError, closeBlockedSender, senderBlock } from "../moderation/sender_check.ts";
import { mutedError } from "../moderation/sanctions.ts";
import { noteSay, slowModeRefusal } from "../moderation/slow_mode.ts";
import { checkStoreBacklog } from "../limits/guards.ts";
import { jsonTextBytes } from "../limits/account_bytes.ts";
import { fitHistory, type PageReader } from "../chat/history_fit.ts";
import { lookupUser } from "../chat/user_lookup.ts";
import type { Room } from "../chat/rooms.ts";
import type { LoginBlock } from "../limits/moderation_state.ts";
import type { Account } from "../net/session.ts";
import { accountOf, existingRoom, joinedRoom, type RequestContext } from "./context.ts";
import { msgidField } from "./rooms.ts";

function checkText(ctx: RequestContext, text: string): void {
  if (isBlank(text)) throw new RequestError("empty_text", "The message is empty.");
  const max = ctx.core.limits.maxText;
  if (text.length > max && codePoints(text) > max) {
    throw new RequestError("text_too_long", `Messages are at most ${max} characters.`);
  }
}

/** Why a `say` or `dm` is refused by {@linkcode speakRefusal}. */
type SpeakRefusal =
  | { code: "blocked"; block: LoginBlock }
  | { code: "muted"; until: number }
  | { code: "rate_limited"; waitMs: number }
  | { code: "slow_mode"; error: RequestError; waitMs: number };

/**
 * Ban, kick, mute, slow mode (`say` only) and rate checks shared by `say`, `dm` and `edit`,
 * at accept time, in that order. Only looks (and takes this message's token from the
 * session's bucket, and its `text`'s bytes from the account's budget): the handler applies
 * what a refusal leads to, with {@linkcode refuse}.
 */
function speakRefusal(
  ctx: RequestContext,
  text: string,
  /** A `say`'s room (slow mode holds in rooms only), and its `cid`. */
  room: Room | null = null,
  cid: string | null = null,
): SpeakRefusal | null {
  const block = senderBlock(ctx.core, ctx.session);
  if (block) return { code: "blocked", block };
  const accountId = accountOf(ctx).id;
  const until = ctx.core.moderation.mutedUntil(accountId);
  if (until !== null) return { code: "muted", until };
  // Before the rates: a `say` that slow mode refuses spends no token and no bytes.
  const slow = room === null ? null : slowModeRefusal(ctx.core, room, accountId, cid);
  if (slow) return { code: "slow_mode", ...slow };
  const waitMs = ctx.session.bucket?.take() ?? 0;
  if (waitMs > 0) return { code: "rate_limited", waitMs };
  const bytesWaitMs = ctx.core.limits.accountBytes?.take(accountId, jsonTextBytes(text)) ?? 0;
  if (bytesWaitMs > 0) return { code: "rate_limited", waitMs: bytesWaitMs };
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
      return;
    case "slow_mode":
      // A `rate_limited` like the bucket's: a sender that ignores its wait collects strikes.
      noteRefusal(core, session, "rate_limited", refusal.waitMs);
      ctx.failWith(refusal.error);
  }
}

/** Waits while this session has too many writes pending; refuses when the store lags. */
async function admitWrite(ctx: RequestContext): Promise<void> {
  const { core, session } = ctx;
  if (session.pendingWrites >= core.limits.maxPendingWrites) await core.writer.drained();
  checkStoreBacklog(core);
}

/** Hands a validated `say` (`room`) or `dm` (`recipient`) to the message writer. */
async function submit(
  ctx: RequestContext,
  room: Room | null,
  recipient: Account | null,
  text: string,
  cid: string | undefined,
  kind: "text" | "action" | undefined,
): Promise<void> {
  const { core, session } = ctx;
  await admitWrite(ctx);
  const sender = accountOf(ctx);
  session.beginWrite();
  session.messagesSent++;
  // Answered by the delivery once the commit settles.
  ctx.later();
  const draft = {
    roomId: room?.id ?? null,
    senderId: sender.id,
    recipientId: recipient?.id ?? null,
    text,
    cid: cid ?? null,
  };
  core.writer.submit(
    { reply: ctx, sender, room, recipient },
    kind === "action" ? { ...draft, kind } : draft,
  );
}

/** `say`: a message (or, with `kind: "action"`, a `/me` line) to a room this session is in. */
export function say(
  ctx: RequestContext,
  { room: name, text, cid, kind }: RequestFields<"say">,
): void | Promise<void> {
  const room = joinedRoom(ctx, name);
  checkText(ctx, text);
  const userId = accountOf(ctx).id;
  const refusal = speakRefusal(ctx, text, room, cid ?? null);
  if (refusal) return refuse(ctx, refusal);
  noteSay(ctx.core, room, userId, cid ?? null);
  return submit(ctx, room, null, text, cid, kind);
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
  const refusal = speakRefusal(ctx, text);
  if (refusal) return refuse(ctx, refusal);
  const account = { id: recipient.id, name: recipient.name, key: recipient.nameKey };
  return submit(ctx, null, account, text, cid, undefined);
}

/**
 * The stored message `msgid` names, if the requester can see it and it is not deleted
 * (a dm between two other users is not visible): `no_such_message` otherwise.
 */
async function visibleMessage(ctx: RequestContext, msgid: string): Promise<StoredMessage> {
  // A malformed or empty msgid names no message either (as for `mark_read` and `report`).
  const seq = parseMsgid(msgid);
  const message = seq === null ? null : await ctx.core.store.findMessage(seq);
  const self = accountOf(ctx).id;
  const visible = message !== null && !message.deleted &&
    (message.roomId !== null || message.senderId === self || message.recipientId === self);
  if (!visible) {
    throw new RequestError("no_such_message", `There is no message ${msgid} that you can see.`);
  }
  return message!;
}

/** Hands a checked edit or deletion of `target` to the message writer. */
async function submitChange(
  ctx: RequestContext,
  target: StoredMessage,
  change: MessageChange,
): Promise<void> {
  const { core, session } = ctx;
  await admitWrite(ctx);
  session.beginWrite();
  ctx.later();
  const room = target.roomId === null ? null : core.rooms.byId(target.roomId) ?? null;
  core.writer.submitChange({ reply: ctx, target, room, by: accountOf(ctx) }, change);
}

/** `edit`: the author replaces a message's text (the rules of `say` apply to it). */
export async function edit(
  ctx: RequestContext,
  { msgid, text }: RequestFields<"edit">,
): Promise<void> {
  const target = await visibleMessage(ctx, msgid);
  if (target.senderId !== accountOf(ctx).id) {
    throw new RequestError("not_allowed", "Only the author may edit a message.");
  }
  checkText(ctx, text);
  const refusal = speakRefusal(ctx, text);
  if (refusal) return refuse(ctx, refusal);
  return submitChange(ctx, target, {
    op: "edit",
    seq: target.seq,
    text,
    at: ctx.core.writer.now(),
  });
}

/**
 * `delete`: the author deletes a message; a staff member may delete any room message
 * (audited), never another user's dm. The message becomes a tombstone.
 */
export async function deleteMessage(
  ctx: RequestContext,
  { msgid }: RequestFields<"delete">,
): Promise<void> {
  const target = await visibleMessage(ctx, msgid);
  const self = accountOf(ctx);
  const own = target.senderId === self.id;
  if (!own && (target.roomId === null || !ctx.core.staff.isStaff(self.id))) {
    throw new RequestError(
      "not_allowed",
      target.roomId === null
        ? "Only the author may delete a direct message."
        : "Only the author or a staff member may delete this message.",
    );
  }
  const audit = own ? null : {
    at: ctx.core.clock(),
    by: self.name,
    address: ctx.session.address,
    action: "delete_message",
    target: formatMsgid(target.seq),
    detail: JSON.stringify({ room: target.room, user: target.user }),
  };
  return submitChange(ctx, target, { op: "delete", seq: target.seq, audit });
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
