/**
 * The one way tests, benchmarks and scripts start a `fastchat-server` process: the command
 * line (free ports on loopback, a database, optional rate limits off, extra flags last so
 * they win), the program (the sources under `deno run` with exactly the compiled binary's
 * permissions, or a compiled binary), the wait for the `fastchat listening chat=… admin=…`
 * line, and a stop by signal.
 */
import { join } from "node:path";
import { type BinarySpec, ROOT, SERVER } from "./binaries.ts";

/** A program to run: a compiled binary, or `deno run` with a binary's permissions. */
export interface Program {
  command: string;
  args: string[];
}

/** Runs `binary`'s entry module from source with exactly the binary's permissions. */
export function fromSource(binary: BinarySpec, denoFlags: readonly string[] = []): Program {
  return {
    command: Deno.execPath(),
    args: ["run", ...binary.permissions, ...denoFlags, join(ROOT, binary.entry)],
  };
}

/** The flags that turn the four per-address and per-session rate limits off. */
export const RATE_LIMITS_OFF: readonly string[] = [
  "--msg-rate",
  "off",
  "--conn-limit",
  "off",
  "--conn-rate",
  "off",
  "--auth-rate",
  "off",
];

/** The line the server prints on stdout once both ports are bound. */
export const LISTENING_LINE = /^fastchat listening chat=(\d+) admin=(\d+)$/;

/** How long a server may take to print its listening line, by default. */
export const LISTEN_TIMEOUT_MS = 30_000;

/** What to launch. */
export interface ServerLaunch {
  /** The `--db` value. */
  db: string;
  /** The program (default: `server.ts` from source with the binary's permissions). */
  program?: Program;
  /** Extra flags, after the launcher's (so they win). */
  args?: readonly string[];
  /** Keep the server's rate limits (default true); false adds {@linkcode RATE_LIMITS_OFF}. */
  rateLimits?: boolean;
  /** `FASTCHAT_ADMIN_PASSWORD` (default `launcher-admin-password`); `env` may override it. */
  adminPassword?: string;
  /** Extra environment variables (added to this process's environment). */
  env?: Record<string, string>;
  /** Working directory (default: this process's). */
  cwd?: string;
  /** How long to wait for the listening line (default {@linkcode LISTEN_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Keep at most this many characters of the log (the newest); default: all. */
  logLimit?: number;
}

/** The server's arguments (after the program's own): loopback, free ports, `db`, extras. */
export function serverArgs(launch: ServerLaunch): string[] {
  return [
    ...["--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--db", launch.db],
    ...(launch.rateLimits === false ? RATE_LIMITS_OFF : []),
    ...(launch.args ?? []),
  ];
}

/** The command for `launch`, with stdout and stderr piped. */
export function serverCommand(launch: ServerLaunch): Deno.Command {
  const program = launch.program ?? fromSource(SERVER);
  return new Deno.Command(program.command, {
    args: [...program.args, ...serverArgs(launch)],
    cwd: launch.cwd,
    env: {
      FASTCHAT_ADMIN_PASSWORD: launch.adminPassword ?? "launcher-admin-password",
      NO_COLOR: "1",
      ...launch.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** A process started by {@linkcode spawnListening}, past its listening line. */
export interface ListeningProcess {
  /** The groups of the listening line's match. */
  match: RegExpExecArray;
  child: Deno.ChildProcess;
  pid: number;
  /** Its stderr so far (the server's log). */
  log(): string;
  /** Its stdout lines so far. */
  stdout(): string[];
  /** Resolves when it has exited. */
  exited: Promise<Deno.CommandStatus>;
  /**
   * Sends `signal` (default SIGTERM) unless it has exited; SIGKILL after `killAfterMs` if
   * given and it is still running. Resolves with its exit status.
   */
  stop(signal?: Deno.Signal, killAfterMs?: number): Promise<Deno.CommandStatus>;
}

/**
 * Spawns `command` (stdout and stderr piped) and waits for a stdout line that `pattern`
 * matches; kills it and throws, with its log, when it exits or times out first.
 */
export async function spawnListening(
  command: Deno.Command,
  pattern: RegExp,
  options: { timeoutMs?: number; logLimit?: number } = {},
): Promise<ListeningProcess> {
  const child = command.spawn();
  const decoder = new TextDecoder();
  const lines: string[] = [];
  const logLimit = options.logLimit ?? Infinity;
  let log = "";
  const listening = Promise.withResolvers<RegExpExecArray>();
  void (async () => {
    let buffered = "";
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        const match = pattern.exec(line);
        if (match) listening.resolve(match);
      }
    }
  })();
  void (async () => {
    for await (const chunk of child.stderr) {
      log += decoder.decode(chunk, { stream: true });
      if (log.length > logLimit * 2) log = log.slice(-logLimit);
    }
  })();
  let running = true;
  const exited = child.status.then((status) => {
    running = false;
    listening.reject(new Error(`the server exited (${status.code}) before listening:\n${log}`));
    return status;
  });
  const stop = async (signal: Deno.Signal = "SIGTERM", killAfterMs?: number) => {
    const kill = (s: Deno.Signal) => {
      if (!running) return;
      try {
        child.kill(s);
      } catch {
        // Exited meanwhile.
      }
    };
    kill(signal);
    const killer = killAfterMs === undefined ? undefined : setTimeout(
      () => kill("SIGKILL"),
      killAfterMs,
    );
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  const timeoutMs = options.timeoutMs ?? LISTEN_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const match = await Promise.race([
      listening.promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the server did not start within ${timeoutMs} ms:\n${log}`)),
          timeoutMs,
        );
      }),
    ]);
    return {
      match,
      child,
      pid: child.pid,
      log: () => log,
      stdout: () => lines,
      exited,
      stop,
    };
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A `fastchat-server` process, listening. */
export interface LaunchedServer extends ListeningProcess {
  /** The chat port. */
  port: number;
  adminPort: number;
  /** The `--db` value it runs on. */
  db: string;
}

/** Starts a server as `launch` says and waits for its listening line. */
export async function launchServer(launch: ServerLaunch): Promise<LaunchedServer> {
  const started = await spawnListening(serverCommand(launch), LISTENING_LINE, launch);
  return {
    ...started,
    port: Number(started.match[1]),
    adminPort: Number(started.match[2]),
    db: launch.db,
  };
}
