/**
 * The live feed: `GET /api/events` (Server-Sent Events) feeding the page's signals. When it
 * is lost, the lists stay on screen greyed with the time of their last update, and the page
 * asks the server every few seconds until it answers again (a restarted server has
 * forgotten the session: the login form then says why).
 */
import type { MessageView, StatsView } from "../../lib/admin/api_types.ts";
import { api, ApiError } from "./api.ts";
import { addStats, loadActivity } from "./activity.ts";
import { addMessages, loadMessages, markDeleted, markEdited } from "./feed.ts";
import { accounts, addressBans, instances, loadReports, staff } from "./lists.ts";
import {
  auth,
  live,
  loadAudit,
  loadMe,
  loadModeration,
  loadRooms,
  loadUsers,
  loginReason,
  lostAt,
  shutdown,
} from "./state.ts";

let source: EventSource | null = null;
let probe: ReturnType<typeof setTimeout> | undefined;
const PROBE_MS = 3000;
/** Counter events between two reloads of the instances (their last heartbeats move on). */
const INSTANCES_EVERY = 5;
let statsSeen = 0;

/** Reloads run at most one at a time per list; a signal arriving meanwhile runs it again. */
function reloader(load: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await load().catch(() => {});
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => void run();
}

const reload = {
  users: reloader(loadUsers),
  rooms: reloader(loadRooms),
  moderation: reloader(loadModeration),
  audit: reloader(loadAudit),
  reports: reloader(loadReports),
  staff: reloader(async () => {
    await loadMe();
    await staff.load();
  }),
  accounts: reloader(accounts.load),
  addressBans: reloader(addressBans.load),
  instances: reloader(instances.load),
  activity: reloader(loadActivity),
};

/** Reloads every list (after login, or when the live feed comes back). */
export function loadAll(): void {
  for (const load of Object.values(reload)) load();
  void loadMessages().catch(() => {});
}

function lost(): void {
  if (live.value === "live" || live.value === "connecting") {
    live.value = shutdown.value ? "down" : "lost";
  }
  lostAt.value ??= Date.now();
}

/** Asks the server whether it is back; reconnects when it is, tries again when not. */
function scheduleProbe(): void {
  clearTimeout(probe);
  probe = setTimeout(async () => {
    try {
      await api("GET", "/api/session");
      connectLive();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        loginReason.value = shutdown.value ? "restarted" : "ended";
        return;
      }
      scheduleProbe();
    }
  }, PROBE_MS);
}

/** Opens the live feed (closing any previous one). */
export function connectLive(): void {
  disconnectLive();
  if (live.value !== "lost" && live.value !== "down") live.value = "connecting";
  const es = new EventSource("/api/events");
  source = es;
  const on = <T>(event: string, handle: (data: T) => void) =>
    es.addEventListener(event, (e) => {
      try {
        handle(JSON.parse((e as MessageEvent<string>).data) as T);
      } catch {
        // A malformed event is ignored; the next reload corrects the lists.
      }
    });

  on("hello", () => {
    live.value = "live";
    lostAt.value = null;
    shutdown.value = null;
    loadAll();
  });
  on<{ messages: MessageView[] }>("messages", (d) => addMessages(d.messages));
  on<{ msgids?: string[] }>("deleted", (d) => d.msgids?.forEach(markDeleted));
  on<{ messages?: MessageView[] }>("edited", (d) => d.messages && markEdited(d.messages));
  on("feed-stale", () => void loadMessages().catch(() => {}));
  on("presence", () => {
    reload.users();
    reload.rooms();
    reload.instances();
  });
  on("rooms", () => reload.rooms());
  on("moderation", () => {
    reload.moderation();
    reload.users();
    reload.addressBans();
  });
  on("audit", () => {
    reload.audit();
    reload.reports();
    reload.staff();
  });
  on("reports", () => reload.reports());
  on("staff", () => reload.staff());
  on<StatsView>("stats", (stats) => {
    addStats(stats);
    if (++statsSeen % INSTANCES_EVERY === 0) reload.instances();
  });
  on<{ message: string; in: number }>("shutdown", (d) => {
    shutdown.value = { at: Date.now() + d.in * 1000, message: d.message };
  });
  on("bye", () => {
    disconnectLive();
    loginReason.value = "ended";
    auth.value = "out";
  });
  es.onerror = () => {
    lost();
    // The browser retries by itself after a network error, not after a refusal (401) or
    // a bad answer: then the page asks the server itself until it is back.
    if (es.readyState === EventSource.CLOSED) scheduleProbe();
  };
}

/** Closes the live feed. */
export function disconnectLive(): void {
  clearTimeout(probe);
  source?.close();
  source = null;
}
