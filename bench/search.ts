/**
 * The search benchmark (issue 14), `deno task bench --search [options]`:
 *
 * 1. Fills a fresh database with `messages` messages (200 rooms, 1% dms) whose text is
 *    drawn from a synthetic vocabulary with a Zipf-like distribution, through the Store
 *    (so the full-text index is built as in production).
 * 2. Starts FastChat on it, connects `clients` chat clients that each say a message every
 *    `interval` ms in their room, and meanwhile sends `queries` `search` requests one after
 *    another (1–2 words drawn from the same distribution, some prefixes, a mix of scopes):
 *    p50 and p95 latency per query.
 * 3. The durable message rate with the index maintained and without it (SQLite: the queue
 *    search_changes and its triggers dropped, so no index is kept; MySQL: the FULLTEXT index
 *    and the room scan index dropped), in the same run: fresh databases, `rateMessages`
 *    messages in transactions of 256 (a group commit), one after another, until the store is
 *    closed (SQLite indexes the last messages then); `rateRounds` pairs, alternating which
 *    goes first, so that both see the same machine load; the median of the per-pair ratios
 *    is the goal (≥ 0.8).
 *
 * Not a pass/fail test; `tests/bench/search_bench_test.ts` runs a tiny version.
 */
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../lib/store/open_store.ts";
import { settleSearchIndex } from "../lib/store/sqlite_store.ts";
import type { NewMessage } from "../lib/store/store.ts";
import { startThrowawayMariadb } from "../tests/support/mariadb.ts";
import { startFastchat } from "./processes.ts";
import {
  BENCH_PASSWORD,
  freshDatabase,
  provision,
  roomName,
  type StoreKind,
  userName,
} from "./provision.ts";

/** Sizes of one search benchmark run. */
export interface SearchBenchSpec {
  store: StoreKind;
  messages: number;
  rooms: number;
  clients: number;
  /** Milliseconds between two messages of one chat client. */
  interval: number;
  queries: number;
  rateMessages: number;
  /** With/without pairs of the write rate (default 3). */
  rateRounds?: number;
  /** Queries slower than this many ms are printed (stderr), with their scope. */
  logSlowMs?: number;
  mysqlAdminUrl: string;
}

/** What one run measured. */
export interface SearchBenchResult {
  store: StoreKind;
  messages: number;
  fillSeconds: number;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  /** Messages the chat clients had acknowledged while the queries ran. */
  chatMessages: number;
  /** Medians over the rounds. */
  ratePerSecWithIndex: number;
  ratePerSecWithout: number;
  /** Median of the per-round ratios. */
  ratio: number;
  /** Each round's ratio (with / without), in order. */
  ratios: number[];
  /** One-minute load average when the queries started, and when the last round ended. */
  load: [number, number];
  /** MySQL: the server's `innodb_buffer_pool_size` in MiB (what was cached); SQLite: null. */
  bufferPoolMiB: number | null;
}

/** The InnoDB buffer pool of the server behind a `mysql://` URL, in MiB. */
async function bufferPoolMiB(db: string): Promise<number | null> {
  if (!db.startsWith("mysql:")) return null;
  const connection = await mysql.createConnection(db);
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      "SELECT @@innodb_buffer_pool_size AS size",
    );
    return Math.round(Number(rows[0]?.size) / 1048576);
  } finally {
    await connection.end();
  }
}

/** A small seeded random generator (mulberry32): the same text every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  "ba",
  "ko",
  "ri",
  "ne",
  "tu",
  "sa",
  "mé",
  "lo",
  "vi",
  "da",
  "pe",
  "zu",
  "ça",
  "fo",
];

/** A vocabulary of `size` words and a Zipf-like sampler over it (rank r has weight 1/r). */
export function vocabulary(size: number, seed = 1): { words: string[]; pick: () => string } {
  const rng = random(seed);
  const words = new Set<string>(["the", "a", "to", "de", "la", "et", "is", "ok"]);
  while (words.size < size) {
    const n = 1 + Math.floor(rng() * 4);
    let w = "";
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rng() * SYLLABLES.length)]!;
    words.add(w);
  }
  const list = [...words];
  const cdf: number[] = [];
  let sum = 0;
  for (let r = 1; r <= list.length; r++) cdf.push(sum += 1 / r);
  const pick = () => {
    const x = rng() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return list[lo]!;
  };
  return { words: list, pick };
}

