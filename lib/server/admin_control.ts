/** The admin side's view and control of a running server: {@linkcode ChatControl} over the core. */
import { RequestError } from "../protocol/error_codes.ts";
import { isoTime } from "../common/time.ts";
import { serverEn } from "../i18n/catalogs/server.en.ts";
import { serverTexts } from "../i18n/server_texts.ts";
import { lookupUser } from "./chat/user_lookup.ts";
import { createRoom as createRoomChecked } from "./moderation/room_creation.ts";
import { removeRoom } from "./moderation/room_removal.ts";
import { setRoomTopic } from "./moderation/room_topic.ts";
import { imposeSanction, liftSanction } from "./moderation/sanctions.ts";
import { setSlowMode as setRoomSlowMode } from "./moderation/slow_mode.ts";
import { removeMessage } from "./moderation/message_removal.ts";
import { closeReportsOf, listReports, resolveReport } from "./moderation/report_queue.ts";
import { grantRole, isBootstrapAdmin, revokeRole } from "./moderation/staff.ts";
import { passwordHashCount, verifyAgainstDummy, verifyPassword } from "../auth/password.ts";
import { foldName } from "../protocol/names.ts";
import { parseMsgid } from "../protocol/msgid.ts";
import type {
  AddressBanRecord,
  AuditEntry,
  ReportStatus,
  Sanction,
  SanctionKind,
  StaffRole,
  StoredMessage,
  UserRecord,
} from "../store/store.ts";
import type { ChatServer } from "./chat_server.ts";
import type { ChatCore } from "./chat/core.ts";
import {
  type AccountDetail,
  type AccountsQuery,
  type AccountSummary,
  type Actor,
  type ChatControl,
  type ConnectedUser,
  ControlError,
  type InstanceInfo,
  NoSuchUserError,
  type QueuedReport,
  type ReportAction,
  type RoomControlCode,
  RoomControlError,
  type RoomSummary,
  type SanctionResult,
  type ServerEvent,
  type ServerStats,
  type ShutdownScope,
  type StaffMember,
} from "./control.ts";

/** Who an instance is, as the admin API shows it. */
export interface InstanceIdentity {
  /** Its name (`--instance`, or the host name and the chat port). */
  instance: string;
  /** Its chat address, `host:port`. */
  chat: string;
}

/** This machine's host name ("localhost" when it may not be read). */
function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/** The logged-in users of this instance and their sessions, each tagged with `instance`. */
export function localUsers(core: ChatCore, instance: string): ConnectedUser[] {
  const now = core.clock();
  return core.sessions.users().map(({ account, sessions }) => ({
    user: account.name,
    sessions: sessions.map((s) => ({
      id: s.id,
      instance,
      address: s.address,
      rooms: [...core.rooms.roomsOf(s)].map((r) => r.name),
      since: isoTime(s.since),
      idle: Math.max(0, Math.floor((now - s.lastActive) / 1000)),
      messagesSent: s.messagesSent,
    })),
  }));
}

/** ChatControl implemented over a {@linkcode ChatServer}. */
export class ServerControl implements ChatControl {
  #server: ChatServer;
  #identity: InstanceIdentity;

