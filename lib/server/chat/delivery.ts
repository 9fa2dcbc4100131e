/**
 * The second half of a message's path: once the message writer has settled a `say` or `dm`
 * (stored, a resend of a stored one, or failed), the sender is answered and a stored
 * message goes out to the room's members or the dm's two parties, then to the admin feed.
 * An `edit` or `delete` settles the same way, in the same order (the writer calls back in
 * submission order), and its event goes to the same audience as the original message, so
 * an `edited` never overtakes the `message` it edits.
 *
 * {@linkcode Delivery} is the seam: {@linkcode LocalDelivery} fans out to this process's
 * sessions; a cluster can put an implementation there that also publishes to its peers.
 */
import type { ErrorCode } from "../../protocol/error_codes.ts";
import { formatMsgid } from "../../protocol/msgid.ts";
import { encodeFrame } from "../../protocol/frame.ts";
import type { InsertOutcome, MessageChange, NewMessage, StoredMessage } from "../../store/store.ts";
import type { Logger } from "../../common/log.ts";
import { isoTime } from "../../common/time.ts";
import type { DeletedEvent, DmEvent, MessageEvent } from "../../protocol/server_frames.ts";
import type { Account, Session } from "../net/session.ts";
import type { ChangeOutcome, WriterCallbacks } from "./message_writer.ts";
import { wireMessage } from "./wire_message.ts";
import type { RoomActivity } from "./room_activity.ts";
import type { Room } from "./rooms.ts";
import type { SessionRegistry } from "./session_registry.ts";

/**
 * How the sender of a pending message is answered: its request's reply context, or an
 * {@linkcode AwaitedReply} for a change the admin side submits.
 */
export interface SenderReply {
  /** The session that sent the request; null for the admin side (no session). */
  readonly session: Session | null;
  /** Answers `ok` with these fields (`ts` for a message, `edited` for an edit). */
  ok(fields: { msgid: string; ts?: string; edited?: string }): void;
  /** Answers `error` with this code (and the code's sentence unless `message`). */
  fail(code: ErrorCode, message?: string): void;
}

/** What became of a change submitted with an {@linkcode AwaitedReply}. */
export type AwaitedOutcome =
  | { ok: true; fields: { msgid: string; ts?: string; edited?: string } }
  | { ok: false; code: ErrorCode; message?: string };

/**
 * The reply of a change submitted without a session (the admin API deleting a message):
 * `outcome` resolves once the writer has settled it, like a request's answer.
 */
export class AwaitedReply implements SenderReply {
  readonly session = null;
  #settle = Promise.withResolvers<AwaitedOutcome>();

  /** Resolves with the outcome (never rejects). */
  get outcome(): Promise<AwaitedOutcome> {
    return this.#settle.promise;
  }

  ok(fields: { msgid: string; ts?: string; edited?: string }): void {
    this.#settle.resolve({ ok: true, fields });
  }

  fail(code: ErrorCode, message?: string): void {
    this.#settle.resolve({ ok: false, code, message });
  }
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

/** An `edit` or `delete` waiting for its commit. */
export interface PendingChange {
  reply: SenderReply;
  /** The message as it was when the request was checked. */
  target: StoredMessage;
  /** The room of a room message (its members are the audience), null for a dm. */
  room: Room | null;
  /** Who asked: the author, or a staff member deleting a room message. */
  by: Account;
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
  /**
   * An edit is durable: answers `ok` (`msgid`, `edited`), then sends `edited` (the whole
   * message object with its new text) to the original's audience.
   */
  edited(message: StoredMessage, pending: PendingChange): void;
  /** A deletion is durable: answers `ok` (`msgid`), then sends `deleted` to the audience. */
  deleted(message: StoredMessage, pending: PendingChange): void;
  /** The message was deleted meanwhile: answers `no_such_message`, nothing changed. */
  missing(pending: PendingChange): void;
  /**
   * The message, edit or deletion could not be stored: answers `unavailable` (nothing was
   * sent to anyone).
   */
  failed(pending: PendingMessage | PendingChange, error: unknown): void;
  /**
   * Optional brackets around the outcomes of one settled batch (see
   * {@linkcode Fanout.begin}): events may be held back until `batchEnd`, in order.
   */
  batchStart?(): void;
  batchEnd?(): void;
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
  emit(
    event:
      | { type: "message" | "edited"; message: StoredMessage }
      | { type: "deleted"; msgid: string },
  ): void;
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

/**
 * The events of durable messages and changes, sent to this process's sessions: a room
 * message encoded once for every member, a dm to both parties' sessions, an `edited` or
 * `deleted` to the original's audience. {@linkcode LocalDelivery} uses it as each commit
 * settles; a cluster's delivery as it reads each one from the cluster's log.
 */
export class Fanout {
  #parts: LocalDeliveryParts;
  /** Open {@linkcode begin}s: while above 0, room messages are gathered into runs. */
  #batching = 0;
  /** The run of consecutive messages to one room not sent yet, while batching. */
  #run: RoomRun | null = null;

