/**
 * `deno task bench --peer [options]`: FastChat beside a real IRC server (InspIRCd), on the
 * same work, with the peer harness of `../shared/peerbench/` (its `run.sh` starts a fresh
 * server per run, drives it with `load.mjs` and appends one JSON line per run).
 *
 * This wrapper points the harness at this checkout, interleaves the servers rep by rep (so a
 * disturbed stretch of time hits both), can add a second FastChat checkout (`--before DIR`)
 * to compare a change with what it replaced in the same run, and writes every JSON line plus
 * the harness's Markdown tables to `--out` (default `bench/results/peer/`), from where
 * `docs/benchmarks.md` quotes them. It asserts nothing: the figures are the output.
 */
import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { peerLatencyChart, type PeerRun, peerTable } from "./peer_table.ts";

const HELP = `Usage: deno task bench --peer [options]

  --peerbench DIR   the peer harness (default ../shared/peerbench, or $PEERBENCH)
  --servers LIST    comma-separated: fastchat, inspircd, ngircd, before (default fastchat,inspircd)
  --before DIR      another FastChat checkout, run as server "before" (e.g. a git archive of HEAD)
  --clients N       clients in the one room (default 500)
  --senders S       senders (default 10)
  --rates LIST      messages/s per sender, 0 = unpaced (default 200,400,0: 1 M/s, 2 M/s, max)
  --duration D      seconds per run (default 20)
  --reps R          interleaved repetitions (default 3)
  --ramp N          instead of fan-out: N clients into one room (e.g. 5000), --reps runs each
  --idle-max PCT    wait before each run for a machine below PCT % of a core busy (default 100)
  --out DIR         where results.jsonl, summary.md, table.md and latency.svg go
                    (default bench/results/peer)
  --help

Medians of interleaved reps are the figures to compare; the "other %" column is the CPU that
unrelated processes used during each run.`;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Options of one peer session. */
export interface PeerOptions {
  peerbench: string;
  servers: string[];
  before: string | null;
  clients: number;
  senders: number;
  rates: number[];
  duration: number;
  reps: number;
  ramp: number | null;
  idleMax: number;
  out: string;
}

/** The arguments as options, or an error sentence. */
export function parsePeerArgs(args: string[]): PeerOptions | string {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        peer: { type: "boolean" },
        peerbench: { type: "string" },
        servers: { type: "string", default: "fastchat,inspircd" },
        before: { type: "string" },
        clients: { type: "string", default: "500" },
        senders: { type: "string", default: "10" },
        rates: { type: "string", default: "200,400,0" },
        duration: { type: "string", default: "20" },
        reps: { type: "string", default: "3" },
        ramp: { type: "string" },
        "idle-max": { type: "string", default: "100" },
        out: { type: "string", default: join(ROOT, "bench/results/peer") },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return "";
  const count = (v: string, min: number): number | null =>
    /^\d+$/.test(v) && Number(v) >= min ? Number(v) : null;
  const numbers = [values.clients, values.senders, values.duration, values.reps, values["idle-max"]]
    .map((v) => count(v, 0));
  const rates = values.rates.split(",").map((v) => count(v.trim(), 0));
  const ramp = values.ramp === undefined ? null : count(values.ramp, 1);
  if (numbers.includes(null) || rates.includes(null) || (values.ramp !== undefined && !ramp)) {
    return "--clients, --senders, --rates, --duration, --reps, --ramp, --idle-max take numbers";
  }
  const servers = values.servers.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const known = ["fastchat", "inspircd", "ngircd", "before"];
  const unknown = servers.filter((s) => !known.includes(s));
  if (unknown.length > 0) return `unknown server ${unknown.join(",")}`;
  if (servers.includes("before") && !values.before) return "server before needs --before DIR";
  const [clients, senders, duration, reps, idleMax] = numbers as number[];
  return {
    peerbench: resolve(
      values.peerbench ?? Deno.env.get("PEERBENCH") ?? join(ROOT, "../shared/peerbench"),
    ),
    servers,
    before: values.before ? resolve(values.before) : null,
    clients: clients!,
    senders: senders!,
    rates: rates as number[],
    duration: duration!,
    reps: reps!,
    ramp,
    idleMax: idleMax!,
    out: resolve(values.out),
  };
}

