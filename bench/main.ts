/**
 * `deno task bench [--quick] [options]`: runs the load scenarios against FastChat and the
 * bare relay in one session, prints the results table and the target verdicts, and writes
 * `results.json` and `latency.svg` to the output folder.
 *
 * Exits 1 when a run lost, duplicated or reordered a message or failed; missing a
 * performance target is reported, not an error (the table says which and by how much).
 */
import { parseArgs } from "node:util";
import { latencyChart } from "./chart.ts";
import { clusterMain } from "./cluster.ts";
import { fulltextCostMain } from "./fulltext_cost.ts";
import { isUnclean, markdown } from "./report.ts";
import { FULL, QUICK } from "./scenarios.ts";
import { peerMain } from "./peer.ts";
import { searchMain } from "./search.ts";
import { searchFloodMain } from "./search_flood.ts";
import { stormMain } from "./reconnect_storm.ts";
import { runSuite, type Scenario, SCENARIOS } from "./suite.ts";

const HELP = `Usage: deno task bench [options]

  --quick            smaller sizes, under two minutes (default: full, under 15 minutes)
  --only LIST        comma-separated scenarios: ${SCENARIOS.join(",")}
  --only cluster     the cluster benchmark instead, alone (deno task bench --only cluster --help)
  --out DIR          where results.json and latency.svg go (default bench/results)
  --mysql-url URL    MariaDB admin URL for throwaway databases
                     (default $FASTCHAT_TEST_MYSQL_ADMIN_URL or mysql://root@127.0.0.1:3306/)
  --no-mysql         skip the MariaDB runs
  --workers N        load-generator processes (default 2)
  --time-limit S     start no run after S seconds (default 90 quick, 780 full)
  --search           the search benchmark instead (deno task bench --search --help)
  --fulltext-cost    what an InnoDB FULLTEXT index costs per message, MariaDB alone
                     (deno task bench --fulltext-cost --help)
  --search-flood     one account's costly searches beside another user's messages
                     (deno task bench --search-flood --help)
  --peer             FastChat beside InspIRCd with ../shared/peerbench (deno task bench --peer --help)
  --storm            the reconnect storm: N clients reconnect after a restart (deno task bench --storm --help)
  --help`;

/** Whether a MySQL server accepts TCP connections at the URL's host and port. */
async function _reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  try {
    const conn = await Deno.connect({ hostname, port: Number(port || 3306) });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * When `--only` names `cluster`: the other arguments (for `bench/cluster.ts`), or "mixed"
 * when other scenarios are named with it; null otherwise.
 */
function _clusterArgs(args: string[]): string[] | "mixed" | null {
  const at = args.findIndex((arg) => arg === "--only" || arg.startsWith("--only="));
  if (at < 0) return null;
  const inline = args[at]!.startsWith("--only=");
  const names = (inline ? args[at]!.slice("--only=".length) : args[at + 1] ?? "")
    .split(",").map((name) => name.trim());
  if (!names.includes("cluster")) return null;
  if (names.length > 1) return "mixed";
  return args.filter((_, i) => i !== at && (inline || i !== at + 1));
}

async function main(): Promise<number> {
  // `--search`: the search benchmark (bench/search.ts), with its own options.
  if (Deno.args.includes("--search")) {
    return await searchMain(Deno.args.filter((arg) => arg !== "--search"));
  }
  // `--search-flood`: costly searches beside others' messages (bench/search_flood.ts).
  if (Deno.args.includes("--search-flood")) {
    return await searchFloodMain(Deno.args.filter((arg) => arg !== "--search-flood"));
  }
  // `--fulltext-cost`: InnoDB FULLTEXT's cost per message (bench/fulltext_cost.ts).
  if (Deno.args.includes("--fulltext-cost")) {
    return await fulltextCostMain(Deno.args.filter((arg) => arg !== "--fulltext-cost"));
  }
  // `--peer`: the comparison with a real IRC server (bench/peer.ts), with its own options.
  if (Deno.args.includes("--peer")) {
    return await peerMain(Deno.args.filter((arg) => arg !== "--peer"));
  }
  // `--storm`: the reconnect storm (bench/reconnect_storm.ts), with its own options.
  if (Deno.args.includes("--storm")) {
    return await stormMain(Deno.args.filter((arg) => arg !== "--storm"));
  }
  // `--only cluster`: the cluster benchmark (bench/cluster.ts), with its own options.
  const cluster = _clusterArgs(Deno.args);
  if (cluster === "mixed") {
    console.error(`bench: the cluster benchmark runs alone (--only cluster)\n\n${HELP}`);
    return 2;
  }
  if (cluster !== null) return await clusterMain(cluster);
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        out: { type: "string", default: "bench/results" },
        "mysql-url": { type: "string" },
        "no-mysql": { type: "boolean", default: false },
        workers: { type: "string", default: "2" },
        "time-limit": { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const only = (values.only?.split(",").map((s) => s.trim()) ?? [...SCENARIOS]) as Scenario[];
  const unknown = only.filter((s) => !SCENARIOS.includes(s));
  const workers = Number(values.workers);
  const limit = Number(values["time-limit"] ?? (values.quick ? 90 : 780));
  if (unknown.length > 0 || !Number.isInteger(workers) || workers < 1 || !(limit > 0)) {
    console.error(
      `bench: ${
        unknown.length > 0
          ? `unknown scenario ${unknown.join(",")}`
          : "--workers and --time-limit take positive numbers"
      }\n\n${HELP}`,
    );
    return 2;
  }
  const mysqlAdminUrl = values["mysql-url"] ?? Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL") ??
    "mysql://root@127.0.0.1:3306/";
  const mysql = !values["no-mysql"] && await _reachable(mysqlAdminUrl);
  if (!values["no-mysql"] && !mysql) {
    console.log(`bench: no MySQL server at ${new URL(mysqlAdminUrl).host}: MariaDB runs skipped`);
  }
  const started = performance.now();
  const report = await runSuite({
    sizes: values.quick ? QUICK : FULL,
    only,
    mysql,
    mysqlAdminUrl,
    textSize: 64,
    workers,
    deadline: started + limit * 1000,
    onRun: (line) => console.log(line),
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  const table = markdown(report);
  console.log(`\n${table}\n\nbench: ${values.quick ? "quick" : "full"} mode took ${seconds} s`);
  await Deno.mkdir(values.out, { recursive: true });
  const meta = {
    mode: values.quick ? "quick" : "full",
    date: new Date().toISOString(),
    seconds,
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
  };
  await Deno.writeTextFile(
    `${values.out}/results.json`,
    JSON.stringify({ ...meta, ...report }, null, 2) + "\n",
  );
  await Deno.writeTextFile(`${values.out}/results.md`, table + "\n");
  const chart = latencyChart(report.runs, "Latency against offered load (200 clients, 10 senders)");
  if (chart !== "") await Deno.writeTextFile(`${values.out}/latency.svg`, chart);
  console.log(`bench: wrote ${values.out}/results.json, results.md${chart ? ", latency.svg" : ""}`);
  const bad = report.runs.some(isUnclean) || report.failures.length > 0;
  return bad ? 1 : 0;
}

Deno.exit(await main());
