/**
 * The full-screen chat window (alternate screen): a top bar (room, topic, members), the
 * message pane of the current room with its own scrollback (PgUp/PgDn, Home/End on an empty
 * input), a "new messages" line where you left a room and a line at each new day, the list
 * of joined rooms with unread and mention counts (F2 shows or hides it, Alt-1..9 switch), the
 * nick list, a status bar, and the input row. Everything is measured by grapheme cluster.
 *
 * Built for bursts (issue 17): lines are stored compactly ({@linkcode Scrollback}; a room
 * message is formatted only when it is drawn), a burst of lines is drawn at most once a frame
 * ({@linkcode FRAME_MS}), only the rows on screen are formatted and wrapped (and kept from one
 * frame to the next), and only the rows that changed are written. Nothing done per line is
 * proportional to the scrollback.
 */
import type { ChatMessage } from "../../protocol/server_frames.ts";
import { formatMessage } from "../format.ts";
import type { Style } from "../style.ts";
import { t, ui } from "../i18n.ts";
import { stripStyle, textWidth, truncateToWidth, wrapStyled } from "../text_width.ts";
import type { ScreenPainter } from "./chat_screen.ts";
import type { InputRow } from "./input_row.ts";
import { LineFlag, Scrollback, type StoredLine, type StoredMessage } from "./scrollback.ts";
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

/** The first row shown when scrolled up: row `row` of line `line` (absolute index). */
interface Top {
  line: number;
  row: number;
}

interface Pane {
  lines: Scrollback;
  /** The first row shown, or null when following the newest line. */
  top: Top | null;
  /** Absolute index of the first line not seen yet, or null. */
  marker: number | null;
  /** The local day of the newest message with a time, as [start, end) in ms; NaN: none yet. */
  dayStart: number;
  dayEnd: number;
  /**
   * The local day (its start in ms) of the oldest message with a time (NaN: none yet), and
   * the index of the day line above it, or null when it has none (a first message from
   * today): where older history put in front meets the lines already there.
   */
  oldestDay: number;
  oldestDayLine: number | null;
  /** Day lines that older history put in front made a repeat of its own: drawn as nothing. */
  hidden: Set<number>;
}

/** A line as drawn: its rows (each standing alone, styles closed) and their widths. */
interface Wrapped {
  rows: string[];
  widths: number[];
}

/** The bars and the side columns as drawn, and what they were drawn from. */
interface Sides {
  key: unknown[];
  top: string;
  status: string;
  rooms: string[];
  nicks: string[];
}

/** Formats a room message kept in a pane when it is drawn. */
export type MessageFormatter = (message: ChatMessage) => string;

/** Least time between two paints of a burst, in ms (about one frame at 60 Hz). */
export const FRAME_MS = 16;

