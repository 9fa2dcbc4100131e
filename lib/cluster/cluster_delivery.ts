/**
 * The cluster's {@linkcode Delivery}: it only answers the senders of this instance (their
 * operations come back from the cluster's log, `cluster_log.ts`, in the log's order); the
 * fan-out to sessions is done by the log's reader, for every instance's operations alike.
 */
import { formatMsgid } from "../protocol/msgid.ts";
import type { StoredMessage } from "../store/store.ts";
import {
  answerFailed,
  answerStored,
  type Delivery,
  type LocalDeliveryParts,
  type PendingChange,
  type PendingMessage,
} from "../server/chat/delivery.ts";
import { wireMessage } from "../server/chat/wire_message.ts";

/** Answers this instance's senders; see the module doc. */
export class ClusterDelivery implements Delivery {
  #parts: LocalDeliveryParts;
  #lastSeq: () => number;

  /** `lastSeq` reads the log reader's position. */
  constructor(parts: LocalDeliveryParts, lastSeq: () => number) {
    this.#parts = parts;
    this.#lastSeq = lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq();
  }

  delivered(message: StoredMessage, pending: PendingMessage): void {
    this.#parts.counters.messagesAccepted++;
    this.#parts.counters.messagesStored++;
    answerStored(pending.reply, message);
  }

  duplicate(pending: PendingMessage, seq: number, ts: number): void {
    answerStored(pending.reply, { seq, ts });
  }

  edited(message: StoredMessage, pending: PendingChange): void {
    const wire = wireMessage(message);
    pending.reply.ok({ msgid: wire.msgid, edited: wire.edited! });
  }

  deleted(message: StoredMessage, pending: PendingChange): void {
    pending.reply.ok({ msgid: formatMsgid(message.seq) });
  }

  missing(pending: PendingChange): void {
    pending.reply.fail("no_such_message");
  }

  failed(pending: PendingMessage | PendingChange, error: unknown): void {
    answerFailed(this.#parts, pending.reply, error);
  }
}
