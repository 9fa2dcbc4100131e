/** The protocol's message object, built from a stored message. */
import { formatMsgid } from "../../protocol/msgid.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import type { StoredMessage } from "../../store/store.ts";
import { isoTime } from "../../common/time.ts";

/**
 * A stored message as the protocol's message object: `kind` only for an action, `edited`
 * only once edited, `deleted` only for a tombstone (whose text is "").
 */
export function wireMessage(m: StoredMessage): ChatMessage {
  const wire: ChatMessage = m.room !== null
    ? { msgid: formatMsgid(m.seq), room: m.room, user: m.user, text: m.text, ts: isoTime(m.ts) }
    : { msgid: formatMsgid(m.seq), to: m.to!, user: m.user, text: m.text, ts: isoTime(m.ts) };
  if (m.kind === "action") wire.kind = "action";
  if (m.editedAt !== undefined && m.editedAt !== null) wire.edited = isoTime(m.editedAt);
  if (m.deleted) {
    wire.deleted = true;
    wire.text = "";
  }
  return wire;
}
