/**
 * Staff (`GET/PUT/DELETE /api/staff`): who is a moderator or an admin, since when, granted
 * by whom. Admins grant and revoke roles; moderators only see the list.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { StaffRole } from "../../../lib/admin/api_types.ts";
import { api, seg } from "../api.ts";
import { ask } from "../confirm.ts";
import { staff } from "../lists.ts";
import { isAdmin, me, now } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { clock } from "../format.ts";
import { RemoteView, Section } from "./Section.tsx";
import { t } from "../i18n.ts";

/** The staff section. */
export function StaffPanel() {
  useEffect(() => void staff.load(), []);
  return (
    <Section id="staff" title={t("staff.title")}>
      <RemoteView state={staff.state.value}>
        {(list) =>
          list.length === 0
            ? <p class="empty">{t("staff.empty")}</p>
            : (
              <ul class="rows" data-testid="staff">
                {list.map((s) => (
                  <li class="row compact" key={s.user} data-user={s.user}>
                    <strong class="name">{s.user}</strong>
                    <span class="badge">{t(`role.${s.role}`)}</span>
                    <span class="muted">
                      {t("staff.since", { when: clock(s.since, now.value), user: s.by })}
                    </span>
                    {isAdmin.value && s.user !== me.value.user && (
                      <button
                        type="button"
                        class="small"
                        onClick={(e) => void revoke(s.user, s.role, anchorOf(e))}
                      >
                        {t("staff.revoke")}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            )}
      </RemoteView>
      {isAdmin.value && staff.state.value.status === "ready" && (
        <>
          <h3>{t("staff.grantTitle")}</h3>
          <RoleForm />
        </>
      )}
    </Section>
  );
}

/** "an admin" / "a moderator", as a sentence names a role. */
const A_ROLE = { admin: "role.anAdmin", moderator: "role.aModerator" } as const;

async function revoke(user: string, role: StaffRole, anchor: Element | null): Promise<void> {
  const yes = await ask({
    title: t("staff.revokeTitle", { user }),
    body: t("staff.revokeBody", { user, role: t(A_ROLE[role]) }),
    confirm: t("staff.revokeConfirm", { user }),
  });
  if (!yes) return;
  if (
    await act(
      () => api("DELETE", `/api/staff/${seg(user)}`),
      t("staff.revoked", { user }),
      anchor,
    )
  ) {
    void staff.load();
  }
}

/** Grants a role to `user` (or to a name typed in). */
export function RoleForm(
  props: { user?: string; current?: StaffRole | null; onDone?: () => void },
) {
  const name = useSignal(props.user ?? "");
  const role = useSignal<StaffRole>(props.current === "moderator" ? "admin" : "moderator");
  const submit = async (event: Event) => {
    event.preventDefault();
    const target = (props.user ?? name.value).trim();
    const ok = await act(
      () => api("PUT", `/api/staff/${seg(target)}`, { role: role.value }),
      t("staff.granted", { user: target, role: t(A_ROLE[role.value]) }),
      anchorOf(event),
    );
    if (ok) {
      void staff.load();
      props.onDone?.();
    }
  };
  return (
    <form class="inline" onSubmit={submit} data-testid="role-form">
      {props.user === undefined && (
        <input
          aria-label={t("staff.accountName")}
          placeholder={t("staff.accountPlaceholder")}
          value={name}
          onInput={(e) => (name.value = e.currentTarget.value)}
        />
      )}
      <select
        aria-label={t("staff.role")}
        value={role}
        onChange={(e) => (role.value = e.currentTarget.value as StaffRole)}
      >
        <option value="moderator">{t("role.moderator")}</option>
        <option value="admin">{t("role.admin")}</option>
      </select>
      <button type="submit">{t("staff.grant")}</button>
    </form>
  );
}
