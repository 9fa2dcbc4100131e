/**
 * A chat client for failover tests that behaves as the contract asks a real client to: every
 * `say` carries a `cid`; after its connection is lost it connects again (to the same
 * address, e.g. HAProxy, or to another instance), logs in with its resume token, catches up
 * its room with `join after=` the last msgid it saw, and resends every message not yet
 * acknowledged with the same `cid`. It records what it saw so tests can check that nothing
 * was lost or shown twice.
 */
import { type Frame, FrameClient } from "./frame_client.ts";
import { waitFor } from "./wait.ts";

/** A message the client saw, by event or by catch-up. */
export interface SeenMessage {
  msgid: string;
  user: string;
  text: string;
}

/** Options of {@linkcode ResumingClient.start}. */
export interface ResumingOptions {
  /** Register the account first (default true). */
  register?: boolean;
  password?: string;
}

const PASSWORD = "correct horse battery";

/** One account, one session at a time, one room; see the module doc. */
export class ResumingClient {
  readonly user: string;
  readonly room: string;
  /** The port it connects to, each time (changeable: {@linkcode ResumingClient.moveTo}). */
  port: number;
  /** Every room message seen, in order of arrival (events, then each catch-up). */
  readonly seen: SeenMessage[] = [];
  /**
   * Msgids delivered twice the same way: twice as an event on one connection, or twice in
   * one catch-up. (A message both in a catch-up and among the events around the join is
   * an overlap a client resolves by msgid, not a duplicate.)
   */
  readonly duplicates: string[] = [];
  /** cid → text of the messages sent and not yet acknowledged. */
  readonly pending = new Map<string, string>();
  /** cid → msgid of the acknowledged messages. */
  readonly acked = new Map<string, string>();
  /** cid → text of every message sent. */
  readonly sent = new Map<string, string>();
  /** How many times the connection was lost and opened again. */
  reconnects = 0;
  /** Each catch-up after a reconnect: the `after` msgid sent and how many messages came. */
  readonly catchUps: { after: string; received: number }[] = [];
  /** Why a login with the resume token was refused, each time (the password was used then). */
  readonly tokenRefusals: string[] = [];
  /** `unavailable` answers received (each was resent later). */
  unavailable = 0;
  #password: string;
  #token: string | null = null;
  #client: FrameClient | null = null;
  #cursor = 0;
  #seenIds = new Set<string>();
  /** The msgids of the current connection's `message` events. */
  #eventIds = new Set<string>();
  #counter = 0;
  /** Request id → cid of the says in flight on the current connection. */
  #inFlight = new Map<string, string>();
  #retry: string[] = [];

  private constructor(port: number, user: string, room: string, password: string) {
    this.port = port;
    this.user = user;
    this.room = room;
    this.#password = password;
  }

  /** Connects to `port`, (registers,) logs in and joins `room`. */
  static async start(
    port: number,
    user: string,
    room: string,
    options: ResumingOptions = {},
  ): Promise<ResumingClient> {
    const client = new ResumingClient(port, user, room, options.password ?? PASSWORD);
    await client.#open(options.register ?? true);
    return client;
  }

  /** The current connection. */
  get connection(): FrameClient {
    return this.#client!;
  }

