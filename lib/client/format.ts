/**
 * How chat lines look: `HH:MM user: text`, with names coloured, own messages marked,
 * direct messages and notices set apart, joins and leaves quiet. Pure: time zone and
 * styling are passed in.
 */
import type { ChatMessage } from "../protocol/server_frames.ts";
import { foldName } from "../protocol/names.ts";
import { t, ui } from "./i18n.ts";
import type { Style } from "./style.ts";

/** Control characters (and bidi overrides) that could rewrite the screen or spoof text. */
const UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

/**
 * A visible stand-in for an unsafe character: C0 controls and DEL as their control
 * pictures (ESC as `␛`, BEL as `␇`), anything else as `�`.
 */
function _visible(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return "\uFFFD";
}

/**
 * Characters the width tables count as 0 columns but terminals draw 1 or 2 wide (the soft
 * hyphen; the Hangul fillers): printed as they are, a line holding them would push what
 * follows it (the member list beside it) out of place. The soft hyphen, a hyphenation hint,
 * is dropped; a filler shows as `�`.
 */
const MISMEASURED = /[\u00ad\u115f\u1160\u3164\uffa0]/g;

/**
 * Text safe to print: tabs become spaces, line breaks are indented, and every control
 * character is shown as a visible symbol, so that no escape sequence in a message can
 * move the cursor, clear the screen or set the window title.
 */
export function sanitize(text: string, indent = ""): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "    ")
    .replace(MISMEASURED, (char) => (char === "\u00ad" ? "" : "\uFFFD"))
    .replace(UNSAFE, (char) => (char === "\n" ? "\n" + indent : _visible(char)));
}

/** ISO 8601 UTC times inside server text (e.g. a mute notice), for {@linkcode localizeTimes}. */
const ISO_TIME = /\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z\b/g;

/** Server text with each ISO time shown as local `HH:MM` (with the date when not today). */
export function localizeTimes(text: string, now = new Date()): string {
  return text.replace(ISO_TIME, (iso) => when(iso, now));
}

/** A clock time in the client's locale of an ISO timestamp (`--:--` when it is not a time). */
export function clock(ts: string): string {
  return ui().time(new Date(ts));
}

/** A point in time for people: the clock time today, else the date and time. */
export function when(ts: string, now = new Date()): string {
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) return ts;
  return ui().when(date, now);
}

/**
 * The end of a sanction (`until`) as {@linkcode when} says it, rounded up to the minute: a
 * mute ending at 02:18:55 reads "until 02:19", not a time already reached.
 */
export function whenEnds(ts: string, now = new Date()): string {
  const date = new Date(ts);
  if (Number.isNaN(date.getTime())) return ts;
  return ui().when(new Date(Math.ceil(date.getTime() / 60_000) * 60_000), now);
}

function _isSelf(name: string, self: string | null): boolean {
  return self !== null && foldName(name) === foldName(self);
}

/**
 * A room message: `HH:MM user: text`; the own name is shown in reverse video. `time`
 * replaces the `HH:MM` (search results show the date of older messages).
 */
export function formatMessage(
  message: ChatMessage,
  self: string | null,
  style: Style,
  time = clock(message.ts),
): string {
  const name = _isSelf(message.user, self)
    ? style.inverse(style.bold(sanitize(message.user)))
    : style.bold(style.name(sanitize(message.user)));
  const indent = " ".repeat(time.length + 1);
  // Protocol 1.1: tombstones, `/me` actions and edited messages.
  if (message.deleted === true) {
    return style.dim(`${time} ${sanitize(message.user)}: ${t("line.deleted")}`);
  }
  const edited = typeof message.edited === "string" ? style.dim(` ${t("line.edited")}`) : "";
  if (message.kind === "action") {
    return `${style.dim(time)} * ${name} ${sanitize(message.text, indent)}${edited}`;
  }
  return `${style.dim(time)} ${name}: ${sanitize(message.text, indent)}${edited}`;
}

/**
 * A direct message: `HH:MM [dm] alice → you: text` (`[mp]` in French), in its own colour.
 */
export function formatDm(message: ChatMessage, self: string | null, style: Style): string {
  const you = t("line.you");
  const from = _isSelf(message.user, self) ? you : sanitize(message.user);
  const to = message.to === undefined || _isSelf(message.to, self) ? you : sanitize(message.to);
  const time = clock(message.ts);
  const indent = " ".repeat(time.length + 1);
  return `${style.dim(time)} ${style.magenta(style.bold(`[${t("line.dm")}] ${from} → ${to}:`))} ${
    style.magenta(sanitize(message.text, indent))
  }`;
}

/** What a message waiting to be sent is: a room message, an action (`/me`), a direct message. */
export type PendingKind = "say" | "action" | "dm";

/**
 * A message typed offline, waiting to be sent, shown as it will look once sent and dimmed:
 * `⧗ general: text`, `⧗ general: * you text` (an action), `⧗ [dm] you → bob: text`, then
 * why it waits. `to` is the room, or for a direct message its recipient.
 */
