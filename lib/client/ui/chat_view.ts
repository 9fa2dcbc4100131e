/**
 * The chat view: keeps the joined rooms (members, topic, unread and mention counts), shows
 * messages, direct messages and notices, and hands typed lines to the command runner. In
 * line mode other rooms' messages wait for `/switch` and the prompt carries the state; in
 * full-screen mode every room has its own pane and the bars carry it.
 */
import { foldName } from "../../protocol/names.ts";
import type { ChatClient, JoinResult } from "../chat_client.ts";
import { complete } from "../completion.ts";
import type { RoomMessage } from "../events.ts";
import {
  formatError,
  formatInfo,
  formatMessage,
  formatNotice,
  formatPresence,
  sanitize,
} from "../format.ts";
import type { Style } from "../style.ts";
import { ChatScreen } from "../terminal/chat_screen.ts";
import { FullScreenPainter } from "../terminal/full_screen.ts";
import type { Terminal } from "../terminal/terminal.ts";
import { runCommand, showHistory } from "./chat_commands.ts";
import { renderEvent } from "./chat_events.ts";
import { mentions } from "./mentions.ts";
import { ReadMarkers } from "./read_markers.ts";
import { bars, type ChatStatus, prompt } from "./status.ts";

/** Unread messages kept per room for showing on `/switch` (line mode). */
const UNREAD_KEPT = 200;

/** Messages fetched when PageUp reaches the top of the pane. */
const HISTORY_PAGE = 50;

/** How often the lag to the server is measured with `ping` (full-screen mode). */
const LAG_EVERY_MS = 15_000;

/** Exit codes of the interactive client. */
export const EXIT = { ok: 0, failure: 1, usage: 2, removed: 3 } as const;

/** How the view looks and behaves. */
export interface ChatViewOptions {
  /** The full-screen window instead of line mode. */
  fullScreen?: boolean;
  /** Ring the terminal bell when a message mentions you. */
  bell?: boolean;
}

interface RoomView {
  key: string;
  name: string;
  topic: string | null;
  members: Map<string, string>;
  /** Line mode: messages held until `/switch`. */
  unread: RoomMessage[];
  unreadCount: number;
  mentionCount: number;
  /** Oldest msgid shown, where `/history` continues. */
  oldest: string | null;
  /** Newest msgid received. */
  newest: string | null;
  /** Whether the room's first message is shown (no older page to fetch). */
  complete: boolean;
}

/** The chat screen bound to a chat client. */
export class ChatView {
  readonly client: ChatClient;
  readonly style: Style;
  readonly screen: ChatScreen;
  /** Room names seen in room lists, for completion. */
  readonly knownRooms = new Set<string>();
  /** User names seen, for completion. */
  readonly knownUsers = new Map<string, string>();
  #full: FullScreenPainter | null;
  #bell: boolean;
  #rooms = new Map<string, RoomView>();
  #current: string | null = null;
  #done = Promise.withResolvers<number>();
  #queue: Promise<void> = Promise.resolve();
  #lagMs: number | null = null;
  #markers: ReadMarkers;
  #lagTimer: ReturnType<typeof setInterval> | undefined;
  /** Lines to show on the normal screen after the full-screen window closes. */
  #farewell: string[] = [];

