/**
 * The sanctions in force, by user: what the rows of Users, Accounts and Reports show as
 * badges ("muted until 14:05"), and the Sanctions section as sentences. Read from the
 * `moderation` signal, which the live feed reloads on every `moderation` event, so a badge
 * comes and goes with the sanction, whoever imposed or lifted it.
 */
import { computed } from "@preact/signals";
import type { SanctionView } from "../../lib/admin/api_types.ts";
import { moderation } from "./state.ts";
import { clock, fromNow } from "./format.ts";
import { t } from "./i18n.ts";

/** A measure in force on a user. */
export type SanctionKind = "kick" | "mute" | "ban";

/** A sanction in force, with its kind. */
export interface UserSanction extends SanctionView {
  kind: SanctionKind;
}

const UNTIL = {
  kick: "sanctions.kickedUntil",
  mute: "sanctions.mutedUntil",
  ban: "sanctions.bannedUntil",
} as const;

const BADGE = {
  kick: "badge.kicked",
  mute: "badge.muted",
  ban: "badge.bannedUntil",
} as const;

/** The sanctions in force by user name: bans, kicks, then mutes. */
const byUser = computed(() => {
  const { kicks, mutes, bans } = moderation.value;
  const map = new Map<string, UserSanction[]>();
  const add = (kind: SanctionKind, items: SanctionView[]) => {
    for (const s of items) map.set(s.user, [...(map.get(s.user) ?? []), { ...s, kind }]);
  };
  add("ban", bans);
  add("kick", kicks);
  add("mute", mutes);
  return map;
});

/**
 * The sanctions of `user` in force at `at` (ms): one whose time is over is left out at
 * once, before the next reload of the list (the server tells nothing when a sanction ends
 * by itself).
 */
export function sanctionsOf(user: string, at: number): UserSanction[] {
  return (byUser.value.get(user) ?? [])
    .filter((s) => s.until === undefined || Date.parse(s.until) > at);
}

/** "muted until 14:05 (in 5 min)" / "muet jusqu'à 14:05 (dans 5 min)". */
export function sanctionUntil(kind: SanctionKind, until: string, at: number): string {
  const left = Date.parse(until) > at ? fromNow(until, at) : t("sanctions.ended");
  return t(UNTIL[kind], { until: clock(until, at), left });
}

/** A badge's text: "muted until 14:05" / "muet jusqu'à 14:05"; a ban without end: "banned". */
export function sanctionBadge(s: UserSanction, at: number): string {
  if (s.until === undefined) return t("badge.banned");
  return t(BADGE[s.kind], { until: clock(s.until, at) });
}

/** The badge's longer text (its tooltip): until when and how long, the reason, by whom. */
export function sanctionDetail(s: UserSanction, at: number): string {
  const when = s.until === undefined
    ? `${t("badge.banned")} (${t("sanctions.untilLifted")})`
    : sanctionUntil(s.kind, s.until, at);
  return [when, s.reason, t("common.by", { user: s.by })].filter((part) => part !== "").join(
    " · ",
  );
}
