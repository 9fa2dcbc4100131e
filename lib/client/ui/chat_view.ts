/**
 * The chat view: shows the current room's messages, direct messages and notices above the
 * input line, counts unread messages of the other joined rooms, keeps the prompt up to
 * date, and hands typed lines to the command runner.
 */
import { foldName } from "../../protocol/names.ts";
import type { ChatClient, JoinResult } from "../chat_client.ts";
import { complete } from "../completion.ts";
import type { ClientEvent, RoomMessage } from "../events.ts";
import {
  bannedSentence,
  formatDm,
  formatError,
  formatInfo,
  formatMessage,
  formatNotice,
  formatPresence,
  kickedSentence,
  sanitize,
} from "../format.ts";
import type { Style } from "../style.ts";
import { ChatScreen } from "../terminal/chat_screen.ts";
import type { Terminal } from "../terminal/terminal.ts";
import { runCommand } from "./chat_commands.ts";

/** Unread messages kept per room for showing on `/switch`. */
const UNREAD_KEPT = 200;

/** Exit codes of the interactive client. */
export const EXIT = { ok: 0, failure: 1, usage: 2, removed: 3 } as const;

interface RoomView {
  name: string;
  unread: RoomMessage[];
  unreadCount: number;
  /** Oldest msgid shown, where `/history` continues. */
  oldest: string | null;
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
  #rooms = new Map<string, RoomView>();
  #current: string | null = null;
  #done = Promise.withResolvers<number>();
  #queue: Promise<void> = Promise.resolve();

  constructor(client: ChatClient, term: Terminal, style: Style) {
    this.client = client;
    this.style = style;
    this.screen = new ChatScreen(term, {
      prompt: this.#prompt(),
      complete: (line) =>
        complete(line, {
          rooms: [...this.knownRooms],
          joinedRooms: this.client.joinedRooms,
          users: [...this.knownUsers.values()],
        }),
    });
    // Lines run one after another, so a slow command cannot be overtaken by the next line.
    this.screen.onLine((line) => {
      this.#queue = this.#queue.then(() => runCommand(this, line)).catch((error) => {
        this.error(`Unexpected problem: ${error instanceof Error ? error.message : error}`);
      });
    });
    this.screen.onClose(() => this.quit());
    client.on((event) => this.#onEvent(event));
    this.#learnRooms();
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

  /** The room messages are shown for, or null. */
  get current(): string | null {
    return this.#current;
  }

  /** Resolves with the exit code when the view ends. */
  get finished(): Promise<number> {
    return this.#done.promise;
  }

  /** Prints lines above the input. */
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
    this.#rooms.set(key, {
      name: joined.room,
      unread: [],
      unreadCount: 0,
      oldest: joined.history[0]?.msgid ?? null,
    });
    this.knownRooms.add(joined.room);
    for (const member of joined.members) this.learnUser(member);
    this.#current = joined.room;
    const topic = joined.topic ? ` - ${joined.topic}` : "";
    this.info(`Joined ${joined.room}${topic}`);
    this.info(`${joined.members.length} online: ${joined.members.join(", ")}`);
    if (joined.history.length === 0) this.info("No messages yet. Say hello!");
    this.print(...joined.history.map((m) => formatMessage(m, this.client.user, this.style)));
    this.refreshPrompt();
  }

  /** Makes a joined room the current one and shows what arrived there meanwhile. */
  switchTo(room: string): boolean {
    const view = this.#rooms.get(foldName(room));
    if (!view) return false;
    this.#current = view.name;
    this.info(`Now in ${view.name}`);
    if (view.unreadCount > view.unread.length) {
      this.info(`${view.unreadCount - view.unread.length} older unread messages not shown.`);
    }
    this.print(...view.unread.map((m) => formatMessage(m, this.client.user, this.style)));
    view.unread = [];
    view.unreadCount = 0;
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
    this.refreshPrompt();
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

  /** Redraws the prompt: connection state, current room and unread counts elsewhere. */
  refreshPrompt(): void {
    this.screen.setPrompt(this.#prompt());
  }

  /** Logs out and ends the view with exit code 0. */
  quit(): void {
    this.info("Bye.");
    this.client.logout().finally(() => this.#finish(EXIT.ok));
  }

  #finish(code: number): void {
    this.screen.close();
    this.#done.resolve(code);
  }

  #prompt(): string {
    const s = this.style;
    const others = [...this.#rooms.values()]
      .filter((room) => room.unreadCount > 0 && room.name !== this.#current)
      .map((room) => `${sanitize(room.name)}:${room.unreadCount}`);
    const unread = others.length > 0 ? ` ${s.yellow(`(${others.join(" ")})`)}` : "";
    const where = this.#current === null ? "no room" : sanitize(this.#current);
    const offline = !this.client.online ? s.red("reconnecting… ") : "";
    return `${offline}${s.bold(`[${where}]`)}${unread} › `;
  }

  #onEvent(event: ClientEvent): void {
    const now = new Date();
    switch (event.type) {
      case "message":
        return this.#onMessage(event.message);
      case "dm":
        this.learnUser(event.message.user);
        return this.print(formatDm(event.message, this.client.user, this.style));
      case "joined":
      case "left":
        this.learnUser(event.user);
        if (this.#current !== null && foldName(event.room) === foldName(this.#current)) {
          this.print(formatPresence(event.type, event.user, event.room, now, this.style));
        }
        return;
      case "notice":
        return this.print(formatNotice(event.text, now, this.style));
      case "shutdown":
        return this.print(formatNotice(
          `The server is shutting down in ${event.in} s: ${event.message} ` +
            "The client will reconnect when it is back.",
          now,
          this.style,
        ));
      case "server_error":
        return this.error(`The server says: ${event.message}`);
      case "kicked":
        return this.error(kickedSentence(event.until, event.reason));
      case "banned":
        return this.error(bannedSentence(event.reason));
      case "reconnecting":
        if (event.attempt === 1) this.error("Connection lost; reconnecting…");
        return this.refreshPrompt();
      case "reconnected":
        this.info("Reconnected.");
        return this.refreshPrompt();
      case "rejoin_failed":
        this.error(`Could not re-join ${event.room}: ${event.message}`);
        return this.forgetRoom(event.room);
      case "ended":
        if (event.reason === "closed") return;
        if (event.reason === "login_failed") this.error(event.message);
        return this.#finish(event.reason === "login_failed" ? EXIT.failure : EXIT.removed);
    }
  }

  #onMessage(message: RoomMessage): void {
    this.learnUser(message.user);
    const view = this.#rooms.get(foldName(message.room));
    if (!view) return;
    if (view.oldest === null) view.oldest = message.msgid;
    if (this.#current !== null && foldName(this.#current) === foldName(message.room)) {
      this.print(formatMessage(message, this.client.user, this.style));
      return;
    }
    view.unreadCount++;
    view.unread.push(message);
    if (view.unread.length > UNREAD_KEPT) view.unread.shift();
    this.refreshPrompt();
  }
}
