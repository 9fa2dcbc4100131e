/**
 * HAProxy (Debian's `/usr/sbin/haproxy`) as the one address in front of FastChat instances:
 * the configuration of the deployment example in `docs/cluster.md` ({@linkcode haproxyConfig},
 * TCP mode, the client's address passed on in a PROXY protocol v2 header, health checks on
 * the chat port), and a throwaway process running exactly that configuration on free ports
 * for the tests. Instances behind it run with `--proxy-protocol 127.0.0.1` (HAProxy's
 * address here), unless it is started with `proxyProtocol: false`.
 */
import { join } from "node:path";
import { accepts, freePorts } from "./ports.ts";
import { waitFor } from "./wait.ts";

/** The Debian package's binary. */
export const HAPROXY = "/usr/sbin/haproxy";

/** One FastChat instance behind HAProxy. */
export interface HaproxyServer {
  /** Its name in HAProxy (letters, digits, `_`, `-`, `.`). */
  name: string;
  host: string;
  /** Its chat port. */
  port: number;
}

/** What {@linkcode haproxyConfig} writes. */
export interface HaproxyConfigOptions {
  /** The one address's port (clients connect there). */
  frontendPort: number;
  /** The address to listen on (default: every address, `bind :PORT`). */
  frontendHost?: string;
  /** The FastChat instances (their chat ports). */
  servers: readonly HaproxyServer[];
  /** A statistics page on this port of 127.0.0.1 (`/stats`, `/stats;csv`); none by default. */
  statsPort?: number;
  /** `maxconn` of the process (default 8,000: it needs twice as many file descriptors). */
  maxconn?: number;
  /**
   * Whether each connection to an instance starts with a PROXY protocol v2 header naming the
   * client (`send-proxy-v2`; the health checks send one too, `check-send-proxy`, a `LOCAL`
   * one), so that per-address limits, bans and logs see the client and not HAProxy. The
   * instances must then run with `--proxy-protocol <HAProxy's address>`. Default true.
   */
  proxyProtocol?: boolean;
}

/**
 * The HAProxy configuration that makes FastChat instances one address: TCP mode (FastChat
 * frames are lines over TCP), the client's address in a PROXY protocol v2 header (see
 * {@linkcode HaproxyConfigOptions.proxyProtocol}), the least busy instance for each new
 * client, a connect check of each instance's chat port every 500 ms (down after 2 failures,
 * up after 2 successes), and a client whose instance refuses the connection sent to another
 * one.
 */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  const bind = `${options.frontendHost ?? ""}:${options.frontendPort}`;
  const proxy = options.proxyProtocol ?? true;
  const serverOptions = proxy
    ? "send-proxy-v2 check check-send-proxy inter 500 fall 2 rise 2"
    : "check inter 500 fall 2 rise 2";
  const lines = [
    "# FastChat: several instances behind one address (HAProxy in TCP mode).",
    "global",
    `    maxconn ${options.maxconn ?? 8_000}`,
    "",
    "defaults",
    "    mode tcp",
    "    timeout connect 2s",
    "    # Chat connections stay open for long; clients ping well within this.",
    "    timeout client 1h",
    "    timeout server 1h",
    "    # A connection refused by a dead instance is retried on another one.",
    "    retries 3",
    "    option redispatch",
    "",
    "frontend fastchat",
    `    bind ${bind}`,
    "    default_backend fastchat_instances",
    "",
    "backend fastchat_instances",
    "    balance leastconn",
    ...(proxy
      ? [
        "    # The client's address in a PROXY v2 header (checks too): instances run with",
        "    # --proxy-protocol <this HAProxy's address>, so their per-address limits see clients.",
      ]
      : []),
    ...options.servers.map((server) =>
      `    server ${server.name} ${server.host}:${server.port} ${serverOptions}`
    ),
  ];
  if (options.statsPort !== undefined) {
    lines.push(
      "",
      "listen stats",
      "    mode http",
      `    bind 127.0.0.1:${options.statsPort}`,
      "    stats enable",
      "    stats uri /stats",
    );
  }
  return lines.join("\n") + "\n";
}

/** What HAProxy's statistics say of each backend server, by name. */
export type ServerStates = Record<string, {
  /** What the health checks say: `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2`, `MAINT`… */
  status: string;
  /** The connections it forwards to the server now. */
  sessions: number;
}>;

