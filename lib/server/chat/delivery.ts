/**
 * The second half of a message's path: once the message writer has settled a `say` or `dm`
 * (stored, a resend of a stored one, or failed), the sender is answered and a stored
 * message goes out to the room's members or the dm's two parties, then to the admin feed.
 *
 * {@linkcode Delivery} is the seam: {@linkcode LocalDelivery} fans out to this process's
 * sessions; a cluster can put an implementation there that also publishes to its peers.
 */
import type { ErrorCode } from "../../protocol/error_codes.ts";
import { formatMsgid } from "../../protocol/msgid.ts";
import { encodeFrame } from "../../protocol/frame.ts";
import type { InsertOutcome, NewMessage, StoredMessage } from "../../store/store.ts";
import type { Logger } from "../../common/log.ts";
import { isoTime } from "../../common/time.ts";
import type { Account, Session } from "../net/session.ts";
import type { WriterCallbacks } from "./message_writer.ts";
import type { RoomActivity } from "./room_activity.ts";
import type { Room } from "./rooms.ts";
import type { SessionRegistry } from "./session_registry.ts";

/** How the sender of a pending message is answered: its request's reply context. */
export interface SenderReply {
  /** The session that sent the request. */
  readonly session: Session;
  /** Answers `ok` with these fields. */
  ok(fields: { msgid: string; ts: string }): void;
  /** Answers `error` with this code (and the code's sentence unless `message`). */
  fail(code: ErrorCode, message?: string): void;
}

/** A `say` or `dm` waiting for its commit. */
export interface PendingMessage {
  reply: SenderReply;
  sender: Account;
  /** The room of a `say`, null for a `dm`. */
  room: Room | null;
  /** The other party of a `dm`, null for a `say`. */
  recipient: Account | null;
}

/** What the writer's outcomes become; see the module doc. */
export interface Delivery {
  /**
   * The highest sequence number delivered so far: a session joining a room now gets the
   * messages up to it from the store, and later ones as events.
   */
  readonly lastSeq: number;
  /** The message is durable: answers its sender, then fans it out, then feeds the admin page. */
  delivered(message: StoredMessage, pending: PendingMessage): void;
  /** A resend (same sender and cid) of a durable message: answers with the original's msgid. */
  duplicate(pending: PendingMessage, seq: number, ts: number): void;
  /** The message could not be stored: answers `unavailable` (nothing was sent to anyone). */
  failed(pending: PendingMessage, error: unknown): void;
}

/** Counters a delivery keeps up to date (the core's). */
export interface DeliveryCounters {
  messagesAccepted: number;
  messagesStored: number;
  storeFailures: number;
}

/** The admin page's live feed, as far as messages go. */
export interface MessageFeed {
  /** Whether anyone listens (a message event is built only then). */
  readonly listening: boolean;
  emit(event: { type: "message"; message: StoredMessage }): void;
}

/** What {@linkcode LocalDelivery} works with. */
export interface LocalDeliveryParts {
  sessions: SessionRegistry;
  roomActivity: RoomActivity;
  counters: DeliveryCounters;
  feed: MessageFeed;
  log: Logger;
  /** The last sequence number stored before this process started. */
  lastSeq: number;
}

const SORRY = "The message could not be stored; nothing was sent. Try again.";

/** Delivery to the sessions of this process. */
export class LocalDelivery implements Delivery {
  #parts: LocalDeliveryParts;
  #lastSeq: number;

  constructor(parts: LocalDeliveryParts) {
    this.#parts = parts;
    this.#lastSeq = parts.lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  delivered(message: StoredMessage, pending: PendingMessage): void {
    const { counters, sessions, feed } = this.#parts;
    counters.messagesAccepted++;
    counters.messagesStored++;
    this.#lastSeq = message.seq;
    const msgid = formatMsgid(message.seq);
    const ts = isoTime(message.ts);
    // The ack first: the sender learns its msgid before its own copy of the event.
    pending.reply.ok({ msgid, ts });
    const room = pending.room;
    if (room) {
      this.#parts.roomActivity.touch(room.id, message.ts);
      // Encoded once for every member.
      room.broadcast(encodeFrame({
        type: "message",
        msgid,
        room: room.name,
        user: message.user,
        text: message.text,
        ts,
      }));
    } else {
      const recipient = pending.recipient!;
      const bytes = encodeFrame({
        type: "dm",
        msgid,
        to: recipient.name,
        user: message.user,
        text: message.text,
        ts,
      });
      for (const session of sessions.ofUser(pending.sender.id)) session.sendEvent(bytes);
      if (recipient.id !== pending.sender.id) {
        for (const session of sessions.ofUser(recipient.id)) session.sendEvent(bytes);
      }
    }
    if (feed.listening) feed.emit({ type: "message", message });
  }

  duplicate(pending: PendingMessage, seq: number, ts: number): void {
    pending.reply.ok({ msgid: formatMsgid(seq), ts: isoTime(ts) });
  }

  failed(pending: PendingMessage, error: unknown): void {
    this.#parts.counters.storeFailures++;
    this.#parts.log.log("warn", "store_write_failed", {
      error: String((error as Error)?.message ?? error),
    });
    pending.reply.fail("unavailable", SORRY);
  }
}

/** The writer's outcomes, handed to `delivery` in sequence order (one object per server). */
export function writerOutcomes(delivery: Delivery): WriterCallbacks<PendingMessage> {
  return {
    stored(pending: PendingMessage, message: NewMessage, outcome: InsertOutcome): void {
      pending.reply.session.endWrite();
      if (outcome.status === "duplicate") {
        delivery.duplicate(pending, outcome.seq, outcome.ts);
        return;
      }
      const { room, sender, recipient } = pending;
      delivery.delivered({
        seq: message.seq,
        roomId: room?.id ?? null,
        room: room?.name ?? null,
        senderId: sender.id,
        user: sender.name,
        recipientId: recipient?.id ?? null,
        to: recipient?.name ?? null,
        text: message.text,
        ts: message.ts,
      }, pending);
    },
    failed(pending: PendingMessage, _message: NewMessage, error: unknown): void {
      pending.reply.session.endWrite();
      delivery.failed(pending, error);
    },
  };
}
