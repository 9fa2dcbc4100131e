/**
 * What one entry of the cluster's log holds, as JSON: the instance and process that
 * appended it, its batch number there (so that the instance recognizes its own entries and
 * answers their senders), and up to `OPS_PER_ENTRY` operations. Entries come from the
 * cluster's own instances; one that does not decode is logged and skipped, never fatal.
 */
import type { AuditEntry, MessageKind, StoredMessage } from "../store/store.ts";
import type { ClusterEvent } from "../server/chat/cluster_events.ts";

/** A new message (`say` or `dm`). */
export interface MessageOp {
  t: "m";
  /** The room's id and name (a `say`), or null (a `dm`). */
  room: number | null;
  roomName: string | null;
  from: number;
  user: string;
  /** The recipient's id and name (a `dm`), or null. */
  to: number | null;
  toName: string | null;
  text: string;
  ts: number;
  cid: string | null;
  kind?: MessageKind;
}

/** An edit: the whole message as it is after it (text, `editedAt`). */
export interface EditOp {
  t: "e";
  message: StoredMessage;
}

/** A deletion: the message as it was, who deleted it, and the audit entry to write with it. */
export interface DeleteOp {
  t: "d";
  message: StoredMessage;
  by: string;
  audit: AuditEntry | null;
}

/** A control event (sanction, room change, staff change, shutdown…). */
export interface ControlOp {
  t: "c";
  event: ClusterEvent;
}

export type LogOp = MessageOp | EditOp | DeleteOp | ControlOp;

/** One entry of the log. */
export interface LogEntry {
  /** The instance that appended it. */
  o: string;
  /** The boot id of that instance's process. */
  b: string;
  /** Its batch number in that process. */
  n: number;
  ops: LogOp[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An entry as the bytes of a stream message. */
export function encodeEntry(entry: LogEntry): Uint8Array {
  return encoder.encode(JSON.stringify(entry));
}

/** The bytes of a stream message as an entry, or null when they are not one. */
export function decodeEntry(bytes: Uint8Array): LogEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const entry = value as Partial<LogEntry>;
  if (
    typeof entry.o !== "string" || typeof entry.b !== "string" ||
    typeof entry.n !== "number" || !Array.isArray(entry.ops)
  ) return null;
  for (const op of entry.ops) {
    if (typeof op !== "object" || op === null || !["m", "e", "d", "c"].includes(op.t)) return null;
  }
  return entry as LogEntry;
}

/** The JSON size of one operation (for splitting batches under `ENTRY_BYTES`). */
export function opBytes(op: LogOp): number {
  return encoder.encode(JSON.stringify(op)).length + 1;
}
