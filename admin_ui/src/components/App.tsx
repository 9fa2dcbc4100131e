/** The page: the login form, or the dashboard once logged in. */
import { useEffect } from "preact/hooks";
import { api, setUnauthorizedHandler } from "../api.ts";
import { connectLive, disconnectLive } from "../live.ts";
import { auth, live, loadMe, loginReason, lostAt, me, now, shutdown } from "../state.ts";
import { act } from "../toasts.ts";
import { clock, span } from "../format.ts";
import { section, type SectionId } from "../sections.ts";
import { Login } from "./Login.tsx";
import { Nav } from "./Nav.tsx";
import { Toasts } from "./Toasts.tsx";
import { ConfirmDialog } from "./ConfirmDialog.tsx";
import { LanguageSwitch } from "./LanguageSwitch.tsx";
import { t } from "../i18n.ts";
import { UsersPanel } from "./UsersPanel.tsx";
import { AccountsPanel } from "./AccountsPanel.tsx";
import { RoomsPanel } from "./RoomsPanel.tsx";
import { FeedPanel } from "./FeedPanel.tsx";
import { ReportsPanel } from "./ReportsPanel.tsx";
import { SanctionsPanel } from "./SanctionsPanel.tsx";
import { AuditPanel } from "./AuditPanel.tsx";
import { StaffPanel } from "./StaffPanel.tsx";
import { ServerPanel } from "./ServerPanel.tsx";
import type { JSX } from "preact";

setUnauthorizedHandler(() => {
  disconnectLive();
  auth.value = "out";
});

const PANELS: Record<SectionId, () => JSX.Element> = {
  users: UsersPanel,
  accounts: AccountsPanel,
  rooms: RoomsPanel,
  messages: FeedPanel,
  reports: ReportsPanel,
  sanctions: SanctionsPanel,
  audit: AuditPanel,
  staff: StaffPanel,
  server: ServerPanel,
};

/** The whole page. */
export function App() {
  useEffect(() => {
    const tick = setInterval(() => (now.value = Date.now()), 1000);
    api("GET", "/api/session").then(() => (auth.value = "in")).catch(() => (auth.value = "out"));
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    if (auth.value === "in") {
      loadMe().catch(() => {}).finally(connectLive);
    } else disconnectLive();
  }, [auth.value]);

  return (
    <>
      {auth.value === "unknown" && <p class="loading">{t("app.loading")}</p>}
      {auth.value === "out" && <Login />}
      {auth.value === "in" && <Dashboard />}
      <Toasts />
      <ConfirmDialog />
    </>
  );
}

function Dashboard() {
  const logout = (event: Event) => {
    const anchor = event.currentTarget as Element;
    void act(() => api("POST", "/api/logout"), t("app.loggedOut"), anchor).then((ok) => {
      if (!ok) return;
      disconnectLive();
      loginReason.value = null;
      auth.value = "out";
    });
  };
  const Panel = PANELS[section.value];
  return (
    <div class="shell">
      <header class="top">
        <h1>{t("app.title")}</h1>
        <LiveBadge />
        <span class="who" data-testid="who">
          {me.value.user} <span class="role">{t(`role.${me.value.role}`)}</span>
        </span>
        <LanguageSwitch />
        <button type="button" class="quiet" onClick={logout}>{t("app.logout")}</button>
      </header>
      <Nav />
      <ShutdownBanner />
      <ConnectionBanner />
      <main class="content" id="content">
        <Panel />
      </main>
    </div>
  );
}

function LiveBadge() {
  return <span class={`live live-${live.value}`} data-testid="live">{t(`live.${live.value}`)}
  </span>;
}

/** Says plainly that the server is out of reach and since when the lists are frozen. */
function ConnectionBanner() {
  const since = lostAt.value;
  if (live.value === "live" || live.value === "connecting" || since === null) return null;
  const when = clock(new Date(since).toISOString(), now.value);
  return (
    <div class="banner banner-lost" role="alert" data-testid="disconnected">
      <strong>{live.value === "down" ? t("banner.shutDown") : t("banner.lost")}</strong>{" "}
      {t("banner.stale", { when })}
    </div>
  );
}

function ShutdownBanner() {
  const down = shutdown.value;
  if (!down || live.value !== "live") return null;
  const left = (down.at - now.value) / 1000;
  return (
    <p class="banner" role="alert" data-testid="shutdown-banner">
      {left > 0
        ? t("banner.goingDownIn", { left: span(left), message: down.message })
        : t("banner.goingDown", { message: down.message })}
    </p>
  );
}
