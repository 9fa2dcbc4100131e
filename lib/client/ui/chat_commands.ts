/** Runs what the user typed in the chat view: a message or a slash command. */
import { foldName } from "../../protocol/names.ts";
import { type Command, helpLines, notOffered, parseCommand } from "../commands.ts";
import { ConnectionLostError, type Reply } from "../connection.ts";
import {
  formatInfo,
  formatMessage,
  formatRoomEntry,
  type PendingKind,
  sanitize,
  when,
} from "../format.ts";
import { describeRefusal, describeTopicRefusal } from "../messages.ts";
import { messagesOf, toRoomMessages } from "../catch_up.ts";
import { t } from "../i18n.ts";
import type { ChatView } from "./chat_view.ts";
import { deleteMessage, editMessage, reportMessage } from "./message_actions.ts";

/** Parses and runs one typed line; problems are printed, never thrown. */
export async function runCommand(view: ChatView, line: string): Promise<void> {
  const command = parseCommand(line);
  // Once `/quit` is under way only a second `/quit` (which skips its wait) is heard.
  if (view.quitting && command.kind !== "quit") return;
  try {
    await _run(view, command);
  } catch (error) {
    _lost(view, error);
  }
}

/**
 * A lost connection is said (not while quitting: `/quit` already said what was not sent);
 * anything else is thrown on.
 */
function _lost(view: ChatView, error: unknown): void {
  if (!(error instanceof ConnectionLostError)) throw error;
  if (view.quitting) return;
  view.error(t("chat.lostRetry", { problem: error.message }));
}

/** A message typed: where it goes, what it is, its text, and the line typed. */
interface Outgoing {
  to: string;
  kind: PendingKind;
  text: string;
  typed: string;
}

/** What to do with the answer of a message, besides saying a refusal. */
interface SendOutcome {
  /** The server stored it. */
  sent?: (reply: Extract<Reply, { ok: true }>) => void;
  /** `not_in_room` for a room the view shows. */
  notInRoom?: () => Promise<void>;
}

/**
 * Sends a message (`say`, `/me` or `/msg`) through the outbox and handles its answer later:
 * the next typed lines never wait for it, so `/help`, `/who` or `/quit` answer at once even
 * while a message waits (offline, slow mode, a paused server). Offline the message also
 * shows as waiting. The outbox keeps each conversation's messages in the order typed (one
 * at a time through rate limits and slow mode), and their answers are handled in the order
 * sent.
 */
function _send(
  view: ChatView,
  { to, kind, text, typed }: Outgoing,
  submit: () => Promise<Reply>,
  outcome: SendOutcome = {},
): void {
  const offline = !view.client.online;
  if (offline) view.pending(to, text, kind);
  const sent = submit();
  // Handled now, so that a rejection while earlier answers are still being handled is never
  // an unhandled one (the client stopping meanwhile); the handler below reads it.
  sent.catch(() => {});
  view.refreshPrompt();
  const handle = async () => {
    const reply = await sent.finally(() => view.refreshPrompt());
    if (reply.ok) return outcome.sent?.(reply);
    if (reply.error.code === "not_in_room" && outcome.notInRoom) return await outcome.notInRoom();
    _refused(view, reply, typed, offline);
  };
  view.queueAnswer(() => handle().catch((error) => _lost(view, error)));
}

/** Prints a refusal; true when the reply was an `ok`. */
function _check(view: ChatView, reply: Reply): reply is Extract<Reply, { ok: true }> {
  if (!reply.ok) view.error(describeRefusal(reply.error));
  return reply.ok;
}

/**
 * A message the server refused: say why. The line goes back into the input to retry when the
 * input is empty; otherwise (the user typed something since: the outbox retried or the
 * answer came after a reconnect), or when it was typed offline (answered long after), or
 * while quitting (the input is going away), the refusal quotes it instead.
 */
function _refused(
  view: ChatView,
  reply: Extract<Reply, { ok: false }>,
  typed: string,
  late: boolean,
): void {
  const reason = describeRefusal(reply.error, { maxText: view.client.maxText });
  if (!late && !view.quitting && view.screen.restore(typed)) {
    return view.error(t("chat.notSentBack", { reason }));
  }
  _quoted(view, reason, typed);
}