/** Text that is printable ASCII only: one column a character, no wrapping needed to measure. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** What a hidden line is drawn as. */
const _NOTHING: Wrapped = { rows: [], widths: [] };

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
  /** When the last paint started (`performance.now()`). */
  #lastPaint = -Infinity;
  #closed = false;
  #onSwitch: SwitchHandler = () => {};
  #onTop: () => void = () => {};
  #format: MessageFormatter;
  /** Whether the pane showed its first line at the last paint. */
  #atTop = false;
  /** Whether older lines were asked for and have not come yet. */
  #loadingOlder = false;
  /** The search pane on screen: its title and the room pane to go back to. */
  #search: { title: string; back: string } | null = null;
  /** Columns of the message pane at the last paint. */
  #paneWidth = 80;
  /** The current pane's lines as drawn at the last paint (and those scrolled over), by index. */
  #wrapped = new Map<number, Wrapped>();
  /** Which pane and width {@linkcode #wrapped} is for. */
  #wrappedFor = { pane: null as Pane | null, width: 0 };
  /** The bars and side columns as last drawn, and what they were drawn from. */
  #sides: Sides = { key: [], top: "", status: "", rooms: [], nicks: [] };

  constructor(term: Terminal, style: Style) {
    this.#term = term;
    this.#style = style;
    this.#format = (message) => formatMessage(message, null, style);
    enterAltScreen(term);
    this.#paint();
  }

  /** Sets how room messages are formatted when drawn (the view's own name, mentions). */
  formatWith(format: MessageFormatter): void {
    this.#format = format;
    this.#wrapped.clear();
    this.#schedule();
  }

  /** Sets what Alt-1..9 do. */
  onSwitch(handler: SwitchHandler): void {
    this.#onSwitch = handler;
  }

  /** Sets what PageUp at the top of the pane does (fetch older messages). */
  onTop(handler: () => void): void {
    this.#onTop = handler;
  }

  /** Puts older styled lines at the top of room `key`'s pane. */
  prepend(key: string, lines: string[]): void {
    this.#prepend(key, lines.map((text) => ({ kind: "text", text: _flat(text) })));
  }

  /**
   * Puts older messages (oldest first) at the top of room `key`'s pane, with a day line at
   * each new day as {@linkcode appendMessage} puts them: one per day boundary, the one
   * between these messages and the lines already there included.
   */
  prependMessages(key: string, messages: readonly ChatMessage[]): void {
    const pane = this.#pane(key);
    const lines: (StoredLine & { msgid?: string })[] = [];
    /** The day of the last message with a time so far, as [start, end) in ms. */
    let start = NaN;
    let end = NaN;
    /** The first day of these messages, and where its day line is among them (or null). */
    let first = NaN;
    let firstLine: number | null = null;
    for (const message of messages) {
      const ts = Date.parse(message.ts);
      if (!Number.isNaN(ts) && !(ts >= start && ts < end)) {
        // A day line between days, and above a first message that is not from today.
        if (!Number.isNaN(start) || !_isToday(ts)) {
          if (Number.isNaN(start)) firstLine = lines.length;
          lines.push(this.#dayText(ts));
        }
        [start, end] = _dayOf(ts);
        if (Number.isNaN(first)) first = start;
      }
      lines.push(this.#stored(message, ts));
    }
    if (!Number.isNaN(start)) {
      if (Number.isNaN(pane.oldestDay)) {
        // Nothing with a time in the pane yet: the newest day is the last one of these.
        pane.dayStart = start;
        pane.dayEnd = end;
      } else if (pane.oldestDay === start) {
        // The same day goes on below: its line is now above these messages.
        if (pane.oldestDayLine !== null) pane.hidden.add(pane.oldestDayLine);
      } else if (pane.oldestDayLine === null) {
        // The lines already there start today, without a line: one between the days.
        lines.push(this.#dayText(pane.oldestDay));
      }
    }
    this.#prepend(key, lines);
    if (!Number.isNaN(first)) {
      pane.oldestDay = first;
      pane.oldestDayLine = firstLine === null ? null : pane.lines.first + firstLine;
    }
  }

  /** Shows search results in a pane of their own, until Esc (or another room). */
  showSearch(title: string, lines: string[]): void {
    const back = this.#search?.back ?? this.#current;
    this.#panes.delete(SEARCH);
    const pane = this.#pane(SEARCH);
    for (const line of lines) pane.lines.appendText(_flat(line));
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
    pane.marker = pane.lines.end;
  }

  /**
   * Adds a styled line to room `key`'s pane; `ts` (an ISO time) puts a day line before it
   * when it starts a new day.
   */
  append(key: string, text: string, ts?: string, msgid?: string): void {
    const pane = this.#pane(key);
    if (ts !== undefined) this.#dayLine(pane, Date.parse(ts));
    pane.lines.appendText(_flat(text), msgid);
    this.#added(key);
  }

  /**
   * Adds a room message to room `key`'s pane (with a day line before it when it starts a new
   * day). It is kept as its author and text, and formatted only if it is drawn.
   */
  appendMessage(key: string, message: ChatMessage): void {
    const pane = this.#pane(key);
    const ts = Date.parse(message.ts);
    this.#dayLine(pane, ts);
    const line = this.#stored(message, ts);
    if (line.kind === "text") pane.lines.appendText(line.text, message.msgid);
    else pane.lines.appendMessage(line.message, message.msgid);
    this.#added(key);
  }

  /**
   * Replaces the line of message `msgid` in room `key`'s pane with `text` (an edit or a
   * tombstone); false when the message is not in the pane.
   */
  replace(key: string, msgid: string, text: string): boolean {
    const pane = this.#panes.get(key);
    if (!pane) return false;
    const index = pane.lines.find(msgid);
    if (index === null) return false;
    pane.lines.replaceText(index, _flat(text));
    if (pane === this.#wrappedFor.pane) this.#wrapped.delete(index);
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
    this.#wrapped.clear();
    this.#sides.key = [];
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
      this.#scroll(pane, -page);
    } else if (key.name === "pagedown") this.#scroll(pane, page);
    else if (key.name === "home" && (inputEmpty || key.ctrl)) {
      pane.top = { line: pane.lines.first, row: 0 };
    } else if (key.name === "end" && (inputEmpty || key.ctrl)) pane.top = null;
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
      pane = {
        lines: new Scrollback(SCROLLBACK_LINES),
        top: null,
        marker: null,
        dayStart: NaN,
        dayEnd: NaN,
        oldestDay: NaN,
        oldestDayLine: null,
        hidden: new Set(),
      };
      this.#panes.set(key, pane);
    }
    return pane;
  }

  /** A message as a pane keeps it: raw, or already formatted when its time is not one. */
  #stored(message: ChatMessage, ts = Date.parse(message.ts)): StoredLine & { msgid: string } {
    if (Number.isNaN(ts)) {
      return { kind: "text", text: _flat(this.#format(message)), msgid: message.msgid };
    }
    const flags = (message.kind === "action" ? LineFlag.action : 0) |
      (typeof message.edited === "string" ? LineFlag.edited : 0) |
      (message.deleted === true ? LineFlag.deleted : 0);
    const stored: StoredMessage = { user: message.user, text: message.text, ts, flags };
    return { kind: "message", message: stored, msgid: message.msgid };
  }

  #prepend(key: string, lines: (StoredLine & { msgid?: string })[]): void {
    this.#pane(key).lines.prepend(lines);
    if (key === this.#current) {
      this.#loadingOlder = false;
      this.#schedule();
    }
  }

  /** A line was added to room `key`'s pane. */
  #added(key: string): void {
    if (key === this.#current) {
      this.#loadingOlder = false;
      this.#schedule();
    }
  }

  /** Adds a day line before a message at `ts` (ms) when it starts a new day. */
  #dayLine(pane: Pane, ts: number): void {
    if (Number.isNaN(ts) || (ts >= pane.dayStart && ts < pane.dayEnd)) return;
    const first = Number.isNaN(pane.dayStart);
    let line: number | null = null;
    // A day line between days, and above a first message that is not from today.
    if (!first || !_isToday(ts)) line = pane.lines.appendText(this.#dayText(ts).text);
    [pane.dayStart, pane.dayEnd] = _dayOf(ts);
    if (first) {
      pane.oldestDay = pane.dayStart;
      pane.oldestDayLine = line;
    }
  }

  /**
   * The day line of the day of `ts` (ms), as a pane keeps it: in the client's language
   * (`--lang`), not the system's locale.
   */
  #dayText(ts: number): StoredLine & { kind: "text" } {
    return { kind: "text", text: _flat(this.#rule(ui().day(ts))) };
  }

  #rule(label: string): string {
    return this.#style.dim(`── ${label} ──`);
  }

  #paneHeight(): number {
    return Math.max(1, rows(this.#term) - 3);
  }

  /** Repaints soon, at most once a frame: a burst of lines is drawn once. */
  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const wait = Math.max(0, this.#lastPaint + FRAME_MS - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#paint();
    }, wait);
  }

  #paint(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastPaint = performance.now();
    const width = columns(this.#term);
    const paneHeight = this.#paneHeight();
    const roomWidth = this.#showRooms && width >= 60 ? Math.min(20, Math.floor(width / 5)) : 0;
    const nickWidth = width >= 90 ? 16 : 0;
    const paneWidth = width - (roomWidth > 0 ? roomWidth + 1 : 0) -
      (nickWidth > 0 ? nickWidth + 1 : 0);
    this.#paneWidth = paneWidth;
    const pane = this.#pane(this.#current);
    const paneRows = this.#paneRows(pane, paneWidth, paneHeight);
    const sides = this.#sideColumns(width, roomWidth, nickWidth, pane);
    const { rooms: roomRows, nicks: nickRows } = sides;
    const bar = this.#style.dim("│");
    const frame: string[] = [sides.top];
    for (let i = 0; i < paneHeight; i++) {
      let row = "";
      if (roomWidth > 0) row += (roomRows[i] ?? " ".repeat(roomWidth)) + bar;
      const shown = paneRows.rows[i] ?? "";
      const used = paneRows.widths[i] ?? 0;
      // A row is wider only when one cluster is wider than the whole pane.
      row += used <= paneWidth ? shown + " ".repeat(paneWidth - used) : _fit(shown, paneWidth);
      if (nickWidth > 0) row += bar + (nickRows[i] ?? " ".repeat(nickWidth));
      frame.push(row);
    }
    frame.push(sides.status);
    let out = ANSI.hideCursor;
    frame.forEach((row, index) => {
      if (this.#frame[index] !== row) out += `${ANSI.to(index + 1, 1)}${row}\x1b[0m`;
    });
    this.#frame = frame;
    this.#term.output.write(out);
    this.drawInput(this.#input);
    this.#term.output.write(ANSI.showCursor);
  }

  /**
   * The visible rows of `pane`, top to bottom: from its top row when scrolled up, else the
   * newest ones. Only the lines on screen are formatted and wrapped.
   */
  #paneRows(pane: Pane, width: number, height: number): Wrapped {
    const used = this.#useWrapped(pane, width);
    const { first, end } = pane.lines;
    const out: Wrapped = { rows: [], widths: [] };
    if (pane.top !== null) {
      if (pane.top.line < first) pane.top = { line: first, row: 0 };
      const top = pane.top;
      top.row = Math.max(
        0,
        Math.min(top.row, this.#lineRows(pane, top.line, width, used).rows.length - 1),
      );
      let line = top.line;
      let skip = top.row;
      /** Whether the last line drawn goes on below the pane. */
      let cut = false;
      for (; line < end && out.rows.length < height && !cut; line++) {
        const wrapped = this.#lineRows(pane, line, width, used);
        const available = wrapped.rows.length - skip;
        const take = Math.min(available, height - out.rows.length);
        for (let r = skip; r < skip + take; r++) {
          out.rows.push(wrapped.rows[r]!);
          out.widths.push(wrapped.widths[r]!);
        }
        cut = take < available;
        skip = 0;
      }
      // Still scrolled up unless the newest row is on screen: then following again.
      if (out.rows.length === height && (cut || line < end)) {
        this.#atTop = top.line === first && top.row === 0;
        this.#keepWrapped(used);
        return out;
      }
      pane.top = null;
      out.rows = [];
      out.widths = [];
    }
    const collected: Wrapped[] = [];
    let count = 0;
    let line = end - 1;
    for (; line >= first && count < height; line--) {
      const wrapped = this.#lineRows(pane, line, width, used);
      collected.push(wrapped);
      count += wrapped.rows.length;
    }
    this.#atTop = line < first && count <= height;
    let drop = Math.max(0, count - height);
    for (let c = collected.length - 1; c >= 0; c--) {
      const wrapped = collected[c]!;
      for (let r = 0; r < wrapped.rows.length; r++) {
        if (drop > 0) {
          drop--;
          continue;
        }
        out.rows.push(wrapped.rows[r]!);
        out.widths.push(wrapped.widths[r]!);
      }
    }
    this.#keepWrapped(used);
    return out;
  }

  /** Scrolls `pane` by `delta` rows (negative: up, towards older lines). */
  #scroll(pane: Pane, delta: number): void {
    const width = this.#paneWidth;
    const height = this.#paneHeight();
    this.#useWrapped(pane, width);
    const used = this.#wrapped; // lines wrapped here are kept for the paint that follows
    const top = pane.top ?? this.#bottomTop(pane, width, height, used);
    if (top === null) return; // everything fits: nothing to scroll
    const { first, end } = pane.lines;
    let line = Math.max(top.line, first);
    let row = top.row + delta;
    while (row < 0) {
      if (--line < first) {
        line = first;
        row = 0;
        break;
      }
      row += this.#lineRows(pane, line, width, used).rows.length;
    }
    while (row > 0 && row >= this.#lineRows(pane, line, width, used).rows.length) {
      row -= this.#lineRows(pane, line, width, used).rows.length;
      if (++line >= end) {
        pane.top = null;
        return;
      }
    }
    // The paint that follows goes back to following when this shows the newest row.
    pane.top = { line, row };
  }

  /** The top row of `pane` when it follows the newest line, or null when all of it fits. */
  #bottomTop(pane: Pane, width: number, height: number, used: Map<number, Wrapped>): Top | null {
    let count = 0;
    for (let line = pane.lines.end - 1; line >= pane.lines.first; line--) {
      count += this.#lineRows(pane, line, width, used).rows.length;
      if (count >= height) return { line, row: count - height };
    }
    return null;
  }

  /**
   * The rows of line `index` of `pane`: the "new messages" row first when it is the first line
   * not seen, then the line formatted and wrapped to `width` (kept for the next paint).
   */
  #lineRows(pane: Pane, index: number, width: number, used: Map<number, Wrapped>): Wrapped {
    let wrapped = pane.hidden.size > 0 && pane.hidden.has(index)
      ? _NOTHING
      : used.get(index) ?? this.#wrapped.get(index);
    if (wrapped === undefined) {
      const line = pane.lines.line(index);
      let text = "";
      if (line !== null) text = line.kind === "text" ? line.text : this.#formatStored(line.message);
      wrapped = _wrap(text, width);
    }
    used.set(index, wrapped);
    const { marker } = pane;
    if (marker !== index || marker <= pane.lines.first || marker >= pane.lines.end) return wrapped;
    const rule = this.#style.yellow(t("status.newMessages"));
    return { rows: [rule, ...wrapped.rows], widths: [textWidth(rule), ...wrapped.widths] };
  }

  #formatStored(message: StoredMessage): string {
    const { flags } = message;
    return this.#format({
      msgid: "",
      user: message.user,
      text: message.text,
      ts: new Date(message.ts).toISOString(),
      ...((flags & LineFlag.action) !== 0 ? { kind: "action" as const } : {}),
      ...((flags & LineFlag.edited) !== 0 ? { edited: "" } : {}),
      ...((flags & LineFlag.deleted) !== 0 ? { deleted: true as const } : {}),
    });
  }

  /** The map of lines drawn by this paint; the kept lines are those of `pane` at `width`. */
  #useWrapped(pane: Pane, width: number): Map<number, Wrapped> {
    const kept = this.#wrappedFor;
    if (kept.pane !== pane || kept.width !== width) {
      this.#wrapped.clear();
      this.#wrappedFor = { pane, width };
    }
    return new Map();
  }

  /** Keeps the lines of this paint for the next one, and only those. */
  #keepWrapped(used: Map<number, Wrapped>): void {
    this.#wrapped = used;
  }

  /**
   * The bars, the room list and the nick list, fitted to their widths: made again only when
   * what they show changed (not for each frame of a burst).
   */
  #sideColumns(width: number, roomWidth: number, nickWidth: number, pane: Pane): Sides {
    const sides = this.#sides;
    const key = [
      this.#bars,
      width,
      roomWidth,
      nickWidth,
      this.#current,
      this.#search,
      pane.top === null,
    ];
    if (!key.every((part, i) => part === sides.key[i])) {
      this.#sides = {
        key,
        top: this.#topBar(width),
        status: this.#statusBar(width, pane),
        rooms: this.#roomRows(roomWidth).map((row) => _fit(row, roomWidth)),
        nicks: this.#nickRows(nickWidth).map((row) => _fit(row, nickWidth)),
      };
    }
    return this.#sides;
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

  #statusBar(width: number, pane: Pane): string {
    const b = this.#bars;
    const parts = [
      b.self ?? "",
      b.connection,
      b.lagMs === null ? "" : t("status.lag", { ms: b.lagMs }),
      b.pending > 0 ? t("status.pending", { count: b.pending }) : "",
      pane.top !== null ? t("status.scrolled") : "",
      t("status.keys"),
    ].filter((part) => part !== "");
    const text = truncateToWidth(` ${parts.join(" · ")}`, width, true);
    return this.#style.inverse(_pad(text, width));
  }
}

/**
 * A styled line wrapped to `width` columns, each row standing alone (as `wrapStyled` makes
 * them), with the rows' widths. A printable ASCII line that fits is measured by its length.
 */
function _wrap(text: string, width: number): Wrapped {
  const styled = text.includes("\x1b");
  const plain = styled ? stripStyle(text) : text;
  const ascii = PRINTABLE_ASCII.test(plain);
  if (ascii && plain.length <= width) {
    return { rows: [styled ? `${text}\x1b[0m` : text], widths: [plain.length] };
  }
  const rows = wrapStyled(text, width);
  // A row of printable ASCII is as wide as it is long, without its styles.
  const measure = ascii ? (row: string) => stripStyle(row).length : textWidth;
  return { rows, widths: rows.map(measure) };
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

/** The local day of `ts` (ms) as [start, end) in ms. */
function _dayOf(ts: number): [number, number] {
  const date = new Date(ts);
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const end = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1);
  return [start.getTime(), end.getTime()];
}

/** Whether `ts` (ms) is in today's local day. */
function _isToday(ts: number): boolean {
  return new Date(ts).toDateString() === new Date().toDateString();
}
