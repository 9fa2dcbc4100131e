/**
 * Subprocesses of a benchmark: the server under test (FastChat or the relay) with a raised
 * open-file limit, its CPU time and RSS read from /proc, and a bounded stop.
 */

import { SERVER } from "../scripts/lib/binaries.ts";
import {
  fromSource,
  launchServer,
  type ListeningProcess,
  type Program,
  spawnListening,
} from "../scripts/lib/server_launcher.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** Open files allowed to the server and the workers (20,000 connections need more than 20,000). */
export const NOFILE = 65_536;
const CLOCK_TICKS = 100;

let prlimitUsable: boolean | undefined;

/** Whether `prlimit` can raise the open-file limit here (it needs root past the hard limit). */
async function _canPrlimit(): Promise<boolean> {
  if (prlimitUsable !== undefined) return prlimitUsable;
  try {
    const probe = await new Deno.Command("prlimit", {
      args: [`--nofile=${NOFILE}:${NOFILE}`, "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    prlimitUsable = probe.success;
  } catch {
    prlimitUsable = false;
  }
  return prlimitUsable;
}

/**
 * Open files a server started by {@linkcode denoCommand} may hold: {@linkcode NOFILE} when
 * `prlimit` raises the limit, else the soft limit this process has (and passes on).
 */
export async function openFileLimit(): Promise<number> {
  if (await _canPrlimit()) return NOFILE;
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = /Max open files\s+(\d+)/.exec(limits);
    return soft ? Number(soft[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** `program` under `prlimit` with {@linkcode NOFILE} open files, when that works. */
async function _raisedLimit(program: Program): Promise<Program> {
  if (!await _canPrlimit()) return program;
  return {
    command: "prlimit",
    args: [`--nofile=${NOFILE}:${NOFILE}`, program.command, ...program.args],
  };
}

/** A command line for the Deno binary, under `prlimit` when that works. */
export async function denoCommand(
  args: string[],
  options: { stdin?: "piped" | "null"; env?: Record<string, string> } = {},
): Promise<Deno.Command> {
  const program = await _raisedLimit({ command: Deno.execPath(), args });
  return new Deno.Command(program.command, {
    args: program.args,
    cwd: ROOT,
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  });
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
export interface ProcessUsage {
  cpuSeconds: number;
  rssBytes: number;
}

/** Reads a process's usage; zeros when /proc is not there (not Linux). */
export function readUsage(pid: number): ProcessUsage {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name, which may hold spaces, start after its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSeconds: ticks / CLOCK_TICKS, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return { cpuSeconds: 0, rssBytes: 0 };
  }
}

/** The server under test, listening. */
export interface ServerHandle {
  port: number;
  pid: number;
  /** Output so far (stderr), for error messages. */
  log(): string;
  usage(): ProcessUsage;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** What {@linkcode ServerHandle} needs of a started process. */
function _handle(started: ListeningProcess, port: number): ServerHandle {
  return {
    port,
    pid: started.pid,
    log: started.log,
    usage: () => readUsage(started.pid),
    async stop(graceMs = 5_000) {
      await started.stop("SIGTERM", graceMs);
    },
  };
}

/** Log kept of a benchmarked server: its newest characters. */
const LOG_LIMIT = 100_000;

/**
 * Starts FastChat on `db` with every rate limit off (the benchmark measures the engine),
 * through the shared launcher and with the binary's permissions; `serverArgs` come after
 * the defaults, `denoFlags` (e.g. `--cpu-prof`) before the script.
 */
export async function startFastchat(
  db: string,
  serverArgs: string[] = [],
  denoFlags: string[] = [],
): Promise<ServerHandle> {
  const started = await launchServer({
    db,
    program: await _raisedLimit(fromSource(SERVER, denoFlags)),
    args: serverArgs,
    rateLimits: false,
    adminPassword: "bench-admin-password",
    cwd: ROOT,
    logLimit: LOG_LIMIT,
  });
  return _handle(started, started.port);
}

/** Starts the bare relay. */
export async function startRelay(): Promise<ServerHandle> {
  const started = await spawnListening(
    await denoCommand(["run", "-A", "bench/relay.ts"]),
    /relay listening port=(\d+)/,
    { logLimit: LOG_LIMIT },
  );
  return _handle(started, Number(started.match[1]));
}