/** A message text of 3 to 20 words. */
export function sentence(pick: () => string, rng: () => number): string {
  const n = 3 + Math.floor(rng() * 18);
  return Array.from({ length: n }, pick).join(" ");
}

/** Fills the store with `spec.messages` messages; resolves to the seconds it took. */
export async function fill(db: string, spec: SearchBenchSpec, users: number): Promise<number> {
  const store = await openStore(db);
  const { pick } = vocabulary(20_000);
  const rng = random(2);
  const started = performance.now();
  try {
    const now = Date.now() - spec.messages;
    for (let seq = 1; seq <= spec.messages; seq += 1_000) {
      const batch: NewMessage[] = [];
      for (let s = seq; s < Math.min(seq + 1_000, spec.messages + 1); s++) {
        const sender = 1 + Math.floor(rng() * users);
        const isDm = rng() < 0.01;
        batch.push({
          seq: s,
          roomId: isDm ? null : 1 + (s % spec.rooms),
          senderId: sender,
          recipientId: isDm ? 1 + ((sender + 1) % users) : null,
          text: sentence(pick, rng),
          ts: now + s,
          cid: null,
        });
      }
      await store.insertMessages(batch);
    }
    // The index is complete before the server opens the database: searches measure it.
    await settleSearchIndex(store);
  } finally {
    await store.close();
  }
  return (performance.now() - started) / 1000;
}