  /** The greatest msgid seen so far ("" when none). */
  get lastSeen(): string {
    let last = "";
    for (const id of this.#seenIds) if (id > last) last = id;
    return last;
  }

  /** Connects somewhere else from now on (another instance's port). */
  moveTo(port: number): void {
    this.port = port;
  }

  async #open(register: boolean): Promise<void> {
    const client = await waitFor(`a connection to port ${this.port} for ${this.user}`, async () => {
      try {
        return await FrameClient.connect(this.port, "127.0.0.1");
      } catch {
        return undefined;
      }
    }, 20_000);
    try {
      if (register) {
        await client.ok({ type: "register", user: this.user, password: this.#password });
      }
      let login = this.#token
        ? await client.request({ type: "login", user: this.user, token: this.#token })
        : null;
      if (login?.type === "error" && login.code === "bad_credentials") {
        // A refused token is a failure the tests check (`tokenRefusals`); the password
        // still gets this client going, so the rest of a test runs.
        this.tokenRefusals.push(login.message as string);
        login = null;
      }
      login ??= await client.ok({ type: "login", user: this.user, password: this.#password });
      if (login.type !== "ok") throw new Error(`${this.user}: login ${JSON.stringify(login)}`);
      this.#token = (login.token as string | undefined) ?? this.#token;
      const after = this.lastSeen;
      const joined = await client.ok({
        type: "join",
        room: this.room,
        ...(after ? { after } : {}),
      });
      this.#client = client;
      this.#inFlight.clear();
      this.#eventIds.clear();
      // Events may come before the join's answer (while the server reads the history):
      // they overlap the history, and a client shows each msgid once.
      const answeredAt = client.received.indexOf(joined);
      this.#cursor = 0;
      this.#sync(answeredAt);
      this.#cursor = answeredAt + 1;
      const before = this.seen.length;
      const catchUp = new Set<string>();
      let page = joined.history as Frame[];
      let more = joined.more === true;
      while (true) {
        for (const message of page) this.#see(message, catchUp);
        if (!after || !more || page.length === 0) break;
        const next = await client.ok({
          type: "history",
          room: this.room,
          after: page.at(-1)!.msgid,
          limit: 200,
        });
        page = next.messages as Frame[];
        more = next.more === true;
      }
      if (after) this.catchUps.push({ after, received: this.seen.length - before });
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /**
   * Takes in a message; `source` is the set of msgids already delivered the same way (this
   * connection's events, or this catch-up's history): a msgid twice there is a duplicate.
   */
  #see(message: Frame, source: Set<string>): void {
    const msgid = message.msgid as string;
    if (source.has(msgid)) this.duplicates.push(msgid);
    source.add(msgid);
    if (this.#seenIds.has(msgid)) return;
    this.#seenIds.add(msgid);
    this.seen.push({ msgid, user: message.user as string, text: message.text as string });
  }

  /** Takes in the frames received since the last look (up to `until`): events, acks, refusals. */
  #sync(until = Infinity): void {
    const client = this.#client;
    if (!client) return;
    for (; this.#cursor < Math.min(until, client.received.length); this.#cursor++) {
      const frame = client.received[this.#cursor]!;
      if (frame.type === "message" && frame.room === this.room) this.#see(frame, this.#eventIds);
      const cid = this.#inFlight.get(String(frame.id));
      if (cid === undefined || (frame.type !== "ok" && frame.type !== "error")) continue;
      this.#inFlight.delete(String(frame.id));
      if (frame.type === "ok") {
        this.pending.delete(cid);
        this.acked.set(cid, frame.msgid as string);
      } else if (frame.code === "unavailable") {
        this.unavailable++;
        this.#retry.push(cid);
      } else {
        throw new Error(`${this.user}: say ${cid} answered ${JSON.stringify(frame)}`);
      }
    }
  }

  async #write(cids: string[]): Promise<void> {
    let batch = "";
    for (const cid of cids) {
      const id = `${cid}.${++this.#counter}`;
      this.#inFlight.set(id, cid);
      batch += JSON.stringify({ type: "say", id, room: this.room, text: this.sent.get(cid), cid }) +
        "\n";
    }
    await this.#client!.writeRaw(batch).catch(() => {});
  }

  /** Sends `count` new messages at once (pipelined); returns their cids. */
  async say(count: number, label = this.user): Promise<string[]> {
    const cids: string[] = [];
    for (let i = 0; i < count; i++) {
      const cid = `${label}-${this.sent.size}`;
      this.sent.set(cid, cid);
      this.pending.set(cid, cid);
      cids.push(cid);
    }
    await this.#write(cids);
    return cids;
  }

  /**
   * Waits until every message sent is acknowledged: reconnects (and resends by cid) when
   * the connection is lost, resends what was answered `unavailable`.
   */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.#sync();
      if (this.pending.size === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.user}: ${this.pending.size} messages still unacknowledged after ${timeoutMs} ms ` +
            `(${this.#inFlight.size} requests unanswered, ${this.unavailable} unavailable so far, ` +
            `${this.reconnects} reconnects); last frames: ` +
            JSON.stringify(this.#client!.received.slice(-3)),
        );
      }
      if (this.#client!.isClosed) {
        await this.reconnect();
        continue;
      }
      if (this.#retry.length > 0 && this.#inFlight.size === 0) {
        // Everything in flight came back and some was refused: try those again, a little
        // later (the bus or database is coming back).
        await new Promise((resolve) => setTimeout(resolve, 200));
        await this.#write(this.#retry.splice(0));
        continue;
      }
      await this.#client!.next(() => true, 200).catch(() => {});
    }
  }

  /** Connects again, logs in with the token, catches up, resends everything unacknowledged. */
  async reconnect(): Promise<void> {
    this.#sync();
    this.#client?.close();
    this.reconnects++;
    await this.#open(false);
    this.#retry = [];
    await this.#write([...this.pending.keys()]);
  }

  /** Waits until the client has seen `msgids` (by event or catch-up). */
  async waitSeen(msgids: Iterable<string>, timeoutMs = 30_000): Promise<void> {
    const wanted = [...msgids];
    await waitFor(`${this.user} to see ${wanted.length} messages`, async () => {
      this.#sync();
      if (this.#client!.isClosed) await this.reconnect();
      return wanted.every((id) => this.#seenIds.has(id));
    }, timeoutMs).catch((error) => {
      const missing = wanted.filter((id) => !this.#seenIds.has(id));
      throw new Error(
        `${(error as Error).message}: ${missing.length} never seen (${
          missing.slice(0, 5).join(", ")
        }…); ${this.reconnects} reconnects, catch-ups ${JSON.stringify(this.catchUps)}`,
      );
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#client?.close();
  }
}
