/**
 * Flood escalation: what a strike counted by {@linkcode FloodEscalation} leads to. The
 * first step mutes the account for a while (told by a `notice`), the next kicks it; both
 * go through {@linkcode imposeSanction} (stored, audited, visible on the admin page) with
 * `by` = `"system"`.
 */
import { isoTime } from "../../common/time.ts";
import type { ChatCore } from "../chat/core.ts";
import type { Refusal } from "../limits/flood_counter.ts";
import type { Session } from "../net/session.ts";
import { serverTexts } from "../../i18n/server_texts.ts";
import { imposeSanction, noticeLanguage } from "./sanctions.ts";

/**
 * The reasons of the automatic steps, as the user, the admin page and the audit log see
 * them: in the server's language (`--lang`), like its notices.
 */
const REASONS = { mute: "server.floodMute", kick: "server.floodKick" } as const;

/**
 * Counts a refusal against `session` and, when it is time, mutes or kicks its account.
 * Never throws: a store failure is logged (the sanction is then withdrawn) and the
 * refusal still stands.
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
  const durationMs = step === "mute" ? flood.settings.muteMs : flood.settings.kickMs;
  core.log.log("warn", "flood_escalation", {
    session: session.id,
    address: session.address,
    user: account.name,
    action: step,
    until: isoTime(core.clock() + durationMs),
  });
  imposeSanction(core, {
    kind: step,
    user: account,
    durationMs,
    reason: serverTexts(noticeLanguage(core)).t(REASONS[step]),
    actor: { by: "system", address: session.address },
  }).catch((error) => {
    core.log.log("warn", "flood_escalation_not_stored", {
      user: account.name,
      action: step,
      error: String((error as Error)?.message ?? error),
    });
  });
}
