/**
 * The full-screen chat window (alternate screen): a top bar (room, topic, members), the
 * message pane of the current room with its own scrollback (PgUp/PgDn, Home/End on an empty
 * input), a "new messages" line where you left a room and a line at each new day, the list
 * of joined rooms with unread and mention counts (F2 shows or hides it, Alt-1..9 switch), the
 * nick list, a status bar, and the input row. Everything is measured by grapheme cluster.
 */
import type { Style } from "../style.ts";
import { t } from "../i18n.ts";
import { stripStyle, textWidth, truncateToWidth, wrapStyled } from "../text_width.ts";
import type { ScreenPainter } from "./chat_screen.ts";
import type { InputRow } from "./input_row.ts";
import {
  ANSI,
  columns,
  enterAltScreen,
  type Key,
  leaveAltScreen,
  rows,
  type Terminal,
} from "./terminal.ts";

/** The key of the search results pane (no room key has a control character). */
const SEARCH = "\u0000search";

/** Lines kept per room; older ones are dropped. */
export const SCROLLBACK_LINES = 50_000;

/** A joined room as the room list shows it. */
export interface RoomEntry {
  key: string;
  name: string;
  unread: number;
  mentions: number;
}

/** What the bars show. */
export interface Bars {
  room: string | null;
  topic: string | null;
  members: string[];
  self: string | null;
  connection: string;
  lagMs: number | null;
  pending: number;
  rooms: RoomEntry[];
}

interface PaneLine {
  text: string;
  /** The message this line shows (every row of a multi-line one), for edits and deletes. */
  msgid?: string;
}

interface Pane {
  lines: PaneLine[];
  /** Rows scrolled up from the bottom (0: following new lines). */
  scroll: number;
  /** Index of the first line not seen yet, or null. */
  marker: number | null;
  lastDay: string | null;
}

/** Called with the room list index (0-based) for Alt-1..9. */
export type SwitchHandler = (index: number) => void;

const _EMPTY_BARS: Bars = {
  room: null,
  topic: null,
  members: [],
  self: null,
  connection: "",
  lagMs: null,
  pending: 0,
  rooms: [],
};

/** Draws the full-screen window; the chat view feeds it lines and bar contents. */
export class FullScreenPainter implements ScreenPainter {
  #term: Terminal;
  #style: Style;
  #panes = new Map<string, Pane>();
  #current = "";
  #bars: Bars = _EMPTY_BARS;
  #input: InputRow = { text: "", cursorCol: 0, width: 0, scroll: 0 };
  #showRooms = true;
  #frame: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #onSwitch: SwitchHandler = () => {};
  #onTop: () => void = () => {};
  /** Whether the pane showed its first line at the last paint. */
  #atTop = false;
  /** Whether older lines were asked for and have not come yet. */
  #loadingOlder = false;
  /** The search pane on screen: its title and the room pane to go back to. */
  #search: { title: string; back: string } | null = null;
  /** Columns of the message pane at the last paint. */
  #paneWidth = 80;

  constructor(term: Terminal, style: Style) {
    this.#term = term;
    this.#style = style;
    enterAltScreen(term);
    this.#paint();
  }

  /** Sets what Alt-1..9 do. */
  onSwitch(handler: SwitchHandler): void {
    this.#onSwitch = handler;
  }

  /** Sets what PageUp at the top of the pane does (fetch older messages). */
  onTop(handler: () => void): void {
    this.#onTop = handler;
  }

  /** Puts older lines (with their msgids, when messages) at the top of room `key`'s pane. */
  prepend(key: string, lines: string[], msgids: string[] = []): void {
    const pane = this.#pane(key);
    const added = lines.map((text, i) => ({ text: _flat(text), msgid: msgids[i] }));
    pane.lines.unshift(...added);
    if (pane.marker !== null) pane.marker += added.length;
    if (key === this.#current) {
      this.#loadingOlder = false;
      this.#schedule();
    }
  }

  /** Shows search results in a pane of their own, until Esc (or another room). */
  showSearch(title: string, lines: string[]): void {
    const back = this.#search?.back ?? this.#current;
    this.#panes.delete(SEARCH);
    const pane = this.#pane(SEARCH);
    pane.lines = lines.map((text) => ({ text: _flat(text) }));
    this.#search = { title, back };
    this.#current = SEARCH;
    this.#paint();
  }

  /** Shows room `key`'s pane (creating it when new). */
  show(key: string): void {
    this.#search = null;
    this.#pane(key);
    this.#current = key;
    this.#schedule();
  }

  /** Marks where the user left room `key`: lines added later are "new messages". */
  markLeft(key: string): void {
    const pane = this.#pane(key);
    pane.marker = pane.lines.length;
  }

