/**
 * Helpers for client tests: collecting a ChatClient's events and waiting for some, and
 * running a check in French.
 */
import type { ChatClient } from "../../lib/client/chat_client.ts";
import type { ClientEvent } from "../../lib/client/events.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";

/** Longest wait for an expected event before the test fails (a hang guard, not a timing check). */
const WAIT_MS = 15_000;

/** Every event of a client, with a way to wait for one. */
export class EventLog {
  readonly events: ClientEvent[] = [];
  #waiters = new Set<() => void>();

  constructor(client: ChatClient) {
    client.on((event) => {
      this.events.push(event);
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** Texts of the room messages seen so far, in order. */
  texts(room?: string): string[] {
    return this.events.flatMap((event) =>
      event.type === "message" && (room === undefined || event.message.room === room)
        ? [event.message.text]
        : []
    );
  }

  /** Waits until `done(events)` holds. */
  async until(done: (events: ClientEvent[]) => boolean, what: string): Promise<void> {
    if (done(this.events)) return;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const check = () => {
      if (done(this.events)) resolve();
    };
    const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), WAIT_MS);
    this.#waiters.add(check);
    try {
      await promise;
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(check);
    }
  }
}

/**
 * The end of a sanction as the client shows it: `HH:MM` when it is today, with the date
 * before it when it is another day (a 5-minute mute given at 23:57 ends tomorrow):
 * `2026-12-01 00:02` (neutral), `01/12/2026 00:02` (fr), `12/01/2026, 00:02` (en).
 */
export const UNTIL_TIME = String.raw`(?:\d{4}-\d\d-\d\d |\d\d/\d\d/\d{4},? )?\d\d:\d\d`;

/** Runs `body` with the client speaking French, English again afterwards. */
export function inFrench(body: () => void): void {
  useClientLanguage(matchLanguage("fr")!);
  try {
    body();
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
}
