/** The live feed: `GET /api/events` (Server-Sent Events) feeding the page's signals. */
import type { MessageView, ServerStats } from "../../lib/admin/api_types.ts";
import { api } from "./api.ts";
import {
  addMessages,
  addStats,
  auth,
  live,
  loadAll,
  loadAudit,
  loadModeration,
  loadRooms,
  loadUsers,
  shutdown,
} from "./state.ts";

let source: EventSource | null = null;

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
};

/** Opens the live feed (closing any previous one). */
export function connectLive(): void {
  disconnectLive();
  live.value = "connecting";
  const es = new EventSource("/api/events");
  source = es;
  const on = <T>(event: string, handle: (data: T) => void) =>
    es.addEventListener(event, (e) => handle(JSON.parse((e as MessageEvent<string>).data) as T));

  on("hello", () => {
    live.value = "live";
    void loadAll();
  });
  on<{ messages: MessageView[] }>("messages", (d) => addMessages(d.messages));
  on("presence", () => {
    reload.users();
    reload.rooms();
  });
  on("rooms", () => reload.rooms());
  on("moderation", () => {
    reload.moderation();
    reload.users();
  });
  on("audit", () => reload.audit());
  on<ServerStats & { at: string }>("stats", addStats);
  on<{ message: string; in: number }>("shutdown", (d) => {
    shutdown.value = { at: Date.now() + d.in * 1000, message: d.message };
  });
  on("bye", () => {
    disconnectLive();
    auth.value = "out";
  });
  es.onerror = () => {
    live.value = "lost";
    // The browser retries by itself, except after a refusal (401): then ask why.
    if (es.readyState === EventSource.CLOSED) {
      api("GET", "/api/session").then(() => setTimeout(connectLive, 3000)).catch(() => {});
    }
  };
}

/** Closes the live feed. */
export function disconnectLive(): void {
  source?.close();
  source = null;
}
