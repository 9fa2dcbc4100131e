/** The page: the login form, or the dashboard once logged in. */
import { useEffect } from "preact/hooks";
import { api, setUnauthorizedHandler } from "../api.ts";
import { connectLive, disconnectLive } from "../live.ts";
import { act, auth, live, notice, now, shutdown } from "../state.ts";
import { span } from "../format.ts";
import { Login } from "./Login.tsx";
import { StatsBar } from "./StatsBar.tsx";
import { UsersPanel } from "./UsersPanel.tsx";
import { ModerationPanel } from "./ModerationPanel.tsx";
import { RoomsPanel } from "./RoomsPanel.tsx";
import { FeedPanel } from "./FeedPanel.tsx";
import { AuditPanel } from "./AuditPanel.tsx";
import { KillPanel } from "./KillPanel.tsx";

setUnauthorizedHandler(() => {
  disconnectLive();
  auth.value = "out";
});

/** The whole page. */
export function App() {
  useEffect(() => {
    const tick = setInterval(() => (now.value = Date.now()), 1000);
    api("GET", "/api/session").then(() => (auth.value = "in")).catch(() => (auth.value = "out"));
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    if (auth.value === "in") connectLive();
    else disconnectLive();
  }, [auth.value]);

  if (auth.value === "unknown") return <p class="loading">Loading…</p>;
  if (auth.value === "out") return <Login />;
  return <Dashboard />;
}

function Dashboard() {
  const logout = () =>
    act(() => api("POST", "/api/logout"), "Logged out.").then(() => {
      disconnectLive();
      auth.value = "out";
    });
  return (
    <>
      <header class="top">
        <h1>FastChat admin</h1>
        <span class={`live live-${live.value}`} data-testid="live">
          {live.value === "live" ? "live" : live.value === "lost" ? "reconnecting…" : "connecting…"}
        </span>
        <button type="button" class="quiet" onClick={logout}>Log out</button>
      </header>
      <ShutdownBanner />
      {notice.value && (
        <p class={`notice notice-${notice.value.kind}`} role="status" data-testid="notice">
          {notice.value.text}
        </p>
      )}
      <StatsBar />
      <main class="grid">
        <UsersPanel />
        <ModerationPanel />
        <RoomsPanel />
        <FeedPanel />
        <AuditPanel />
        <KillPanel />
      </main>
    </>
  );
}

function ShutdownBanner() {
  const down = shutdown.value;
  if (!down) return null;
  const left = (down.at - now.value) / 1000;
  return (
    <p class="banner" role="alert" data-testid="shutdown-banner">
      {left > 0
        ? `The server is going down in ${span(left)}: ${down.message}`
        : `The server is going down: ${down.message}`}
    </p>
  );
}
