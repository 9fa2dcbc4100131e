/**
 * Several chat cores in one process joined by a fake NATS (`FakeHub`): what the presence
 * unit tests run on. Each core is a real `ChatCore` (real room directory, session registry,
 * `enterRoom`/`leaveRoom`/`logout`/`login`) over its own SQLite `:memory:` store; sessions
 * are real `Session`s whose bytes land in a list of frames. The hub delivers every message
 * as JSON, asynchronously and in order, and can lose messages or cut an instance off.
 */
import { ChatCore } from "../../lib/server/chat/core.ts";
import { RoomDirectory } from "../../lib/server/chat/rooms.ts";
import { SessionRegistry } from "../../lib/server/chat/session_registry.ts";
import { Session } from "../../lib/server/net/session.ts";
import { Moderation } from "../../lib/server/limits/moderation_state.ts";
import { ResumeTokens } from "../../lib/auth/tokens.ts";
import { StaffRoles } from "../../lib/server/limits/staff_roles.ts";
import { openStore } from "../../lib/store/open_store.ts";
import type { Store } from "../../lib/store/store.ts";
import type { ClusterLink } from "../../lib/server/chat/cluster_link.ts";
import { ClusterPresence, type PresenceBus } from "../../lib/cluster/presence.ts";
import { type AdminViewsBus, ClusterAdminViews } from "../../lib/cluster/admin_views.ts";
import { localUsers } from "../../lib/server/admin_control.ts";

type Handler = (data: unknown, reply: string | undefined) => void;

/** Decides whether a message from `from` on `suffix` is lost (true: dropped). */
export type LossRule = (from: string, suffix: string, data: Record<string, unknown>) => boolean;

/** An in-memory NATS for several fake buses: per subject, every subscriber gets a copy. */
export class FakeHub {
  #subs = new Map<string, Set<{ bus: FakeBus; handler: Handler }>>();
  #replies = new Map<string, (data: unknown) => void>();
  #nextReply = 1;
  /** Messages lost on the way, decided per message. */
  lose: LossRule | null = null;
  /** Messages on their way. */
  inFlight = 0;
  /** Every message published, for assertions: [from, suffix, data]. */
  readonly log: [string, string, Record<string, unknown>][] = [];

  subscribe(bus: FakeBus, suffix: string, handler: Handler): () => void {
    let set = this.#subs.get(suffix);
    if (!set) {
      set = new Set();
      this.#subs.set(suffix, set);
    }
    const sub = { bus, handler };
    set.add(sub);
    return () => set.delete(sub);
  }

  publish(
    from: { readonly instance: string },
    suffix: string,
    data: unknown,
    reply?: string,
  ): void {
    const json = JSON.stringify(data);
    const copy = JSON.parse(json) as Record<string, unknown>;
    this.log.push([from.instance, suffix, copy]);
    if (this.lose?.(from.instance, suffix, copy)) return;
    for (const { bus, handler } of this.#subs.get(suffix) ?? []) {
      if (!bus.connected) continue;
      this.inFlight++;
      setTimeout(() => {
        this.inFlight--;
        if (bus.connected) handler(JSON.parse(json), reply);
      }, 0);
    }
  }