  /**
   * Adds a line to room `key`'s pane; `ts` (an ISO time) puts a day line before it when it
   * starts a new day.
   */
  append(key: string, text: string, ts?: string, msgid?: string): void {
    const pane = this.#pane(key);
    const added: PaneLine[] = [];
    if (ts !== undefined) {
      const date = new Date(ts);
      const day = Number.isNaN(date.getTime()) ? null : date.toDateString();
      if (day !== null && day !== pane.lastDay) {
        // A day line between days, and above a first message that is not from today.
        if (pane.lastDay !== null || day !== new Date().toDateString()) {
          added.push({ text: this.#rule(_dayName(date)) });
        }
        pane.lastDay = day;
      }
    }
    added.push({ text: _flat(text), msgid });
    pane.lines.push(...added);
    // Scrolled up: the same lines stay in view while new ones arrive below.
    if (pane.scroll > 0) {
      for (const line of added) pane.scroll += wrapStyled(line.text, this.#paneWidth).length;
    }
    const over = pane.lines.length - SCROLLBACK_LINES;
    if (over > 0) {
      pane.lines.splice(0, over);
      if (pane.marker !== null) pane.marker = Math.max(0, pane.marker - over);
    }
    if (key === this.#current) {
      this.#loadingOlder = false;
      this.#schedule();
    }
  }

  /**
   * Replaces the lines of message `msgid` in room `key`'s pane with `text` (an edit or a
   * tombstone); false when the message is not in the pane.
   */
  replace(key: string, msgid: string, text: string): boolean {
    const pane = this.#panes.get(key);
    if (!pane) return false;
    const first = pane.lines.findIndex((line) => line.msgid === msgid);
    if (first < 0) return false;
    let count = 0;
    while (pane.lines[first + count]?.msgid === msgid) count++;
    const parts = [{ text: _flat(text), msgid }];
    pane.lines.splice(first, count, ...parts);
    if (pane.marker !== null && pane.marker > first) pane.marker += parts.length - count;
    if (key === this.#current) this.#schedule();
    return true;
  }

  /** Replaces the bars' contents. */
  setBars(bars: Bars): void {
    this.#bars = bars;
    this.#schedule();
  }

  /** Forgets room `key`'s pane. */
  drop(key: string): void {
    this.#panes.delete(key);
  }

  // ScreenPainter

  print(lines: string[]): void {
    for (const line of lines) this.append(this.#current, line);
  }

  drawInput(row: InputRow): void {
    this.#input = row;
    if (this.#closed) return;
    const r = rows(this.#term);
    const line = `${row.text}${ANSI.clearLine}`;
    this.#frame[r - 1] = line;
    this.#term.output.write(`${ANSI.to(r, 1)}${line}${ANSI.to(r, row.cursorCol + 1)}`);
  }

  inputColumns(): number {
    return columns(this.#term) - 1;
  }

  resized(): void {
    this.#frame = [];
    this.#term.output.write(`${ANSI.to(1, 1)}\x1b[2J`);
    this.#paint();
  }

  key(key: Key, inputEmpty: boolean): boolean {
    const pane = this.#pane(this.#current);
    const page = Math.max(1, this.#paneHeight() - 1);
    if (key.name === "pageup") {
      if (this.#atTop && !this.#loadingOlder) {
        this.#loadingOlder = true;
        this.#onTop();
      }
      pane.scroll += page;
    } else if (key.name === "pagedown") pane.scroll = Math.max(0, pane.scroll - page);
    else if (key.name === "home" && (inputEmpty || key.ctrl)) pane.scroll = Number.MAX_SAFE_INTEGER;
    else if (key.name === "end" && (inputEmpty || key.ctrl)) pane.scroll = 0;
    else if (key.name === "f2") this.#showRooms = !this.#showRooms;
    else if (key.name === "escape" && inputEmpty && this.#search !== null) {
      this.#current = this.#search.back;
      this.#search = null;
    } else if (key.meta && key.name !== undefined && /^[1-9]$/.test(key.name)) {
      this.#onSwitch(Number(key.name) - 1);
    } else return false;
    this.#paint();
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    leaveAltScreen(this.#term);
  }

  #pane(key: string): Pane {
    let pane = this.#panes.get(key);
    if (!pane) {
      pane = { lines: [], scroll: 0, marker: null, lastDay: null };
      this.#panes.set(key, pane);
    }
    return pane;
  }

  #rule(label: string): string {
    return this.#style.dim(`── ${label} ──`);
  }

  #paneHeight(): number {
    return Math.max(1, rows(this.#term) - 3);
  }

  /** Repaints soon: a burst of lines is drawn once. */
  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#paint();
    }, 10);
  }

  #paint(): void {
    if (this.#closed) return;
    const width = columns(this.#term);
    const paneHeight = this.#paneHeight();
    const roomWidth = this.#showRooms && width >= 60 ? Math.min(20, Math.floor(width / 5)) : 0;
    const nickWidth = width >= 90 ? 16 : 0;
    const paneWidth = width - (roomWidth > 0 ? roomWidth + 1 : 0) -
      (nickWidth > 0 ? nickWidth + 1 : 0);
    this.#paneWidth = paneWidth;
    const paneRows = this.#paneRows(paneWidth, paneHeight);
    const roomRows = this.#roomRows(roomWidth);
    const nickRows = this.#nickRows(nickWidth);
    const bar = this.#style.dim("│");
    const frame: string[] = [this.#topBar(width)];
    for (let i = 0; i < paneHeight; i++) {
      let row = "";
      if (roomWidth > 0) row += _fit(roomRows[i] ?? "", roomWidth) + bar;
      row += _fit(paneRows[i] ?? "", paneWidth);
      if (nickWidth > 0) row += bar + _fit(nickRows[i] ?? "", nickWidth);
      frame.push(row);
    }
    frame.push(this.#statusBar(width));
    let out = ANSI.hideCursor;
    frame.forEach((row, index) => {
      if (this.#frame[index] !== row) out += `${ANSI.to(index + 1, 1)}${row}\x1b[0m`;
    });
    this.#frame = frame;
    this.#term.output.write(out);
    this.drawInput(this.#input);
    this.#term.output.write(ANSI.showCursor);
  }

  /** The visible rows of the current pane, top to bottom. */
  #paneRows(width: number, height: number): string[] {
    const pane = this.#pane(this.#current);
    const wanted = pane.scroll === Number.MAX_SAFE_INTEGER ? Infinity : height + pane.scroll;
    const collected: string[][] = [];
    let count = 0;
    let i = pane.lines.length - 1;
    for (; i >= 0 && count < wanted; i--) {
      const line = pane.lines[i]!;
      // Wrapped when drawn, not kept: only the lines on screen are wrapped, and 50,000
      // lines of scrollback cost their text only.
      const wrapped = wrapStyled(line.text, width);
      collected.push(wrapped);
      count += wrapped.length;
      if (pane.marker === i && i > 0 && pane.marker < pane.lines.length) {
        collected.push([this.#style.yellow(t("status.newMessages"))]);
        count++;
      }
    }
    const all = collected.reverse().flat();
    pane.scroll = Math.max(0, Math.min(pane.scroll, all.length - height));
    // At the top when every line was collected and the window shows the first one.
    this.#atTop = i < 0 && pane.scroll >= all.length - height;
    const end = all.length - pane.scroll;
    return all.slice(Math.max(0, end - height), end);
  }

  #roomRows(width: number): string[] {
    if (width === 0) return [];
    const s = this.#style;
    return [
      s.bold(t("status.rooms")) + s.dim(" F2"),
      ...this.#bars.rooms.map((room, index) => {
        const counts = (room.unread > 0 ? ` ${room.unread}` : "") +
          (room.mentions > 0 ? ` @${room.mentions}` : "");
        const label = `${index < 9 ? index + 1 : " "} ${room.name}`;
        const fitted = truncateToWidth(label, Math.max(1, width - textWidth(counts)), true);
        if (room.key === this.#current) return s.inverse(fitted) + counts;
        const countText = room.mentions > 0 ? s.red(s.bold(counts)) : s.yellow(counts);
        return (room.unread > 0 ? s.bold(fitted) : fitted) + countText;
      }),
    ];
  }

  #nickRows(width: number): string[] {
    if (width === 0) return [];
    const s = this.#style;
    const self = this.#bars.self?.toLowerCase();
    const names = [...this.#bars.members].sort((a, b) => a.localeCompare(b));
    return [
      s.bold(t("status.online", { count: names.length })),
      ...names.map((name) => name.toLowerCase() === self ? s.bold(name) : s.name(name)),
    ];
  }

  #topBar(width: number): string {
    if (this.#search !== null) {
      const text = truncateToWidth(
        ` ${t("status.search", { title: this.#search.title })}`,
        width,
        true,
      );
      return this.#style.inverse(_pad(text, width));
    }
    const { room, topic, members } = this.#bars;
    const right = room === null ? "" : ` ${t("status.online", { count: members.length })} `;
    const left = room === null ? ` ${t("status.noRoom")}` : ` ${room}${topic ? ` — ${topic}` : ""}`;
    const text = truncateToWidth(left, Math.max(1, width - textWidth(right)), true);
    return this.#style.inverse(_pad(text, width - textWidth(right)) + right);
  }

  #statusBar(width: number): string {
    const b = this.#bars;
    const pane = this.#pane(this.#current);
    const parts = [
      b.self ?? "",
      b.connection,
      b.lagMs === null ? "" : t("status.lag", { ms: b.lagMs }),
      b.pending > 0 ? t("status.pending", { count: b.pending }) : "",
      pane.scroll > 0 ? t("status.scrolled") : "",
      t("status.keys"),
    ].filter((part) => part !== "");
    const text = truncateToWidth(` ${parts.join(" · ")}`, width, true);
    return this.#style.inverse(_pad(text, width));
  }
}

/** Styled `text` cut or padded to exactly `width` columns. */
function _fit(text: string, width: number): string {
  const used = textWidth(text);
  if (used <= width) return text + " ".repeat(width - used);
  const cut = truncateToWidth(stripStyle(text), width, true);
  return cut + " ".repeat(Math.max(0, width - textWidth(cut)));
}

/**
 * A styled line is built by concatenation, which V8 keeps as a tree of pieces (about 600
 * bytes a chat line); one copy into a single string keeps 50,000 lines of scrollback at
 * about a third of that.
 */
function _flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function _pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - textWidth(text)));
}

function _dayName(date: Date): string {
  return date.toLocaleDateString(undefined, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}
