/**
 * Pieces of the client's reconnect loop (`chat_client.ts`): a sleep the client's end can cut
 * short, and what a refused login on a new connection means.
 */
import type { ErrorReply } from "../protocol/server_frames.ts";
import type { ClientEvent } from "./events.ts";
import { t } from "./i18n.ts";
import { describeRefusal } from "./messages.ts";

/** A sleep that {@linkcode Sleeper.wake} ends early (the client stopped meanwhile). */
export class Sleeper {
  #wake: (() => void) | null = null;

  /** Resolves after `ms`, or at once on {@linkcode wake}. */
  async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }

  /** Ends the current sleep, if any. */
  wake(): void {
    this.#wake?.();
  }
}

/** Why a session ended for good. */
export type EndReason = "closed" | "kicked" | "banned" | "login_failed";

/**
 * A login refused while resuming: worth another try after a longer delay (`retry`), or the
 * end of the session, with the event that says why (kicked or banned) when there is one.
 */
export type ReloginRefusal =
  | { retry: true }
  | { retry: false; reason: EndReason; message: string; event: ClientEvent | null };

/** Codes after which a new login is tried again later, after a longer delay. */
const RETRY_LATER = new Set(["rate_limited", "unavailable", "frame_too_large"]);

/** What a login refused with `error` on a new connection means for the session. */
export function reloginRefusal(error: ErrorReply): ReloginRefusal {
  if (RETRY_LATER.has(error.code)) return { retry: true };
  if (error.code === "kicked") {
    const event: ClientEvent = {
      type: "kicked",
      until: error.until ?? "",
      reason: error.reason ?? "",
    };
    return { retry: false, reason: "kicked", message: error.message, event };
  }
  if (error.code === "banned") {
    const event: ClientEvent = { type: "banned", reason: error.reason ?? "" };
    return { retry: false, reason: "banned", message: error.message, event };
  }
  const message = t("connect.reloginFailed", { reason: describeRefusal(error) });
  return { retry: false, reason: "login_failed", message, event: null };
}
