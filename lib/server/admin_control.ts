/** The admin side's view and control of a running server: {@linkcode ChatControl} over the core. */
import { RequestError } from "../protocol/error_codes.ts";
import { isoTime } from "../common/time.ts";
import { lookupUser } from "./chat/user_lookup.ts";
import { createRoom as createRoomChecked } from "./moderation/room_creation.ts";
import { removeRoom } from "./moderation/room_removal.ts";
import { setRoomTopic } from "./moderation/room_topic.ts";
import { imposeSanction, liftSanction } from "./moderation/sanctions.ts";
import type {
  AuditEntry,
  Sanction,
  SanctionKind,
  StoredMessage,
  UserRecord,
} from "../store/store.ts";
import type { ChatServer } from "./chat_server.ts";
import {
  type Actor,
  type ChatControl,
  type ConnectedUser,
  NoSuchUserError,
  type RoomControlCode,
  RoomControlError,
  type RoomSummary,
  type SanctionResult,
  type ServerEvent,
  type ServerStats,
} from "./control.ts";

/** ChatControl implemented over a {@linkcode ChatServer}. */
export class ServerControl implements ChatControl {
  #server: ChatServer;

  constructor(server: ChatServer) {
    this.#server = server;
  }

  get #core() {
    return this.#server.core;
  }

  listUsers(): ConnectedUser[] {
    const now = this.#core.clock();
    return this.#core.sessions.users().map(({ account, sessions }) => ({
      user: account.name,
      sessions: sessions.map((s) => ({
        id: s.id,
        address: s.address,
        rooms: [...this.#core.rooms.roomsOf(s)].map((r) => r.name),
        since: isoTime(s.since),
        idle: Math.max(0, Math.floor((now - s.lastActive) / 1000)),
        messagesSent: s.messagesSent,
      })),
    }));
  }

  listRooms(): RoomSummary[] {
    return this.#core.rooms.list().map((r) => r.summary());
  }

  stats(): ServerStats {
    const core = this.#core;
    return {
      connections: core.sessions.all.size,
      sessions: core.sessions.loggedIn,
      messagesAccepted: core.counters.messagesAccepted,
      messagesStored: core.counters.messagesStored,
      storeCommits: core.writer.commits,
      storeCommitMs: core.writer.commitMs,
      storeFailures: core.counters.storeFailures,
      errors: { ...core.counters.errors },
      uptime: Math.floor((core.clock() - this.#server.startedAt) / 1000),
    };
  }

  async #user(name: string): Promise<UserRecord> {
    const user = await lookupUser(this.#core, name);
    if (!user) throw new NoSuchUserError(name);
    return user;
  }

  /** Imposes a sanction through the one path (see `moderation/sanctions.ts`). */
  async #impose(
    kind: SanctionKind,
    name: string,
    durationMs: number | null,
    reason: string,
    actor: Actor,
  ): Promise<SanctionResult> {
    const user = await this.#user(name);
    const { until } = await imposeSanction(this.#core, { kind, user, durationMs, reason, actor });
    return { user: user.name, until: until === null ? null : isoTime(until) };
  }

  kick(name: string, durationMs: number, reason: string, actor: Actor): Promise<SanctionResult> {
    return this.#impose("kick", name, durationMs, reason, actor);
  }

  mute(name: string, durationMs: number, reason: string, actor: Actor): Promise<SanctionResult> {
    return this.#impose("mute", name, durationMs, reason, actor);
  }

  ban(name: string, reason: string, actor: Actor): Promise<SanctionResult> {
    return this.#impose("ban", name, null, reason, actor);
  }

  async lift(name: string, kind: SanctionKind, actor: Actor): Promise<boolean> {
    return liftSanction(this.#core, await this.#user(name), kind, actor);
  }

  sanctions(): Sanction[] {
    return this.#core.moderation.list();
  }

  async createRoom(name: string, topic: string | null, actor: Actor): Promise<RoomSummary> {
    const room = await _asRoomControl(() =>
      createRoomChecked(this.#core, { name, topic }, { kind: "admin", ...actor })
    );
    return room.summary();
  }

  #room(name: string) {
    const room = this.#core.rooms.get(name);
    if (!room) throw new RoomControlError("no_such_room", `There is no room named ${name}.`);
    return room;
  }

  async deleteRoom(name: string, actor: Actor): Promise<void> {
    await removeRoom(this.#core, this.#room(name), actor);
  }

  async setTopic(name: string, topic: string | null, actor: Actor): Promise<RoomSummary> {
    const room = this.#room(name);
    await _asRoomControl(() => setRoomTopic(this.#core, room, topic, actor));
    return room.summary();
  }

  async recentMessages(
    q: { limit: number; room?: string; user?: string },
  ): Promise<StoredMessage[]> {
    const core = this.#core;
    let roomId: number | undefined;
    let userId: number | undefined;
    if (q.room !== undefined) {
      const room = core.rooms.get(q.room);
      if (!room) return [];
      roomId = room.id;
    }
    if (q.user !== undefined) {
      const user = await lookupUser(core, q.user);
      if (!user) return [];
      userId = user.id;
    }
    return core.store.recentMessages({ limit: q.limit, roomId, userId });
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.#core.store.appendAudit(entry);
  }

  listAudit(limit: number): Promise<AuditEntry[]> {
    return this.#core.store.listAudit(limit);
  }

  shutdown(message: string, delaySeconds: number, actor: Actor): void {
    void this.audit({
      at: this.#core.clock(),
      by: actor.by,
      address: actor.address,
      action: "shutdown",
      target: null,
      detail: JSON.stringify({ message, delay: delaySeconds }),
    }).catch(() => {}).finally(() => void this.#server.shutdown(message, delaySeconds));
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.#core.subscribe(listener);
  }
}

const ROOM_CONTROL_CODES: ReadonlySet<string> = new Set<RoomControlCode>([
  "invalid_room",
  "room_exists",
  "no_such_room",
  "limit_reached",
]);

/** Runs a room operation: its rules speak protocol codes, the admin API RoomControlError. */
async function _asRoomControl<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof RequestError) || !ROOM_CONTROL_CODES.has(error.code)) throw error;
    throw new RoomControlError(error.code as RoomControlCode, error.message);
  }
}