/** Says that `typed` was not sent, and why, quoting it. */
function _quoted(view: ChatView, reason: string, typed: string): void {
  view.error(t("chat.notSentQuoted", { reason, text: sanitize(typed, "   ") }));
}

/**
 * `not_in_room` for a room the view shows: the server no longer has this session in it
 * (deleted while a server without `room_deleted` told only by a notice). Re-join it, or
 * move elsewhere when it is gone; the text goes back into the input either way (or is
 * quoted when the input is in use, or while quitting, when nothing is joined again).
 */
async function _notInRoom(view: ChatView, room: string, typed: string): Promise<void> {
  if (view.quitting) {
    return _quoted(view, describeRefusal({ code: "not_in_room", message: "" }), typed);
  }
  const joined = await view.client.join(room);
  const back = view.screen.restore(typed);
  if (!back) _quoted(view, describeRefusal({ code: "not_in_room", message: "" }), typed);
  if (joined.ok) {
    view.enterRoom(joined);
    return back ? view.info(t("chat.rejoined")) : undefined;
  }
  await view.roomGone(room, t("chat.roomGoneDeleted", { room }));
  if (back) view.info(t("chat.messageBack"));
}

function _isJoined(view: ChatView, room: string): string | null {
  return view.client.joinedRooms.find((name) => foldName(name) === foldName(room)) ?? null;
}

async function _join(view: ChatView, room: string): Promise<void> {
  const joined = _isJoined(view, room);
  if (joined !== null) {
    view.switchTo(joined);
    return;
  }
  const result = await view.client.join(room);
  if (!result.ok) return view.error(describeRefusal(result));
  view.enterRoom(result);
}

async function _run(view: ChatView, command: Command): Promise<void> {
  const { client } = view;
  switch (command.kind) {
    case "empty":
      return;
    case "error":
      return view.error(command.message);
    case "help":
      return view.info(
        [t("help.title"), ...helpLines((feature) => client.supports(feature))].join("\n"),
      );
    case "quit":
      return view.quit();
    case "say":
    case "me": {
      const room = view.current;
      const typed = command.kind === "me" ? `/me ${command.text}` : command.text;
      if (room === null) {
        view.screen.restore(typed);
        return view.error(t("chat.joinFirst"));
      }
      if (command.kind === "me" && !client.supports("action")) {
        return view.error(notOffered("me"));
      }
      const kind = command.kind === "me" ? "action" : "text";
      return _send(
        view,
        { to: room, kind: kind === "action" ? "action" : "say", text: command.text, typed },
        () => client.say(room, command.text, kind),
        {
          sent: (reply) => _recordSent(view, room, command.text, reply, kind),
          notInRoom: () => _notInRoom(view, room, typed),
        },
      );
    }
    case "topic": {
      const room = view.current;
      if (room === null) return view.error(t("chat.joinFirst"));
      if (!client.supports("topic")) return view.error(notOffered("topic"));
      const reply = await client.request({ type: "topic", room, topic: command.topic });
      if (!reply.ok) view.error(describeTopicRefusal(reply.error, room, command.topic));
      return;
    }
    case "search":
      return await _search(view, command);
    // "Your Nth last message" counts the ones sent just before: their answers first.
    case "edit":
      await view.answered();
      return await editMessage(view, command.nth, command.text);
    case "delete":
      await view.answered();
      return await deleteMessage(view, command.nth);
    case "report":
      return await reportMessage(view, command.nth, command.reason);
    case "msg":
      return _send(
        view,
        {
          to: command.user,
          kind: "dm",
          text: command.text,
          typed: `/msg ${command.user} ${command.text}`,
        },
        () => client.dm(command.user, command.text),
        // Completion offers the name once the server took the message (a typo is not a
        // name); offline that is when the outbox gets the answer, after the reconnect.
        { sent: () => view.learnUser(command.user) },
      );
    case "join":
      return await _join(view, command.room);
    case "switch": {
      if (view.switchTo(command.room)) return;
      const joined = client.joinedRooms;
      return view.error(
        joined.length === 0
          ? t("chat.inNoRoomJoin", { room: command.room })
          : t("chat.notInRoom", { room: command.room, rooms: joined.join(", ") }),
      );
    }
    case "leave": {
      const room = command.room ?? view.current;
      if (room === null) return view.error(t("chat.inNoRoom"));
      const reply = await client.leave(room);
      if (!_check(view, reply)) return;
      return view.forgetRoom(room, formatInfo(t("chat.left", { room }), view.style));
    }
    case "rooms": {
      const listed = await client.rooms();
      if (!listed.ok) return view.error(listed.message);
      for (const room of listed.rooms) view.names.rooms.add(room.name);
      const lines = listed.rooms.map((room) => `  ${formatRoomEntry(room)}`);
      return view.info([t("chat.roomsTitle"), ...lines].join("\n"));
    }
    case "create": {
      const reply = await client.createRoom(command.room, command.topic);
      if (!_check(view, reply)) return;
      const name = typeof reply.frame.room === "string" ? reply.frame.room : command.room;
      view.info(t("chat.created", { room: name }));
      return await _join(view, name);
    }
    case "who": {
      const room = command.room ?? view.current;
      if (room === null) return view.error(t("chat.whichRoom"));
      const reply = await client.request({ type: "who", room });
      if (!_check(view, reply)) return;
      const users = Array.isArray(reply.frame.users) ? reply.frame.users.map(String) : [];
      for (const user of users) view.learnUser(user);
      return view.info(t("chat.who", { count: users.length, room, users: users.join(", ") }));
    }
    case "history":
      return await showHistory(view, command.count);
  }
}

