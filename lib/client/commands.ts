/** Slash commands of the chat view: the command table and the parser of a typed line. */
import { type ClientKey, t } from "./i18n.ts";

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
  | { kind: "search"; query: string; room: string | null; from: string | null }
  | { kind: "edit"; nth: number; text: string }
  | { kind: "delete"; nth: number }
  | { kind: "report"; nth: number | null; reason: string }
  | { kind: "history"; count: number }
  | { kind: "switch"; room: string }
  | { kind: "quit" }
  | { kind: "error"; message: string };

/** One slash command, for `/help` and completion. */
export interface CommandInfo {
  name: string;
  /**
   * Its arguments as a template: `/msg {user} {text}`, each `{word}` a key of
   * {@linkcode USAGE_WORDS}; {@linkcode commandUsage} shows it in the client's language.
   */
  usage: string;
  /** The catalog key of what `/help` says of it. */
  summary: ClientKey;
  /** What the first argument completes to. */
  completes: "room" | "joined_room" | "user" | null;
  /** The `welcome.features` entry the server must list for the command (protocol 1.1). */
  feature?: string;
}

/**
 * The words of a usage that name an argument (`{room}` in `/join {room}`), by catalog key:
 * `ROOM` in English, `SALON` in French. `N` and the filter keys `in:`/`from:` are typed as
 * they are in every language, so they are not here.
 */
export const USAGE_WORDS = {
  room: "arg.room",
  user: "arg.user",
  text: "arg.text",
  topic: "arg.topic",
  words: "arg.words",
  reason: "arg.reason",
} as const satisfies Record<string, ClientKey>;

/** Every slash command, in `/help` order. */
export const COMMANDS: readonly CommandInfo[] = [
  { name: "help", usage: "/help", summary: "cmd.help", completes: null },
  { name: "join", usage: "/join {room}", summary: "cmd.join", completes: "room" },
  {
    name: "switch",
    usage: "/switch {room}",
    summary: "cmd.switch",
    completes: "joined_room",
  },
  {
    name: "leave",
    usage: "/leave [{room}]",
    summary: "cmd.leave",
    completes: "joined_room",
  },
  { name: "rooms", usage: "/rooms", summary: "cmd.rooms", completes: null },
  {
    name: "create",
    usage: "/create {room} [{topic}]",
    summary: "cmd.create",
    completes: null,
  },
  { name: "who", usage: "/who [{room}]", summary: "cmd.who", completes: "room" },
  { name: "msg", usage: "/msg {user} {text}", summary: "cmd.msg", completes: "user" },
  {
    name: "me",
    usage: "/me {text}",
    summary: "cmd.me",
    completes: null,
    feature: "action",
  },
  {
    name: "edit",
    usage: "/edit [N] {text}",
    summary: "cmd.edit",
    completes: null,
    feature: "edit",
  },
  {
    name: "delete",
    usage: "/delete [N]",
    summary: "cmd.delete",
    completes: null,
    feature: "delete",
  },
  {
    name: "search",
    usage: "/search {words} [in:{room}] [from:{user}]",
    summary: "cmd.search",
    completes: null,
    feature: "search",
  },
  {
    name: "topic",
    usage: "/topic [{text}]",
    summary: "cmd.topic",
    completes: null,
    feature: "topic",
  },
  {
    name: "report",
    usage: "/report [N {reason}]",
    summary: "cmd.report",
    completes: null,
    feature: "report",
  },
  {
    name: "history",
    usage: "/history [N]",
    summary: "cmd.history",
    completes: null,
  },
  { name: "quit", usage: "/quit", summary: "cmd.quit", completes: null },
];

/** Largest N of `/edit N`, `/delete N` and `/report N` (how far back the client remembers). */
export const NTH_MAX = 500;

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

/**
 * A leading count (`3 text`): `n` null when the line does not start with a number, "bad"
 * when the number is out of 1..{@linkcode NTH_MAX}.
 */
function _nth(rest: string): { n: number | null; rest: string } | "bad" {
  const match = /^(\d+)(?:\s+(.*))?$/s.exec(rest);
  if (!match) return { n: null, rest };
  const n = Number(match[1]);
  if (!(n >= 1 && n <= NTH_MAX)) return "bad";
  return { n, rest: (match[2] ?? "").trim() };
}