/** One invocation of `run.sh` for one server; resolves with its exit code. */
async function runOne(options: PeerOptions, server: string, args: string[]): Promise<number> {
  const checkout = server === "before" ? options.before! : ROOT;
  const file = server === "before" ? "before.jsonl" : "results.jsonl";
  const command = new Deno.Command(join(options.peerbench, "run.sh"), {
    args: [args[0]!, server === "before" ? "fastchat" : server, ...args.slice(1)],
    env: {
      FASTCHAT_CHECKOUT: checkout,
      // Configs, databases and server logs: outside the results (and the repository).
      WORK_DIR: join(Deno.env.get("TMPDIR") ?? "/tmp", "fastchat-peerbench-work"),
      OUT: join(options.out, file),
      IDLE_MAX: String(options.idleMax),
      DENO: Deno.execPath(),
    },
    stdout: "piped",
    stderr: "inherit",
  });
  const child = command.spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  for await (const chunk of lines) {
    Deno.stdout.writeSync(
      new TextEncoder().encode(
        server === "before" ? chunk.replaceAll("fastchat/", "before/") : chunk,
      ),
    );
  }
  return (await child.status).code;
}

/** Writes summary.md (the harness's tables) for each results file, and table.md for all. */
async function summarize(options: PeerOptions): Promise<void> {
  const runs: PeerRun[] = [];
  for (const name of ["results", "before"]) {
    const jsonl = join(options.out, `${name}.jsonl`);
    try {
      await Deno.stat(jsonl);
    } catch {
      continue;
    }
    const out = await new Deno.Command("node", {
      args: [join(options.peerbench, "summarize.mjs"), jsonl],
      stdout: "piped",
    }).output();
    const path = join(options.out, name === "results" ? "summary.md" : "summary_before.md");
    await Deno.writeFile(path, out.stdout);
    console.log(`peer: wrote ${path}`);
    for (const line of (await Deno.readTextFile(jsonl)).split("\n")) {
      if (line.trim() === "") continue;
      const run = JSON.parse(line) as PeerRun;
      if (name === "before") run.label = run.label.replace(/^fastchat/, "before");
      runs.push(run);
    }
  }
  const table = peerTable(runs);
  await Deno.writeTextFile(join(options.out, "table.md"), table + "\n");
  console.log(`${table}\npeer: wrote ${join(options.out, "table.md")}`);
  const chart = peerLatencyChart(runs, "FastChat and its peer: latency against offered load");
  if (chart) {
    await Deno.writeTextFile(join(options.out, "latency.svg"), chart);
    console.log(`peer: wrote ${join(options.out, "latency.svg")}`);
  }
}

/** Runs the peer comparison; the exit code is 2 for bad options, 1 when a run failed. */
export async function peerMain(args: string[]): Promise<number> {
  const options = parsePeerArgs(args);
  if (typeof options === "string") {
    if (options === "") {
      console.log(HELP);
      return 0;
    }
    console.error(`bench --peer: ${options}\n\n${HELP}`);
    return 2;
  }
  try {
    await Deno.stat(join(options.peerbench, "run.sh"));
  } catch {
    console.error(`bench --peer: no run.sh in ${options.peerbench} (--peerbench DIR)`);
    return 2;
  }
  await Deno.mkdir(options.out, { recursive: true });
  let failed = 0;
  const { clients: n, senders: s, duration: d } = options;
  for (let rep = 1; rep <= options.reps; rep++) {
    if (options.ramp !== null) {
      for (const server of options.servers) {
        failed += await runOne(options, server, ["ramp", String(options.ramp), "1000", "1"]);
      }
      continue;
    }
    for (const rate of options.rates) {
      for (const server of options.servers) {
        const args = ["fanout", String(n), String(s), String(rate), String(d), "1", "100"];
        failed += await runOne(options, server, args);
      }
    }
  }
  await summarize(options);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await peerMain(Deno.args));
