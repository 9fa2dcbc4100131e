/**
 * `deno task bench --fulltext-cost`: what an InnoDB FULLTEXT index costs per stored message,
 * MariaDB alone (no FastChat server, no store code), to tell whether any way of using it can
 * keep the durable write rate at 0.8 × the rate without it (issue 14).
 *
 * A private MariaDB server is started for the run (its own data directory and buffer pool),
 * so that its CPU can be read from /proc. Each variant stores the same `messages` texts (the
 * search benchmark's Zipf-like vocabulary, 3 to 20 words) into a fresh two-column table
 * (`seq` primary key, `text`), 256 messages per transaction (a group commit), one transaction
 * after another, as the store does:
 *
 * - `none`: no FULLTEXT index (`utf8mb4_unicode_ci`, the column's collation in the schema);
 * - `unicode_ci`, `general_ci`, `bin`: a FULLTEXT index on a column of that collation
 *   (`innodb_ft_enable_stopword` off, as in `sql/mysql/006_search.sql`);
 * - `doc16`, `doc256`: one document per 16 or 256 messages, holding their distinct words
 *   of 3 letters or more (what a "document per batch" design would index).
 *
 * Reported per variant (median over `rounds`, the variants interleaved round by round):
 * wall µs per message, mariadbd CPU µs per message, and the words the index tokenized per
 * message. Only figures from one run are compared with each other.
 */
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { startThrowawayMariadb } from "../tests/support/mariadb.ts";
import { random, sentence, vocabulary } from "./search.ts";

/** One way of storing the texts. */
interface Variant {
  name: string;
  /** Collation of `text`. */
  collation: string;
  /** Whether `text` has a FULLTEXT index. */
  fulltext: boolean;
  /** Messages per document (1: a row per message). */
  group: number;
}

const VARIANTS: readonly Variant[] = [
  { name: "none", collation: "utf8mb4_unicode_ci", fulltext: false, group: 1 },
  { name: "unicode_ci", collation: "utf8mb4_unicode_ci", fulltext: true, group: 1 },
  { name: "general_ci", collation: "utf8mb4_general_ci", fulltext: true, group: 1 },
  { name: "bin", collation: "utf8mb4_bin", fulltext: true, group: 1 },
  { name: "doc16", collation: "utf8mb4_unicode_ci", fulltext: true, group: 16 },
  { name: "doc256", collation: "utf8mb4_unicode_ci", fulltext: true, group: 256 },
];

/** Messages per transaction, as a group commit of the store. */
const MESSAGES_PER_COMMIT = 256;

/** What one variant cost (medians over the rounds). */
export interface FulltextCost {
  variant: string;
  /** Documents (rows) stored per round. */
  documents: number;
  /** Words of 3 letters or more per message (what InnoDB indexes; 0 without the index). */
  wordsPerMessage: number;
  wallUsPerMessage: number;
  mariadbCpuUsPerMessage: number;
  /** Each round's wall µs per message. */
  rounds: number[];
}

/** The documents of a variant: texts, or each `group` texts' distinct words. */
function documents(texts: readonly string[], group: number): string[] {
  if (group === 1) return [...texts];
  const docs: string[] = [];
  for (let i = 0; i < texts.length; i += group) {
    const words = new Set<string>();
    for (const text of texts.slice(i, i + group)) {
      for (const word of text.split(" ")) if (word.length >= 3) words.add(word);
    }
    docs.push([...words].join(" "));
  }
  return docs;
}

