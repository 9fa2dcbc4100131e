/** Runs what the user typed in the chat view: a message or a slash command. */
import { foldName } from "../../protocol/names.ts";
import type { ChatMessage } from "../../protocol/server_frames.ts";
import { type Command, helpLines, parseCommand } from "../commands.ts";
import { ConnectionLostError, type Reply } from "../connection.ts";
import { formatMessage, formatRoomEntry } from "../format.ts";
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
      if (view.current === null) return view.error("Join a room first: /join ROOM, or /rooms.");
      const reply = await client.say(view.current, command.text);
      _check(view, reply);
      return;
    }
    case "msg": {
      view.learnUser(command.user);
      const reply = await client.dm(command.user, command.text);
      _check(view, reply);
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
      return await _history(view, command.count);
  }
}

async function _history(view: ChatView, count: number): Promise<void> {
  const room = view.current;
  if (room === null) return view.error("Join a room first.");
  const before = view.oldest(room);
  const fields: Record<string, unknown> = { room, limit: count };
  if (before !== null) fields.before = before;
  const reply = await view.client.request("history", fields);
  if (!_check(view, reply)) return;
  const messages = Array.isArray(reply.frame.messages)
    ? (reply.frame.messages as ChatMessage[])
    : [];
  if (messages.length === 0) return view.info(`No older messages in ${room}.`);
  view.setOldest(room, messages[0]!.msgid);
  const more = reply.frame.more === true ? " (/history for more)" : "";
  view.info(`${messages.length} earlier messages in ${room}:`);
  view.print(...messages.map((m) => formatMessage(m, view.client.user, view.style)));
  view.info(`End of earlier messages${more}.`);
}
