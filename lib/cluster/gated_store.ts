/**
 * The store as an instance of a cluster reads it: messages are written into the database
 * by the cluster's log applier, a moment after they were delivered, so every read of
 * messages first waits until the database holds what this instance has delivered (see
 * `applied.ts`). Everything else goes straight to the store.
 */
import type { Store } from "../store/store.ts";

/** The store methods that read (or check) messages. */
const MESSAGE_READS: ReadonlySet<string> = new Set([
  "roomHistory",
  "dmHistory",
  "recentMessages",
  "findMessage",
  "searchMessages",
  "unreadCounts",
  "markRead",
]);

/** `store`, whose message reads wait for `caughtUp()` first. */
export function gateMessageReads(store: Store, caughtUp: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === "string" && MESSAGE_READS.has(property)) {
        return async (...args: unknown[]) => {
          await caughtUp();
          return await method.apply(target, args);
        };
      }
      return method.bind(target);
    },
  });
}