/** CPU seconds (user + system) used so far by process `pid`. */
function cpuSeconds(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Stores the documents of `variant` in a fresh database; returns wall and CPU seconds. */
async function storeOnce(
  adminUrl: string,
  pid: number,
  variant: Variant,
  docs: readonly string[],
  round: number,
): Promise<{ wall: number; cpu: number }> {
  const name = `fastchat_ftcost_${variant.name}_${round}`;
  const admin = await mysql.createConnection(adminUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const connection = await mysql.createConnection(`${adminUrl}${name}`);
    try {
      await connection.query("SET SESSION innodb_ft_enable_stopword = OFF");
      await connection.query(
        `CREATE TABLE messages (seq BIGINT PRIMARY KEY, text TEXT CHARACTER SET utf8mb4
         COLLATE ${variant.collation} NOT NULL${variant.fulltext ? ", FULLTEXT KEY ft (text)" : ""})
         ENGINE=InnoDB`,
      );
      const perCommit = Math.max(1, Math.round(MESSAGES_PER_COMMIT / variant.group));
      const cpuBefore = cpuSeconds(pid);
      const started = performance.now();
      for (let i = 0; i < docs.length; i += perCommit) {
        const rows = docs.slice(i, i + perCommit);
        await connection.beginTransaction();
        await connection.query(
          `INSERT INTO messages (seq, text) VALUES ${rows.map(() => "(?, ?)").join(", ")}`,
          rows.flatMap((doc, k) => [i + k + 1, doc]),
        );
        await connection.commit();
      }
      return {
        wall: (performance.now() - started) / 1000,
        cpu: cpuSeconds(pid) - cpuBefore,
      };
    } finally {
      await connection.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Runs every variant `rounds` times, interleaved, on a private MariaDB server. */
export async function fulltextCost(
  messages: number,
  rounds: number,
  bufferPoolMiB: number,
): Promise<FulltextCost[]> {
  const { pick } = vocabulary(20_000);
  const rng = random(4);
  const texts = Array.from({ length: messages }, () => sentence(pick, rng));
  const docsOf = new Map(VARIANTS.map((v) => [v.name, documents(texts, v.group)]));
  const server = await startThrowawayMariadb({ bufferPoolMiB, logFileMiB: 96 });
  try {
    const pid = server.pid!;
    const wall = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
    const cpu = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
    for (let round = 0; round < rounds; round++) {
      // Odd rounds go in reverse order, so that no variant always runs first.
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        const took = await storeOnce(
          server.adminUrl,
          pid,
          variant,
          docsOf.get(variant.name)!,
          round,
        );
        wall.get(variant.name)!.push(round1((took.wall * 1e6) / messages));
        cpu.get(variant.name)!.push(round1((took.cpu * 1e6) / messages));
      }
    }
    return VARIANTS.map((v) => {
      const docs = docsOf.get(v.name)!;
      const words = v.fulltext
        ? docs.reduce((n, d) => n + d.split(" ").filter((w) => w.length >= 3).length, 0)
        : 0;
      return {
        variant: v.name,
        documents: docs.length,
        wordsPerMessage: round1(words / messages),
        wallUsPerMessage: median(wall.get(v.name)!),
        mariadbCpuUsPerMessage: median(cpu.get(v.name)!),
        rounds: wall.get(v.name)!,
      };
    });
  } finally {
    await server.destroy();
  }
}

const HELP = `Usage: deno task bench --fulltext-cost [options]

  --messages N       messages stored per variant and round (default 100000)
  --rounds N         rounds, the variants interleaved (default 3)
  --mariadb-buffer-pool MIB
                     the private server's innodb_buffer_pool_size (default 1024)
  --help`;

/** `deno task bench --fulltext-cost …`: prints one JSON line per variant and a table. */
export async function fulltextCostMain(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        messages: { type: "string", default: "100000" },
        rounds: { type: "string", default: "3" },
        "mariadb-buffer-pool": { type: "string", default: "1024" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`bench --fulltext-cost: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const numbers = [values.messages, values.rounds, values["mariadb-buffer-pool"]].map(Number);
  if (numbers.some((n) => !(Number.isInteger(n) && n > 0)) || numbers[2]! < 8) {
    console.error(
      `bench --fulltext-cost: --messages and --rounds take positive integers, ` +
        `--mariadb-buffer-pool at least 8 (MiB)\n\n${HELP}`,
    );
    return 2;
  }
  const load = Deno.loadavg()[0]!;
  const costs = await fulltextCost(numbers[0]!, numbers[1]!, numbers[2]!);
  for (const cost of costs) console.log(JSON.stringify(cost));
  const none = costs.find((c) => c.variant === "none")!;
  console.log(`\nload average ${load.toFixed(1)} → ${Deno.loadavg()[0]!.toFixed(1)}`);
  console.log(
    "\n| variant | documents | indexed words per message | wall µs per message (rounds) | mariadbd CPU µs per message | rate ÷ rate without |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const c of costs) {
    console.log(
      `| ${c.variant} | ${c.documents} | ${c.wordsPerMessage} | ${c.wallUsPerMessage} ` +
        `(${c.rounds.join(", ")}) | ${c.mariadbCpuUsPerMessage} | ` +
        `${(none.wallUsPerMessage / c.wallUsPerMessage).toFixed(2)} |`,
    );
  }
  return 0;
}
