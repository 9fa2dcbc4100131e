/**
 * The Messages feed: its filter (the typed text lives in a module signal, so the page's
 * live refreshes never wipe it), and whether direct messages are shown (off by default,
 * admins only, remembered in localStorage).
 */
import { computed, effect, signal } from "@preact/signals";
import type { MessageView } from "../../lib/admin/api_types.ts";
import { api, query } from "./api.ts";
import { mergeFeed } from "./feed_merge.ts";
import { isAdmin } from "./state.ts";

/** Messages kept in the feed. */
const FEED_SIZE = 200;
const DMS_KEY = "fastchat-admin.show-dms";

/** The filter applied to the feed. */
export const messageFilter = signal<{ room: string; user: string }>({ room: "", user: "" });
/** What is typed in the user filter (applied shortly after typing stops, or on Enter). */
export const userDraft = signal("");
/** The admin's choice to see direct messages too. */
export const dmsWanted = signal(readDmsChoice());
/** Whether direct messages are shown: wanted, and the session is an admin's. */
export const showDms = computed(() => dmsWanted.value && isAdmin.value);
/** The feed, newest first, as loaded and extended live (dms included; filtered on display). */
const all = signal<MessageView[]>([]);
/** The feed as shown. */
export const messages = computed(() =>
  showDms.value ? all.value : all.value.filter((m) => m.to === null)
);

function readDmsChoice(): boolean {
  try {
    return globalThis.localStorage?.getItem(DMS_KEY) === "1";
  } catch {
    return false;
  }
}

effect(() => {
  try {
    globalThis.localStorage?.setItem(DMS_KEY, dmsWanted.value ? "1" : "0");
  } catch {
    // Storage refused (private mode): the choice lasts until the page is closed.
  }
});

/** Why the latest load of the feed failed (shown above the list), or null. */
export const feedError = signal<unknown>(null);

/** Whether a message passes the filter `{ room, user }` (names compared case-insensitively). */
function passes(filter: { room: string; user: string }): (m: MessageView) => boolean {
  const room = filter.room.toLowerCase();
  const user = filter.user.toLowerCase();
  return (m) =>
    (!room || m.room?.toLowerCase() === room) && (!user || m.user.toLowerCase() === user);
}

/** Loads started so far: only the latest one's answer is shown. */
let loads = 0;
/** What happened while a load was under way: its answer may predate it. */
interface DuringLoad {
  arrived: MessageView[];
  deleted: Set<string>;
  /** The new state of edited messages. */
  edited: Map<string, MessageView>;
}
/** What happened during the latest load (null: none is under way). */
let duringLoad: DuringLoad | null = null;

/**
 * Loads the newest messages that pass the filter. Live messages that arrive meanwhile are
 * kept beside the answer, each message once (it may come both ways, in either order).
 */
export async function loadMessages(): Promise<void> {
  const filter = messageFilter.value;
  const path = `/api/messages${query({ limit: 100, room: filter.room, user: filter.user })}`;
  const load = ++loads;
  const during: DuringLoad = { arrived: [], deleted: new Set(), edited: new Map() };
  duringLoad = during;
  // The answer may predate an edit or a deletion made meanwhile: those are kept.
  const settle = (loaded: MessageView[]) =>
    mergeFeed(loaded, during.arrived, FEED_SIZE)
      .map((m) => during.deleted.has(m.msgid) ? asDeleted(m) : during.edited.get(m.msgid) ?? m);
  try {
    const loaded = (await api<{ messages: MessageView[] }>("GET", path)).messages;
    if (load !== loads) return; // a later load (another filter) answers instead
    all.value = settle(loaded);
    feedError.value = null;
  } catch (error) {
    if (load === loads) {
      feedError.value = error;
      // What is listed may have been loaded (or have arrived live) under another filter:
      // only the messages that pass this one stay.
      all.value = settle(all.value.filter(passes(filter)));
    }
    throw error;
  } finally {
    if (load === loads) duringLoad = null;
  }
}

/** Adds live messages (newest last in `batch`) to the feed, if they pass the filter. */
export function addMessages(batch: MessageView[]): void {
  const fits = batch.filter(passes(messageFilter.value));
  if (fits.length === 0) return;
  duringLoad?.arrived.push(...fits);
  all.value = mergeFeed(all.value, fits, FEED_SIZE);
}

/** Marks a message deleted in the feed (after `DELETE /api/messages/{msgid}`). */
export function markDeleted(msgid: string): void {
  duringLoad?.deleted.add(msgid);
  all.value = all.value.map((m) => (m.msgid === msgid ? asDeleted(m) : m));
}

/** Shows the new text of edited messages that are in the feed (live `edited`). */
export function markEdited(batch: MessageView[]): void {
  const byId = new Map(batch.map((m) => [m.msgid, m]));
  for (const [id, m] of byId) duringLoad?.edited.set(id, m);
  all.value = all.value.map((m) => (m.deleted ? m : byId.get(m.msgid) ?? m));
}

function asDeleted(m: MessageView): MessageView {
  return { ...m, text: "", deleted: true };
}