/** A line-framed chat connection: requests by id, every other frame read and dropped. */
export class LineClient {
  #conn: Deno.TcpConn;
  #pending = new Map<number, (frame: Record<string, unknown>) => void>();
  #next = 1;
  #encoder = new TextEncoder();
  readonly done: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    conn.setNoDelay(true);
    this.done = this.#read();
  }

  static async connect(port: number): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for await (const chunk of this.#conn.readable) {
        buffered += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffered.indexOf("\n")) >= 0) {
          const frame = JSON.parse(buffered.slice(0, end)) as Record<string, unknown>;
          buffered = buffered.slice(end + 1);
          const id = frame.id as number | undefined;
          if (id !== undefined) {
            this.#pending.get(id)?.(frame);
            this.#pending.delete(id);
          }
        }
      }
    } catch {
      // Closed.
    }
  }

  /** Sends a request; resolves to its reply. */
  async request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const reply = new Promise<Record<string, unknown>>((resolve) => this.#pending.set(id, resolve));
    await this.#conn.write(this.#encoder.encode(JSON.stringify({ ...frame, id }) + "\n"));
    return reply;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

export async function loggedIn(port: number, user: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  const reply = await client.request({ type: "login", user, password: BENCH_PASSWORD });
  if (reply.type !== "ok") throw new Error(`login ${user}: ${JSON.stringify(reply)}`);
  return client;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Search latencies while `clients` chat, on a server over the filled database. */
async function searchUnderChat(
  db: string,
  spec: SearchBenchSpec,
): Promise<{ latencies: number[]; chatMessages: number }> {
  const server = await startFastchat(db);
  const clients: LineClient[] = [];
  let chatting = true;
  let chatMessages = 0;
  try {
    for (let i = 0; i < spec.clients; i++) {
      const client = await loggedIn(server.port, userName(i));
      await client.request({ type: "join", room: roomName(i % spec.rooms) });
      clients.push(client);
    }
    const chat = clients.map(async (client, i) => {
      const rng = random(100 + i);
      const { pick } = vocabulary(20_000, 1);
      while (chatting) {
        const reply = await client.request({
          type: "say",
          room: roomName(i % spec.rooms),
          text: sentence(pick, rng),
        });
        if (reply.type === "ok") chatMessages++;
        await new Promise((resolve) => setTimeout(resolve, spec.interval));
      }
    });
    const searcher = await loggedIn(server.port, userName(spec.clients));
    clients.push(searcher);
    const { pick } = vocabulary(20_000, 1);
    const rng = random(3);
    const latencies: number[] = [];
    for (let q = 0; q < spec.queries; q++) {
      const roll = rng();
      let query = pick();
      if (roll < 0.3) query += ` ${pick()}`;
      else if (roll < 0.4) query = query.slice(0, 3);
      const scope = rng() < 0.4 ? { room: roomName(Math.floor(rng() * spec.rooms)) } : {};
      const started = performance.now();
      const reply = await searcher.request({ type: "search", query, ...scope });
      const elapsed = performance.now() - started;
      latencies.push(elapsed);
      if (spec.logSlowMs !== undefined && elapsed > spec.logSlowMs) {
        const where = "room" in scope ? `room ${scope.room}` : "everywhere";
        console.error(`slow search: ${elapsed.toFixed(1)} ms, ${JSON.stringify(query)} ${where}`);
      }
      if (reply.type !== "ok" && reply.code !== "invalid_query") {
        throw new Error(`search ${query}: ${JSON.stringify(reply)}`);
      }
    }
    chatting = false;
    await Promise.all(chat);
    return { latencies: latencies.sort((a, b) => a - b), chatMessages };
  } finally {
    chatting = false;
    for (const client of clients) client.close();
    await server.stop();
  }
}

/** Removes what is kept only for search from a database (the "without" run). */
async function dropIndex(db: string): Promise<void> {
  if (db.startsWith("sqlite:")) {
    // The store indexes messages only when search_changes exists (sqlite_store.ts); its
    // index file (`<db>-search.db`) is then left unused.
    const sqlite = new DatabaseSync(db.slice("sqlite:".length));
    for (const t of ["delete", "update"]) sqlite.exec(`DROP TRIGGER search_changes_${t}`);
    sqlite.exec("DROP TABLE search_changes");
    sqlite.close();
    return;
  }
  const connection = await mysql.createConnection(db);
  const [indexes] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT DISTINCT index_name AS name FROM information_schema.statistics
     WHERE table_schema = DATABASE() AND table_name = 'messages'
     AND index_name IN ('messages_text_ft', 'messages_room_text')`,
  );
  for (const { name } of indexes) {
    await connection.query(`ALTER TABLE messages DROP INDEX ${name}`);
  }
  await connection.end();
}

/** Durable messages per second: `count` messages in transactions of 256, one after another. */
async function insertRate(
  spec: SearchBenchSpec,
  withIndex: boolean,
): Promise<number> {
  const database = await freshDatabase(spec.store, spec.mysqlAdminUrl);
  try {
    await provision(database.db, 2, 1);
    if (!withIndex) await dropIndex(database.db);
    const store = await openStore(database.db);
    const { pick } = vocabulary(20_000);
    const rng = random(4);
    const messages: NewMessage[] = Array.from({ length: spec.rateMessages }, (_, i) => ({
      seq: i + 1,
      roomId: 1,
      senderId: 1,
      recipientId: null,
      text: sentence(pick, rng),
      ts: Date.now(),
      cid: null,
    }));
    const started = performance.now();
    try {
      for (let i = 0; i < messages.length; i += 256) {
        await store.insertMessages(messages.slice(i, i + 256));
      }
      // The rate "with the index maintained" counts until the index holds every message.
      await settleSearchIndex(store);
    } finally {
      await store.close();
    }
    return Math.round(messages.length / ((performance.now() - started) / 1000));
  } finally {
    await database.drop();
  }
}

/** Runs the whole scenario on one store. */
export async function runSearchBench(spec: SearchBenchSpec): Promise<SearchBenchResult> {
  const users = spec.clients + 1;
  const database = await freshDatabase(spec.store, spec.mysqlAdminUrl);
  try {
    await provision(database.db, users, spec.rooms);
    const fillSeconds = await fill(database.db, spec, users);
    const pool = await bufferPoolMiB(database.db);
    const loadBefore = Deno.loadavg()[0]!;
    const { latencies, chatMessages } = await searchUnderChat(database.db, spec);
    // Pairs in alternating order, so that both see the same machine load.
    const withRates: number[] = [];
    const withoutRates: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < (spec.rateRounds ?? 3); round++) {
      let without, withIndex;
      if (round % 2 === 0) {
        without = await insertRate(spec, false);
        withIndex = await insertRate(spec, true);
      } else {
        withIndex = await insertRate(spec, true);
        without = await insertRate(spec, false);
      }
      withRates.push(withIndex);
      withoutRates.push(without);
      ratios.push(Math.round((withIndex / without) * 100) / 100);
    }
    return {
      store: spec.store,
      messages: spec.messages,
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      queries: latencies.length,
      p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
      p95Ms: Math.round(percentile(latencies, 95) * 10) / 10,
      chatMessages,
      ratePerSecWithIndex: median(withRates),
      ratePerSecWithout: median(withoutRates),
      ratio: median(ratios),
      ratios,
      load: [Math.round(loadBefore * 10) / 10, Math.round(Deno.loadavg()[0]! * 10) / 10],
      bufferPoolMiB: pool,
    };
  } finally {
    await database.drop();
  }
}

const HELP = `Usage: deno task bench --search [options]

  --messages N       messages stored before searching (default 1000000)
  --clients N        chat clients saying messages meanwhile (default 50)
  --interval MS      ms between two messages of one client (default 100)
  --queries N        search requests timed (default 500)
  --rate-messages N  messages of the with/without-index insert rate (default 100000)
  --rate-rounds N    with/without pairs, alternating which goes first (default 3)
  --stores LIST      sqlite, mysql or sqlite,mysql (default)
  --log-slow MS      print each query slower than MS (stderr)
  --mysql-url URL    MariaDB admin URL (default $FASTCHAT_TEST_MYSQL_ADMIN_URL or
                     mysql://root@127.0.0.1:3306/)
  --mariadb-buffer-pool MIB
                     run MariaDB on a private server started for the bench (own data
                     directory, innodb_buffer_pool_size MIB, a 96 MiB redo log) instead
                     of --mysql-url (docs/mysql.md recommends a pool that holds the data)
  --no-mysql         SQLite only
  --help`;

/** `deno task bench --search …`: prints one JSON line per store, and a summary table. */
export async function searchMain(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        messages: { type: "string", default: "1000000" },
        clients: { type: "string", default: "50" },
        interval: { type: "string", default: "100" },
        queries: { type: "string", default: "500" },
        "rate-messages": { type: "string", default: "100000" },
        "rate-rounds": { type: "string", default: "3" },
        stores: { type: "string", default: "sqlite,mysql" },
        "log-slow": { type: "string" },
        "mysql-url": { type: "string" },
        "mariadb-buffer-pool": { type: "string" },
        "no-mysql": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`bench --search: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const numbers = [
    "messages",
    "clients",
    "interval",
    "queries",
    "rate-messages",
    "rate-rounds",
  ] as const;
  if (numbers.some((k) => !(Number.isInteger(Number(values[k])) && Number(values[k]) > 0))) {
    console.error(`bench --search: ${numbers.join(", ")} take positive integers\n\n${HELP}`);
    return 2;
  }
  let mysqlAdminUrl = values["mysql-url"] ?? Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL") ??
    "mysql://root@127.0.0.1:3306/";
  const poolMiB = values["mariadb-buffer-pool"];
  if (poolMiB !== undefined && !(Number.isInteger(Number(poolMiB)) && Number(poolMiB) >= 8)) {
    console.error(`bench --search: --mariadb-buffer-pool takes MiB, at least 8\n\n${HELP}`);
    return 2;
  }
  const stores = values.stores.split(",").map((s) => s.trim()) as StoreKind[];
  if (stores.length === 0 || stores.some((s) => s !== "sqlite" && s !== "mysql")) {
    console.error(`bench --search: --stores takes sqlite, mysql or both\n\n${HELP}`);
    return 2;
  }
  if (values["no-mysql"]) stores.splice(0, stores.length, ...stores.filter((s) => s !== "mysql"));
  const results: SearchBenchResult[] = [];
  const server = poolMiB !== undefined && stores.includes("mysql")
    ? await startThrowawayMariadb({
      bufferPoolMiB: Number(poolMiB),
      logFileMiB: 96,
      maxConnections: 300,
    })
    : null;
  if (server) mysqlAdminUrl = server.adminUrl;
  try {
    for (const store of stores) {
      const result = await runSearchBench({
        store,
        messages: Number(values.messages),
        rooms: 200,
        clients: Number(values.clients),
        interval: Number(values.interval),
        queries: Number(values.queries),
        rateMessages: Number(values["rate-messages"]),
        rateRounds: Number(values["rate-rounds"]),
        logSlowMs: values["log-slow"] === undefined ? undefined : Number(values["log-slow"]),
        mysqlAdminUrl,
      });
      console.log(JSON.stringify(result));
      results.push(result);
    }
  } finally {
    await server?.destroy();
  }
  console.log(
    "\n| store | messages | p50 ms | p95 ms | msg/s with index | without | ratio (per round) | load | buffer pool MiB |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    console.log(
      `| ${r.store} | ${r.messages} | ${r.p50Ms} | ${r.p95Ms} | ${r.ratePerSecWithIndex} | ` +
        `${r.ratePerSecWithout} | ${r.ratio} (${r.ratios.join(", ")}) | ${r.load.join("–")} | ` +
        `${r.bufferPoolMiB ?? "–"} |`,
    );
  }
  return 0;
}
