/**
 * An account's "last seen" for the accounts directory: written on login and on logout or
 * disconnect only (never per message), in the background; a failure is logged, never
 * felt by the client.
 */
import type { ChatCore } from "./core.ts";
import { lookupUser } from "./user_lookup.ts";

/** Records that the account `userId` was seen now. */
export function recordLastSeen(core: ChatCore, userId: number): void {
  void core.store.touchLastSeen(userId, core.clock()).catch((error) =>
    core.log.log("warn", "last_seen_failed", { user_id: userId, error: String(error) })
  );
}

/** Records that the account named `name` (a session's last user) was seen now. */
export function recordLastSeenByName(core: ChatCore, name: string | null): void {
  if (name === null) return;
  void lookupUser(core, name)
    .then((user) => user && recordLastSeen(core, user.id))
    .catch(() => {});
}
