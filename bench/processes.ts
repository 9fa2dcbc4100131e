/**
 * Subprocesses of a benchmark: the server under test (FastChat or the relay) with a raised
 * open-file limit, its CPU time and RSS read from /proc, and a bounded stop.
 */

const ROOT = new URL("..", import.meta.url).pathname;
/** Open files allowed to the server and the workers (20,000 connections need more than 20,000). */
export const NOFILE = 65_536;
const CLOCK_TICKS = 100;
const decoder = new TextDecoder();

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

/** A command line for the Deno binary, under `prlimit` when that works. */
export async function denoCommand(
  args: string[],
  options: { stdin?: "piped" | "null"; env?: Record<string, string> } = {},
): Promise<Deno.Command> {
  const prefix = await _canPrlimit() ? [`--nofile=${NOFILE}:${NOFILE}`, Deno.execPath()] : [];
  const [program, ...rest] = prefix.length > 0 ? ["prlimit", ...prefix] : [Deno.execPath()];
  return new Deno.Command(program!, {
    args: [...rest, ...args],
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

/**
 * Starts a server process and waits (at most `timeoutMs`) for the line `pattern` matches;
 * its first group is the port.
 */
export async function startListening(
  args: string[],
  pattern: RegExp,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServerHandle> {
  const child = (await denoCommand(args, { env: options.env })).spawn();
  let log = "";
  const port = Promise.withResolvers<number>();
  void (async () => {
    let buffered = "";
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      const match = pattern.exec(buffered);
      if (match) port.resolve(Number(match[1]));
      if (buffered.length > 65_536) buffered = buffered.slice(-4096);
    }
  })();
  void (async () => {
    for await (const chunk of child.stderr) {
      log += decoder.decode(chunk, { stream: true });
      if (log.length > 200_000) log = log.slice(-100_000);
    }
  })();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    port.reject(new Error(`The server exited (code ${s.code}) before listening:\n${log}`));
    return s;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const handle: ServerHandle = {
    port: 0,
    pid: child.pid,
    log: () => log,
    usage: () => readUsage(child.pid),
    async stop(graceMs = 5_000) {
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* exited meanwhile */ }
      }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited meanwhile */ }
      }, graceMs);
      await status;
      clearTimeout(killer);
    },
  };
  try {
    handle.port = await Promise.race([
      port.promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `The server did not start within ${options.timeoutMs ?? 30_000} ms:\n${log}`,
              ),
            ),
          options.timeoutMs ?? 30_000,
        );
      }),
    ]);
  } catch (error) {
    await handle.stop(1_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return handle;
}

/**
 * Starts FastChat on `db` with every rate limit off (the benchmark measures the engine);
 * `serverArgs` come after the defaults, `denoFlags` (e.g. `--cpu-prof`) before the script.
 */
export function startFastchat(
  db: string,
  serverArgs: string[] = [],
  denoFlags: string[] = [],
): Promise<ServerHandle> {
  return startListening(
    [
      "run",
      "-A",
      ...denoFlags,
      "server.ts",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--admin-port",
      "0",
      "--db",
      db,
      "--msg-rate",
      "off",
      "--conn-limit",
      "off",
      "--conn-rate",
      "off",
      "--auth-rate",
      "off",
      ...serverArgs,
    ],
    /fastchat listening chat=(\d+) admin=\d+/,
    { env: { FASTCHAT_ADMIN_PASSWORD: "bench-admin-password" } },
  );
}

/** Starts the bare relay. */
export function startRelay(): Promise<ServerHandle> {
  return startListening(["run", "-A", "bench/relay.ts"], /relay listening port=(\d+)/);
}
