/**
 * What shows the chat state: the line-mode prompt (`[general] (dev:3@) ⧗1 ›`) and the
 * full-screen bars. Pure; every name and topic from the server is made safe to print here.
 */
import { sanitize } from "../format.ts";
import { t } from "../i18n.ts";
import type { Style } from "../style.ts";
import type { Bars } from "../terminal/full_screen.ts";

/** A joined room as the status needs it. */
export interface RoomStatus {
  key: string;
  name: string;
  topic: string | null;
  /** The names online in the room. */
  members: { values(): Iterable<string> };
  unreadCount: number;
  mentionCount: number;
}

/** The state shown. */
export interface ChatStatus {
  /** The current room, or null. */
  current: RoomStatus | null;
  rooms: Iterable<RoomStatus>;
  self: string | null;
  online: boolean;
  /**
   * The address of the server connected to (`host:port`), shown next to the connection
   * state; null or absent to show none (a client with a single address).
   */
  address?: string | null;
  pending: number;
  lagMs: number | null;
}

/** Server text on one row: controls made visible, line breaks as spaces. */
function _oneLine(text: string): string {
  return sanitize(text).replaceAll("\n", " ");
}

/** The connection state of the status bar: `connected`, `connected to host:9001`, … */
function _connection(status: ChatStatus): string {
  if (!status.online) return t("status.reconnecting");
  const address = status.address ?? null;
  return address === null
    ? t("status.connected")
    : t("status.connectedTo", { address: _oneLine(address) });
}

/** The prompt: the room, and in line mode the unread counts elsewhere, offline and pending. */
export function prompt(status: ChatStatus, style: Style, fullScreen: boolean): string {
  const where = status.current === null ? t("status.noRoom") : _oneLine(status.current.name);
  if (fullScreen) return `${style.bold(`[${where}]`)} › `;
  const others = [...status.rooms]
    .filter((room) => room.unreadCount > 0 && room !== status.current)
    .map((room) => `${_oneLine(room.name)}:${room.unreadCount}${room.mentionCount > 0 ? "@" : ""}`);
  const unread = others.length > 0 ? ` ${style.yellow(`(${others.join(" ")})`)}` : "";
  const offline = status.online ? "" : style.red(`${t("status.reconnecting")} `);
  const pending = status.pending > 0 ? ` ${style.dim(`⧗${status.pending}`)}` : "";
  return `${offline}${style.bold(`[${where}]`)}${unread}${pending} › `;
}

/** The full-screen bars' contents. */
export function bars(status: ChatStatus): Bars {
  const room = status.current;
  return {
    room: room === null ? null : _oneLine(room.name),
    topic: room?.topic ? _oneLine(room.topic) : null,
    members: room === null ? [] : [...room.members.values()].map(_oneLine),
    self: status.self === null ? null : _oneLine(status.self),
    connection: _connection(status),
    lagMs: status.lagMs,
    pending: status.pending,
    rooms: [...status.rooms].map((r) => ({
      key: r.key,
      name: _oneLine(r.name),
      unread: r.unreadCount,
      mentions: r.mentionCount,
    })),
  };
}
