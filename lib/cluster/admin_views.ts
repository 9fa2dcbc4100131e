/**
 * The admin views of a cluster: `GET /api/users` on any instance lists the users and
 * sessions of every instance (each session carrying its `instance`). The asking instance
 * sends one request on the core-NATS subject `admin.users` and gathers the answers for at
 * most a second (or until every instance it knows of answered); an instance that does not
 * answer in time is left out (and logged). An answer is a page of at most 300,000
 * characters of JSON (under 1 MiB in UTF-8 whatever the script), users by name; an instance
 * with more sends `more: true` and is asked for the following pages one by one, so no
 * message passes NATS's 1 MiB limit.
 */
import type { Logger } from "../common/log.ts";
import type { ConnectedUser } from "../server/control.ts";

/** The subject suffix of the users requests. */
export const ADMIN_USERS_SUBJECT = "admin.users";

/** What the admin views need of the bus (`ClusterBus` in `bus.ts` has it). */
export interface AdminViewsBus {
  readonly instance: string;
  subscribe(
    suffix: string,
    handler: (data: unknown, reply: string | undefined) => void,
  ): () => void;
  respond(reply: string, data: unknown): void;
  request(suffix: string, data: unknown, timeoutMs: number): Promise<unknown>;
  requestAll(
    suffix: string,
    data: unknown,
    timeoutMs: number,
    expected?: number,
  ): Promise<unknown[]>;
}

/** How the views are built. */
export interface AdminViewsOptions {
  /** This instance's users and sessions, sessions tagged with its name. */
  local: () => ConnectedUser[];
  /** The other instances alive, by name (from presence): how many answers to wait for. */
  peers: () => string[];
  log: Logger;
  /** How long the answers are waited for (default 1,000 ms). */
  timeoutMs?: number;
  /** Characters of JSON per answer at most (default 300,000). */
  pageChars?: number;
}

/**
 * A request from instance `from`: for every other instance (`to` null) or one, the page
 * after user name `after`.
 */
interface UsersRequest {
  from: string;
  to: string | null;
  after: string | null;
}

/** One instance's page of users. */
interface UsersPage {
  instance: string;
  users: ConnectedUser[];
  /** Whether users follow the last one of the page. */
  more: boolean;
}

/** The last page a scatter follows (an instance with more users is cut, and logged). */
const MAX_PAGES = 50;

/** Answers the others' requests and gathers every instance's users. */
export class ClusterAdminViews {
  #bus: AdminViewsBus;
  #options: AdminViewsOptions;
  #timeoutMs: number;
  #pageChars: number;
  #unsubscribe: () => void = () => {};

  constructor(bus: AdminViewsBus, options: AdminViewsOptions) {
    this.#bus = bus;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 1_000;
    this.#pageChars = options.pageChars ?? 300_000;
  }

  /** Starts answering the other instances' requests. */
  start(): void {
    this.#unsubscribe = this.#bus.subscribe(ADMIN_USERS_SUBJECT, (data, reply) => {
      const request = _parseRequest(data);
      if (!request || reply === undefined || request.from === this.#bus.instance) return;
      if (request.to !== null && request.to !== this.#bus.instance) return;
      this.#bus.respond(reply, this.#page(request.after));
    });
  }

  /** Stops answering. */
  stop(): void {
    this.#unsubscribe();
    this.#unsubscribe = () => {};
  }

  /** Every instance's users (this one's included), by name, sessions by instance. */
  async users(): Promise<ConnectedUser[]> {
    const lists: ConnectedUser[][] = [this.#options.local()];
    const peers = this.#options.peers();
    if (peers.length > 0) {
      const deadline = Date.now() + 2 * this.#timeoutMs;
      const answers = await this.#bus.requestAll(
        ADMIN_USERS_SUBJECT,
        { from: this.#bus.instance, to: null, after: null } satisfies UsersRequest,
        this.#timeoutMs,
        peers.length,
      );
      const heard = new Set<string>([this.#bus.instance]);
      const follow: Promise<ConnectedUser[]>[] = [];
      for (const answer of answers) {
        const page = _parsePage(answer);
        if (!page || heard.has(page.instance)) continue;
        heard.add(page.instance);
        lists.push(page.users);
        if (page.more) follow.push(this.#rest(page, deadline));
      }
      lists.push(...await Promise.all(follow));
      const missing = peers.filter((name) => !heard.has(name));
      if (missing.length > 0) {
        this.#options.log.log("warn", "cluster_users_incomplete", {
          unanswered: missing.join(","),
        });
      }
    }
    return _merge(lists);
  }

  /** The pages that follow `first`, asked of its instance one by one until the deadline. */
  async #rest(first: UsersPage, deadline: number): Promise<ConnectedUser[]> {
    const users: ConnectedUser[] = [];
    let page = first;
    for (let n = 1; page.more && page.users.length > 0 && n < MAX_PAGES; n++) {
      const wait = deadline - Date.now();
      if (wait <= 0) break;
      const request: UsersRequest = {
        from: this.#bus.instance,
        to: first.instance,
        after: page.users.at(-1)!.user,
      };
      let next: UsersPage | null;
      try {
        next = _parsePage(await this.#bus.request(ADMIN_USERS_SUBJECT, request, wait));
      } catch {
        next = null;
      }
      if (!next || next.instance !== first.instance) break;
      users.push(...next.users);
      page = next;
    }
    if (page.more) {
      this.#options.log.log("warn", "cluster_users_cut", { instance: first.instance });
    }
    return users;
  }

  /** This instance's users after the name `after`, by name, as many as fit a page. */
  #page(after: string | null): UsersPage {
    const sorted = this.#options.local()
      .filter((u) => after === null || u.user > after)
      .sort((a, b) => a.user < b.user ? -1 : a.user > b.user ? 1 : 0);
    const users: ConnectedUser[] = [];
    let size = 0;
    for (const user of sorted) {
      const length = JSON.stringify(user).length + 1;
      if (users.length > 0 && size + length > this.#pageChars) {
        return { instance: this.#bus.instance, users, more: true };
      }
      users.push(user);
      size += length;
    }
    return { instance: this.#bus.instance, users, more: false };
  }
}

/** The lists of several instances as one: a user's sessions together, by instance then id. */
function _merge(lists: ConnectedUser[][]): ConnectedUser[] {
  const byName = new Map<string, ConnectedUser>();
  for (const list of lists) {
    for (const user of list) {
      const known = byName.get(user.user);
      if (known) known.sessions.push(...user.sessions);
      else byName.set(user.user, { user: user.user, sessions: [...user.sessions] });
    }
  }
  for (const user of byName.values()) {
    user.sessions.sort((a, b) =>
      a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : a.id - b.id
    );
  }
  return [...byName.values()];
}

function _parseRequest(data: unknown): UsersRequest | null {
  if (typeof data !== "object" || data === null) return null;
  const { from, to, after } = data as Partial<UsersRequest>;
  if (typeof from !== "string") return null;
  if (to !== null && typeof to !== "string") return null;
  if (after !== null && typeof after !== "string") return null;
  return { from, to, after };
}

function _parsePage(data: unknown): UsersPage | null {
  if (typeof data !== "object" || data === null) return null;
  const page = data as Partial<UsersPage>;
  if (typeof page.instance !== "string" || !Array.isArray(page.users)) return null;
  const users = page.users.filter((u): u is ConnectedUser =>
    typeof u === "object" && u !== null && typeof u.user === "string" &&
    Array.isArray(u.sessions)
  );
  return { instance: page.instance, users, more: page.more === true };
}
