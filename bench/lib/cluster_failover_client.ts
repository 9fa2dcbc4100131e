/**
 * A chat client of the failover measurement that recovers as the contract asks a real
 * client to: every `say` carries a `cid`; when its connection drops it connects again to the
 * same address (HAProxy) at once, then with the terminal client's back-off
 * (`lib/client/backoff.ts`), logs in, re-joins its room with `join after=` the last msgid it
 * saw (paging on with `history after=`), resends what was not acknowledged with the same
 * `cid`, and says something new. The `ok` of that new message ends the episode: the client
 * is chatting again. It records what it saw, what was acknowledged, and each episode.
 */
import { Backoff } from "../../lib/client/backoff.ts";
import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";
import { MAX_SERVER_FRAME } from "../../lib/protocol/limits.ts";

/** A parsed server frame. */
export type Frame = Record<string, unknown>;

/** One loss of the connection and the recovery from it (epoch ms). */
export interface Episode {
  lostAt: number;
  /** When it had logged in and re-joined on a new connection (null: not yet). */
  joinedAt: number | null;
  /** When the first new message after the re-join was acknowledged (null: not yet). */
  chattingAt: number | null;
  /** Connection attempts it took. */
  attempts: number;
  /** From the successful attempt's connect to the server's welcome (ms). */
  welcomeMs: number | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** How long a new connection may take to greet before it counts as failed. */
const WELCOME_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One account in one room over one address; see the module doc. */
export class FailoverClient {
  readonly user: string;
  readonly room: string;
  /** cid → msgid of the acknowledged messages. */
  readonly acked = new Map<string, string>();
  /** cids sent and not acknowledged yet (the text of a message is its cid). */
  readonly pending = new Set<string>();
  /** Msgids of the room's messages seen (events and catch-up). */
  readonly seen = new Set<string>();
  /** Msgids that arrived again (a message shown twice). */
  duplicatesSeen = 0;
  readonly episodes: Episode[] = [];
  /** Error replies to `say`, by code (`unavailable` ones are resent). */
  readonly errors: Record<string, number> = {};
  #port: number;
  #password: string;
  #conn: Deno.TcpConn | null = null;
  #waiters = new Map<string, PromiseWithResolvers<Frame>>();
  #inFlight = new Map<string, string>();
  #lastSeen = "";
  #nextId = 0;
  #sent = 0;
  #probe: string | null = null;
  #closed = false;
  #backoff = new Backoff();

  private constructor(port: number, user: string, room: string, password: string) {
    this.#port = port;
    this.user = user;
    this.room = room;
    this.#password = password;
  }

  /** Connects, logs in and joins; throws when that fails. */
  static async start(
    port: number,
    user: string,
    room: string,
    password: string,
  ): Promise<FailoverClient> {
    const client = new FailoverClient(port, user, room, password);
    await client.#open();
    return client;
  }

  /** Whether a session is up (logged in and joined). */
  get online(): boolean {
    return this.#conn !== null;
  }

  /** Says one new message now (nothing while reconnecting: it would be typed later). */
  say(): void {
    if (this.#conn === null || this.#closed) return;
    const cid = `${this.user}-${this.#sent++}`;
    this.pending.add(cid);
    this.#send([cid]);
  }

  /** Every message of the room, oldest first (`history`, paged backwards). */
  async fullHistory(): Promise<Frame[]> {
    const conn = this.#conn;
    if (conn === null) throw new Error(`${this.user} is not connected`);
    const pages: Frame[][] = [];
    let before: string | null = null;
    while (true) {
      const page = await this.#request(conn, {
        type: "history",
        room: this.room,
        limit: 200,
        ...(before === null ? {} : { before }),
      });
      const messages = page.messages as Frame[];
      pages.unshift(messages);
      if (page.more !== true || messages.length === 0) return pages.flat();
      before = messages[0]!.msgid as string;
    }
  }

  /** Closes for good. */
  close(): void {
    this.#closed = true;
    this.#conn?.close();
    this.#conn = null;
  }

