/**
 * Sanctions: the one home of imposing and lifting a kick, mute or ban, whoever asks (the
 * admin API, flood escalation, later staff over the protocol). One order for all:
 * applied in memory at once (every check sees it) → enforced (sessions closed with a last
 * `kicked`/`banned` frame, or told of a mute by a `notice`) → stored together with its
 * audit entry in one transaction → a ban revokes the user's resume tokens → the admin page
 * is told (`moderation` event). When the store fails the sanction is withdrawn and the
 * error rethrown: nothing is left half applied (a disconnection or notice is not undone).
 * Expiry needs no timer: {@linkcode Moderation} forgets a sanction once its `until` passed.
 * In a cluster, once stored, an imposition or a lift is announced to the other instances,
 * which apply it with {@linkcode applyRemoteSanction} / {@linkcode applyRemoteLift}: in
 * memory, enforced on their own sessions with the same frames, nothing stored again.
 * Also the frames and the `muted` refusal every sanctioned user is shown, worded once.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import type { BannedEvent, KickedEvent, NoticeEvent } from "../../protocol/server_frames.ts";
import type { Sanction, SanctionKind } from "../../store/store.ts";
import { isoTime } from "../../common/time.ts";
import type { Language } from "../../i18n/languages.ts";
import { serverTexts } from "../../i18n/server_texts.ts";
import type { Actor } from "../control.ts";
import type { ChatCore } from "../chat/core.ts";

/** The user a sanction is for: the stored account's id and canonical name. */
export interface SanctionTarget {
  id: number;
  name: string;
}

/** What to impose: `durationMs` null = until lifted (a ban); a kick or mute needs one. */
export interface SanctionRequest {
  kind: SanctionKind;
  user: SanctionTarget;
  durationMs: number | null;
  reason: string;
  /** Who imposes it (`by` = `"system"` for flood escalation) and from where. */
  actor: Actor;
}

/** The language of the notices each core sends (the server's `--lang`); English when unset. */
const _noticeLanguage = new WeakMap<ChatCore, Language>();

/** Sets the language of the notices `core` sends (the chat server does it once at start). */
export function useNoticeLanguage(core: ChatCore, language: Language): void {
  _noticeLanguage.set(core, language);
}

/** The language of the notices and automatic reasons `core` writes. */
export function noticeLanguage(core: ChatCore): Language {
  return _noticeLanguage.get(core) ?? "en";
}

/**
 * The `notice` a muted user's sessions get: one wording for admin and automatic mutes, in
 * the server's language (its time in ISO 8601 UTC). The shape stays `{type, text}`: clients
 * recognize the wording from the server catalogs (`matchServerText`) to say it in theirs.
 */
export function muteNotice(
  until: number,
  reason: string,
  language: Language = "en",
): NoticeEvent {
  const texts = serverTexts(language);
  const at = isoTime(until);
  return {
    type: "notice",
    text: reason
      ? texts.t("server.mutedReason", { until: at, reason })
      : texts.t("server.muted", { until: at }),
  };
}

/** The last frame of a kicked user's sessions. */
export function kickedFrame(until: number, reason: string): KickedEvent {
  return { type: "kicked", until: isoTime(until), reason };
}

/** The last frame of a banned user's sessions. */
export function bannedFrame(reason: string): BannedEvent {
  return { type: "banned", reason };
}

/** The refusal of a `say`, `dm` or `create_room` by a muted user (`until` in the frame). */
export function mutedError(until: number): RequestError {
  return new RequestError("muted", `You are muted until ${isoTime(until)}.`, {
    until: isoTime(until),
  });
}

/**
 * Imposes a sanction (replacing one of the same kind), in the order of the module doc.
 * Returns when it ends (epoch ms; null = never). Throws the store's error after
 * withdrawing the sanction.
 */
export async function imposeSanction(
  core: ChatCore,
  request: SanctionRequest,
): Promise<{ until: number | null }> {
  const { kind, user, reason, actor } = request;
  const at = core.clock();
  const until = request.durationMs === null ? null : at + request.durationMs;
  const sanction: Sanction = {
    kind,
    userId: user.id,
    user: user.name,
    until,
    reason,
    by: actor.by,
    at,
  };
  await core.moderation.impose(
    sanction,
    {
      audit: {
        at,
        by: actor.by,
        address: actor.address,
        action: kind,
        target: user.name,
        detail: JSON.stringify({ until: until === null ? null : isoTime(until), reason }),
      },
      enforce: () => _enforce(core, kind, user, until, reason),
    },
  );
  await core.cluster?.announce({ type: "sanction", sanction: { ...sanction } });
  if (kind === "ban") await _revokeTokens(core, user);
  core.emit({ type: "moderation" });
  return { until };
}

/** Lifts a sanction and audits it (`un<kind>`); false when none was active. */
export async function liftSanction(
  core: ChatCore,
  user: SanctionTarget,
  kind: SanctionKind,
  actor: Actor,
): Promise<boolean> {
  const lifted = await core.moderation.lift(user.id, kind);
  await core.cluster?.announce({ type: "sanction_lifted", userId: user.id, kind });
  await core.store.appendAudit({
    at: core.clock(),
    by: actor.by,
    address: actor.address,
    action: `un${kind}`,
    target: user.name,
    detail: lifted ? null : JSON.stringify({ note: "none was active" }),
  });
  core.emit({ type: "moderation" });
  return lifted;
}

/**
 * Applies a sanction another instance imposed and stored: remembered in memory and, while
 * it lasts, enforced on this instance's sessions of the user exactly as where it was
 * imposed (closed with `kicked`/`banned`, or told of a mute). The resume tokens were revoked
 * in the shared store by the imposing instance.
 */
export function applyRemoteSanction(core: ChatCore, sanction: Sanction): void {
  core.moderation.applyStored(sanction);
  if (core.moderation.active(sanction.userId, sanction.kind) !== null) {
    const user = { id: sanction.userId, name: sanction.user };
    _enforce(core, sanction.kind, user, sanction.until, sanction.reason);
  }
  core.emit({ type: "moderation" });
}

/** Forgets a sanction another instance lifted. */
export function applyRemoteLift(core: ChatCore, userId: number, kind: SanctionKind): void {
  core.moderation.forgetStored(userId, kind);
  core.emit({ type: "moderation" });
}

/** Makes a sanction felt by the user's open sessions. */
function _enforce(
  core: ChatCore,
  kind: SanctionKind,
  user: SanctionTarget,
  until: number | null,
  reason: string,
): void {
  if (kind === "ban") {
    core.closeUser(user.id, bannedFrame(reason), "banned");
  } else if (kind === "kick") {
    core.closeUser(user.id, kickedFrame(until!, reason), "kicked");
  } else {
    const notice = muteNotice(until!, reason, noticeLanguage(core));
    for (const session of core.sessions.ofUser(user.id)) session.send(notice);
  }
}

/**
 * Revokes every resume token of a banned user (so a stored token cannot log them back in
 * once the ban is lifted, per the contract's "revoked ... by a ban"). Runs after the ban is
 * stored; a failure is logged, not fatal: a banned account cannot log in with a token anyway.
 */
async function _revokeTokens(core: ChatCore, user: SanctionTarget): Promise<void> {
  try {
    const revoked = await core.tokens.revokeAllOf(user.id);
    if (revoked > 0) core.log.log("info", "tokens_revoked", { user: user.name, revoked });
  } catch (error) {
    core.log.log("warn", "tokens_not_revoked", {
      user: user.name,
      error: String((error as Error)?.message ?? error),
    });
  }
}
