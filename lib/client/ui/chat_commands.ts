/** Runs what the user typed in the chat view: a message or a slash command. */
import { foldName } from "../../protocol/names.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import type { RoomMessage } from "../events.ts";
import { type Command, helpLines, parseCommand } from "../commands.ts";
import { ConnectionLostError, type Reply } from "../connection.ts";
import { formatMessage, formatRoomEntry, sanitize } from "../format.ts";
import { describeRefusal } from "../messages.ts";
import type { ChatView } from "./chat_view.ts";

/** Parses and runs one typed line; problems are printed, never thrown. */
export async function runCommand(view: ChatView, line: string): Promise<void> {
  const command = parseCommand(line);
  try {
    await _run(view, command);
  } catch (error) {
    if (!(error instanceof ConnectionLostError)) throw error;
    view.error(`${error.message} Wait for "Reconnected." and try again.`);
  }
}

/** Prints a refusal; true when the reply was an `ok`. */
function _check(view: ChatView, reply: Reply): reply is Extract<Reply, { ok: true }> {
  if (!reply.ok) view.error(describeRefusal(reply.error));
  return reply.ok;
}

/** A message the server refused: say why, and put it back into an empty input to retry. */
function _refused(view: ChatView, reply: Extract<Reply, { ok: false }>, typed: string): void {
  const back = view.screen.restore(typed);
  view.error(
    `Not sent: ${describeRefusal(reply.error)}${back ? " (it is back in the input)" : ""}`,
  );
}

/**
 * `not_in_room` for a room the view shows: the server no longer has this session in it
 * (deleted while a server without `room_deleted` told only by a notice). Re-join it, or
 * move elsewhere when it is gone; the text goes back into the input either way.
 */
async function _notInRoom(view: ChatView, room: string, text: string): Promise<void> {
  const joined = await view.client.join(room);
  view.screen.restore(text);
  if (joined.ok) {
    view.enterRoom(joined);
    return view.info(
      "You had been removed from the room and joined it again: press Enter to send.",
    );
  }
  await view.roomGone(room, `The room ${room} no longer exists (an admin deleted it).`);
  view.info("Your message was not sent; it is back in the input.");
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
      return view.info(["Commands:", ...helpLines()].join("\n"));
    case "quit":
      return view.quit();
    case "say": {
      const room = view.current;
      if (room === null) {
        view.screen.restore(command.text);
        return view.error("Join a room first: /join ROOM, or /rooms.");
      }
      if (!client.online) view.pending(room, command.text);
      const sent = client.say(room, command.text);
      view.refreshPrompt();
      const reply = await sent.finally(() => view.refreshPrompt());
      if (reply.ok) return;
      if (reply.error.code === "not_in_room") return await _notInRoom(view, room, command.text);
      return _refused(view, reply, command.text);
    }
    case "me": {
      const room = view.current;
      if (room === null) return view.error("Join a room first: /join ROOM, or /rooms.");
      if (!client.supports("action")) return view.error("This server does not support /me.");
      const reply = await client.say(room, command.text, "action");
      if (!reply.ok) _refused(view, reply, `/me ${command.text}`);
      return;
    }
    case "topic": {
      const room = view.current;
      if (room === null) return view.error("Join a room first: /join ROOM, or /rooms.");
      if (!client.supports("topic")) return view.error("This server does not support /topic.");
      const reply = await client.request("topic", { room, topic: command.topic });
      _check(view, reply);
      return;
    }
    case "search":
      return await _search(view, command.query);
    case "msg": {
      view.learnUser(command.user);
      if (!client.online) view.pending(command.user, command.text);
      const sent = client.dm(command.user, command.text);
      view.refreshPrompt();
      const reply = await sent.finally(() => view.refreshPrompt());
      if (!reply.ok) _refused(view, reply, `/msg ${command.user} ${command.text}`);
      return;
    }
    case "join":
      return await _join(view, command.room);
    case "switch": {
      if (view.switchTo(command.room)) return;
      const joined = client.joinedRooms;
      return view.error(
        joined.length === 0
          ? `You are in no room; /join ${command.room} first.`
          : `You are not in ${command.room}. Your rooms: ${joined.join(", ")}.`,
      );
    }
    case "leave": {
      const room = command.room ?? view.current;
      if (room === null) return view.error("You are in no room.");
      const reply = await client.leave(room);
      if (!_check(view, reply)) return;
      view.info(`Left ${room}.`);
      view.forgetRoom(room);
      return;
    }
    case "rooms": {
      const listed = await client.rooms();
      if (!listed.ok) return view.error(listed.message);
      for (const room of listed.rooms) view.knownRooms.add(room.name);
      const lines = listed.rooms.map((room) => `  ${formatRoomEntry(room)}`);
      return view.info(["Rooms (/join ROOM):", ...lines].join("\n"));
    }
    case "create": {
      const fields: Record<string, unknown> = { room: command.room };
      if (command.topic !== null) fields.topic = command.topic;
      const reply = await client.request("create_room", fields);
      if (!_check(view, reply)) return;
      const name = typeof reply.frame.room === "string" ? reply.frame.room : command.room;
      view.info(`Created ${name}.`);
      return await _join(view, name);
    }
    case "who": {
      const room = command.room ?? view.current;
      if (room === null) return view.error("Which room? /who ROOM");
      const reply = await client.request("who", { room });
      if (!_check(view, reply)) return;
      const users = Array.isArray(reply.frame.users) ? reply.frame.users.map(String) : [];
      for (const user of users) view.learnUser(user);
      return view.info(`${users.length} online in ${room}: ${users.join(", ")}`);
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
  if (room === null) return view.error("Join a room first.");
  const before = view.oldest(room);
  const fields: Record<string, unknown> = { room, limit: count };
  if (before !== null) fields.before = before;
  const reply = await view.client.request("history", fields);
  if (!_check(view, reply)) return;
  const messages = Array.isArray(reply.frame.messages)
    ? (reply.frame.messages as RoomMessage[]).map((m) => ({ ...m, room: m.room ?? room }))
    : [];
  if (messages.length === 0) return view.info(`No older messages in ${room}.`);
  view.setOldest(room, messages[0]!.msgid);
  view.showOlder(room, messages, reply.frame.more === true);
}

/** `/search`: the newest matches, shown oldest first, each with its room or dm partner. */
async function _search(view: ChatView, query: string): Promise<void> {
  if (!view.client.supports("search")) return view.error("This server does not support /search.");
  const reply = await view.client.request("search", { query, limit: 20 });
  if (!_check(view, reply)) return;
  const found = Array.isArray(reply.frame.messages) ? (reply.frame.messages as ChatMessage[]) : [];
  if (found.length === 0) return view.info(`Nothing found for "${query}".`);
  const more = reply.frame.more === true ? " (the 20 newest)" : "";
  const lines = found.reverse().map((m) => {
    const where = m.room !== undefined ? `[${m.room}]` : `[dm ${m.user} → ${m.to ?? "?"}]`;
    return `${view.style.dim(sanitize(where))} ${formatMessage(m, view.client.user, view.style)}`;
  });
  view.showSearch(`${found.length} found for "${sanitize(query)}"${more}`, lines);
}
