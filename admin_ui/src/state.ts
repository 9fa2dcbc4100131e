/** The page's shared state, as module-level signals, and the loaders that fill it. */
import { signal } from "@preact/signals";
import type {
  AuditView,
  ConnectedUser,
  MessageView,
  ModerationView,
  RoomView,
  ServerStats,
} from "../../lib/admin/api_types.ts";
import { api, ApiError } from "./api.ts";

/** A point of the activity chart. */
export interface StatsPoint {
  at: number;
  perSecond: number;
}

/** Whether the page knows of a login: unknown until the first check. */
export const auth = signal<"unknown" | "out" | "in">("unknown");
export const users = signal<{ list: ConnectedUser[]; at: number }>({ list: [], at: Date.now() });
export const rooms = signal<RoomView[]>([]);
export const moderation = signal<ModerationView>({ kicks: [], mutes: [], bans: [] });
export const messages = signal<MessageView[]>([]);
export const messageFilter = signal<{ room: string; user: string }>({ room: "", user: "" });
export const auditEntries = signal<AuditView[]>([]);
export const stats = signal<ServerStats | null>(null);
/** Messages per second over the last minutes, oldest first. */
export const history = signal<StatsPoint[]>([]);
/** The live feed's state. */
export const live = signal<"connecting" | "live" | "lost">("connecting");
/** Set when the server announced its shutdown: when it goes down (ms) and why. */
export const shutdown = signal<{ at: number; message: string } | null>(null);
/** A one-line report of the last action, or of an error. */
export const notice = signal<{ kind: "ok" | "error"; text: string } | null>(null);
/** The current time, ticking every second (drives idle times and countdowns). */
export const now = signal(Date.now());

/** Chart length: five minutes of one-second points. */
const HISTORY_POINTS = 300;
/** Messages kept in the feed. */
const FEED_SIZE = 200;

/** Reports an action's result in the notice line. */
export function report(kind: "ok" | "error", text: string): void {
  notice.value = { kind, text };
}

/** Runs an action, reporting `done` or the error; resolves to whether it worked. */
export async function act(action: () => Promise<unknown>, done: string): Promise<boolean> {
  try {
    await action();
    report("ok", done);
    return true;
  } catch (error) {
    report("error", error instanceof ApiError ? error.message : String(error));
    return false;
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

export async function loadMessages(): Promise<void> {
  const { room, user } = messageFilter.value;
  const query = new URLSearchParams({ limit: "100" });
  if (room) query.set("room", room);
  if (user) query.set("user", user);
  messages.value = (await api<{ messages: MessageView[] }>("GET", `/api/messages?${query}`))
    .messages;
}

/** Reloads every list (after login, or when the live feed reconnects). */
export async function loadAll(): Promise<void> {
  await Promise.all([loadUsers(), loadRooms(), loadModeration(), loadAudit(), loadMessages()])
    .catch((error) => report("error", error instanceof Error ? error.message : String(error)));
}

/** Adds live messages (newest last in `batch`) to the feed, if they pass the filter. */
export function addMessages(batch: MessageView[]): void {
  const { room, user } = messageFilter.value;
  const fits = batch.filter((m) =>
    (!room || m.room?.toLowerCase() === room.toLowerCase()) &&
    (!user || m.user.toLowerCase() === user.toLowerCase())
  );
  if (fits.length > 0) messages.value = [...fits.reverse(), ...messages.value].slice(0, FEED_SIZE);
}

let previous: { at: number; accepted: number } | null = null;

/** Takes a counters snapshot and extends the chart. */
export function addStats(snapshot: ServerStats & { at: string }): void {
  stats.value = snapshot;
  const at = Date.parse(snapshot.at);
  if (previous && at > previous.at) {
    const perSecond = Math.max(
      0,
      (snapshot.messagesAccepted - previous.accepted) * 1000 /
        (at - previous.at),
    );
    history.value = [...history.value, { at, perSecond }].slice(-HISTORY_POINTS);
  }
  previous = { at, accepted: snapshot.messagesAccepted };
}
