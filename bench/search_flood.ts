/**
 * `deno task bench --search-flood`: what one account's costly searches do to everyone
 * else's messages (docs/security.md, "Searches and unread counts take turns").
 *
 * A fresh SQLite database holds `messages` messages in one room, half of them starting with
 * two words that begin `qa`, the other half two that begin `qb` (so `qa qb` matches almost
 * nothing, and both words are frequent: the costliest kind of search), then FastChat starts on
 * it. One account sends `search "qa qb"` in a loop on `connections` connections (token
 * logins) for `seconds`, while another account says a line in another room every 200 ms and
 * times its `ok`. Reported: that `say`'s p50, p90 and max, and the searches per second. Run
 * it under `flock /tmp/fastchat-bench.lock`; it prints the load average.
 */
import { parseArgs } from "node:util";
import { openStore } from "../lib/store/open_store.ts";
import { settleSearchIndex } from "../lib/store/sqlite_store.ts";
import type { NewMessage } from "../lib/store/store.ts";
import { startFastchat } from "./processes.ts";
import { BENCH_PASSWORD, freshDatabase, provision, roomName, userName } from "./provision.ts";
import { LineClient, loggedIn, random } from "./search.ts";

/** What one flood measured. */
export interface SearchFloodResult {
  messages: number;
  connections: number;
  seconds: number;
  searches: number;
  searchesPerSecond: number;
  /** The other account's `say` → `ok`, ms. */
  sayP50Ms: number;
  sayP90Ms: number;
  sayMaxMs: number;
  says: number;
  load: [number, number];
}

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

function word(rng: () => number, length: number): string {
  let w = "";
  for (let i = 0; i < length; i++) w += LETTERS[Math.floor(rng() * LETTERS.length)];
  return w;
}

/** Fills room 1 of `db` with the adversarial messages (user 1 sends them). */
async function fill(db: string, messages: number): Promise<void> {
  const store = await openStore(db);
  const rng = random(7);
  try {
    const now = Date.now() - messages;
    for (let seq = 1; seq <= messages; seq += 1_000) {
      const batch: NewMessage[] = [];
      for (let s = seq; s < Math.min(seq + 1_000, messages + 1); s++) {
        const start = s % 2 === 0 ? "qa" : "qb";
        batch.push({
          seq: s,
          roomId: 1,
          senderId: 1,
          recipientId: null,
          text: `${start}${word(rng, 5)} ${start}${word(rng, 4)} filler words here ${
            word(rng, 6)
          } ${word(rng, 3)}`,
          ts: now + s,
          cid: null,
        });
      }
      await store.insertMessages(batch);
    }
    await settleSearchIndex(store);
  } finally {
    await store.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Runs one flood on a fresh database. */
export async function searchFlood(
  messages: number,
  connections: number,
  seconds: number,
): Promise<SearchFloodResult> {
  const database = await freshDatabase("sqlite", "mysql://unused/");
  try {
    await provision(database.db, 2, 2);
    await fill(database.db, messages);
    const server = await startFastchat(database.db);
    const clients: LineClient[] = [];
    try {
      // The attacker: one password login, then token logins (no password hash each).
      const first = await LineClient.connect(server.port);
      clients.push(first);
      const login = await first.request({
        type: "login",
        user: userName(0),
        password: BENCH_PASSWORD,
      });
      if (login.type !== "ok") throw new Error(`login: ${JSON.stringify(login)}`);
      const token = login.token;
      for (let i = 1; i < connections; i++) {
        const client = await LineClient.connect(server.port);
        const reply = await client.request({ type: "login", user: userName(0), token });
        if (reply.type !== "ok") throw new Error(`token login: ${JSON.stringify(reply)}`);
        clients.push(client);
      }
      const victim = await loggedIn(server.port, userName(1));
      clients.push(victim);
      await victim.request({ type: "join", room: roomName(1) });
      const load = Deno.loadavg()[0]!;
      let flooding = true;
      let searches = 0;
      const floods = clients.slice(0, connections).map(async (client) => {
        while (flooding) {
          const reply = await client.request({ type: "search", query: "qa qb", limit: 100 });
          if (reply.type !== "ok") throw new Error(`search: ${JSON.stringify(reply)}`);
          searches++;
        }
      });
      const latencies: number[] = [];
      const started = performance.now();
      while (performance.now() - started < seconds * 1000) {
        const at = performance.now();
        const reply = await victim.request({ type: "say", room: roomName(1), text: "probe" });
        if (reply.type !== "ok") throw new Error(`say: ${JSON.stringify(reply)}`);
        latencies.push(performance.now() - at);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      flooding = false;
      await Promise.all(floods);
      const elapsed = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const ms = (x: number) => Math.round(x * 10) / 10;
      return {
        messages,
        connections,
        seconds,
        searches,
        searchesPerSecond: Math.round((searches / elapsed) * 10) / 10,
        sayP50Ms: ms(percentile(latencies, 50)),
        sayP90Ms: ms(percentile(latencies, 90)),
        sayMaxMs: ms(latencies.at(-1) ?? NaN),
        says: latencies.length,
        load: [Math.round(load * 10) / 10, Math.round(Deno.loadavg()[0]! * 10) / 10],
      };
    } finally {
      for (const client of clients) client.close();
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

const HELP = `Usage: deno task bench --search-flood [options]

  --messages N     messages stored before the flood (default 200000)
  --connections N  connections of the searching account (default 19)
  --seconds S      how long it searches (default 10)
  --help`;

/** \`deno task bench --search-flood …\`: prints one JSON line and a table row. */
export async function searchFloodMain(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        messages: { type: "string", default: "200000" },
        connections: { type: "string", default: "19" },
        seconds: { type: "string", default: "10" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`bench --search-flood: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const numbers = [values.messages, values.connections, values.seconds].map(Number);
  if (numbers.some((n) => !(Number.isInteger(n) && n > 0))) {
    console.error(`bench --search-flood: the options take positive integers\n\n${HELP}`);
    return 2;
  }
  const result = await searchFlood(numbers[0]!, numbers[1]!, numbers[2]!);
  console.log(JSON.stringify(result));
  console.log(
    "\n| messages | connections | another user's say p50 / p90 / max ms | searches/s | load |",
  );
  console.log("|---|---|---|---|---|");
  console.log(
    `| ${result.messages} | ${result.connections} | ${result.sayP50Ms} / ${result.sayP90Ms} / ` +
      `${result.sayMaxMs} | ${result.searchesPerSecond} | ${result.load.join("–")} |`,
  );
  return 0;
}
