/**
 * Message removal by staff from the admin side (`DELETE /api/messages/{msgid}`, a report's
 * "delete"): the same path as the protocol's `delete` — the message writer's group commit,
 * a tombstone, the audit entry in the same transaction, then `deleted` (with `by`) to the
 * original's audience — awaited through an {@linkcode AwaitedReply} instead of a session.
 */
import { foldName } from "../../protocol/names.ts";
import { formatMsgid } from "../../protocol/msgid.ts";
import { StoreUnavailableError } from "../../store/store.ts";
import type { ChatCore } from "../chat/core.ts";
import { AwaitedReply } from "../chat/delivery.ts";

/** Who removes the message, for the `deleted` event's `by` and the audit log. */
export interface RemovalActor {
  by: string;
  address: string;
}

/** What became of a removal: done, or no room message with that number exists (any more). */
export type RemovalOutcome = "deleted" | "missing";

/**
 * Deletes the room message `seq` as staff member `actor`. A direct message is "missing"
 * (staff never delete another user's dm). Throws StoreUnavailableError when the store
 * could not take it (nothing changed).
 */
export async function removeMessage(
  core: ChatCore,
  seq: number,
  actor: RemovalActor,
): Promise<RemovalOutcome> {
  const target = await core.store.findMessage(seq);
  if (target === null || target.deleted || target.roomId === null) return "missing";
  const msgid = formatMsgid(seq);
  const audit = {
    at: core.clock(),
    by: actor.by,
    address: actor.address,
    action: "delete_message",
    target: msgid,
    detail: JSON.stringify({ room: target.room, user: target.user }),
  };
  const reply = new AwaitedReply();
  const room = core.rooms.byId(target.roomId) ?? null;
  // The staff member need not be a chat account: the event only names them.
  const by = { id: 0, name: actor.by, key: foldName(actor.by) };
  core.writer.submitChange({ reply, target, room, by }, { op: "delete", seq, audit });
  const outcome = await reply.outcome;
  if (outcome.ok) {
    core.emit({ type: "moderation" });
    return "deleted";
  }
  if (outcome.code === "no_such_message") return "missing";
  throw new StoreUnavailableError(outcome.message ?? "The deletion could not be stored.");
}