  constructor(client: ChatClient, term: Terminal, style: Style, options: ChatViewOptions = {}) {
    this.client = client;
    this.style = style;
    this.#bell = options.bell === true;
    this.#markers = new ReadMarkers(client);
    this.#full = options.fullScreen ? new FullScreenPainter(term, style) : null;
    this.screen = new ChatScreen(term, {
      prompt: this.#prompt(),
      complete: (line) =>
        complete(line, {
          rooms: [...this.knownRooms],
          joinedRooms: this.client.joinedRooms,
          users: [...this.knownUsers.values()],
        }),
      painter: this.#full ?? undefined,
    });
    this.#full?.onSwitch((index) => {
      const room = [...this.#rooms.values()][index];
      if (room) this.switchTo(room.name);
    });
    // PageUp at the top of the pane fetches the page before it.
    this.#full?.onTop(() => {
      const room = this.#current === null ? undefined : this.#rooms.get(foldName(this.#current));
      if (room && !room.complete) this.queueWork(() => showHistory(this, HISTORY_PAGE));
    });
    // Lines run one after another, so a slow command cannot be overtaken by the next line.
    this.screen.onLine((line) => this.queueWork(() => runCommand(this, line)));
    this.screen.onClose(() => this.quit());
    client.on((event) => renderEvent(this, event));
    this.#learnRooms();
    if (this.#full) {
      this.#measureLag();
      this.#lagTimer = setInterval(() => this.#measureLag(), LAG_EVERY_MS);
      Deno.unrefTimer(this.#lagTimer);
    }
  }

  /** Whether the full-screen window is used. */
  get fullScreen(): boolean {
    return this.#full !== null;
  }

  /** The room messages are shown for, or null. */
  get current(): string | null {
    return this.#current;
  }

  /** Resolves with the exit code when the view ends. */
  get finished(): Promise<number> {
    return this.#done.promise;
  }

  /** Shows lines (in the current room's pane in full-screen mode). */
  print(...lines: string[]): void {
    this.screen.print(...lines);
  }

  /** Prints an information line. */
  info(text: string): void {
    this.print(formatInfo(text, this.style));
  }

  /** Prints an error line. */
  error(text: string): void {
    this.print(formatError(text, this.style));
  }

  /** Remembers a user name for completion. */
  learnUser(name: string): void {
    this.knownUsers.set(foldName(name), name);
  }

  /** Shows a room just joined: its topic, who is there and its recent history. */
  enterRoom(joined: Extract<JoinResult, { ok: true }>): void {
    const key = foldName(joined.room);
    const room: RoomView = {
      key,
      name: joined.room,
      topic: joined.topic,
      members: new Map(joined.members.map((name) => [foldName(name), name])),
      unread: [],
      unreadCount: 0,
      mentionCount: 0,
      oldest: joined.history[0]?.msgid ?? null,
      newest: joined.history.at(-1)?.msgid ?? null,
      complete: !joined.more && joined.history.length < 50,
    };
    this.#rooms.set(key, room);
    this.knownRooms.add(joined.room);
    for (const member of joined.members) this.learnUser(member);
    this.#leaveCurrent();
    this.#current = joined.room;
    this.#full?.show(key);
    const topic = joined.topic ? ` - ${joined.topic}` : "";
    this.info(`Joined ${joined.room}${topic}`);
    this.info(`${joined.members.length} online: ${joined.members.join(", ")}`);
    if (joined.history.length === 0) this.info("No messages yet. Say hello!");
    else if (joined.more) this.info("Older messages: /history");
    for (const message of joined.history) this.#showMessage(room, message);
    this.#markers.seen(room.name, room.newest);
    this.refreshPrompt();
  }

  /** Makes a joined room the current one and shows what arrived there meanwhile. */
  switchTo(room: string): boolean {
    const view = this.#rooms.get(foldName(room));
    if (!view) return false;
    this.#leaveCurrent();
    this.#current = view.name;
    if (this.#full) {
      this.#full.show(view.key);
    } else {
      this.info(`Now in ${view.name}`);
      if (view.unreadCount > view.unread.length) {
        this.info(`${view.unreadCount - view.unread.length} older unread messages not shown.`);
      }
      this.print(...view.unread.map((m) => this.#formatRoomMessage(m)));
    }
    view.unread = [];
    view.unreadCount = 0;
    view.mentionCount = 0;
    this.#markers.seen(view.name, view.newest);
    this.refreshPrompt();
    return true;
  }

  /** Forgets a room left; the current room becomes another joined one, if any. */
  forgetRoom(room: string): void {
    this.#rooms.delete(foldName(room));
    if (this.#current !== null && foldName(this.#current) === foldName(room)) {
      const next = [...this.#rooms.values()][0];
      this.#current = null;
      if (next) this.switchTo(next.name);
      else this.info("You are in no room now: /join ROOM or /rooms.");
    }
    this.#full?.drop(foldName(room));
    this.refreshPrompt();
  }

  /**
   * The room is gone (an admin deleted it): forget it, say so, and move to another joined
   * room, or join `general` when there is none.
   */
  async roomGone(room: string, why: string): Promise<void> {
    if (!this.#rooms.has(foldName(room))) return;
    this.client.forgetRoom(room);
    const wasCurrent = this.#current !== null && foldName(this.#current) === foldName(room);
    this.#rooms.delete(foldName(room));
    if (!wasCurrent) {
      this.error(`${why} You are no longer in ${room}.`);
      return this.refreshPrompt();
    }
    this.#current = null;
    const next = [...this.#rooms.values()][0];
    if (next) this.switchTo(next.name);
    else if (foldName(room) !== foldName("general")) {
      const joined = await this.client.join("general").catch(() => null);
      if (joined?.ok) this.enterRoom(joined);
    }
    // Said after the move, so that it shows in the room the user is now looking at.
    this.error(`${why} You are no longer in ${room}.`);
    if (this.#current === null) this.info("You are in no room now: /join ROOM or /rooms.");
    this.#full?.drop(foldName(room));
    this.refreshPrompt();
  }

  /** Shows a message that waits to be sent (offline): it is sent once back online. */
  pending(room: string, text: string): void {
    const shown = sanitize(text, "   ");
    this.print(
      this.style.dim(
        `⧗ ${
          sanitize(room)
        }: ${shown}  (not sent yet: offline; it is sent when the connection is back)`,
      ),
    );
    this.refreshPrompt();
  }

  /**
   * Shows older messages of `room` (from `/history`): at the top of its pane in full-screen
   * mode, else printed between two lines that say what they are.
   */
  showOlder(room: string, messages: RoomMessage[], more: boolean): void {
    const view = this.#rooms.get(foldName(room));
    if (view && !more) view.complete = true;
    if (this.#full) {
      const key = foldName(room);
      const lines = messages.map((m) => this.#formatRoomMessage(m));
      this.#full.prepend(key, lines, messages.map((m) => m.msgid));
      if (!more) this.#full.prepend(key, [formatInfo(`Start of ${room}.`, this.style)]);
      return;
    }
    this.info(`${messages.length} earlier messages in ${room}:`);
    this.print(...messages.map((m) => this.#formatRoomMessage(m)));
    this.info(`End of earlier messages${more ? " (/history for more)" : ""}.`);
  }

  /**
   * Shows search results: in a pane of their own in full-screen mode (Esc goes back), else
   * printed under a line that says what they are.
   */
  showSearch(title: string, lines: string[]): void {
    if (this.#full) return this.#full.showSearch(title, lines);
    this.info(`${title}:`);
    this.print(...lines);
  }

  /** Where `/history` continues in a room, and a way to move it back. */
  oldest(room: string): string | null {
    return this.#rooms.get(foldName(room))?.oldest ?? null;
  }

  /** Records that messages back to `msgid` are now shown. */
  setOldest(room: string, msgid: string): void {
    const view = this.#rooms.get(foldName(room));
    if (view) view.oldest = msgid;
  }

  /** Redraws what shows the state: the prompt, and in full-screen mode the bars. */
  refreshPrompt(): void {
    this.screen.setPrompt(this.#prompt());
    this.#full?.setBars(bars(this.#status()));
  }

  /** A line to repeat on the normal screen once the full-screen window is closed. */
  farewell(line: string): void {
    this.#farewell.push(line);
  }

  /** A direct message arrived: the bell rings for one from someone else, with `--bell`. */
  directMessage(from: string): void {
    this.learnUser(from);
    if (this.#bell && foldName(from) !== foldName(this.client.user ?? "")) this.screen.bell();
  }

  /** Logs out and ends the view with exit code 0. */
  quit(): void {
    this.info("Bye.");
    this.#farewell.push(formatInfo("Bye.", this.style));
    this.client.logout().finally(() => this.end(EXIT.ok));
  }

  /** Ends the view: closes the screen and resolves {@linkcode finished} with `code`. */
  end(code: number): void {
    clearInterval(this.#lagTimer);
    this.#markers.close();
    this.screen.close();
    // The full-screen window is gone: repeat what the user must still read.
    if (this.#full && this.#farewell.length > 0) this.screen.print(...this.#farewell);
    this.#done.resolve(code);
  }

  /** Runs `work` after what was queued before it, so typed lines keep their order. */
  queueWork(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch((error) => {
      this.error(`Unexpected problem: ${error instanceof Error ? error.message : error}`);
    });
  }

  /** Fills the completion lists from the room list, in the background. */
  #learnRooms(): void {
    this.client.rooms().then((listed) => {
      if (!listed.ok) return;
      for (const room of listed.rooms) {
        this.knownRooms.add(room.name);
        for (const member of room.members) this.learnUser(member);
      }
    }, () => {});
  }

  async #measureLag(): Promise<void> {
    if (!this.client.online) return;
    const started = performance.now();
    try {
      if ((await this.client.request("ping")).ok) {
        this.#lagMs = Math.round(performance.now() - started);
        this.refreshPrompt();
      }
    } catch {
      // Offline: the status bar says so already.
    }
  }

  /** Full-screen mode: what arrives in the room being left from now on is "new". */
  #leaveCurrent(): void {
    if (this.#full && this.#current !== null) this.#full.markLeft(foldName(this.#current));
  }

  #status(): ChatStatus {
    const current = this.#current === null ? undefined : this.#rooms.get(foldName(this.#current));
    return {
      current: current ?? null,
      rooms: this.#rooms.values(),
      self: this.client.user,
      online: this.client.online,
      pending: this.client.unacknowledged,
      lagMs: this.#lagMs,
    };
  }

  #prompt(): string {
    return prompt(this.#status(), this.style, this.#full !== null);
  }

  #isCurrent(room: string): boolean {
    return this.#current !== null && foldName(room) === foldName(this.#current);
  }

  #formatRoomMessage(message: RoomMessage): string {
    const line = formatMessage(message, this.client.user, this.style);
    return mentions(message, this.client.user) ? this.style.mention(line) : line;
  }

  /** Shows a message of a room the view knows (in its pane, or now when it is current). */
  #showMessage(room: RoomView, message: RoomMessage): void {
    const line = this.#formatRoomMessage(message);
    if (this.#full) this.#full.append(room.key, line, message.ts, message.msgid);
    else if (this.#isCurrent(room.name)) this.print(line);
  }

  /** An edited message, or a deleted one (`text` null): updated in place where possible. */
  showChanged(room: string | null, msgid: string, line: string, note: string): void {
    const view = room === null ? null : this.#rooms.get(foldName(room));
    if (this.#full && view && this.#full.replace(view.key, msgid, line)) return;
    if (view && !this.#isCurrent(view.name)) return;
    this.print(`${this.style.dim(note)} ${line}`);
  }

  /** A join or leave in a room: its member list, and a quiet line. */
  showPresence(kind: "joined" | "left", roomName: string, user: string, now: Date): void {
    this.learnUser(user);
    const room = this.#rooms.get(foldName(roomName));
    if (!room) return;
    if (kind === "joined") room.members.set(foldName(user), user);
    else room.members.delete(foldName(user));
    const line = formatPresence(kind, user, roomName, now, this.style);
    if (this.#full) this.#full.append(room.key, line);
    else if (this.#isCurrent(roomName)) this.print(line);
    this.refreshPrompt();
  }

  /** Another session read `room` up to `msgid`: what it read is not unread here either. */
  readElsewhere(roomName: string | null, msgid: string): void {
    const room = roomName === null ? undefined : this.#rooms.get(foldName(roomName));
    if (!room) return;
    room.unread = room.unread.filter((message) => message.msgid > msgid);
    if (room.newest !== null && msgid >= room.newest) {
      room.unreadCount = 0;
      room.mentionCount = 0;
    } else if (!this.#full) {
      room.unreadCount = Math.min(room.unreadCount, room.unread.length);
    }
    this.refreshPrompt();
  }

  /** A new topic for a room. */
  showTopic(roomName: string, topic: string | null, user: string | null, now: Date): void {
    const room = this.#rooms.get(foldName(roomName));
    if (!room) return;
    room.topic = topic;
    const by = user ? ` by ${user}` : "";
    const text = topic === null
      ? `The topic of ${roomName} was cleared${by}.`
      : `The topic of ${roomName} is now "${topic}"${by}.`;
    const line = formatNotice(text, now, this.style);
    if (this.#full) this.#full.append(room.key, line);
    else if (this.#isCurrent(roomName)) this.print(line);
    this.refreshPrompt();
  }

  /** A room message: shown, or counted as unread (and as a mention). */
  showRoomMessage(message: RoomMessage): void {
    this.learnUser(message.user);
    const view = this.#rooms.get(foldName(message.room));
    if (!view) return;
    if (view.oldest === null) view.oldest = message.msgid;
    view.newest = message.msgid;
    const mentioned = mentions(message, this.client.user);
    if (mentioned && this.#bell) this.screen.bell();
    this.#showMessage(view, message);
    if (this.#isCurrent(message.room)) return this.#markers.seen(view.name, message.msgid);
    view.unreadCount++;
    if (mentioned) view.mentionCount++;
    if (!this.#full) {
      view.unread.push(message);
      if (view.unread.length > UNREAD_KEPT) view.unread.shift();
    }
    this.refreshPrompt();
  }
}