export function formatPending(kind: PendingKind, to: string, text: string, style: Style): string {
  const you = t("line.you");
  const head = kind === "dm" ? `[${t("line.dm")}] ${you} → ${sanitize(to)}:` : `${sanitize(to)}:`;
  const body = sanitize(text, "   ");
  const what = kind === "action" ? `* ${you} ${body}` : body;
  return style.dim(`⧗ ${head} ${what} ${t("chat.pendingOffline")}`);
}

/** A server notice: `HH:MM *** text`, its ISO times shown in local time. */
export function formatNotice(text: string, now: Date, style: Style): string {
  const time = clock(now.toISOString());
  return `${style.dim(time)} ${
    style.yellow(style.bold(`*** ${sanitize(localizeTimes(text, now))}`))
  }`;
}

/** A delay in words: `now`, `1 second`, `45 seconds`, `2 minutes`, `1 minute 30 seconds`. */
export function inWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return t("time.now");
  if (s < 60) return t("time.seconds", { n: s });
  const minutes = t("time.minutes", { n: Math.floor(s / 60) });
  const rest = s % 60;
  return rest === 0
    ? minutes
    : t("time.minutesSeconds", { minutes, seconds: t("time.seconds", { n: rest }) });
}

/**
 * The sentence for a `shutdown` event: `The server shuts down in 10 seconds: Maintenance.`
 * or, with no delay, `The server is shutting down now.`; the server's text is left out
 * when it only says the same thing (in English or in the server's language).
 */
export function shutdownSentence(message: string, seconds: number): string {
  const trimmed = message.trim().replace(/[.!\s]+$/, "");
  const redundant = trimmed === "" || /^the server is shutting down$/i.test(trimmed) ||
    /^attention,? le serveur va s'arrêter$/i.test(trimmed);
  const head = seconds > 0 ? t("shutdown.in", { delay: inWords(seconds) }) : t("shutdown.now");
  const said = redundant ? `${head}.` : t("shutdown.withReason", { head, reason: trimmed });
  return `${said} ${t("shutdown.reconnect")}`;
}

/** A join or leave, kept quiet. */
export function formatPresence(
  kind: "joined" | "left",
  user: string,
  room: string,
  now: Date,
  style: Style,
): string {
  const arrow = kind === "joined" ? "→" : "←";
  const what = t(kind === "joined" ? "line.joined" : "line.left", {
    user: sanitize(user),
    room: sanitize(room),
  });
  return style.dim(`${clock(now.toISOString())} ${arrow} ${what}`);
}

/** A large room's batch of arrivals and departures (`presence`), as one quiet line. */
export function formatPresenceBatch(
  batch: {
    room: string;
    joined: readonly string[];
    left: readonly string[];
    members: number | null;
  },
  known: number,
  now: Date,
  style: Style,
): string {
  const what = t("line.presence", {
    room: sanitize(batch.room),
    joined: batch.joined.length,
    left: batch.left.length,
    online: batch.members ?? known,
  });
  return style.dim(`${clock(now.toISOString())} ⇄ ${what}`);
}

/** A line from the client itself (help, lists, state changes). */
export function formatInfo(text: string, style: Style): string {
  return style.cyan(`-- ${sanitize(text, "   ")}`);
}

/** A problem to report to the user. */
export function formatError(text: string, style: Style): string {
  return style.red(`!! ${sanitize(text, "   ")}`);
}

/** A room in a list: `name (3 online) - topic`. */
export function formatRoomEntry(
  room: { name: string; topic: string | null; members: readonly string[] },
): string {
  const topic = room.topic ? ` - ${sanitize(room.topic)}` : "";
  return `${t("line.roomEntry", { room: sanitize(room.name), online: onlineCount(room) })}${topic}`;
}

/**
 * Users present in a room of a room list: its `memberCount` in a large room (`large_rooms`,
 * whose `members` is only a preview), else its members.
 */
export function onlineCount(room: { members: readonly string[] }): number {
  const count = (room as { memberCount?: unknown }).memberCount;
  return typeof count === "number" && Number.isSafeInteger(count) && count >= 0
    ? count
    : room.members.length;
}

/** ` Reason: …` after a sentence, or nothing when there is no reason. */
function _why(reason: string): string {
  return reason.trim() === "" ? "" : ` ${t("error.reason", { reason: sanitize(reason) })}`;
}

/** The sentence shown when the server kicked this user. */
export function kickedSentence(until: string, reason: string, now = new Date()): string {
  const end = until === ""
    ? t("error.kicked")
    : t("error.kickedUntil", { until: whenEnds(until, now) });
  return `${end}${_why(reason)}`;
}

/** The sentence shown when the server banned this user. */
export function bannedSentence(reason: string): string {
  return `${t("error.banned")}${_why(reason)}`;
}
