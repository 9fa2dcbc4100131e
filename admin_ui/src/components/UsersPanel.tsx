/**
 * Connected users and their sessions (on every instance of a cluster, each session naming its
 * instance), with their sanctions in force as badges and the actions on each user. Sessions
 * are cards of label/value pairs that wrap as a whole (rooms as a wrapped list), so a long
 * address or many rooms never split a word or a header. While the live feed is lost the list
 * stays, greyed, with its time, and its actions are disabled.
 */
import { useSignal } from "@preact/signals";
import type { ConnectedUser } from "../../../lib/admin/api_types.ts";
import { fresh, lostAt, now, users } from "../state.ts";
import { clock, number, span } from "../format.ts";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";
import { Section } from "./Section.tsx";
import { t } from "../i18n.ts";
import { SanctionButtons } from "./SanctionButtons.tsx";
import { SanctionBadges } from "./SanctionBadges.tsx";

/** The connected users section. */
export function UsersPanel() {
  const { list } = users.value;
  return (
    <Section id="users" title={t("users.title")} count={list.length}>
      {list.length === 0
        ? <p class="empty">{t("users.empty")}</p>
        : (
          <ul class={fresh.value ? "rows" : "rows stale"} data-testid="users">
            {list.map((u) => <UserRow key={u.user} user={u} />)}
          </ul>
        )}
    </Section>
  );
}

function UserRow({ user }: { user: ConnectedUser }) {
  const open = useSignal<SanctionAction | null>(null);
  // Idle times stop growing when the list stops being live.
  const elapsed = ((lostAt.value ?? now.value) - users.value.at) / 1000;
  return (
    <li class="row" data-testid="user-row" data-user={user.user}>
      <div class="row-head">
        <strong class="name">{user.user}</strong>
        <SanctionBadges user={user.user} />
        <span class="muted">
          {t("users.sessions", { n: user.sessions.length })}
        </span>
        <span class="actions">
          <SanctionButtons open={open} />
        </span>
      </div>
      <ul class="session-list" aria-label={t("users.sessionsOf", { user: user.user })}>
        {user.sessions.map((s) => (
          <li key={`${s.instance}/${s.id}`} class="session" data-testid="session">
            <dl>
              {s.instance !== undefined && (
                <div class="field">
                  <dt>{t("users.instance")}</dt>
                  <dd class="nowrap" data-testid="session-instance">{s.instance}</dd>
                </div>
              )}
              <div class="field">
                <dt>{t("users.address")}</dt>
                <dd class="nowrap">{s.address}</dd>
              </div>
              <div class="field">
                <dt>{t("users.since")}</dt>
                <dd class="nowrap">{clock(s.since, now.value)}</dd>
              </div>
              <div class="field">
                <dt>{t("users.idle")}</dt>
                <dd class="nowrap">{span(s.idle + elapsed)}</dd>
              </div>
              <div class="field">
                <dt>{t("users.sent")}</dt>
                <dd class="nowrap">{number(s.messagesSent)}</dd>
              </div>
              <div class="field field-rooms">
                <dt>{t("users.rooms")}</dt>
                <dd>
                  {s.rooms.length === 0 ? "–" : (
                    <ul class="chips">
                      {s.rooms.map((r) => <li key={r} class="chip">{r}</li>)}
                    </ul>
                  )}
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
      {open.value && fresh.value && (
        <SanctionForm
          key={open.value}
          user={user.user}
          action={open.value}
          onDone={() => (open.value = null)}
        />
      )}
    </li>
  );
}