/** A running HAProxy in front of test servers. */
export interface TestHaproxy {
  /** The one address's port on 127.0.0.1. */
  readonly port: number;
  /** The configuration it runs. */
  readonly config: string;
  readonly pid: number;
  /** Each backend server's state and connections, from the statistics page. */
  states(): Promise<ServerStates>;
  /** Waits until the health checks say each named server is up (or down, with `false`). */
  waitState(names: readonly string[], up: boolean, timeoutMs?: number): Promise<void>;
  /** What HAProxy wrote to stderr (alerts and warnings). */
  log(): string;
  /** Stops HAProxy (SIGTERM) and removes its temp dir. Idempotent, never throws. */
  cleanup(): Promise<void>;
}

class HaproxyProcess implements TestHaproxy {
  readonly port: number;
  readonly config: string;
  #statsPort: number;
  #child: Deno.ChildProcess;
  #dir: string;
  #log = "";
  #drained: Promise<void>;
  #stopped = false;

  constructor(port: number, statsPort: number, config: string, dir: string) {
    this.port = port;
    this.#statsPort = statsPort;
    this.config = config;
    this.#dir = dir;
    // `-db`: foreground, no fork, so the pid is HAProxy's own; its own process group.
    this.#child = new Deno.Command(HAPROXY, {
      args: ["-db", "-f", join(dir, "haproxy.cfg")],
      detached: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#drained = Promise.all([
      this.#collect(this.#child.stdout),
      this.#collect(this.#child.stderr),
    ]).then(() => {});
  }

  get pid(): number {
    return this.#child.pid;
  }

  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this.#log += decoder.decode(chunk, { stream: true });
  }

  log(): string {
    return this.#log;
  }

  async states(): Promise<ServerStates> {
    const response = await fetch(`http://127.0.0.1:${this.#statsPort}/stats;csv`, {
      signal: AbortSignal.timeout(2_000),
    });
    const csv = await response.text();
    const [header, ...rows] = csv.split("\n").filter((line) => line.trim() !== "");
    const columns = (header ?? "").replace(/^# /, "").split(",");
    const [proxy, server, status, current] = ["pxname", "svname", "status", "scur"]
      .map((c) => columns.indexOf(c));
    const states: ServerStates = {};
    for (const row of rows) {
      const cells = row.split(",");
      if (cells[proxy!] !== "fastchat_instances") continue;
      const name = cells[server!]!;
      if (name !== "BACKEND") {
        states[name] = { status: cells[status!]!, sessions: Number(cells[current!]) };
      }
    }
    return states;
  }

  async waitState(names: readonly string[], up: boolean, timeoutMs = 15_000): Promise<void> {
    const wanted = up ? "UP" : "DOWN";
    await waitFor(`HAProxy to see ${names.join(", ")} ${wanted}`, async () => {
      const states = await this.states().catch(() => ({} as ServerStates));
      return names.every((name) => states[name]?.status === wanted);
    }, timeoutMs);
  }

  async cleanup(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      try {
        Deno.kill(-this.#child.pid, "SIGKILL");
      } catch {
        // Already exited.
      }
      await this.#child.status;
      await this.#drained;
    }
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}

/** Options of {@linkcode startHaproxy}. */
export interface StartHaproxyOptions {
  /**
   * Send the PROXY protocol v2 header (default true): the servers must run with
   * `--proxy-protocol 127.0.0.1`. See {@linkcode HaproxyConfigOptions.proxyProtocol}.
   */
  proxyProtocol?: boolean;
}

/**
 * Starts HAProxy with {@linkcode haproxyConfig} in front of `servers` (their chat ports on
 * 127.0.0.1), on a free port, and waits until it accepts connections and its health checks
 * see every server up. Call `cleanup()` in a `finally`.
 */
export async function startHaproxy(
  servers: readonly { name: string; port: number }[],
  options: StartHaproxyOptions = {},
): Promise<TestHaproxy> {
  for (let attempt = 1;; attempt++) {
    const dir = await Deno.makeTempDir({ prefix: "fastchat-haproxy-" });
    const [port, statsPort] = freePorts(2) as [number, number];
    const config = haproxyConfig({
      frontendPort: port,
      frontendHost: "127.0.0.1",
      servers: servers.map((s) => ({ name: s.name, host: "127.0.0.1", port: s.port })),
      statsPort,
      proxyProtocol: options.proxyProtocol,
    });
    await Deno.writeTextFile(join(dir, "haproxy.cfg"), config);
    const haproxy = new HaproxyProcess(port, statsPort, config, dir);
    let exited = false;
    void haproxy.status.then(() => exited = true);
    try {
      await waitFor(`HAProxy to accept connections on ${port}`, async () => {
        if (exited) throw new Error(`haproxy exited at start:\n${haproxy.log()}`);
        return await accepts(port);
      });
      await haproxy.waitState(servers.map((s) => s.name), true);
      return haproxy;
    } catch (error) {
      await haproxy.cleanup();
      if (attempt >= 3) throw error;
    }
  }
}
