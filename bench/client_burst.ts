/**
 * The terminal client's measured goal (issue 17): a real server, the real client in
 * full-screen mode in a real terminal (tmux), 10,000 messages sent in one burst from another
 * connection while keystrokes are typed, each keystroke's echo timed by reading the screen
 * (`capture-pane`); then messages up to 50,000 lines of scrollback and the client's RSS
 * (`VmRSS` of `/proc/PID/status`).
 *
 *   deno run -A bench/client_burst.ts [--burst 10000] [--lines 50000] [--runs 1]
 *     [--before DIR] [--v8-flags=…] [--deno-flag=…] [--spawn] [--smaps DIR]
 *
 * `--v8-flags=…` is passed to the client (to compare flag choices; added to the client's
 * own), as is each `--deno-flag=X` (e.g. `--deno-flag=--cpu-prof`); without them the client
 * runs exactly as `deno task client` does. `--before DIR` also runs the client of another
 * checkout (e.g. a copy of the tree before a change) against the same server, alternating
 * with this checkout's run by run, so both are measured under the same machine load.
 *
 * Keys are sent and the screen read over one tmux control-mode client (`tmux -C`), so an
 * echo time is the client's delay plus a round trip to the tmux server per command (well
 * under a millisecond on an idle machine). `--spawn` runs each tmux command as its own
 * process instead, as the first version of this bench did: each figure then also includes
 * a fork and exec (tens of ms on a loaded machine), and fewer keystrokes fit in the burst.
 * `--smaps DIR` saves the client's `/proc/PID/smaps` when idle and at the end (where the
 * resident memory is). Prints one JSON line per run (with the load average before it), then
 * one line per client with the medians of the runs and the p99 of all their keystrokes.
 */
import { join, resolve } from "node:path";
import { CLIENT, ROOT } from "../scripts/lib/binaries.ts";
import { launchServer } from "../scripts/lib/server_launcher.ts";

const PASSWORD = "correct horse";
const COLUMNS = 120;
const ROWS = 40;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Command-line options. */
interface Options {
  burst: number;
  lines: number;
  runs: number;
  /** Another checkout whose client is measured too, run by run in turn. */
  before: string | null;
  /** Extra flags of the client's `deno run` (`--v8-flags=…` and `--deno-flag=…`). */
  clientFlags: string[];
  /** Each tmux command as its own process (the first version of this bench) instead of `tmux -C`. */
  spawn: boolean;
  /** A directory for copies of the client's `/proc/PID/smaps` when idle and at the end. */
  smaps: string | null;
}

function parseOptions(args: string[]): Options {
  const options: Options = {
    burst: 10_000,
    lines: 50_000,
    runs: 1,
    before: null,
    clientFlags: [],
    spawn: false,
    smaps: null,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--burst") options.burst = Number(args[++i]);
    else if (arg === "--lines") options.lines = Number(args[++i]);
    else if (arg === "--runs") options.runs = Number(args[++i]);
    else if (arg === "--before") options.before = resolve(args[++i] ?? "");
    else if (arg === "--spawn") options.spawn = true;
    else if (arg === "--smaps") options.smaps = resolve(args[++i] ?? "");
    else if (arg.startsWith("--v8-flags=")) options.clientFlags.push(arg);
    else if (arg.startsWith("--deno-flag=")) options.clientFlags.push(arg.slice(12));
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!(options.runs >= 1)) throw new Error("--runs takes a number of at least 1");
  return options;
}

