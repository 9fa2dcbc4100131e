/**
 * The chat view: keeps the joined rooms (members, topic, unread and mention counts) and
 * shows messages, direct messages and notices. In line mode other rooms' messages wait for
 * `/switch` and the prompt carries the state; in full-screen mode every room has its own
 * pane and the bars carry it. What typed lines and client events do is wired in from
 * outside (`chat.ts`): this module knows neither the commands nor the events.
 */
import { foldName } from "../../protocol/names.ts";
import type { ChatClient, JoinResult } from "../chat_client.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import { offeredCommands } from "../commands.ts";
import type { ClientEvent, RoomMessage } from "../events.ts";
import { t } from "../i18n.ts";
import {
  formatError,
  formatInfo,
  formatMessage,
  formatNotice,
  formatPending,
  formatPresence,
  formatPresenceBatch,
  inWords,
  type PendingKind,
  sanitize,
} from "../format.ts";
import type { Style } from "../style.ts";
import { ChatScreen } from "../terminal/chat_screen.ts";
import { FullScreenPainter } from "../terminal/full_screen.ts";
import type { Terminal } from "../terminal/terminal.ts";
import { EXIT } from "./exit_codes.ts";
import { KnownNames } from "./known_names.ts";
import { LagMeter } from "./lag_meter.ts";
import { mentions } from "./mentions.ts";
import { ReadMarkers } from "./read_markers.ts";
import type { RecentMessages } from "./recent_messages.ts";
import {
  clearUnread,
  countUnread,
  JoinedRooms,
  readUpTo,
  roomFromJoin,
  type RoomView,
  setUnread,
} from "./room_state.ts";
import { bars, type ChatStatus, prompt } from "./status.ts";

/** Names listed on joining a room (a large room has thousands). */
const ONLINE_SHOWN = 100;
/** A wait before a message is sent again that the view mentions (shorter ones pass unseen). */
const NOTICED_WAIT_MS = 2_000;
/** How long `/quit` waits for the answers of messages still in flight. */
const QUIT_DRAIN_MS = 5_000;
/** The full-screen pane shown while no room is joined (a room's key is never empty). */
const NO_ROOM_PANE = "";

/** Resolves when `promise` does or after `ms` milliseconds, whichever comes first. */
function _within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How the view looks and behaves. */
export interface ChatViewOptions {
  /** The full-screen window instead of line mode. */
  fullScreen?: boolean;
  /** Ring the terminal bell when a message mentions you. */
  bell?: boolean;
}

/** The chat screen bound to a chat client. */
export class ChatView {
  readonly client: ChatClient;
  readonly style: Style;
  readonly screen: ChatScreen;
  /** Room and user names seen, for completion. */
  readonly names = new KnownNames();
  #full: FullScreenPainter | null;
  #bell: boolean;
  #rooms = new JoinedRooms();
  #current: string | null = null;
  #done = Promise.withResolvers<number>();
  #queue: Promise<void> = Promise.resolve();
  /** Answers of messages typed offline, handled in order (see `queueAnswer`). */
  #answers: Promise<void> = Promise.resolve();
  #markers: ReadMarkers;
  #lag: LagMeter | null = null;
  /** Whether a {@linkcode refreshPrompt} is queued (see {@linkcode #refreshSoon}). */
  #refreshQueued = false;
  /** Lines to show on the normal screen after the full-screen window closes. */
  #farewell: string[] = [];
  /**
   * `/quit` warned that messages wait offline: asking again quits, unless a message was
   * typed since (then it warns again).
   */
  #quitWarned = false;
  #quitting = false;
  /** Ends `/quit`'s wait for answers at once (asked a second time). */
  #skipWait: (() => void) | null = null;
  #ended = false;

