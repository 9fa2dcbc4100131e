/**
 * The strike counter of flood escalation. The token bucket answers a fast sender
 * `rate_limited` with a retry hint; a session that sends again before that hint has passed
 * collects a strike (one that waits as told never does). `strikes` strikes within the
 * window mean "mute"; as many more after that (`muted` answers count) mean "kick". Only
 * counts: what a step does is `lib/server/moderation/flood.ts`'s business.
 */
import type { Clock } from "../../common/clock.ts";
import type { FloodSettings } from "./guards.ts";

/** What a strike leads to. */
export type FloodStep = "none" | "mute" | "kick";

/** Why a `say`/`dm` was refused: only these count as strikes. */
export type Refusal = "rate_limited" | "muted";

interface _Record {
  /** 0: none yet, 1: muted by escalation, 2: kicked. */
  stage: number;
  hits: number[];
  /** Until when the last `rate_limited` told the session to wait. */
  waitUntil: number;
}

/** Counts strikes per session and says when to escalate. Pure apart from the clock. */
export class FloodEscalation {
  readonly settings: Readonly<FloodSettings>;
  #clock: Clock;
  /** Keyed by the session object: forgotten with it. */
  #sessions = new WeakMap<object, _Record>();

  constructor(settings: FloodSettings, clock: Clock = Date.now) {
    if (!(settings.strikes >= 1 && settings.windowMs > 0)) {
      throw new RangeError("Cannot create flood escalation: strikes and window must be positive");
    }
    this.settings = { ...settings };
    this.#clock = clock;
  }

  /**
   * Records a refused `say`/`dm` of `session` (`retryAfterMs`: the hint sent with a
   * `rate_limited`). It is a strike when it came before the previous hint had passed, or
   * when it is a `muted` after this escalation muted the session (a mute by an admin is
   * not a flood). Returns the step to take now; each step is returned once per session.
   */
  strike(session: object, refusal: Refusal, retryAfterMs = 0): FloodStep {
    const now = this.#clock();
    let record = this.#sessions.get(session);
    if (!record) {
      if (refusal === "muted") return "none";
      record = { stage: 0, hits: [], waitUntil: 0 };
      this.#sessions.set(session, record);
    }
    if (record.stage >= 2 || (refusal === "muted" && record.stage === 0)) return "none";
    if (refusal === "rate_limited") {
      const ignoredHint = now < record.waitUntil;
      record.waitUntil = Math.max(record.waitUntil, now + retryAfterMs);
      if (!ignoredHint) return "none";
    }
    const from = now - this.settings.windowMs;
    record.hits = record.hits.filter((at) => at > from);
    record.hits.push(now);
    if (record.hits.length < this.settings.strikes) return "none";
    record.hits = [];
    record.stage++;
    return record.stage === 1 ? "mute" : "kick";
  }
}
