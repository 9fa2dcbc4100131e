/**
 * The accounts directory (`GET /api/accounts`): search by name, page by page; each account
 * with created, last seen, online, role and the sanctions in force (badges), and its actions
 * (kick, mute; ban and roles for admins). The search text is a module signal, so live
 * refreshes never wipe it.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AccountView } from "../../../lib/admin/api_types.ts";
import { accountQuery, accounts, moreAccounts } from "../lists.ts";
import { isAdmin, now } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { clock } from "../format.ts";
import { type SanctionAction, SanctionForm } from "./SanctionForm.tsx";
import { RemoteView, Section } from "./Section.tsx";
import { RoleForm } from "./StaffPanel.tsx";
import { t } from "../i18n.ts";
import { SanctionButtons } from "./SanctionButtons.tsx";
import { SanctionBadges } from "./SanctionBadges.tsx";

let searchTimer: ReturnType<typeof setTimeout> | undefined;

/** The accounts section. */
export function AccountsPanel() {
  useEffect(() => void accounts.load(), []);
  const search = (value: string) => {
    accountQuery.value = value;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void accounts.load(), 300);
  };
  return (
    <Section id="accounts" title={t("accounts.title")}>
      <form
        class="inline"
        role="search"
        onSubmit={(e) => (e.preventDefault(), void accounts.load())}
      >
        <input
          type="search"
          aria-label={t("accounts.search")}
          placeholder={t("accounts.searchPlaceholder")}
          value={accountQuery}
          onInput={(e) => search(e.currentTarget.value)}
        />
      </form>
      <RemoteView state={accounts.state.value}>
        {(page) => (
          <>
            {page.accounts.length === 0
              ? <p class="empty">{t("accounts.empty")}</p>
              : (
                <ul class="rows" data-testid="accounts">
                  {page.accounts.map((a) => <AccountRow key={a.user} account={a} />)}
                </ul>
              )}
            {page.more && (
              <button
                type="button"
                class="quiet"
                onClick={(e) => void act(moreAccounts, t("accounts.moreLoaded"), anchorOf(e))}
              >
                {t("common.more")}
              </button>
            )}
          </>
        )}
      </RemoteView>
    </Section>
  );
}

function AccountRow({ account }: { account: AccountView }) {
  const open = useSignal<SanctionAction | "role" | null>(null);
  const toggle = (
    what: SanctionAction | "role",
  ) => (open.value = open.value === what ? null : what);
  return (
    <li class="row" data-user={account.user}>
      <div class="row-head">
        <strong class="name">{account.user}</strong>
        {account.role && <span class="badge">{t(`role.${account.role}`)}</span>}
        <SanctionBadges user={account.user} />
        <span class={account.online ? "online" : "muted"}>
          {account.online ? t("accounts.online") : t("accounts.offline")}
        </span>
        <span class="actions">
          <SanctionButtons open={open} />
          {isAdmin.value && (
            <button
              type="button"
              class={open.value === "role" ? "small on" : "small"}
              aria-expanded={open.value === "role"}
              onClick={() => toggle("role")}
            >
              {t("accounts.role")}
            </button>
          )}
        </span>
      </div>
      <p class="muted small-text">
        {t("accounts.seen", {
          created: clock(account.created, now.value),
          seen: account.lastSeen ? clock(account.lastSeen, now.value) : t("common.never"),
        })}
      </p>
      {open.value === "role" && (
        <RoleForm user={account.user} current={account.role} onDone={() => (open.value = null)} />
      )}
      {open.value && open.value !== "role" && (
        <SanctionForm
          key={open.value}
          user={account.user}
          action={open.value}
          onDone={() => (open.value = null)}
        />
      )}
    </li>
  );
}
