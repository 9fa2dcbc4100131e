/** The page's shared state, as module-level signals, and the loaders that fill it. */
import { computed, signal } from "@preact/signals";
import type {
  AuditView,
  ConnectedUser,
  MessageView,
  MeView,
  ModerationView,
  RoomView,
  ServerStats,
} from "../../lib/admin/api_types.ts";
import { api, ApiError, isMissingRoute, query } from "./api.ts";

/** Whether the page knows of a login: unknown until the first check. */
export const auth = signal<"unknown" | "out" | "in">("unknown");
/** Why the login form is shown again (the server restarted, the session ended), or null. */
export const loginReason = signal<"restarted" | "ended" | null>(null);
/** Who is logged in and their role (`GET /api/me`; an older server: admin). */
export const me = signal<MeView>({ user: "admin", role: "admin" });
/** Whether admin-only controls are shown. */
export const isAdmin = computed(() => me.value.role === "admin");
/** Connected users, with when the list was read (ms). */
export const users = signal<{ list: ConnectedUser[]; at: number }>({ list: [], at: Date.now() });
export const rooms = signal<RoomView[]>([]);
export const moderation = signal<ModerationView>({ kicks: [], mutes: [], bans: [] });
export const auditEntries = signal<AuditView[]>([]);
export const stats = signal<ServerStats | null>(null);
/** The live feed's state: `down` once the server announced its shutdown and went away. */
export const live = signal<"connecting" | "live" | "lost" | "down">("connecting");
/** When the live feed was lost (ms), or null while live. */
export const lostAt = signal<number | null>(null);
/** Set when the server announced its shutdown: when it goes down (ms) and why. */
export const shutdown = signal<{ at: number; message: string } | null>(null);
/** The current time, ticking every second (drives idle times and countdowns). */
export const now = signal(Date.now());
/** Whether the page shows live data (false: the lists are from `lostAt` or before). */
export const fresh = computed(() => live.value === "live");

/** Asks who is logged in; a server without `GET /api/me` makes the session an admin. */
export async function loadMe(): Promise<void> {
  try {
    me.value = await api<MeView>("GET", "/api/me");
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
    const session = await api<{ user?: string }>("GET", "/api/session");
    me.value = { user: session.user ?? "admin", role: "admin" };
  }
}

export async function loadUsers(): Promise<void> {
  const reply = await api<{ users: ConnectedUser[] }>("GET", "/api/users");
  users.value = { list: reply.users, at: Date.now() };
}

export async function loadRooms(): Promise<void> {
  rooms.value = (await api<{ rooms: RoomView[] }>("GET", "/api/rooms")).rooms;
}

export async function loadModeration(): Promise<void> {
  moderation.value = await api<ModerationView>("GET", "/api/moderation");
}

export async function loadAudit(): Promise<void> {
  auditEntries.value = (await api<{ entries: AuditView[] }>("GET", "/api/audit?limit=100")).entries;
}

/** The `GET /api/users`-style path of a user or room action, with the name in the query. */
export function byName(path: string, key: string, name: string): string {
  return `${path}${query({ [key]: name })}`;
}

/** Whether an error is "the server cannot be reached". */
export function isNetworkError(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0;
}

export type { MessageView };
