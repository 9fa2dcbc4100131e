/** The lag to the server shown in the full-screen bars, measured with `ping` now and then. */
import type { ChatClient } from "../chat_client.ts";

/** How often the lag to the server is measured. */
export const LAG_EVERY_MS = 15_000;

/** Measures the round trip of a `ping` at once and then every {@linkcode LAG_EVERY_MS}. */
export class LagMeter {
  #client: ChatClient;
  #onChange: () => void;
  #lagMs: number | null = null;
  #timer: ReturnType<typeof setInterval>;

  /** Starts measuring; `onChange` runs after each new measure. */
  constructor(client: ChatClient, onChange: () => void) {
    this.#client = client;
    this.#onChange = onChange;
    this.#measure();
    this.#timer = setInterval(() => this.#measure(), LAG_EVERY_MS);
    Deno.unrefTimer(this.#timer);
  }

  /**
   * The last round trip in milliseconds, or null before the first and while offline (the
   * lag of a connection that is gone says nothing; the next one is measured afresh).
   */
  get lagMs(): number | null {
    if (!this.#client.online) this.#lagMs = null;
    return this.#lagMs;
  }

  /** Stops measuring. */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #measure(): Promise<void> {
    if (!this.#client.online) return;
    const started = performance.now();
    try {
      if ((await this.#client.request({ type: "ping" })).ok) {
        this.#lagMs = Math.round(performance.now() - started);
        this.#onChange();
      }
    } catch {
      // Offline: the status bar says so already.
    }
  }
}
