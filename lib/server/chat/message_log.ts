/**
 * Where accepted messages, edits and deletions go to become durable and ordered. One
 * process: {@linkcode MessageWriter} (group commit into the store). A cluster: an
 * implementation that appends them to the cluster's ordered log (`lib/cluster/`). Both call
 * back the writer's callbacks (`message_writer.ts`) once each operation is settled.
 */
import type { MessageChange, NewMessage } from "../../store/store.ts";

/** A message as handed in: the writer adds `seq` and `ts`. */
export type Draft = Omit<NewMessage, "seq" | "ts">;

/** The writer side of the message path, as the handlers and the admin side use it. */
export interface MessageLog<T, C> {
  /** Operations submitted and not yet settled. */
  readonly pending: number;
  /** The highest sequence number handed out or seen so far. */
  readonly lastSeq: number;
  /** Commits (or log appends) done and their total time in ms, for metrics. */
  readonly commits: number;
  readonly commitMs: number;
  /** The writer's clock (edit times come from it too). */
  now(): number;
  /** Queues a message; the callbacks report its fate. */
  submit(item: T, draft: Draft): void;
  /** Queues an edit or a deletion, after everything submitted before it. */
  submitChange(item: C, change: MessageChange): void;
  /** Resolves once every message up to `seq` is settled and readable from the store. */
  settledThrough(seq: number): Promise<void>;
  /** Resolves once everything submitted so far is settled. */
  drained(): Promise<void>;
}
