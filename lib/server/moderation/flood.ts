/**
 * Flood escalation. The token bucket answers a fast sender `rate_limited` with a retry
 * hint; a session that sends again before that hint has passed collects a strike (one that
 * waits as told never does). `strikes` strikes within the window mute its account for a
 * while (told by a `notice`); as many more after that (`muted` answers count) kick it.
 * Both steps go through {@linkcode Moderation} (stored, visible on the admin page) and
 * the audit log, with `by` = `"system"`.
 */
import { isoTime } from "../chat/core.ts";
import type { ChatCore } from "../chat/core.ts";
import type { FloodSettings } from "../limits/guards.ts";
import type { Clock } from "../../common/rate_limit.ts";
import type { Session } from "../net/session.ts";

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
  #sessions = new WeakMap<Session, _Record>();

  constructor(settings: FloodSettings, clock: Clock = Date.now) {
    if (!(settings.strikes >= 1 && settings.windowMs > 0)) {
      throw new RangeError("Cannot create flood escalation: strikes and window must be positive");
    }
    this.settings = { ...settings };
    this.#clock = clock;
  }

  /**
   * Records a refused `say`/`dm` (`retryAfterMs`: the hint sent with a `rate_limited`).
   * It is a strike when it came before the previous hint had passed, or when it is a
   * `muted` after this escalation muted the session (a mute by an admin is not a flood).
   * Returns the step to take now; each step is returned once per session.
   */
  strike(session: Session, refusal: Refusal, retryAfterMs = 0): FloodStep {
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

/**
 * Counts a refusal against `session` and, when it is time, mutes or kicks its account.
 * Never throws: a store failure is logged and the refusal still stands.
 */
export function noteRefusal(
  core: ChatCore,
  session: Session,
  refusal: Refusal,
  retryAfterMs = 0,
): void {
  const flood = core.limits.flood;
  const account = session.account;
  if (!flood || !account) return;
  const step = flood.strike(session, refusal, retryAfterMs);
  if (step === "none") return;
  const kind = step === "mute" ? "mute" : "kick";
  const at = core.clock();
  const until = at + (kind === "mute" ? flood.settings.muteMs : flood.settings.kickMs);
  const reason = kind === "mute"
    ? "Automatic mute: too many messages too fast."
    : "Automatic kick: kept flooding while muted.";
  core.log.log("warn", "flood_escalation", {
    session: session.id,
    address: session.address,
    user: account.name,
    action: kind,
    until: isoTime(until),
  });
  if (kind === "mute") {
    for (const s of core.sessions.ofUser(account.id)) {
      s.send({ type: "notice", text: `You are muted until ${isoTime(until)}: ${reason}` });
    }
  } else {
    core.closeUser(account.id, { type: "kicked", until: isoTime(until), reason }, "flood kick");
  }
  void _record(core, { kind, userId: account.id, user: account.name, until, at, reason }, session);
}

async function _record(
  core: ChatCore,
  sanction: {
    kind: "mute" | "kick";
    userId: number;
    user: string;
    until: number;
    at: number;
    reason: string;
  },
  session: Session,
): Promise<void> {
  try {
    // The sanction and its audit entry are stored together, or neither (see Moderation).
    await core.moderation.impose({ ...sanction, by: "system" }, {
      audit: {
        at: sanction.at,
        by: "system",
        address: session.address,
        action: sanction.kind,
        target: sanction.user,
        detail: JSON.stringify({ until: isoTime(sanction.until), reason: sanction.reason }),
      },
    });
    core.emit({ type: "moderation" });
  } catch (error) {
    core.log.log("warn", "flood_escalation_not_stored", {
      user: sanction.user,
      action: sanction.kind,
      error: String((error as Error)?.message ?? error),
    });
  }
}
