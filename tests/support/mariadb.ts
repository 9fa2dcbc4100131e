/**
 * A throwaway MariaDB server for tests that stop and restart the database: its own data
 * directory, port and socket, so the machine's shared MariaDB on 3306 is never touched.
 */
import { connectAdmin } from "./mysql_db.ts";

/** A private MariaDB server; `adminUrl` connects as root (no password) over TCP. */
export interface ThrowawayMariadb {
  readonly port: number;
  readonly adminUrl: string;
  /** mariadbd's process id while it runs, null otherwise. */
  readonly pid: number | null;
  /** Whether mariadbd is running. */
  readonly running: boolean;
  /** Stops mariadbd (SIGTERM: a clean shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills mariadbd (SIGKILL: a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Freezes mariadbd (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a frozen mariadbd go on (SIGCONT). */
  resume(): void;
  /** Starts mariadbd again on the same data directory and port; resolves when it answers. */
  start(): Promise<void>;
  /** Stops the server if running and removes its data directory. */
  destroy(): Promise<void>;
}

const INSTALL_DB = "mariadb-install-db";
const MARIADBD = "/usr/sbin/mariadbd";

/** Sizes of a throwaway server; small by default (one per test). */
export interface MariadbOptions {
  /** InnoDB buffer pool, in MiB (default 32). */
  bufferPoolMiB?: number;
  /** `max_connections` (default 200). */
  maxConnections?: number;
  /** InnoDB redo log, in MiB (default 16). */
  logFileMiB?: number;
}

/** Creates a data directory and starts mariadbd on a free port. */
export async function startThrowawayMariadb(
  options: MariadbOptions = {},
): Promise<ThrowawayMariadb> {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-mariadb-" });
  try {
    // Its own tmpdir: instances sharing /tmp removed each other's temporary tables when
    // tests ran in parallel ("Error on delete of '/tmp/#sql-temptable-…'").
    await Deno.mkdir(`${dir}/tmp`);
    const install = await new Deno.Command(INSTALL_DB, {
      args: [
        "--no-defaults",
        `--datadir=${dir}/data`,
        `--tmpdir=${dir}/tmp`,
        ...asRoot(),
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!install.success) {
      throw new Error(
        `${INSTALL_DB} failed: ${new TextDecoder().decode(install.stderr).slice(-2000)}`,
      );
    }
    // The port is free when picked but may be taken before mariadbd binds it: try another.
    for (let attempt = 1;; attempt++) {
      const server = new MariadbProcess(dir, freePort(), options);
      try {
        await server.start();
        return server;
      } catch (error) {
        await server.kill();
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** `--user=root` when running as root (mariadbd refuses root without it); nothing otherwise. */
function asRoot(): string[] {
  return Deno.uid() === 0 ? ["--user=root"] : [];
}

/** A port nothing listens on right now (the kernel's pick for port 0). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

class MariadbProcess implements ThrowawayMariadb {
  readonly port: number;
  readonly adminUrl: string;
  #dir: string;
  #child: Deno.ChildProcess | null = null;
  #options: MariadbOptions;

  constructor(dir: string, port: number, options: MariadbOptions) {
    this.#options = options;
    this.#dir = dir;
    this.port = port;
    this.adminUrl = `mysql://root@127.0.0.1:${port}/`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    this.#child = new Deno.Command(MARIADBD, {
      args: [
        "--no-defaults",
        `--datadir=${this.#dir}/data`,
        `--socket=${this.#dir}/mariadbd.sock`,
        `--tmpdir=${this.#dir}/tmp`,
        `--pid-file=${this.#dir}/mariadbd.pid`,
        `--port=${this.port}`,
        "--bind-address=127.0.0.1",
        ...asRoot(),
        "--skip-log-bin",
        `--innodb-buffer-pool-size=${this.#options.bufferPoolMiB ?? 32}M`,
        `--innodb-log-file-size=${this.#options.logFileMiB ?? 16}M`,
        `--max-connections=${this.#options.maxConnections ?? 200}`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    void this.#drainStderr(this.#child);
    await this.#waitReady();
  }

  /** Keeps mariadbd's stderr (its error log) in a file, for a failed test to show. */
  async #drainStderr(child: Deno.ChildProcess): Promise<void> {
    const file = await Deno.open(`${this.#dir}/mariadbd.err`, { append: true, create: true });
    await child.stderr.pipeTo(file.writable).catch(() => {});
  }

  async #waitReady(): Promise<void> {
    const child = this.#child!;
    let exited = false;
    void child.status.then(() => exited = true);
    for (let attempt = 0; attempt < 300; attempt++) {
      if (exited) {
        this.#child = null;
        throw new Error(`mariadbd exited at start; see ${this.#dir}/mariadbd.err`);
      }
      try {
        const connection = await connectAdmin(this.adminUrl);
        await connection.end();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`mariadbd did not answer on port ${this.port} within 15 s`);
  }

  async stop(): Promise<void> {
    await this.#signal("SIGTERM");
  }

  pause(): void {
    if (this.#child) Deno.kill(this.#child.pid, "SIGSTOP");
  }

  resume(): void {
    if (this.#child) Deno.kill(this.#child.pid, "SIGCONT");
  }

  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  async #signal(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
    await child.status;
    this.#child = null;
  }

  async destroy(): Promise<void> {
    await this.kill();
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}