  constructor(parts: LocalDeliveryParts) {
    this.#parts = parts;
  }

  /**
   * Starts gathering: until the matching {@linkcode end}, consecutive messages to the same
   * room are sent to its members as one buffer (one queue entry and no copy per member,
   * instead of one frame per message per member). Anything else (a dm, an edit, a
   * message to another room) first sends the run gathered so far, so every session still
   * gets every event in the order of the calls; only the frames' grouping changes.
   */
  begin(): void {
    this.#batching++;
  }

  /** Ends a {@linkcode begin}: the last run goes out. */
  end(): void {
    if (this.#batching > 0 && --this.#batching === 0) this.#flush();
  }

  /**
   * Sends a new message to its audience (`room`'s members, or the dm's parties), then to
   * the admin feed; `sender` (null when not of this process) is held back when the room's
   * slowest reader lags.
   */
  message(message: StoredMessage, room: Room | null, sender: Session | null): void {
    const msgid = formatMsgid(message.seq);
    const ts = isoTime(message.ts);
    if (room) {
      this.#parts.roomActivity.touch(room.id, message.ts);
      const event: MessageEvent = {
        type: "message",
        msgid,
        room: room.name,
        user: message.user,
        text: message.text,
        ts,
      };
      if (message.kind === "action") event.kind = "action";
      const frame = encodeFrame(event);
      if (this.#batching > 0) this.#gather(room, frame, sender);
      else this.#slowDown(sender, room.broadcast(frame));
    } else if (message.recipientId !== null) {
      this.#flush();
      const event: DmEvent = {
        type: "dm",
        msgid,
        to: message.to!,
        user: message.user,
        text: message.text,
        ts,
      };
      if (message.kind === "action") event.kind = "action";
      this.#toParties(message.senderId, message.recipientId, encodeFrame(event));
    }
    const feed = this.#parts.feed;
    if (feed.listening) feed.emit({ type: "message", message });
  }

  /**
   * Sends `edited` (the whole message with its new text) to the original's audience, then
   * to the admin feed.
   */
  edited(message: StoredMessage, room: Room | null): void {
    this.#flush();
    const wire = wireMessage(message);
    this.#toAudience(message, room, encodeFrame({ type: "edited", ...wire, edited: wire.edited! }));
    const feed = this.#parts.feed;
    if (feed.listening) feed.emit({ type: "edited", message });
  }

  /** Sends `deleted` to the original's audience, then to the admin feed. */
  deleted(message: StoredMessage, by: string, room: Room | null): void {
    this.#flush();
    const msgid = formatMsgid(message.seq);
    const event: DeletedEvent = message.room !== null
      ? { type: "deleted", msgid, room: message.room, by }
      : { type: "deleted", msgid, to: message.to!, by };
    this.#toAudience(message, room, encodeFrame(event));
    const feed = this.#parts.feed;
    if (feed.listening) feed.emit({ type: "deleted", msgid });
  }

  /** Adds a room message's frame to the run (sending the run first if it is another room's). */
  #gather(room: Room, frame: Uint8Array, sender: Session | null): void {
    let run = this.#run;
    if (run !== null && (run.room !== room || run.bytes + frame.length > MAX_RUN_BYTES)) {
      this.#flush();
      run = null;
    }
    if (run === null) this.#run = run = { room, frames: [], bytes: 0, senders: [] };
    run.frames.push(frame);
    run.bytes += frame.length;
    if (sender !== null && !run.senders.includes(sender)) run.senders.push(sender);
  }

  /** Sends the gathered run, if any, to its room's members as one buffer. */
  #flush(): void {
    const run = this.#run;
    if (run === null) return;
    this.#run = null;
    const laggard = run.room.broadcast(concat(run.frames, run.bytes));
    for (const sender of run.senders) this.#slowDown(sender, laggard);
  }

  /**
   * Back-pressure: when the room's most lagging reader has more events waiting than it
   * should, the sender's next request waits until that reader caught up (or was closed), so
   * a room's senders cannot outrun its readers and get readers who keep up cut as slow.
   */
  #slowDown(sender: Session | null, laggard: Session | null): void {
    if (sender === null || laggard === null || laggard === sender) return;
    if (!laggard.lagging) return;
    sender.holdReadsUntil(laggard.whenCaughtUp());
  }

  /** Sends an event about a stored message to the original's audience. */
  #toAudience(message: StoredMessage, room: Room | null, bytes: Uint8Array): void {
    if (room) {
      room.broadcast(bytes);
      return;
    }
    if (message.recipientId === null) return;
    this.#toParties(message.senderId, message.recipientId, bytes);
  }