  constructor(client: ChatClient, term: Terminal, style: Style, options: ChatViewOptions = {}) {
    this.client = client;
    this.style = style;
    this.#bell = options.bell === true;
    this.#markers = new ReadMarkers(client);
    this.#full = options.fullScreen ? new FullScreenPainter(term, style) : null;
    this.screen = new ChatScreen(term, {
      prompt: this.#prompt(),
      complete: (line) =>
        this.names.complete(
          line,
          this.client.joinedRooms,
          offeredCommands((feature) => this.client.supports(feature)),
        ),
      painter: this.#full ?? undefined,
    });
    // In full-screen mode a room message is kept raw and formatted only when drawn.
    this.#full?.formatWith((message) => this.#formatRoomMessage(message));
    this.#full?.onSwitch((index) => {
      const room = this.#rooms.at(index);
      if (room) this.switchTo(room.name);
    });
    this.screen.onClose(() => this.quit());
    this.#learnRooms();
    if (this.#full) this.#lag = new LagMeter(client, () => this.refreshPrompt());
  }

  /**
   * Runs `run` on each typed line, one after another (see {@linkcode queueWork}), so a slow
   * command cannot be overtaken by the next line.
   */
  onLine(run: (line: string) => Promise<void>): void {
    this.screen.onLine((line) => this.queueWork(() => run(line)));
  }

  /**
   * Full-screen mode: `fetch` runs (queued) when PageUp reaches the top of the current
   * room's pane while older messages may exist.
   */
  onTopReached(fetch: () => Promise<void>): void {
    this.#full?.onTop(() => {
      const room = this.#rooms.get(this.#current);
      if (room && !room.complete) this.queueWork(fetch);
    });
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

  /**
   * Prints an error line. While quitting it is also kept for after the full-screen window
   * closes: a message refused meanwhile must still be read.
   */
  error(text: string): void {
    const line = formatError(text, this.style);
    if (this.#quitting) this.#farewell.push(line);
    this.print(line);
  }

  /** Remembers a user name for completion. */
  learnUser(name: string): void {
    this.names.learnUser(name);
  }

  /** Shows a room just joined: its topic, who is there and its recent history. */
  enterRoom(joined: Extract<JoinResult, { ok: true }>): void {
    const room = roomFromJoin(joined);
    this.#rooms.set(room);
    this.names.rooms.add(joined.room);
    for (const member of joined.members) this.learnUser(member);
    this.#leaveCurrent();
    this.#current = joined.room;
    this.#full?.show(room.key);
    const topic = joined.topic ? ` - ${joined.topic}` : "";
    this.info(`${t("chat.joined", { room: joined.room })}${topic}`);
    // A large room: a count and the first names, not thousands of them.
    const shown = joined.members.slice(0, ONLINE_SHOWN);
    const count = Math.max(joined.memberCount, joined.members.length);
    const users = `${shown.join(", ")}${count > shown.length ? ", …" : ""}`;
    this.info(t("chat.online", { count, users }));
    if (joined.history.length === 0) this.info(t("chat.empty"));
    else if (joined.more) this.info(t("chat.olderHint"));
    for (const message of joined.history) this.#showMessage(room, message);
    this.#markers.seen(room.name, room.newest);
    this.refreshPrompt();
  }

  /** Makes a joined room the current one and shows what arrived there meanwhile. */
  switchTo(room: string): boolean {
    const view = this.#rooms.get(room);
    if (!view) return false;
    this.#leaveCurrent();
    this.#current = view.name;
    if (this.#full) {
      this.#full.show(view.key);
    } else {
      this.info(t("chat.nowIn", { room: view.name }));
      if (view.unreadCount > view.unread.length) {
        this.info(t("chat.olderUnread", { count: view.unreadCount - view.unread.length }));
      }
      this.print(...view.unread.map((m) => this.#formatRoomMessage(m)));
    }
    clearUnread(view);
    this.#markers.seen(view.name, view.newest);
    this.refreshPrompt();
    return true;
  }

  /**
   * Forgets a room left and says `why` (`Left general.`); the current room becomes another
   * joined one, if any, else none, and a line says how to join one. `why` is said after the
   * move, so that it shows where the user now looks (in full-screen mode the room's pane
   * goes).
   */
  forgetRoom(room: string, why: string): void {
    this.#rooms.delete(room);
    const wasCurrent = this.#isCurrent(room);
    this.#full?.drop(foldName(room));
    if (wasCurrent) {
      this.#current = null;
      this.#moveOn();
    }
    this.print(why);
    if (wasCurrent && this.#current === null) this.info(t("chat.noRoomNow"));
    this.refreshPrompt();
  }

  /**
   * After the current room went: shows another joined room, or in full-screen mode the pane
   * of no room (rather than a blank one where lines said now would be lost).
   */
  #moveOn(): void {
    const next = this.#rooms.at(0);
    if (next) this.switchTo(next.name);
    else this.#full?.show(NO_ROOM_PANE);
  }

  /**
   * The room is gone (an admin deleted it): forget it, say so, and move to another joined
   * room, or join `general` when there is none.
   */
  async roomGone(room: string, why: string): Promise<void> {
    if (!this.#rooms.get(room)) return;
    this.client.forgetRoom(room);
    const wasCurrent = this.#isCurrent(room);
    this.#rooms.delete(room);
    if (!wasCurrent) {
      this.error(`${why} ${t("chat.noLongerIn", { room })}`);
      return this.refreshPrompt();
    }
    this.#current = null;
    this.#full?.drop(foldName(room));
    this.#moveOn();
    if (this.#current === null && foldName(room) !== foldName("general")) {
      const joined = await this.client.join("general").catch(() => null);
      if (joined?.ok) this.enterRoom(joined);
    }
    // Said after the move, so that it shows in the room the user is now looking at.
    this.error(`${why} ${t("chat.noLongerIn", { room })}`);
    if (this.#current === null) this.info(t("chat.noRoomNow"));
    this.refreshPrompt();
  }

  /**
   * Shows a message that waits to be sent (offline): it is sent once back online. `to` is
   * its room, or for a direct message its recipient; `text` its text. Without `kind` (the
   * older call) it is read from the arguments: a room message goes to the current room, and
   * an action's `text` is the line typed (`/me text`).
   */
  pending(to: string, text: string, kind: PendingKind): void {
    this.#quitWarned = false;
    this.print(formatPending(kind, to, text, this.style));
    this.refreshPrompt();
  }

  /**
   * Shows older messages of `room` (from `/history`): at the top of its pane in full-screen
   * mode, else printed between two lines that say what they are.
   */
  showOlder(room: string, messages: RoomMessage[], more: boolean): void {
    const view = this.#rooms.get(room);
    if (view && !more) view.complete = true;
    for (const message of messages) view?.recent.add(message);
    if (this.#full) {
      const key = foldName(room);
      this.#full.prependMessages(key, messages);
      if (!more) this.#full.prepend(key, [formatInfo(t("chat.startOf", { room }), this.style)]);
      return;
    }
    this.info(t("chat.earlier", { count: messages.length, room }));
    this.print(...messages.map((m) => this.#formatRoomMessage(m)));
    this.info(t(more ? "chat.earlierEndMore" : "chat.earlierEnd"));
  }

  /**
   * Shows search results: in a pane of their own in full-screen mode (Esc goes back), else
   * printed under a line that says what they are.
   */
  showSearch(title: string, lines: string[]): void {
    if (this.#full) return this.#full.showSearch(title, lines);
    this.print(formatInfo(`${title}:`, this.style), ...lines);
  }

  /** Where `/history` continues in a room, and a way to move it back. */
  oldest(room: string): string | null {
    return this.#rooms.get(room)?.oldest ?? null;
  }

  /** Records that messages back to `msgid` are now shown. */
  setOldest(room: string, msgid: string): void {
    const view = this.#rooms.get(room);
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

  /**
   * A direct message was shown (they are shown wherever the user is): its conversation is
   * read up to it, so it is not counted unread again at the next login or on another device.
   */
  directMessageShown(message: { msgid: string; user: string; to?: string }): void {
    const own = foldName(message.user) === foldName(this.client.user ?? "");
    const peer = own ? message.to : message.user;
    if (peer) this.#markers.seenDm(peer, message.msgid);
  }

  /**
   * A message waits before it is sent again (slow mode, too many messages): said when the
   * wait is long enough to be noticed, so a pending line is not left unexplained.
   */
  sendDelayed(event: Extract<ClientEvent, { type: "send_delayed" }>): void {
    if (event.delayMs < NOTICED_WAIT_MS) return;
    const time = inWords(Math.ceil(event.delayMs / 1000));
    const target = event.room ?? (event.to === null ? "" : `→ ${event.to}`);
    this.info(
      event.slowMode && event.room !== null
        ? t("chat.slowModeWait", { room: sanitize(event.room), time })
        : t("chat.sendLater", { target: sanitize(target), time }),
    );
    this.refreshPrompt();
  }

  /** `/quit` is under way. */
  get quitting(): boolean {
    return this.#quitting;
  }

  /**
   * Logs out and ends the view with exit code 0. Messages not yet acknowledged are not
   * dropped silently: offline, the first `/quit` (or Ctrl-C) only says how many would be
   * lost and a second one quits; online, their answers are awaited (at most
   * {@linkcode QUIT_DRAIN_MS}, or until `/quit` is asked again) and handled (a refusal is
   * said, with the text) before logging out, and any still unanswered are counted.
   */
  quit(): void {
    if (this.#quitting) return this.#skipWait?.();
    const unsent = this.client.unacknowledged;
    if (unsent > 0 && !this.client.online && !this.#quitWarned) {
      this.#quitWarned = true;
      return this.error(t("chat.quitUnsent", { count: unsent }));
    }
    this.#quitting = true;
    const skip = Promise.withResolvers<void>();
    this.#skipWait = skip.resolve;
    let waited = Promise.resolve();
    if (unsent > 0 && this.client.online) {
      this.info(t("chat.quitSending", { count: unsent }));
      const answered = Promise.all([this.client.drained(), this.#answers]).then(() => {});
      waited = _within(Promise.race([answered, skip.promise]), QUIT_DRAIN_MS)
        // A macrotask later: the answers' handlers (promise reactions) have run.
        .then(() => new Promise((resolve) => setTimeout(resolve, 0)));
    }
    waited.then(() => {
      const lost = this.client.unacknowledged;
      if (lost > 0) this.error(t("chat.quitLost", { count: lost }));
      this.info(t("chat.bye"));
      this.#farewell.push(formatInfo(t("chat.bye"), this.style));
      return this.client.logout();
    }).catch(() => {}).finally(() => this.end(EXIT.ok));
  }

  /** Ends the view: closes the screen and resolves {@linkcode finished} with `code`. */
  end(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#lag?.stop();
    this.#markers.close();
    this.screen.close();
    // The full-screen window is gone: repeat what the user must still read.
    if (this.#full && this.#farewell.length > 0) this.screen.print(...this.#farewell);
    this.#done.resolve(code);
  }

  /**
   * Runs `work` (handling the answer of a message typed offline) after the answers queued
   * before it, apart from the typed lines' queue ({@linkcode queueWork}), which goes on.
   */
  queueAnswer(work: () => Promise<void>): void {
    this.#answers = this.#after(this.#answers, work);
  }

  /** Resolves once the answers of the messages sent so far have been handled. */
  answered(): Promise<void> {
    return this.#answers;
  }

  /** Runs `work` after what was queued before it, so typed lines keep their order. */
  queueWork(work: () => Promise<void>): void {
    this.#queue = this.#after(this.#queue, work);
  }

  /** `work` run once `before` has settled; an unexpected failure is said, not thrown. */
  #after(before: Promise<void>, work: () => Promise<void>): Promise<void> {
    return before.then(work).catch((error) => {
      this.error(
        t("chat.unexpected", { problem: error instanceof Error ? error.message : String(error) }),
      );
    });
  }

  /** Fills the completion lists from the room list, in the background. */
  #learnRooms(): void {
    this.client.rooms().then((listed) => {
      if (listed.ok) this.names.learnRooms(listed.rooms);
    }, () => {});
  }

  /** Full-screen mode: what arrives in the room being left from now on is "new". */
  #leaveCurrent(): void {
    if (this.#full && this.#current !== null) this.#full.markLeft(foldName(this.#current));
  }

  #status(): ChatStatus {
    return {
      current: this.#rooms.get(this.#current) ?? null,
      rooms: this.#rooms.values(),
      self: this.client.user,
      online: this.client.online,
      // With a list of addresses, which one the session is on (status bar).
      address: this.client.addresses.length > 1 ? this.client.address : null,
      pending: this.client.unacknowledged,
      lagMs: this.#lag?.lagMs ?? null,
    };
  }

  #prompt(): string {
    return prompt(this.#status(), this.style, this.#full !== null);
  }

  #isCurrent(room: string): boolean {
    return this.#current !== null && foldName(room) === foldName(this.#current);
  }

  #formatRoomMessage(message: ChatMessage): string {
    const line = formatMessage(message, this.client.user, this.style);
    return mentions(message, this.client.user) ? this.style.mention(line) : line;
  }

  /**
   * Shows a message of a room the view knows: kept in its pane (formatted when drawn), or
   * printed now when it is current (line mode).
   */
  #showMessage(room: RoomView, message: RoomMessage): void {
    if (this.#full) this.#full.appendMessage(room.key, message);
    else if (this.#isCurrent(room.name)) this.print(this.#formatRoomMessage(message));
  }

  /** The recent messages of a joined room (what `/edit N` and the like address), or null. */
  recentOf(room: string): RecentMessages | null {
    return this.#rooms.get(room)?.recent ?? null;
  }

  /** A message of ours the server acknowledged: addressable by `/edit` before its echo comes. */
  recordSent(message: RoomMessage): void {
    this.#rooms.get(message.room)?.recent.add(message);
  }

  /** A message's new text (event `edited`): changed in place where possible. */
  showEdited(message: ChatMessage): void {
    const view = this.#rooms.get(message.room ?? null);
    if (!view) return;
    view.recent.add(message);
    const line = this.#formatRoomMessage({ ...message, room: view.name });
    this.#showChanged(view, message.msgid, line, "✎");
  }

  /**
   * A message became a tombstone (event `deleted`): shown as `user: (deleted)`, with who
   * deleted it when that was not its author.
   */
  showDeleted(roomName: string | null, msgid: string, by: string | null): void {
    const view = this.#rooms.get(roomName);
    if (!view) return;
    const before = view.recent.markDeleted(msgid);
    let line: string;
    if (before) {
      const tombstone = { ...before, text: "", deleted: true as const };
      line = formatMessage(tombstone, this.client.user, this.style);
      if (by !== null && foldName(by) !== foldName(before.user)) {
        line += this.style.dim(` ${t("line.deletedBy", { user: sanitize(by) })}`);
      }
    } else {
      line = this.style.dim(
        by ? t("line.aMessageDeletedBy", { user: sanitize(by) }) : t("line.aMessageDeleted"),
      );
    }
    this.#showChanged(view, msgid, line, "✗");
  }

  /** A changed message: replaced in its pane (full screen), else printed with `note` when current. */
  #showChanged(view: RoomView, msgid: string, line: string, note: string): void {
    if (this.#full && this.#full.replace(view.key, msgid, line)) return;
    if (!this.#isCurrent(view.name)) return;
    this.print(`${this.style.dim(note)} ${line}`);
  }

  /**
   * The server's unread counts (`unread`): they replace the local ones of the joined rooms
   * not on screen. Returns the rooms with unread messages that this session has not joined.
   */
  applyUnread(counts: readonly { room: string; unread: number }[]): string[] {
    const elsewhere: string[] = [];
    for (const { room, unread } of counts) {
      const view = this.#rooms.get(room);
      if (!view) {
        if (unread > 0) elsewhere.push(`${room} ${unread}`);
        continue;
      }
      if (!this.#isCurrent(view.name)) setUnread(view, unread);
    }
    this.refreshPrompt();
    return elsewhere;
  }

  /** A join or leave in a room: its member list, and a quiet line. */
  showPresence(kind: "joined" | "left", roomName: string, user: string, now: Date): void {
    this.learnUser(user);
    const room = this.#rooms.get(roomName);
    if (!room) return;
    if (kind === "joined") room.members.set(foldName(user), user);
    else room.members.delete(foldName(user));
    const line = formatPresence(kind, user, roomName, now, this.style);
    if (this.#full) this.#full.append(room.key, line);
    else if (this.#isCurrent(roomName)) this.print(line);
    // Once per read, as for messages: each redraw lists the room's members, and a burst of
    // thousands of joins redrew them once per join (a flood froze the client).
    this.#refreshSoon();
  }

  /**
   * A large room's `presence` batch: its member list and completion follow it (set
   * operations, so a batch that repeats a change known from `who` is harmless), and one
   * quiet line sums it up instead of a line per user.
   */
  showPresenceBatch(
    batch: { room: string; joined: string[]; left: string[]; members: number | null },
    now: Date,
  ): void {
    for (const user of batch.joined) this.learnUser(user);
    const room = this.#rooms.get(batch.room);
    if (!room) return;
    for (const user of batch.joined) room.members.set(foldName(user), user);
    for (const user of batch.left) room.members.delete(foldName(user));
    const line = formatPresenceBatch(batch, room.members.size, now, this.style);
    if (this.#full) this.#full.append(room.key, line);
    else if (this.#isCurrent(batch.room)) this.print(line);
    this.refreshPrompt();
  }

  /** Another session read `room` up to `msgid`: what it read is not unread here either. */
  readElsewhere(roomName: string | null, msgid: string): void {
    const room = this.#rooms.get(roomName);
    if (!room) return;
    readUpTo(room, msgid, !this.#full);
    this.refreshPrompt();
  }

  /** A new topic for a room. */
  showTopic(roomName: string, topic: string | null, user: string | null, now: Date): void {
    const room = this.#rooms.get(roomName);
    if (!room) return;
    room.topic = topic;
    const text = topic === null
      ? t(user ? "topic.clearedBy" : "topic.cleared", { room: roomName, user: user ?? "" })
      : t(user ? "topic.setBy" : "topic.set", { room: roomName, topic, user: user ?? "" });
    const line = formatNotice(text, now, this.style);
    if (this.#full) this.#full.append(room.key, line);
    else if (this.#isCurrent(roomName)) this.print(line);
    this.refreshPrompt();
  }

  /**
   * A room message: shown, or counted as unread (and as a mention). Called for every message
   * of a burst: nothing here is proportional to the scrollback, and the counts shown are
   * redrawn once for all the messages of one read.
   */
  showRoomMessage(message: RoomMessage): void {
    this.learnUser(message.user);
    const view = this.#rooms.get(message.room);
    if (!view) return;
    if (view.oldest === null) view.oldest = message.msgid;
    view.newest = message.msgid;
    view.recent.add(message);
    const current = view === this.#rooms.get(this.#current);
    // Whether it mentions the user matters for the bell and the counts; the `»` mark of a
    // line on screen is decided when it is drawn.
    const mentioned = (this.#bell || !current) && mentions(message, this.client.user);
    if (mentioned && this.#bell) this.screen.bell();
    this.#showMessage(view, message);
    if (current) return this.#markers.seen(view.name, message.msgid);
    countUnread(view, message, mentioned, !this.#full);
    this.#refreshSoon();
  }

  /** Redraws the prompt and bars once the messages being handled now are all counted. */
  #refreshSoon(): void {
    if (this.#refreshQueued) return;
    this.#refreshQueued = true;
    queueMicrotask(() => {
      this.#refreshQueued = false;
      this.refreshPrompt();
    });
  }
}