/** The machine's load average (1, 5, 15 min). */
function loadAverage(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function tmux(socket: string, args: string[]): Promise<string> {
  const result = await new Deno.Command("tmux", { args: ["-L", socket, ...args] }).output();
  if (!result.success) throw new Error(`tmux ${args[0]}: ${decoder.decode(result.stderr)}`);
  return decoder.decode(result.stdout);
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A line-delimited JSON connection that pipelines requests and counts replies. */
class Sender {
  #conn: Deno.TcpConn;
  #buffer = "";
  #waiters: { test: (frame: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  #nextId = 1;
  oks = 0;
  errors = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#read().catch(() => {});
  }

  static async connect(port: number): Promise<Sender> {
    return new Sender(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #read(): Promise<void> {
    for await (const chunk of this.#conn.readable) {
      this.#buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = this.#buffer.indexOf("\n")) >= 0) {
        const frame = JSON.parse(this.#buffer.slice(0, newline)) as Record<string, unknown>;
        this.#buffer = this.#buffer.slice(newline + 1);
        if (frame.type === "ok") this.oks++;
        if (frame.type === "error") this.errors++;
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.test(frame)) return true;
          w.resolve();
          return false;
        });
      }
    }
  }

  /** Sends one request and waits for its reply. */
  async request(frame: Record<string, unknown>): Promise<void> {
    const id = this.#nextId++;
    const done = new Promise<void>((resolve) =>
      this.#waiters.push({ test: (f) => f.id === id, resolve })
    );
    await this.#write(JSON.stringify({ ...frame, id }) + "\n");
    await done;
  }

  /** Sends `count` messages to `room` at once; resolves when all are answered. */
  async burst(room: string, from: number, count: number): Promise<void> {
    const target = this.oks + this.errors + count;
    const done = new Promise<void>((resolve) =>
      this.#waiters.push({ test: () => this.oks + this.errors >= target, resolve })
    );
    let chunk = "";
    for (let i = from; i < from + count; i++) {
      const text = `message ${i} of the burst, a line of ordinary chat text with some words`;
      chunk += JSON.stringify({ type: "say", id: this.#nextId++, room, text }) + "\n";
      if (chunk.length > 64_000) {
        await this.#write(chunk);
        chunk = "";
      }
    }
    await this.#write(chunk);
    await done;
  }

  async #write(text: string): Promise<void> {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) at += await this.#conn.write(bytes.subarray(at));
  }

  close(): void {
    this.#conn.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Runs tmux commands on the bench's tmux server. */
interface Tmux {
  run(args: string[]): Promise<string>;
  close(): Promise<void>;
}

/** Each command as its own `tmux` process (a fork and exec each: slow on a loaded machine). */
function spawningTmux(socket: string): Tmux {
  return { run: (args) => tmux(socket, args), close: () => Promise.resolve() };
}

/**
 * Commands over one control-mode client (`tmux -C`, attached with `no-output` and
 * `ignore-size`, so it neither receives the pane's output nor changes its size): a command
 * costs a round trip to the tmux server, not a process.
 */
class ControlTmux implements Tmux {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: { resolve: (text: string) => void; reject: (error: Error) => void }[] = [];
  #done: Promise<void>;

  constructor(socket: string) {
    this.#child = new Deno.Command("tmux", {
      args: ["-L", socket, "-C", "attach-session", "-t", "t", "-f", "no-output,ignore-size"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#done = this.#read();
  }

  async #read(): Promise<void> {
    let buffer = "";
    let block: string[] | null = null;
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        // Blocks with flags 1 answer this client's commands (0: the attach itself).
        if (block === null) {
          if (/^%begin \d+ \d+ 1$/.test(line)) block = [];
          continue;
        }
        const end = /^%(end|error) \d+ \d+ 1$/.exec(line);
        if (!end) {
          block.push(line);
          continue;
        }
        const waiter = this.#waiters.shift();
        const text = block.map((row) => `${row}\n`).join("");
        if (end[1] === "end") waiter?.resolve(text);
        else waiter?.reject(new Error(`tmux: ${text}`));
        block = null;
      }
    }
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error("tmux -C ended"));
  }

  run(args: string[]): Promise<string> {
    const done = new Promise<string>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    return this.#writer.write(encoder.encode(`${args.map(quote).join(" ")}\n`)).then(() => done);
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#done.catch(() => {});
    await this.#child.status;
  }
}