  /** Sends a dm's bytes to every session of both parties (once to a user writing to itself). */
  #toParties(senderId: number, recipientId: number, bytes: Uint8Array) {
    const sessions = this.#parts.sessions;
    for (const session of sessions.ofUser(senderId)) session.sendEvent(bytes);
    if (recipientId !== senderId) {
      for (const session of sessions.ofUser(recipientId)) session.sendEvent(bytes);
    }
  }
}

/** Consecutive messages to one room, gathered by {@linkcode Fanout.begin}. */
interface RoomRun {
  room: Room;
  frames: Uint8Array[];
  bytes: number;
  /** The local senders of its messages (held back if a reader lags), each once. */
  senders: Session[];
}

/**
 * Largest run sent as one buffer: a batch of a few thousand messages goes out in a few
 * pieces, each a write of its own (like the outbound queue's merged writes).
 */
const MAX_RUN_BYTES = 256 * 1024;

/** The frames as one buffer (the frame itself when there is one). */
function concat(frames: Uint8Array[], bytes: number): Uint8Array {
  if (frames.length === 1) return frames[0]!;
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const frame of frames) {
    out.set(frame, at);
    at += frame.length;
  }
  return out;
}

/** Answers a stored message's sender: `ok` with its msgid and time. */
export function answerStored(reply: SenderReply, message: { seq: number; ts: number }): void {
  reply.ok({ msgid: formatMsgid(message.seq), ts: isoTime(message.ts) });
}

/** Answers a change that could not be made durable, counting and logging the failure. */
export function answerFailed(
  parts: Pick<LocalDeliveryParts, "counters" | "log">,
  reply: SenderReply,
  error: unknown,
): void {
  parts.counters.storeFailures++;
  parts.log.log("warn", "store_write_failed", {
    error: String((error as Error)?.message ?? error),
  });
  reply.fail("unavailable", SORRY);
}

/** Delivery to the sessions of this process. */
export class LocalDelivery implements Delivery {
  #parts: LocalDeliveryParts;
  #fanout: Fanout;
  #lastSeq: number;

  constructor(parts: LocalDeliveryParts) {
    this.#parts = parts;
    this.#fanout = new Fanout(parts);
    this.#lastSeq = parts.lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  delivered(message: StoredMessage, pending: PendingMessage): void {
    const { counters } = this.#parts;
    counters.messagesAccepted++;
    counters.messagesStored++;
    this.#lastSeq = message.seq;
    // The ack first: the sender learns its msgid before its own copy of the event.
    answerStored(pending.reply, message);
    this.#fanout.message(message, pending.room, pending.reply.session);
  }

  edited(message: StoredMessage, pending: PendingChange): void {
    const wire = wireMessage(message);
    pending.reply.ok({ msgid: wire.msgid, edited: wire.edited! });
    this.#fanout.edited(message, pending.room);
  }

  deleted(message: StoredMessage, pending: PendingChange): void {
    pending.reply.ok({ msgid: formatMsgid(message.seq) });
    this.#fanout.deleted(message, pending.by.name, pending.room);
  }

  missing(pending: PendingChange): void {
    pending.reply.fail("no_such_message");
  }

  duplicate(pending: PendingMessage, seq: number, ts: number): void {
    answerStored(pending.reply, { seq, ts });
  }

  failed(pending: PendingMessage | PendingChange, error: unknown): void {
    answerFailed(this.#parts, pending.reply, error);
  }

  batchStart(): void {
    this.#fanout.begin();
  }

  batchEnd(): void {
    this.#fanout.end();
  }
}

/** The writer's outcomes, handed to `delivery` in sequence order (one object per server). */
export function writerOutcomes(
  delivery: Delivery,
): WriterCallbacks<PendingMessage, PendingChange> {
  return {
    batchStart: () => delivery.batchStart?.(),
    batchEnd: () => delivery.batchEnd?.(),
    stored(pending: PendingMessage, message: NewMessage, outcome: InsertOutcome): void {
      pending.reply.session?.endWrite();
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
        kind: message.kind ?? "text",
      }, pending);
    },
    changed(pending: PendingChange, change: MessageChange, outcome: ChangeOutcome): void {
      pending.reply.session?.endWrite();
      if (outcome === "missing") delivery.missing(pending);
      else if (change.op === "edit") {
        delivery.edited({ ...pending.target, text: change.text, editedAt: change.at }, pending);
      } else delivery.deleted({ ...pending.target, text: "", deleted: true }, pending);
    },
    failed(
      pending: PendingMessage | PendingChange,
      _op: NewMessage | MessageChange,
      error: unknown,
    ): void {
      pending.reply.session?.endWrite();
      delivery.failed(pending, error);
    },
  };
}
