/**
 * The terminal client's measured goal (issue 17): a real server, the real client in
 * full-screen mode in a real terminal (tmux), 10,000 messages sent in one burst from another
 * connection while keystrokes are typed, each keystroke's echo timed by reading the screen
 * (`capture-pane`); then messages up to 50,000 lines of scrollback and the client's RSS
 * (`VmRSS` of `/proc/PID/status`).
 *
 *   deno run -A bench/client_burst.ts [--burst 10000] [--lines 50000] [--v8-flags=…]
 *
 * `--v8-flags=…` is passed to the client (to compare flag choices); without it the client
 * runs exactly as `deno task client` does. An echo time includes one `tmux send-keys` and
 * the polling `capture-pane` calls (a few ms each), so it is an upper bound. Prints one JSON
 * line with the figures.
 */
import { CLIENT } from "../scripts/lib/binaries.ts";
import { fromSource, launchServer } from "../scripts/lib/server_launcher.ts";

const PASSWORD = "correct horse";
const COLUMNS = 120;
const ROWS = 40;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Command-line options. */
interface Options {
  burst: number;
  lines: number;
  v8Flags: string[];
}

function parseOptions(args: string[]): Options {
  const options: Options = { burst: 10_000, lines: 50_000, v8Flags: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--burst") options.burst = Number(args[++i]);
    else if (arg === "--lines") options.lines = Number(args[++i]);
    else if (arg.startsWith("--v8-flags=")) options.v8Flags.push(arg);
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
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

async function lastRow(socket: string): Promise<string> {
  const text = await tmux(socket, ["capture-pane", "-p", "-t", "t"]);
  return text.replace(/\n$/, "").split("\n").at(-1)!.trimEnd();
}

async function screen(socket: string): Promise<string> {
  return await tmux(socket, ["capture-pane", "-p", "-t", "t"]);
}

async function waitFor(socket: string, test: (screen: string) => boolean, what: string) {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (test(await screen(socket))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Sends one key and polls the input row until it reads `expected`; returns the ms taken. */
async function echo(socket: string, key: string[], expected: string): Promise<number> {
  const start = performance.now();
  await tmux(socket, ["send-keys", "-t", "t", ...key]);
  let row = "";
  while ((row = await lastRow(socket)) !== expected) {
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

async function main(): Promise<void> {
  const options = parseOptions(Deno.args);
  const dir = await Deno.makeTempDir({ prefix: "fastchat-client-burst-" });
  const server = await launchServer({ db: `sqlite:${dir}/fastchat.db`, rateLimits: false });
  const socket = `fastchat-bench-${crypto.randomUUID().slice(0, 8)}`;
  let sender: Sender | null = null;
  try {
    sender = await Sender.connect(server.port);
    await sender.request({ type: "register", user: "bob", password: PASSWORD });
    await sender.request({ type: "login", user: "bob", password: PASSWORD });
    await sender.request({ type: "join", room: "general" });
    await sender.request({ type: "register", user: "alice", password: PASSWORD });

    const program = fromSource(CLIENT, options.v8Flags);
    const command = [program.command, ...program.args, `127.0.0.1:${server.port}`];
    command.push("--user", "alice", "--room", "general");
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
    await waitFor(socket, (s) => s.includes("Password:"), "the password prompt");
    await tmux(socket, ["send-keys", "-t", "t", "-l", PASSWORD]);
    await tmux(socket, ["send-keys", "-t", "t", "Enter"]);
    await waitFor(socket, (s) => /alice · connected/.test(s), "the window");
    const pid = await clientPid(socket);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssIdleKb = await statusKb(pid, "VmRSS");
    // The input row, empty: the prompt (its trailing space is cut when captured).
    const empty = await lastRow(socket);
    const typed = `${empty} x`;

    // The burst, with keystrokes (a letter, then Backspace) typed until it is all on screen.
    const lastOfBurst = `message ${options.burst - 1} of`;
    let shown = false;
    const burstStart = performance.now();
    const burstDone = sender.burst("general", 0, options.burst);
    const echoes: number[] = [];
    while (!shown) {
      echoes.push(await echo(socket, ["-l", "x"], typed));
      echoes.push(await echo(socket, ["BSpace"], empty));
      shown = (await screen(socket)).includes(lastOfBurst);
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
    await waitFor(socket, (s) => s.includes(lastLine), "the last message");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rssKb = await statusKb(pid, "VmRSS");
    const hwmKb = await statusKb(pid, "VmHWM");

    echoes.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    console.log(JSON.stringify({
      burst: options.burst,
      lines: options.lines,
      v8Flags: options.v8Flags,
      burstRenderedMs: Math.round(burstMs),
      keystrokes: echoes.length,
      echoMs: {
        p50: round(percentile(echoes, 50)),
        p99: round(percentile(echoes, 99)),
        max: round(echoes.at(-1)!),
      },
      rssIdleMb: Math.round(rssIdleKb / 102.4) / 10,
      rssMb: Math.round(rssKb / 102.4) / 10,
      peakRssMb: Math.round(hwmKb / 102.4) / 10,
      sendErrors: sender.errors,
    }));
  } finally {
    sender?.close();
    await tmux(socket, ["kill-server"]).catch(() => {});
    await server.stop("SIGTERM", 5_000);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