  /** A reply subject whose answers go to `sink`, and its removal. */
  inbox(sink: (data: unknown) => void): [string, () => void] {
    const reply = `_INBOX.${this.#nextReply++}`;
    this.#replies.set(reply, sink);
    return [reply, () => this.#replies.delete(reply)];
  }

  respond(from: FakeBus, reply: string, data: unknown): void {
    if (!from.connected) return;
    const json = JSON.stringify(data);
    setTimeout(() => this.#replies.get(reply)?.(JSON.parse(json)), 0);
  }
}

/** A bus over the hub, shaped like `ClusterBus` (what presence and the admin views use). */
export class FakeBus implements PresenceBus {
  readonly instance: string;
  readonly boot: string = crypto.randomUUID();
  connected = true;
  #hub: FakeHub;
  #reconnect: (() => void)[] = [];

  constructor(hub: FakeHub, instance: string) {
    this.#hub = hub;
    this.instance = instance;
  }

  publish(suffix: string, data: unknown): void {
    if (this.connected) this.#hub.publish(this, suffix, data);
  }

  subscribe(suffix: string, handler: Handler): () => void {
    return this.#hub.subscribe(this, suffix, handler);
  }

  respond(reply: string, data: unknown): void {
    this.#hub.respond(this, reply, data);
  }

  request(suffix: string, data: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        close();
        reject(new Error("timeout"));
      }, timeoutMs);
      const [reply, close] = this.#hub.inbox((answer) => {
        clearTimeout(timer);
        close();
        resolve(answer);
      });
      this.#hub.publish(this, suffix, data, reply);
    });
  }

  requestAll(
    suffix: string,
    data: unknown,
    timeoutMs: number,
    expected?: number,
  ): Promise<unknown[]> {
    return new Promise((resolve) => {
      const answers: unknown[] = [];
      const finish = () => {
        clearTimeout(timer);
        close();
        resolve(answers);
      };
      const timer = setTimeout(finish, timeoutMs);
      const [reply, close] = this.#hub.inbox((answer) => {
        answers.push(answer);
        if (expected !== undefined && answers.length >= expected) finish();
      });
      this.#hub.publish(this, suffix, data, reply);
    });
  }

  onReconnect(listener: () => void): void {
    this.#reconnect.push(listener);
  }

  /** Cuts the connection (nothing in or out) or brings it back (listeners called). */
  setConnected(up: boolean): void {
    const was = this.connected;
    this.connected = up;
    if (up && !was) { for (const listener of this.#reconnect) listener(); }
  }
}

/** What an instance's bus must do: a {@linkcode FakeBus}, or a real `ClusterBus`. */
export type TestBus = PresenceBus & AdminViewsBus & { setConnected?(up: boolean): void };

/** A frame sent to a test session. */
export type Frame = Record<string, unknown>;

/** A test session and the frames it received. */
export interface TestSession {
  session: Session;
  frames: Frame[];
}

/** One instance: a real core with presence and admin views over a fake bus. */
export class TestInstance {
  readonly bus: TestBus;
  readonly core: ChatCore;
  readonly presence: ClusterPresence;
  readonly views: ClusterAdminViews;
  readonly store: Store;
  #nextSession = 1;

  private constructor(
    bus: TestBus,
    core: ChatCore,
    presence: ClusterPresence,
    views: ClusterAdminViews,
    store: Store,
  ) {
    this.bus = bus;
    this.core = core;
    this.presence = presence;
    this.views = views;
    this.store = store;
  }

  /**
   * Starts an instance named `name` on `hub` whose clock is `clock`; rooms 1 (`general`)
   * and 2 (`dev`) exist. Timers are off: the test calls `presence.tick()`.
   */
  static async start(
    hub: FakeHub,
    name: string,
    clock: () => number,
    options: { chunkChars?: number; pageChars?: number; rooms?: number[]; bus?: TestBus } = {},
  ): Promise<TestInstance> {
    const store = await openStore("sqlite::memory:");
    const bus = options.bus ?? new FakeBus(hub, name);
    const presence = new ClusterPresence(bus, {
      chat: `${name}.test:9000`,
      timers: false,
      chunkChars: options.chunkChars,
    });
    const rooms = new RoomDirectory();
    for (const id of options.rooms ?? [1, 2]) {
      rooms.add({
        id,
        name: ROOM_NAMES[id] ?? `room${id}`,
        nameKey: ROOM_NAMES[id] ?? `room${id}`,
        topic: null,
        createdAt: 0,
      });
    }
    let views: ClusterAdminViews | null = null;
    const link: ClusterLink = {
      instance: name,
      presence: presence.hooks,
      announce: () => Promise.resolve(),
      presenceBarrier: () => Promise.resolve(),
      stats: () => ({
        instances: 1,
        natsConnected: true,
        readEntry: 0,
        appliedEntry: 0,
        applier: false,
      }),
      instances: () => presence.instances(),
      clusterUsers: () => views!.users(),
    };
    const core = new ChatCore({
      store,
      rooms,
      sessions: new SessionRegistry(),
      moderation: await Moderation.load(store, clock),
      tokens: await ResumeTokens.load(store, clock),
      staff: await StaffRoles.load(store),
      limits: {
        maxText: 4000,
        newBucket: null,
        registrations: null,
        loginFailures: null,
        maxPendingWrites: 1000,
      },
      log: { log() {} },
      clock,
      lastSeq: 0,
      messagesStored: 0,
      cluster: link,
    });
    views = new ClusterAdminViews(bus, {
      local: () => localUsers(core, name),
      peers: () => presence.peers(),
      log: { log() {} },
      timeoutMs: 300,
      pageChars: options.pageChars,
    });
    views.start();
    presence.attach(core);
    return new TestInstance(bus, core, presence, views, store);
  }

  /** A new session logged in as user `id` (named `name`). */
  login(id: number, name: string): TestSession {
    const frames: Frame[] = [];
    const decoder = new TextDecoder();
    const session = new Session({
      id: this.#nextSession++,
      conn: {
        write(bytes: Uint8Array) {
          for (const line of decoder.decode(bytes).split("\n")) {
            if (line !== "") frames.push(JSON.parse(line));
          }
          return Promise.resolve(bytes.length);
        },
        close() {},
      },
      address: `127.0.0.1:${40000 + this.#nextSession}`,
      host: "127.0.0.1",
      now: this.core.clock(),
      outboundLimit: 1 << 20,
      onSlowConsumer() {},
    });
    this.core.sessions.add(session);
    this.core.login(session, { id, name, key: name.toLowerCase() });
    return { session, frames };
  }

  /** The room with this id. */
  room(id: number) {
    return this.core.rooms.byId(id)!;
  }

  join(s: TestSession, roomId: number): void {
    this.core.enterRoom(s.session, this.room(roomId));
  }

  leave(s: TestSession, roomId: number): void {
    this.core.leaveRoom(s.session, this.room(roomId));
  }

  /** Closes a session as a disconnect does. */
  drop(s: TestSession): void {
    this.core.drop(s.session);
  }

  async close(): Promise<void> {
    this.views.stop();
    this.presence.stop();
    for (const session of [...this.core.sessions.all]) session.abort("test over");
    await this.store.close();
  }
}

const ROOM_NAMES: Record<number, string> = { 1: "general", 2: "dev" };

/** The `joined`/`left` events a session received, as "joined alice" lines. */
export function presenceEvents(s: TestSession): string[] {
  return s.frames
    .filter((f) => f.type === "joined" || f.type === "left")
    .map((f) => `${f.type} ${f.user}`);
}
