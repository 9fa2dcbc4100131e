/** Room and user names seen during the session, offered by Tab completion. */
import type { RoomInfo } from "../../protocol/server_frames.ts";
import type { CommandInfo } from "../commands.ts";
import { complete, type Completion } from "../completion.ts";
import { foldText } from "./mentions.ts";

/** The names completion offers, learned from room lists, joins, messages and presence. */
export class KnownNames {
  /** Room names seen in room lists. */
  readonly rooms = new Set<string>();
  /** User names seen, by folded name. */
  readonly #users = new Map<string, string>();
  /** The name learned last: every message of a burst from one author learns it again. */
  #last = "";

  /** Remembers a user name. */
  learnUser(name: string): void {
    if (name === this.#last) return;
    this.#last = name;
    this.#users.set(foldText(name), name);
  }

  /** Remembers the rooms of a room list, and who is online in them. */
  learnRooms(rooms: RoomInfo[]): void {
    for (const room of rooms) {
      this.rooms.add(room.name);
      for (const member of room.members) this.learnUser(member);
    }
  }

  /** What `line` completes to; `joinedRooms` are offered by `/switch` and `/leave`. */
  complete(line: string, joinedRooms: string[], commands?: readonly CommandInfo[]): Completion {
    return complete(line, {
      rooms: [...this.rooms],
      joinedRooms,
      users: [...this.#users.values()],
      commands,
    });
  }
}
