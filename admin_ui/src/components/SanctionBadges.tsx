/**
 * The badges of a user's sanctions in force ("muted until 14:05"), beside their name in the
 * Users, Accounts and Reports rows; the tooltip adds how long, the reason and by whom.
 */
import { now } from "../state.ts";
import { sanctionBadge, sanctionDetail, sanctionsOf } from "../user_sanctions.ts";

/** One badge per sanction of `user` in force; nothing when there is none. */
export function SanctionBadges({ user }: { user: string }) {
  const at = now.value;
  return (
    <>
      {sanctionsOf(user, at).map((s) => (
        <span
          key={s.kind}
          class="badge badge-sanction"
          data-testid="sanction-badge"
          data-kind={s.kind}
          title={sanctionDetail(s, at)}
        >
          {sanctionBadge(s, at)}
        </span>
      ))}
    </>
  );
}