  /**
   * `identity` names this instance in `/api/users` and `/api/instances` (`lib/app/start.ts`
   * gives it); without it, the cluster's instance name or the host name, and no chat address.
   */
  constructor(server: ChatServer, identity?: InstanceIdentity) {
    this.#server = server;
    this.#identity = identity ?? {
      instance: server.core.cluster?.instance ?? hostName(),
      chat: "",
    };
  }

  get #core() {
    return this.#server.core;
  }

  listUsers(): ConnectedUser[] | Promise<ConnectedUser[]> {
    const cluster = this.#core.cluster;
    if (cluster) return cluster.clusterUsers();
    return localUsers(this.#core, this.#identity.instance);
  }

  listInstances(): InstanceInfo[] {
    const cluster = this.#core.cluster;
    if (cluster) return cluster.instances();
    const core = this.#core;
    const now = isoTime(core.clock());
    return [{
      instance: this.#identity.instance,
      chat: this.#identity.chat,
      sessions: core.sessions.loggedIn,
      since: isoTime(this.#server.startedAt),
      lastSeen: now,
    }];
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
      passwordHashes: passwordHashCount(),
      errors: { ...core.counters.errors },
      uptime: Math.floor((core.clock() - this.#server.startedAt) / 1000),
      ...(core.cluster ? { cluster: core.cluster.stats() } : {}),
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

  async setSlowMode(name: string, seconds: number, actor: Actor): Promise<RoomSummary> {
    const room = this.#room(name);
    await setRoomSlowMode(this.#core, room, seconds, actor);
    return room.summary();
  }

  async deleteMessage(msgid: string, actor: Actor): Promise<void> {
    const seq = parseMsgid(msgid);
    const outcome = seq === null ? "missing" : await removeMessage(this.#core, seq, actor);
    if (outcome === "missing") {
      throw new ControlError(
        404,
        "no_such_message",
        `There is no room message ${JSON.stringify(msgid)} (deleted ones and direct messages ` +
          "cannot be deleted here).",
      );
    }
    if (await closeReportsOf(this.#core, seq!, actor, null) > 0) {
      this.#core.cluster?.announce({ type: "reports" });
      this.#core.emit({ type: "moderation" });
    }
  }

  listReports(status: ReportStatus, limit: number): Promise<QueuedReport[]> {
    return listReports(this.#core, status, limit);
  }

  async resolveReport(id: number, action: ReportAction, actor: Actor): Promise<void> {
    const outcome = await resolveReport(this.#core, id, action, actor);
    if (outcome === "no_such_report") {
      throw new ControlError(404, "no_such_report", `There is no report ${id}.`);
    }
    if (outcome === "closed") {
      throw new ControlError(409, "report_closed", `Report ${id} is closed already.`);
    }
  }

  listAddressBans(): AddressBanRecord[] {
    return this.#server.addressBans.list();
  }

  async addAddressBan(
    ban: { address: string; durationMs: number | null; reason: string },
    actor: Actor,
  ): Promise<AddressBanRecord> {
    const added = await this.#server.addressBans.add({ ...ban, by: actor.by });
    if ("error" in added) throw new ControlError(400, "invalid_address", added.error);
    const closed = this.#server.closeBannedSessions();
    await this.audit({
      at: added.at,
      by: actor.by,
      address: actor.address,
      action: "address_ban",
      target: added.address,
      detail: JSON.stringify({
        id: added.id,
        until: added.until === null ? null : isoTime(added.until),
        reason: added.reason,
        closed,
      }),
    });
    this.#core.emit({ type: "moderation" });
    return added;
  }

  async removeAddressBan(id: number, actor: Actor): Promise<void> {
    const removed = await this.#server.addressBans.remove(id);
    if (!removed) throw new ControlError(404, "no_such_ban", `There is no address ban ${id}.`);
    await this.audit({
      at: this.#core.clock(),
      by: actor.by,
      address: actor.address,
      action: "address_unban",
      target: removed.address,
      detail: JSON.stringify({ id }),
    });
    this.#core.emit({ type: "moderation" });
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

  shutdown(
    given: string,
    delaySeconds: number,
    actor: Actor,
    scope: ShutdownScope = "instance",
  ): void {
    // No message (or the English default the admin API fills in): the server's language.
    const message = given.trim() === "" || given === serverEn["server.shutdown"]
      ? serverTexts(this.#server.language).t("server.shutdown")
      : given;
    void this.audit({
      at: this.#core.clock(),
      by: actor.by,
      address: actor.address,
      action: "shutdown",
      target: null,
      detail: JSON.stringify({ message, delay: delaySeconds, scope }),
    }).catch(() => {}).finally(() =>
      void (scope === "cluster"
        ? this.#server.shutdownCluster(message, delaySeconds)
        : this.#server.shutdown(message, delaySeconds))
    );
  }

  async verifyAccount(
    name: string,
    password: string,
  ): Promise<{ userId: number; user: string } | null> {
    const user = await lookupUser(this.#core, name);
    const ok = user
      ? await verifyPassword(user.passwordHash, password)
      : await verifyAgainstDummy(password);
    if (!user || !ok || this.#core.moderation.loginBlock(user.id)?.code === "banned") return null;
    return { userId: user.id, user: user.name };
  }

  staffRoleOf(userId: number, sessionSince?: number): StaffRole | null {
    // A banned staff member acts as none: their open admin sessions end with the ban.
    if (this.#core.moderation.loginBlock(userId)?.code === "banned") return null;
    // So do the sessions begun before a change of the account's password.
    const changed = this.#core.passwordChanges.get(userId);
    if (sessionSince !== undefined && changed !== undefined && changed >= sessionSince) {
      return null;
    }
    return this.#core.staff.roleOf(userId);
  }

  listStaff(): StaffMember[] {
    return this.#core.staff.list().map((s) => ({ ...s }));
  }

  async grantRole(
    name: string,
    role: StaffRole,
    actor: Actor,
  ): Promise<{ user: string; role: StaffRole }> {
    if (isBootstrapAdmin(name) && role === "admin") return { user: "admin", role };
    if (isBootstrapAdmin(name)) throw lastAdmin();
    const outcome = await grantRole(this.#core, await this.#user(name), role, actor);
    if (outcome === "last_admin") throw lastAdmin();
    return { user: outcome.user, role: outcome.role };
  }

  async revokeRole(name: string, actor: Actor): Promise<boolean> {
    if (isBootstrapAdmin(name)) throw lastAdmin();
    const outcome = await revokeRole(this.#core, await this.#user(name), actor);
    if (outcome === "last_admin") throw lastAdmin();
    return outcome;
  }

  async listAccounts(
    query: AccountsQuery,
  ): Promise<{ accounts: AccountSummary[]; more: boolean }> {
    const page = await this.#core.store.listAccounts({
      contains: query.query ? foldName(query.query) : undefined,
      afterKey: query.after ? foldName(query.after) : undefined,
      limit: query.limit,
    });
    return {
      accounts: page.accounts.map((a) => this.#summary(a.id, a.name, a.createdAt, a.lastSeen)),
      more: page.more,
    };
  }

  async accountDetail(name: string): Promise<AccountDetail> {
    const user = await this.#user(name);
    const [history, page] = await Promise.all([
      this.#core.store.listAuditFor(user.name, 100),
      this.#core.store.listAccounts({ equals: user.nameKey, limit: 1 }),
    ]);
    const lastSeen = page.accounts.find((a) => a.id === user.id)?.lastSeen ?? null;
    return {
      ...this.#summary(user.id, user.name, user.createdAt, lastSeen),
      sanctions: this.#core.moderation.list().filter((s) => s.userId === user.id),
      history,
    };
  }

  #summary(id: number, name: string, created: number, lastSeen: number | null): AccountSummary {
    return {
      user: name,
      created,
      lastSeen,
      online: this.#core.sessions.isOnline(id),
      role: this.#core.staff.roleOf(id),
    };
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.#core.subscribe(listener);
  }
}

/** The refusal to demote or revoke the bootstrap `admin`, the admin that always stays. */
function lastAdmin(): ControlError {
  return new ControlError(
    409,
    "last_admin",
    "admin is the server's owner and always stays an admin; its role cannot be revoked or lowered.",
  );
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
