/**
 * The JSON shapes of the admin API (`docs/admin-api.md`): what `views.ts` builds and the
 * admin page (`admin_ui/`) reads. Types only, so the page's bundle imports nothing else of
 * the server; the server-side types they are made of come from `lib/server/control.ts`.
 */
import type { ConnectedUser, ServerStats } from "../server/control.ts";

export type { ConnectedUser, ServerStats };

/** A message as the page shows it; `to` is set for a direct message, `room` otherwise. */
export interface MessageView {
  msgid: string;
  room: string | null;
  to: string | null;
  user: string;
  text: string;
  ts: string;
}

/** A kick, mute or ban as `GET /api/moderation` lists it (`until` absent for a ban). */
export interface SanctionView {
  user: string;
  until?: string;
  reason: string;
  by: string;
  at: string;
}

/** `GET /api/moderation`: current kicks, mutes and bans, oldest first. */
export interface ModerationView {
  kicks: SanctionView[];
  mutes: SanctionView[];
  bans: SanctionView[];
}

/** A room as `GET /api/rooms` lists it. */
export interface RoomView {
  name: string;
  topic: string | null;
  members: string[];
  online: number;
}

/** An audit entry as `GET /api/audit` lists it (`at` ISO). */
export interface AuditView {
  at: string;
  by: string;
  address: string;
  action: string;
  target: string | null;
  detail: string | null;
}

/** `GET /api/stats`: the server counters with the ISO time they were read. */
export type StatsView = ServerStats & { at: string };