/**
 * The usage of `command` in the client's language: `/msg USER text`, `/msg PSEUDO texte`.
 * A `{word}` that is not in {@linkcode USAGE_WORDS} is shown as it is.
 */
export function commandUsage(command: CommandInfo): string {
  return command.usage.replace(
    /\{(\w+)\}/g,
    (all, word: string) =>
      Object.hasOwn(USAGE_WORDS, word) ? t(USAGE_WORDS[word as keyof typeof USAGE_WORDS]) : all,
  );
}

/** The usage of the command `name` of {@linkcode COMMANDS}, in the client's language. */
function _usageOf(name: string): string {
  const command = COMMANDS.find((c) => c.name === name);
  return command === undefined ? `/${name}` : commandUsage(command);
}

function _nthError(name: string): Command {
  return {
    kind: "error",
    message: t("usage.nth", { usage: _usageOf(name), max: NTH_MAX }),
  };
}

/**
 * `/search` arguments: the words, with `in:ROOM` (`in:"two words"`) and `from:USER` taken
 * out; null when no word is left.
 */
function _search(rest: string): Extract<Command, { kind: "search" }> | null {
  let room: string | null = null;
  let from: string | null = null;
  const words = rest.replace(
    /(^|\s)(in|from):(?:"([^"]*)"|(\S*))/gi,
    (_all, lead: string, key: string, quoted?: string, plain?: string) => {
      const value = quoted ?? plain ?? "";
      if (key.toLowerCase() === "in") room = value;
      else from = value;
      return lead;
    },
  ).replace(/\s+/g, " ").trim();
  if (words === "" || room === "" || from === "") return null;
  return { kind: "search", query: words, room, from };
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
    message: t("usage.line", { usage: _usageOf(name) }),
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
      return _search(rest) ?? usage();
    case "edit": {
      const nth = _nth(rest);
      if (nth === "bad") return _nthError("edit");
      return nth.rest === "" ? usage() : { kind: "edit", nth: nth.n ?? 1, text: nth.rest };
    }
    case "delete": {
      const nth = _nth(rest);
      if (nth === "bad" || nth.rest !== "") return _nthError("delete");
      return { kind: "delete", nth: nth.n ?? 1 };
    }
    case "report": {
      if (rest === "") return { kind: "report", nth: null, reason: "" };
      const nth = _nth(rest);
      if (nth === "bad" || nth.n === null || nth.rest === "") {
        return { kind: "error", message: t("usage.report") };
      }
      return { kind: "report", nth: nth.n, reason: nth.rest };
    }
    case "history": {
      if (rest === "") return { kind: "history", count: HISTORY_DEFAULT };
      const count = /^\d+$/.test(rest) ? Number(rest) : NaN;
      if (!(count >= 1 && count <= HISTORY_MAX)) {
        return { kind: "error", message: t("usage.history", { max: HISTORY_MAX }) };
      }
      return { kind: "history", count };
    }
    default:
      return { kind: "error", message: t("usage.unknown", { command: match[1]! }) };
  }
}

/** The commands this server offers: those without a feature, and those whose feature it lists. */
export function offeredCommands(
  supports: (feature: string) => boolean = () => true,
): CommandInfo[] {
  return COMMANDS.filter((c) => c.feature === undefined || supports(c.feature));
}

/**
 * The `/help` text, one command per line: only the commands this server offers
 * (`supports` tells which `welcome.features` it lists), then those it does not.
 */
export function helpLines(supports: (feature: string) => boolean = () => true): string[] {
  const offered = offeredCommands(supports);
  const missing = COMMANDS.filter((c) => !offered.includes(c));
  const usages = offered.map(commandUsage);
  const width = Math.max(...usages.map((usage) => usage.length));
  return [
    ...offered.map((c, i) => `${usages[i]!.padEnd(width)}  ${t(c.summary)}`),
    ...(missing.length === 0
      ? []
      : [t("help.missing", { commands: missing.map((c) => `/${c.name}`).join(", ") })]),
    t("help.tips"),
    t("help.privacy"),
  ];
}

/** The sentence for a command whose feature the server does not list. */
export function notOffered(name: string): string {
  return t("help.notOffered", { command: name });
}
