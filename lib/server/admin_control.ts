/** The admin side's view and control of a running server: {@linkcode ChatControl} over the core. */
import { codePoints, foldName } from "../protocol/names.ts";
import { MAX_TOPIC } from "../protocol/limits.ts";
import { RequestError } from "../protocol/error_codes.ts";
import { createRoom as createRoomChecked } from "./moderation/room_creation.ts";
import { auditRoom, removeRoom } from "./moderation/room_removal.ts";
import { revokeTokensOnBan } from "./moderation/ban_tokens.ts";
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
import { isoTime } from "./chat/core.ts";

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
        rooms: [...s.rooms.values()].map((r) => r.name),
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
    const user = name === "" ? null : await this.#core.findUser(foldName(name));
    if (!user) throw new NoSuchUserError(name);
    return user;
  }

  /**
   * Imposes a sanction all or nothing: applied in memory at once, `enforce` run (sessions
   * closed before anything is written, so a ban acts even while the database hangs), then
   * the sanction and its audit entry stored in one transaction. When that fails the
   * sanction is withdrawn and the error reaches the admin (503): nothing half applied.
   */
  async #impose(
    kind: SanctionKind,
    name: string,
    durationMs: number | null,
    reason: string,
    actor: Actor,
    enforce: (user: UserRecord, until: number | null) => void = () => {},
  ): Promise<{ user: UserRecord; until: number | null }> {
    const user = await this.#user(name);
    const at = this.#core.clock();
    const until = durationMs === null ? null : at + durationMs;
    await this.#core.moderation.impose(
      { kind, userId: user.id, user: user.name, until, reason, by: actor.by, at },
      {
        audit: {
          at,
          by: actor.by,
          address: actor.address,
          action: kind,
          target: user.name,
          detail: JSON.stringify({ until: until === null ? null : isoTime(until), reason }),
        },
        enforce: () => enforce(user, until),
      },
    );
    this.#core.emit({ type: "moderation" });
    return { user, until };
  }

  async kick(
    name: string,
    durationMs: number,
    reason: string,
    actor: Actor,
  ): Promise<SanctionResult> {
    const { user, until } = await this.#impose(
      "kick",
      name,
      durationMs,
      reason,
      actor,
      (user, until) =>
        this.#core.closeUser(user.id, { type: "kicked", until: isoTime(until!), reason }, "kicked"),
    );
    return { user: user.name, until: isoTime(until!) };
  }

  async mute(
    name: string,
    durationMs: number,
    reason: string,
    actor: Actor,
  ): Promise<SanctionResult> {
    const { user, until } = await this.#impose("mute", name, durationMs, reason, actor);
    for (const session of this.#core.sessions.ofUser(user.id)) {
      session.send({
        type: "notice",
        text: `You are muted until ${isoTime(until!)}${reason ? `: ${reason}` : "."}`,
      });
    }
    return { user: user.name, until: isoTime(until!) };
  }

  async ban(name: string, reason: string, actor: Actor): Promise<SanctionResult> {
    const { user } = await this.#impose(
      "ban",
      name,
      null,
      reason,
      actor,
      (user) => this.#core.closeUser(user.id, { type: "banned", reason }, "banned"),
    );
    await revokeTokensOnBan(this.#core, user);
    return { user: user.name, until: null };
  }

  async lift(name: string, kind: SanctionKind, actor: Actor): Promise<boolean> {
    const user = await this.#user(name);
    const lifted = await this.#core.moderation.lift(user.id, kind);
    await this.audit({
      at: this.#core.clock(),
      by: actor.by,
      address: actor.address,
      action: `un${kind}`,
      target: user.name,
      detail: lifted ? null : JSON.stringify({ note: "none was active" }),
    });
    this.#core.emit({ type: "moderation" });
    return lifted;
  }

  sanctions(): Sanction[] {
    return this.#core.moderation.list();
  }

  #topic(topic: string | null): string | null {
    if (topic !== null && codePoints(topic) > MAX_TOPIC) {
      throw new RoomControlError(
        "invalid_room",
        `The topic is longer than ${MAX_TOPIC} characters.`,
      );
    }
    return topic?.trim() || null;
  }

  async createRoom(name: string, topic: string | null, actor: Actor): Promise<RoomSummary> {
    const cleanTopic = this.#topic(topic);
    try {
      const room = await createRoomChecked(this.#core, { name, topic: cleanTopic }, {
        kind: "admin",
        ...actor,
      });
      return room.summary();
    } catch (error) {
      throw _roomControlError(error);
    }
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
    const core = this.#core;
    const room = this.#room(name);
    const cleanTopic = this.#topic(topic);
    await core.store.setRoomTopic(room.id, cleanTopic);
    room.topic = cleanTopic;
    for (const session of room.sessions) {
      session.send({
        type: "notice",
        text: cleanTopic
          ? `Topic of ${room.name}: ${cleanTopic}`
          : `Topic of ${room.name} cleared.`,
      });
    }
    await auditRoom(core, actor, "set_topic", room.name, cleanTopic);
    core.emit({ type: "rooms" });
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
      const user = await core.findUser(foldName(q.user));
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

/** The room rules speak protocol codes; the admin API speaks RoomControlError. */
function _roomControlError(error: unknown): unknown {
  if (!(error instanceof RequestError) || !ROOM_CONTROL_CODES.has(error.code)) return error;
  return new RoomControlError(error.code as RoomControlCode, error.message);
}
