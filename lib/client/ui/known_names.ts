/** Room and user names seen during the session, offered by Tab completion. */
import { foldName } from "../../protocol/names.ts";
import type { RoomInfo } from "../../protocol/server_frames.ts";
import type { CommandInfo } from "../commands.ts";
import { complete, type Completion } from "../completion.ts";

/** The names completion offers, learned from room lists, joins, messages and presence. */
export class KnownNames {
  /** Room names seen in room lists. */
  readonly rooms = new Set<string>();
  /** User names seen, by folded name. */
  readonly #users = new Map<string, string>();

  /** Remembers a user name. */
  learnUser(name: string): void {
    this.#users.set(foldName(name), name);
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