  #send(cids: string[]): void {
    let batch = "";
    for (const cid of cids) {
      const id = `s${this.#nextId++}`;
      this.#inFlight.set(id, cid);
      batch += JSON.stringify({ type: "say", id, room: this.room, text: cid, cid }) + "\n";
    }
    this.#write(batch);
  }

  #write(text: string): void {
    const conn = this.#conn;
    if (conn === null) return;
    const bytes = encoder.encode(text);
    void (async () => {
      let offset = 0;
      while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    })().catch(() => {});
  }

  /** Opens a session: connect, welcome, login, join (catching up), resend. */
  async #open(): Promise<number> {
    const started = performance.now();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: this.#port });
    conn.setNoDelay(true);
    const welcome = this.#expect("welcome");
    const reading = this.#read(conn);
    let welcomeMs = 0;
    try {
      const timeout = setTimeout(() => conn.close(), WELCOME_TIMEOUT_MS);
      try {
        await welcome.promise;
        welcomeMs = Math.round(performance.now() - started);
      } finally {
        clearTimeout(timeout);
      }
      await this.#request(conn, { type: "login", user: this.user, password: this.#password });
      const joined = await this.#request(conn, {
        type: "join",
        room: this.room,
        ...(this.#lastSeen ? { after: this.#lastSeen } : {}),
      });
      for (const message of joined.history as Frame[]) this.#see(message);
      let more = this.#lastSeen !== "" && joined.more === true;
      while (more) {
        const page = await this.#request(conn, {
          type: "history",
          room: this.room,
          after: this.#lastSeen,
          limit: 200,
        });
        for (const message of page.messages as Frame[]) this.#see(message);
        more = page.more === true;
      }
    } catch (error) {
      conn.close();
      await reading;
      throw error;
    }
    this.#conn = conn;
    void reading.then(() => this.#lost(conn));
    return welcomeMs;
  }

  #expect(key: string): PromiseWithResolvers<Frame> {
    const waiter = Promise.withResolvers<Frame>();
    // Rejected when the connection drops, possibly before anyone awaits it.
    waiter.promise.catch(() => {});
    this.#waiters.set(key, waiter);
    return waiter;
  }

  /** A request during set-up; throws unless it is answered `ok`. */
  async #request(conn: Deno.TcpConn, frame: Frame): Promise<Frame> {
    const id = `r${this.#nextId++}`;
    const reply = this.#expect(id);
    const bytes = encoder.encode(JSON.stringify({ ...frame, id }) + "\n");
    let offset = 0;
    while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
    const answer = await reply.promise;
    if (answer.type !== "ok") {
      throw new Error(`${String(frame.type)} as ${this.user}: ${JSON.stringify(answer)}`);
    }
    return answer;
  }

  /** Reads until the connection ends; then fails every waiter. */
  async #read(conn: Deno.TcpConn): Promise<void> {
    const lines = new FrameDecoder(MAX_SERVER_FRAME);
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const item of lines.push(buffer.subarray(0, n))) {
          if (item.kind === "line") this.#frame(JSON.parse(decoder.decode(item.bytes)) as Frame);
        }
      }
    } catch {
      // Reset by the peer (the instance died) or closed by us.
    }
    for (const waiter of this.#waiters.values()) {
      waiter.reject(new Error(`the connection of ${this.user} closed`));
    }
    this.#waiters.clear();
  }

  #frame(frame: Frame): void {
    if (frame.type === "welcome") {
      this.#waiters.get("welcome")?.resolve(frame);
      this.#waiters.delete("welcome");
      return;
    }
    if (frame.type === "message") {
      if (frame.room === this.room) this.#see(frame);
      return;
    }
    const id = String(frame.id);
    const waiter = this.#waiters.get(id);
    if (waiter) {
      this.#waiters.delete(id);
      waiter.resolve(frame);
      return;
    }
    const cid = this.#inFlight.get(id);
    if (cid === undefined) return;
    this.#inFlight.delete(id);
    if (frame.type === "ok") {
      this.pending.delete(cid);
      this.acked.set(cid, frame.msgid as string);
      if (cid === this.#probe) {
        this.#probe = null;
        this.episodes.at(-1)!.chattingAt = Date.now();
      }
    } else {
      const code = String(frame.code);
      this.errors[code] = (this.errors[code] ?? 0) + 1;
      // Nothing was stored: say it again a little later (same cid).
      if (code === "unavailable") setTimeout(() => this.#conn && this.#send([cid]), 200);
    }
  }

  #see(message: Frame): void {
    const msgid = message.msgid as string;
    if (this.seen.has(msgid)) {
      this.duplicatesSeen++;
      return;
    }
    this.seen.add(msgid);
    if (msgid > this.#lastSeen) this.#lastSeen = msgid;
  }

  /** The session's connection ended: reconnect until chatting again (unless closed). */
  async #lost(conn: Deno.TcpConn): Promise<void> {
    if (this.#conn !== conn || this.#closed) return;
    this.#conn = null;
    this.#inFlight.clear();
    const episode: Episode = {
      lostAt: Date.now(),
      joinedAt: null,
      chattingAt: null,
      attempts: 0,
      welcomeMs: null,
    };
    this.episodes.push(episode);
    for (let first = true; !this.#closed; first = false) {
      if (!first) await sleep(this.#backoff.next());
      episode.attempts++;
      try {
        episode.welcomeMs = await this.#open();
        episode.joinedAt = Date.now();
        break;
      } catch {
        // Refused, closed by HAProxy, or no welcome: try again.
      }
    }
    if (this.#closed) return;
    this.#backoff.reset();
    this.#send([...this.pending]);
    const cid = `${this.user}-${this.#sent++}`;
    this.pending.add(cid);
    this.#probe = cid;
    this.#send([cid]);
  }
}