async function lastRow(tmux: Tmux): Promise<string> {
  const row = String(ROWS - 1);
  const text = await tmux.run(["capture-pane", "-p", "-t", "t", "-S", row, "-E", row]);
  return text.replace(/\n$/, "").trimEnd();
}

async function screen(tmux: Tmux): Promise<string> {
  return await tmux.run(["capture-pane", "-p", "-t", "t"]);
}

async function waitFor(tmux: Tmux, test: (screen: string) => boolean, what: string) {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (test(await screen(tmux))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends one key and polls the input row until it reads `expected`; returns the ms taken. */
async function echo(tmux: Tmux, key: string[], expected: string): Promise<number> {
  const start = performance.now();
  await tmux.run(["send-keys", "-t", "t", ...key]);
  let row = "";
  while ((row = await lastRow(tmux)) !== expected) {
    if (performance.now() - start > 30_000) {
      throw new Error(`no echo of ${key.join(" ")}: ${JSON.stringify(row)}, not ${expected}`);
    }
  }
  return performance.now() - start;
}

/** The kB of a `/proc/PID/status` field. */
async function statusKb(pid: number, field: string): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
}

async function clientPid(socket: string): Promise<number> {
  const shell = (await tmux(socket, ["display-message", "-p", "-t", "t", "#{pane_pid}"])).trim();
  const children = await Deno.readTextFile(`/proc/${shell}/task/${shell}/children`);
  return Number(children.trim().split(/\s+/)[0]);
}

/** What one run measured. */
interface RunResult {
  client: string;
  run: number;
  load: string;
  burstRenderedMs: number;
  keystrokes: number;
  echoMs: { p50: number; p99: number; max: number };
  rssIdleMb: number;
  rssMb: number;
  peakRssMb: number;
  sendErrors: number;
  /** Every echo time, for the summary (not printed per run). */
  echoes: number[];
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const mb = (kb: number) => Math.round(kb / 102.4) / 10;

/** One run: a fresh server, the client of checkout `root` in tmux, the burst, the scrollback. */
async function runOnce(options: Options, name: string, root: string, run: number) {
  const load = loadAverage();
  const dir = await Deno.makeTempDir({ prefix: "fastchat-client-burst-" });
  const server = await launchServer({ db: `sqlite:${dir}/fastchat.db`, rateLimits: false });
  const socket = `fastchat-bench-${crypto.randomUUID().slice(0, 8)}`;
  const spawning = spawningTmux(socket);
  let control: Tmux | null = null;
  let sender: Sender | null = null;
  try {
    sender = await Sender.connect(server.port);
    await sender.request({ type: "register", user: "bob", password: PASSWORD });
    await sender.request({ type: "login", user: "bob", password: PASSWORD });
    await sender.request({ type: "join", room: "general" });
    await sender.request({ type: "register", user: "alice", password: PASSWORD });

    // The client of `root`, with exactly the binary's permissions and V8 flags.
    const command = [
      Deno.execPath(),
      "run",
      ...CLIENT.permissions,
      ...options.clientFlags,
      join(root, CLIENT.entry),
      `127.0.0.1:${server.port}`,
      "--user",
      "alice",
      "--room",
      "general",
    ];
    await tmux(socket, [
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      String(COLUMNS),
      "-y",
      String(ROWS),
      `${command.map(quote).join(" ")}; sleep 600`,
    ]);
    await waitFor(spawning, (s) => s.includes("Password:"), "the password prompt");
    await tmux(socket, ["send-keys", "-t", "t", "-l", PASSWORD]);
    await tmux(socket, ["send-keys", "-t", "t", "Enter"]);
    await waitFor(spawning, (s) => /alice · connected/.test(s), "the window");
    const term = options.spawn ? spawning : (control = new ControlTmux(socket));
    const pid = await clientPid(socket);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssIdleKb = await statusKb(pid, "VmRSS");
    if (options.smaps !== null) {
      await Deno.copyFile(`/proc/${pid}/smaps`, join(options.smaps, `${name}-${run}-idle.smaps`));
    }
    // The input row, empty: the prompt (its trailing space is cut when captured).
    // (Read once the input row is drawn, in case attaching redrew the window.)
    await waitFor(term, (s) => s.trimEnd().split("\n").at(-1)!.endsWith("›"), "the input row");
    const empty = await lastRow(term);
    const typed = `${empty} x`;

    // The burst, with keystrokes (a letter, then Backspace) typed until it is all on screen.
    const lastOfBurst = `message ${options.burst - 1} of`;
    let shown = false;
    const burstStart = performance.now();
    const burstDone = sender.burst("general", 0, options.burst);
    const echoes: number[] = [];
    while (!shown) {
      echoes.push(await echo(term, ["-l", "x"], typed));
      echoes.push(await echo(term, ["BSpace"], empty));
      shown = (await screen(term)).includes(lastOfBurst);
    }
    const burstMs = performance.now() - burstStart;
    await burstDone;

    // Up to the scrollback asked for, then the resident size once the client is idle.
    for (let sent = options.burst; sent < options.lines;) {
      const count = Math.min(10_000, options.lines - sent);
      await sender.burst("general", sent, count);
      sent += count;
    }
    const lastLine = `message ${options.lines - 1} of`;
    await waitFor(term, (s) => s.includes(lastLine), "the last message");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rssKb = await statusKb(pid, "VmRSS");
    const hwmKb = await statusKb(pid, "VmHWM");
    if (options.smaps !== null) {
      await Deno.copyFile(`/proc/${pid}/smaps`, join(options.smaps, `${name}-${run}-end.smaps`));
    }

    echoes.sort((a, b) => a - b);
    const result: RunResult = {
      client: name,
      run,
      load,
      burstRenderedMs: Math.round(burstMs),
      keystrokes: echoes.length,
      echoMs: {
        p50: round(percentile(echoes, 50)),
        p99: round(percentile(echoes, 99)),
        max: round(echoes.at(-1)!),
      },
      rssIdleMb: mb(rssIdleKb),
      rssMb: mb(rssKb),
      peakRssMb: mb(hwmKb),
      sendErrors: sender.errors,
      echoes,
    };
    return result;
  } finally {
    sender?.close();
    await control?.close();
    await tmux(socket, ["kill-server"]).catch(() => {});
    const tmuxDir = Deno.env.get("TMUX_TMPDIR") ?? "/tmp";
    await Deno.remove(`${tmuxDir}/tmux-${Deno.uid()}/${socket}`).catch(() => {});
    await server.stop("SIGTERM", 5_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const clients: [string, string][] = [["this", ROOT]];
  if (options.before !== null) clients.unshift(["before", options.before]);
  const results: RunResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const [name, root] of clients) {
      const result = await runOnce(options, name, root, run);
      results.push(result);
      const { echoes: _, ...shown } = result;
      console.log(JSON.stringify({ burst: options.burst, lines: options.lines, ...shown }));
    }
  }
  for (const [name] of clients) {
    const mine = results.filter((result) => result.client === name);
    const all = mine.flatMap((result) => result.echoes).sort((a, b) => a - b);
    console.log(JSON.stringify({
      client: name,
      runs: mine.length,
      clientFlags: options.clientFlags,
      tmux: options.spawn ? "a process per command" : "control mode",
      median: {
        echoP50Ms: round(median(mine.map((r) => r.echoMs.p50))),
        echoP99Ms: round(median(mine.map((r) => r.echoMs.p99))),
        burstRenderedMs: Math.round(median(mine.map((r) => r.burstRenderedMs))),
        rssIdleMb: round(median(mine.map((r) => r.rssIdleMb))),
        rssMb: round(median(mine.map((r) => r.rssMb))),
        peakRssMb: round(median(mine.map((r) => r.peakRssMb))),
      },
      allKeystrokes: { count: all.length, p99Ms: round(percentile(all, 99)) },
      loads: mine.map((r) => r.load),
    }));
  }
}

if (import.meta.main) await main();
