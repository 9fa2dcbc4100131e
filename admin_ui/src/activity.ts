/**
 * The activity chart's data: the server's last hour (`GET /api/stats/history`, one point
 * per 10 s), extended by the live counters between two reloads. Kept to one hour.
 */
import { signal } from "@preact/signals";
import type { StatsHistoryView, StatsView } from "../../lib/admin/api_types.ts";
import { api, isMissingRoute } from "./api.ts";
import { stats } from "./state.ts";

/** A point of the chart (`at` in ms). */
export interface ActivityPoint {
  at: number;
  perSecond: number;
  users: number;
}

const HOUR_MS = 3_600_000;

/** The chart's points, oldest first. */
export const activity = signal<ActivityPoint[]>([]);
/** Whether the server keeps a history (false: the chart starts when the page opened). */
export const historyAvailable = signal(true);

let stored: ActivityPoint[] = [];
let recent: ActivityPoint[] = [];
let previous: { at: number; accepted: number } | null = null;

function publish(): void {
  const last = stored.at(-1)?.at ?? -Infinity;
  const cutoff = Date.now() - HOUR_MS;
  recent = recent.filter((p) => p.at > last && p.at > cutoff);
  activity.value = [...stored.filter((p) => p.at > cutoff), ...recent];
}

/** Loads the server's last hour of points. */
export async function loadActivity(): Promise<void> {
  try {
    const view = await api<StatsHistoryView>("GET", "/api/stats/history");
    stored = view.points.map((p) => ({
      at: Date.parse(p.at),
      perSecond: p.messagesPerSecond,
      users: p.sessions,
    }));
    historyAvailable.value = true;
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
    historyAvailable.value = false;
  }
  publish();
}

/** Takes a live counters snapshot (every second) and extends the chart. */
export function addStats(snapshot: StatsView): void {
  stats.value = snapshot;
  const at = Date.parse(snapshot.at);
  if (previous && at > previous.at) {
    const perSecond = Math.max(0, snapshot.messagesAccepted - previous.accepted) * 1000 /
      (at - previous.at);
    recent.push({ at, perSecond, users: snapshot.sessions });
    publish();
  }
  previous = { at, accepted: snapshot.messagesAccepted };
}
