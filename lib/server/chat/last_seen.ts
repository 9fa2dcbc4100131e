/**
 * An account's "last seen" for the accounts directory: written on login and on logout or
 * disconnect only (never per message), in the background; a failure is logged, never
 * felt by the client.
 *
 * The times are gathered in memory and written in batches, one transaction at a time
 * (`Store.touchLastSeenMany`): a restart's thousands of disconnects and then
 * logins used to be as many commits (an fsync each on SQLite), queued in the store ahead
 * of the logins' own token look-ups and of the messages.
 */
import type { ChatCore } from "./core.ts";
import { lookupUser } from "./user_lookup.ts";

/** Most accounts written in one transaction. */
const BATCH = 1_000;

interface _Pending {
  /** Times not yet handed to the store, by account id (the latest wins). */
  waiting: Map<number, number>;
  /** The write loop under way, or null. */
  writing: Promise<void> | null;
}

const pendingOf = new WeakMap<ChatCore, _Pending>();

/** Records that the account `userId` was seen now. */
export function recordLastSeen(core: ChatCore, userId: number): void {
  let pending = pendingOf.get(core);
  if (!pending) pendingOf.set(core, pending = { waiting: new Map(), writing: null });
  const at = core.clock();
  pending.waiting.set(userId, Math.max(at, pending.waiting.get(userId) ?? 0));
  pending.writing ??= _write(core, pending);
}

/** Writes what waits, a batch at a time, until nothing does. */
async function _write(core: ChatCore, pending: _Pending): Promise<void> {
  // What the rest of this turn records goes into the same batch.
  await Promise.resolve();
  while (pending.waiting.size > 0) {
    const batch: { userId: number; at: number }[] = [];
    for (const [userId, at] of pending.waiting) {
      batch.push({ userId, at });
      pending.waiting.delete(userId);
      if (batch.length >= BATCH) break;
    }
    try {
      await core.store.touchLastSeenMany(batch);
    } catch (error) {
      core.log.log("warn", "last_seen_failed", {
        accounts: batch.length,
        error: String(error),
      });
    }
  }
  pending.writing = null;
}

/** Resolves once every last-seen time recorded so far is written (or its write failed). */
export async function lastSeenWritten(core: ChatCore): Promise<void> {
  let pending = pendingOf.get(core);
  while (pending?.writing) {
    await pending.writing;
    pending = pendingOf.get(core);
  }
}

/** Records that the account named `name` (a session's last user) was seen now. */
export function recordLastSeenByName(core: ChatCore, name: string | null): void {
  if (name === null) return;
  void lookupUser(core, name)
    .then((user) => user && recordLastSeen(core, user.id))
    .catch(() => {});
}
