/** Tab completion of the chat input line: commands, room names and user names. */
import { foldName } from "../protocol/names.ts";
import { type CommandInfo, COMMANDS } from "./commands.ts";

/** What completion can offer, as the chat view currently knows it. */
export interface CompletionSource {
  /** Every room name known (from the room list). */
  rooms: readonly string[];
  /** Rooms this session has joined. */
  joinedRooms: readonly string[];
  /** User names known (room members, authors, direct-message partners). */
  users: readonly string[];
  /** The commands offered (default: all; a server without a feature lacks its command). */
  commands?: readonly CommandInfo[];
}

/** Candidates for the fragment, and the fragment itself (readline's completer shape). */
export type Completion = [string[], string];

function _matching(candidates: readonly string[], fragment: string): string[] {
  const key = foldName(fragment);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const candidate of candidates) {
    const folded = foldName(candidate);
    if (folded.startsWith(key) && !seen.has(folded)) {
      seen.add(folded);
      out.push(candidate);
    }
  }
  return out.sort((a, b) => a.localeCompare(b));
}

/**
 * Completes the end of `line`: a command name after a leading `/`, the argument of a
 * command that takes a room or a user, or else the last word as a user name (followed by
 * `: ` at the start of a line, as in IRC).
 */
export function complete(line: string, source: CompletionSource): Completion {
  const command = /^\/(\S*)$/.exec(line);
  if (command) {
    const names = (source.commands ?? COMMANDS).map((c) => `/${c.name}`);
    const hits = _matching(names, line);
    return [hits.map((hit) => `${hit} `), line];
  }
  const argument = /^\/(\S+)\s+(.*)$/s.exec(line);
  if (argument) {
    const info = COMMANDS.find((c) => c.name === argument[1]!.toLowerCase());
    const fragment = argument[2]!;
    if (info?.completes === "room" || info?.completes === "joined_room") {
      const rooms = info.completes === "room"
        ? [...source.rooms, ...source.joinedRooms]
        : source.joinedRooms;
      return [_matching(rooms, fragment), fragment];
    }
    if (info?.completes === "user" && !/\s/.test(fragment)) {
      return [_matching(source.users, fragment).map((user) => `${user} `), fragment];
    }
  }
  const lastWord = /(\S*)$/.exec(line)![1]!;
  if (lastWord === "" || lastWord.startsWith("/")) return [[], lastWord];
  const atStart = lastWord.length === line.length;
  const hits = _matching(source.users, lastWord);
  return [hits.map((user) => atStart ? `${user}: ` : user), lastWord];
}
