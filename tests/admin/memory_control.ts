/**
 * A small in-memory `ChatControl` for the admin handler's unit tests: it records what the
 * handler asked for and answers like a server would, without sockets. Tests of effects on
 * real clients use a real server (`api_e2e_test.ts`).
 */
import {
  type Actor,
  type AddressBanRecord,
  type ChatControl,
  type ConnectedUser,
  ControlError,
  type InstanceInfo,
  NoSuchUserError,
  type QueuedReport,
  RoomControlError,
  type RoomSummary,
  type SanctionResult,
  type ServerEvent,
  type ServerStats,
  type StaffMember,
  type StaffRole,
} from "../../lib/server/control.ts";
import type { AuditEntry, Sanction, SanctionKind, StoredMessage } from "../../lib/store/store.ts";

/** The in-memory control, with its state open for assertions. */
export class MemoryControl implements ChatControl {
  now: () => number;
  known = new Set(["alice", "bob"]);
  connected: ConnectedUser[] = [];
  rooms: RoomSummary[] = [{ name: "general", topic: null, members: [], slowmode: 0 }];
  sanctionList: Sanction[] = [];
  auditLog: AuditEntry[] = [];
  messages: StoredMessage[] = [];
  shutdownCalls: {
    message: string;
    delaySeconds: number;
    actor: Actor;
    scope: "instance" | "cluster";
  }[] = [];
  /** Chat passwords (plain, in memory only) of the known accounts that may log in. */
  passwords = new Map<string, string>();
  staff: StaffMember[] = [];
  #listeners = new Set<(event: ServerEvent) => void>();

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Number of live subscriptions (SSE streams). */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Sends an event to the subscribers. */
  emit(event: ServerEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  listUsers(): ConnectedUser[] {
    return this.connected;
  }
  /** The instances `GET /api/instances` lists (one process: itself). */
  instanceList: InstanceInfo[] = [{
    instance: "memory:1",
    chat: "127.0.0.1:9000",
    sessions: 2,
    since: "2030-01-01T00:00:00.000Z",
    lastSeen: "2030-01-01T00:00:00.000Z",
  }];
  listInstances(): InstanceInfo[] {
    return this.instanceList;
  }
  listRooms(): RoomSummary[] {
    return this.rooms;
  }
  stats(): ServerStats {
    return {
      connections: 3,
      sessions: 2,
      messagesAccepted: 10,
      messagesStored: 42,
      storeCommits: 5,
      storeCommitMs: 12.5,
      storeFailures: 0,
      passwordHashes: 0,
      errors: { bad_frame: 2, muted: 1 },
      uptime: 60,
    };
  }
  kick(user: string, durationMs: number, reason: string, actor: Actor) {
    return this.#impose("kick", user, this.now() + durationMs, reason, actor);
  }
  mute(user: string, durationMs: number, reason: string, actor: Actor) {
    return this.#impose("mute", user, this.now() + durationMs, reason, actor);
  }
  ban(user: string, reason: string, actor: Actor) {
    return this.#impose("ban", user, null, reason, actor);
  }
  lift(user: string, kind: SanctionKind, actor: Actor): Promise<boolean> {
    const name = this.#user(user);
    const before = this.sanctionList.length;
    this.sanctionList = this.sanctionList.filter((s) => !(s.user === name && s.kind === kind));
    this.#audit(actor, `un${kind}`, name, null);
    return Promise.resolve(this.sanctionList.length < before);
  }
  sanctions(): Sanction[] {
    return this.sanctionList;
  }
  createRoom(name: string, topic: string | null, actor: Actor): Promise<RoomSummary> {
    if (name.trim() === "") throw new RoomControlError("invalid_room", "A room needs a name.");
    if (this.rooms.some((r) => r.name.toLowerCase() === name.toLowerCase())) {
      return Promise.reject(new RoomControlError("room_exists", `Room ${name} exists.`));
    }
    const room = { name, topic, members: [], slowmode: 0 };
    this.rooms.push(room);
    this.#audit(actor, "create_room", name, topic);
    return Promise.resolve(room);
  }
  deleteRoom(name: string, actor: Actor): Promise<void> {
    const room = this.#room(name);
    this.rooms = this.rooms.filter((r) => r !== room);
    this.#audit(actor, "delete_room", name, null);
    return Promise.resolve();
  }
  setTopic(name: string, topic: string | null, actor: Actor): Promise<RoomSummary> {
    const room = this.#room(name);
    room.topic = topic;
    this.#audit(actor, "set_topic", name, topic);
    return Promise.resolve(room);
  }
  setSlowMode(name: string, seconds: number, actor: Actor): Promise<RoomSummary> {
    const room = this.#room(name);
    room.slowmode = seconds;
    this.#audit(actor, "slowmode", name, String(seconds));
    return Promise.resolve(room);
  }
  // Moderation 2.0 is tested against a real server (tests/admin/*_api_test.ts).
  deleteMessage(msgid: string): Promise<void> {
    return Promise.reject(new ControlError(404, "no_such_message", `No message ${msgid}.`));
  }
  listReports(): Promise<QueuedReport[]> {
    return Promise.resolve([]);
  }
  resolveReport(id: number): Promise<void> {
    return Promise.reject(new ControlError(404, "no_such_report", `No report ${id}.`));
  }
  listAddressBans(): AddressBanRecord[] {
    return [];
  }
  addAddressBan(): Promise<AddressBanRecord> {
    return Promise.reject(new ControlError(400, "invalid_address", "Not here."));
  }
  removeAddressBan(id: number): Promise<void> {
    return Promise.reject(new ControlError(404, "no_such_ban", `No ban ${id}.`));
  }
  recentMessages(q: { limit: number; room?: string; user?: string }): Promise<StoredMessage[]> {
    return Promise.resolve(
      this.messages.filter((m) => (!q.room || m.room === q.room) && (!q.user || m.user === q.user))
        .slice(0, q.limit),
    );
  }
  audit(entry: AuditEntry): Promise<void> {
    this.auditLog.unshift(entry);
    return Promise.resolve();
  }
  listAudit(limit: number): Promise<AuditEntry[]> {
    return Promise.resolve(this.auditLog.slice(0, limit));
  }
  shutdown(
    message: string,
    delaySeconds: number,
    actor: Actor,
    scope: "instance" | "cluster" = "instance",
  ): void {
    this.shutdownCalls.push({ message, delaySeconds, actor, scope });
    this.emit({ type: "shutdown", message, in: delaySeconds });
  }
  verifyAccount(name: string, password: string) {
    const user = [...this.known].find((k) => k.toLowerCase() === name.toLowerCase());
    const ok = user !== undefined && this.passwords.get(user) === password;
    return Promise.resolve(ok ? { userId: this.#idOf(user), user } : null);
  }
  staffRoleOf(userId: number): StaffRole | null {
    return this.staff.find((s) => s.userId === userId)?.role ?? null;
  }
  listStaff(): StaffMember[] {
    return this.staff;
  }
  grantRole(name: string, role: StaffRole, actor: Actor) {
    try {
      const user = this.#user(name);
      this.staff = this.staff.filter((s) => s.user !== user);
      this.staff.push({ userId: this.#idOf(user), user, role, since: this.now(), by: actor.by });
      this.#audit(actor, "staff_grant", user, role);
      return Promise.resolve({ user, role });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  revokeRole(name: string, actor: Actor): Promise<boolean> {
    try {
      const user = this.#user(name);
      const before = this.staff.length;
      this.staff = this.staff.filter((s) => s.user !== user);
      this.#audit(actor, "staff_revoke", user, null);
      return Promise.resolve(this.staff.length < before);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  listAccounts() {
    const accounts = [...this.known].sort().map((user) => ({
      user,
      created: 0,
      lastSeen: null,
      online: false,
      role: this.staffRoleOf(this.#idOf(user)),
    }));
    return Promise.resolve({ accounts, more: false });
  }
  async accountDetail(name: string) {
    const user = this.#user(name);
    const summary = (await this.listAccounts()).accounts.find((a) => a.user === user)!;
    return { ...summary, sanctions: [], history: [] };
  }
  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #idOf(user: string): number {
    return [...this.known].indexOf(user) + 1;
  }
  #user(user: string): string {
    const name = [...this.known].find((k) => k.toLowerCase() === user.toLowerCase());
    if (!name) throw new NoSuchUserError(user);
    return name;
  }
  #room(name: string): RoomSummary {
    const room = this.rooms.find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!room) throw new RoomControlError("no_such_room", `There is no room ${name}.`);
    return room;
  }
  #impose(
    kind: SanctionKind,
    user: string,
    until: number | null,
    reason: string,
    actor: Actor,
  ): Promise<SanctionResult> {
    let name: string;
    try {
      name = this.#user(user);
    } catch (error) {
      return Promise.reject(error);
    }
    this.sanctionList = this.sanctionList.filter((s) => !(s.user === name && s.kind === kind));
    this.sanctionList.push({
      kind,
      userId: 1,
      user: name,
      until,
      reason,
      by: actor.by,
      at: this.now(),
    });
    this.#audit(actor, kind, name, reason);
    this.emit({ type: "moderation" });
    return Promise.resolve({
      user: name,
      until: until === null ? null : new Date(until).toISOString(),
    });
  }
  #audit(actor: Actor, action: string, target: string, detail: string | null): void {
    this.auditLog.unshift({
      at: this.now(),
      by: actor.by,
      address: actor.address,
      action,
      target,
      detail,
    });
  }
}

/** An in-memory settings store. */
export class MemorySettings {
  values = new Map<string, string>();
  getSetting(key: string): Promise<string | null> {
    return Promise.resolve(this.values.get(key) ?? null);
  }
  setSetting(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

/** A stored message of zoe's in general (what the control's store and feed carry). */
export function roomMessage(seq: number, text: string) {
  return {
    seq,
    roomId: 1,
    room: "general",
    senderId: 1,
    user: "zoe",
    recipientId: null,
    to: null,
    text,
    ts: 0,
  };
}
