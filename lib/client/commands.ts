/** Slash commands of the chat view: the command table and the parser of a typed line. */

/** What a typed line asks for. */
export type Command =
  | { kind: "say"; text: string }
  | { kind: "empty" }
  | { kind: "help" }
  | { kind: "join"; room: string }
  | { kind: "leave"; room: string | null }
  | { kind: "rooms" }
  | { kind: "create"; room: string; topic: string | null }
  | { kind: "who"; room: string | null }
  | { kind: "msg"; user: string; text: string }
  | { kind: "me"; text: string }
  | { kind: "topic"; topic: string }
  | { kind: "search"; query: string }
  | { kind: "history"; count: number }
  | { kind: "switch"; room: string }
  | { kind: "quit" }
  | { kind: "error"; message: string };

/** One slash command, for `/help` and completion. */
export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
  /** What the first argument completes to. */
  completes: "room" | "joined_room" | "user" | null;
}

/** Every slash command, in `/help` order. */
export const COMMANDS: readonly CommandInfo[] = [
  { name: "help", usage: "/help", summary: "list the commands", completes: null },
  { name: "join", usage: "/join ROOM", summary: "join a room", completes: "room" },
  {
    name: "switch",
    usage: "/switch ROOM",
    summary: "show another joined room",
    completes: "joined_room",
  },
  {
    name: "leave",
    usage: "/leave [ROOM]",
    summary: "leave the current room (or ROOM)",
    completes: "joined_room",
  },
  { name: "rooms", usage: "/rooms", summary: "list the rooms and who is online", completes: null },
  {
    name: "create",
    usage: "/create ROOM [topic]",
    summary: "create a room and join it",
    completes: null,
  },
  { name: "who", usage: "/who [ROOM]", summary: "who is online in the room", completes: "room" },
  { name: "msg", usage: "/msg USER text", summary: "send a direct message", completes: "user" },
  { name: "me", usage: "/me text", summary: "an action: * you text", completes: null },
  {
    name: "search",
    usage: "/search words",
    summary: "find messages (servers with search)",
    completes: null,
  },
  {
    name: "topic",
    usage: "/topic [text]",
    summary: "set the room's topic (empty clears it)",
    completes: null,
  },
  {
    name: "history",
    usage: "/history [N]",
    summary: "show N older messages (default 20)",
    completes: null,
  },
  { name: "quit", usage: "/quit", summary: "log out and exit", completes: null },
];

/** Default count of `/history`. */
export const HISTORY_DEFAULT = 20;

/** Largest count of `/history` (the protocol's largest `limit`). */
export const HISTORY_MAX = 200;

const ALIASES: Record<string, string> = {
  j: "join",
  q: "quit",
  exit: "quit",
  w: "who",
  m: "msg",
  query: "msg",
  part: "leave",
  h: "help",
  "?": "help",
};

/**
 * Splits a leading room name off `rest`: a double-quoted name (which may hold spaces) or
 * the first word. Returns null when a quote is not closed.
 */
function _takeRoom(rest: string): { room: string; rest: string } | null {
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    if (end < 0) return null;
    return { room: rest.slice(1, end), rest: rest.slice(end + 1).trim() };
  }
  const space = rest.search(/\s/);
  if (space < 0) return { room: rest, rest: "" };
  return { room: rest.slice(0, space), rest: rest.slice(space).trim() };
}

/** A room argument that is the whole rest of the line (quotes optional). */
function _wholeRoom(rest: string): string {
  return rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"') ? rest.slice(1, -1) : rest;
}

/** Parses one typed line. Text not starting with `/` (or starting with `//`) is a message. */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "empty" };
  if (!trimmed.startsWith("/")) return { kind: "say", text: line };
  if (trimmed.startsWith("//")) return { kind: "say", text: line.trimStart().slice(1) };
  const match = /^\/(\S+)\s*(.*)$/s.exec(trimmed)!;
  const typed = match[1]!.toLowerCase();
  const name = ALIASES[typed] ?? typed;
  const rest = match[2]!.trim();
  const usage = () => ({
    kind: "error" as const,
    message: `Usage: ${COMMANDS.find((c) => c.name === name)!.usage}`,
  });
  switch (name) {
    case "help":
      return { kind: "help" };
    case "rooms":
      return { kind: "rooms" };
    case "quit":
      return { kind: "quit" };
    case "join":
    case "switch":
      return rest === "" ? usage() : { kind: name, room: _wholeRoom(rest) };
    case "leave":
      return { kind: "leave", room: rest === "" ? null : _wholeRoom(rest) };
    case "who":
      return { kind: "who", room: rest === "" ? null : _wholeRoom(rest) };
    case "create": {
      const taken = rest === "" ? null : _takeRoom(rest);
      if (taken === null || taken.room === "") return usage();
      return { kind: "create", room: taken.room, topic: taken.rest === "" ? null : taken.rest };
    }
    case "msg": {
      const words = /^(\S+)\s+(.+)$/s.exec(rest);
      if (!words) return usage();
      return { kind: "msg", user: words[1]!, text: words[2]! };
    }
    case "me":
      return rest === "" ? usage() : { kind: "me", text: rest };
    case "topic":
      return { kind: "topic", topic: rest };
    case "search":
      return rest === "" ? usage() : { kind: "search", query: rest };
    case "history": {
      if (rest === "") return { kind: "history", count: HISTORY_DEFAULT };
      const count = /^\d+$/.test(rest) ? Number(rest) : NaN;
      if (!(count >= 1 && count <= HISTORY_MAX)) {
        return { kind: "error", message: `Usage: /history [N], N from 1 to ${HISTORY_MAX}.` };
      }
      return { kind: "history", count };
    }
    default:
      return { kind: "error", message: `Unknown command /${match[1]}. Type /help for the list.` };
  }
}

/** The `/help` text, one command per line. */
export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    ...COMMANDS.map((c) => `${c.usage.padEnd(width)}  ${c.summary}`),
    "Tab completes commands, rooms and names. Start a message with // to send a leading /.",
  ];
}