/**
 * `/history` (and PageUp at the top of the full-screen pane): the page of messages before
 * the oldest one shown.
 */
export async function showHistory(view: ChatView, count: number): Promise<void> {
  const room = view.current;
  if (room === null) return view.error(t("chat.joinFirstShort"));
  const before = view.oldest(room);
  const reply = await view.client.request(
    before === null
      ? { type: "history", room, limit: count }
      : { type: "history", room, limit: count, before },
  );
  if (!_check(view, reply)) return;
  const messages = toRoomMessages(reply.frame.messages, room);
  if (messages.length === 0) return view.info(t("chat.noOlder", { room }));
  view.setOldest(room, messages[0]!.msgid);
  view.showOlder(room, messages, reply.frame.more === true);
}

/** Remembers a message the server acknowledged, so that `/edit` finds it before its echo. */
function _recordSent(
  view: ChatView,
  room: string,
  text: string,
  reply: Extract<Reply, { ok: true }>,
  kind: "text" | "action" = "text",
): void {
  const { msgid, ts } = reply.frame;
  if (typeof msgid !== "string" || typeof ts !== "string" || view.client.user === null) return;
  view.recordSent({
    msgid,
    ts,
    room,
    text,
    user: view.client.user,
    ...(kind === "action" ? { kind } : {}),
  });
}

/** Results asked for by `/search`. */
const SEARCH_LIMIT = 20;

/**
 * `/search words [in:ROOM] [from:USER]`: the newest matches, shown oldest first in the
 * search pane, each with its room (or dm partners), its time (and date when not today) and
 * its author.
 */
async function _search(view: ChatView, command: Extract<Command, { kind: "search" }>) {
  if (!view.client.supports("search")) return view.error(notOffered("search"));
  const reply = await view.client.request({
    type: "search",
    query: command.query,
    limit: SEARCH_LIMIT,
    ...(command.room === null ? {} : { room: command.room }),
    ...(command.from === null ? {} : { from: command.from }),
  });
  if (!_check(view, reply)) return;
  const found = messagesOf(reply.frame.messages);
  const scope = `${command.room === null ? "" : t("search.inRoom", { room: command.room })}${
    command.from === null ? "" : t("search.fromUser", { user: command.from })
  }`;
  if (found.length === 0) return view.info(t("search.none", { query: command.query, scope }));
  const more = reply.frame.more === true ? t("search.newest", { count: SEARCH_LIMIT }) : "";
  const now = new Date();
  const lines = found.reverse().map((m) => {
    const where = m.room !== undefined
      ? `[${m.room}]`
      : `[${t("line.dm")} ${m.user} → ${m.to ?? "?"}]`;
    const line = formatMessage(m, view.client.user, view.style, when(m.ts, now));
    return `${view.style.dim(sanitize(where))} ${line}`;
  });
  view.showSearch(
    `${
      t("search.found", {
        count: found.length,
        query: sanitize(command.query),
        scope: sanitize(scope),
      })
    }${more}`,
    lines,
  );
}
