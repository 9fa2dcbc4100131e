/**
 * Throwaway `nats-server` processes with JetStream for the cluster tests (Debian's
 * `/usr/sbin/nats-server`): a single node, or a 3-node JetStream cluster, each node on its
 * own free ports (client, cluster route, HTTP monitor) with its own store directory in a
 * temp dir. Nodes can be stopped (SIGTERM), killed (SIGKILL) and started again on the same
 * ports and store, so the tests can take NATS away and give it back. The machine's own NATS
 * (if any) is never touched.
 */
import { join } from "node:path";
import { freePorts } from "./ports.ts";
import { waitFor } from "./wait.ts";

/** The Debian package's binary. */
export const NATS_SERVER = "/usr/sbin/nats-server";

/** A single node, or a JetStream cluster of three. */
export type NatsKind = "single" | "cluster3";

/** What a node's configuration file says (the deployment example of the docs uses it too). */
export interface NatsNodeConfig {
  /** `server_name`, unique in the cluster. */
  name: string;
  /** The address clients and routes listen on. */
  host: string;
  /** The client port (FastChat's `--cluster nats://host:port`). */
  clientPort: number;
  /** The HTTP monitor port (`/healthz`). */
  monitorPort: number;
  /** JetStream's file store. */
  storeDir: string;
  /** Where the server logs (default: its standard error). */
  logFile?: string;
  /** The cluster block; absent for a single node. */
  cluster?: {
    name: string;
    /** This node's route port. */
    port: number;
    /** The other nodes' routes, `nats-route://host:port`. */
    routes: string[];
  };
}

/** The text of a `nats-server -c` configuration file for one node. */
export function natsNodeConfig(config: NatsNodeConfig): string {
  const q = JSON.stringify;
  const lines = [
    `server_name: ${q(config.name)}`,
    `listen: ${q(`${config.host}:${config.clientPort}`)}`,
    `http: ${q(`${config.host}:${config.monitorPort}`)}`,
    ...(config.logFile ? [`log_file: ${q(config.logFile)}`] : []),
    "jetstream {",
    `  store_dir: ${q(config.storeDir)}`,
    "}",
  ];
  if (config.cluster) {
    lines.push(
      "cluster {",
      `  name: ${q(config.cluster.name)}`,
      `  listen: ${q(`${config.host}:${config.cluster.port}`)}`,
      "  routes: [",
      ...config.cluster.routes.map((route) => `    ${q(route)}`),
      "  ]",
      "}",
    );
  }
  return lines.join("\n") + "\n";
}

/** One `nats-server` process of a deployment. */
export interface NatsNode {
  readonly name: string;
  /** The client port. */
  readonly port: number;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly monitorPort: number;
  /** Whether the process is running (started and not stopped or killed). */
  readonly running: boolean;
  /** Stops the node (SIGTERM: a clean shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the node (SIGKILL: a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /**
   * Starts the node again on the same ports and store; resolves when it accepts clients with
   * JetStream on (a cluster node may still be electing: see `NatsDeployment.waitHealthy`).
   */
  start(): Promise<void>;
  /**
   * How many messages this node's own replica of `stream` holds (from its monitor's `/jsz`),
   * or null when it holds none of it or does not answer.
   */
  storedMessages(stream: string): Promise<number | null>;
  /** The node's log so far (its last `limit` characters, default 4,000). */
  log(limit?: number): Promise<string>;
}

/** A JetStream stream, as the monitors report it. */
export interface NatsStream {
  name: string;
  /** The node leading it. */
  leader: string;
  /** How many nodes hold it (the leader and its followers). */
  replicas: number;
  /** How many messages (stream entries) it holds. */
  messages: number;
}

/** A NATS deployment started by {@linkcode startNats}. */
export interface NatsDeployment {
  readonly kind: NatsKind;
  readonly nodes: readonly NatsNode[];
  /** Every node's URL, comma-separated: the value of FastChat's `--cluster`. */
  readonly urls: string;
  /**
   * Waits until every running node reports healthy (`/healthz`: JetStream up and, in a
   * cluster, a meta leader elected and the node caught up).
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Each stream's leader node, by stream name, with the stream's message count, as the
   * running nodes' monitors report them (a single node leads all of its streams).
   */
  streams(): Promise<NatsStream[]>;
  /** Stops every node (SIGTERM). */
  stopAll(): Promise<void>;
  /** Starts every stopped node and waits until all are healthy. */
  startAll(): Promise<void>;
  /** The logs of all nodes, each headed by its name (the last `limit` characters of each). */
  logs(limit?: number): Promise<string>;
  /** Kills every node and removes the stores. Idempotent, never throws. */
  cleanup(): Promise<void>;
}

/** How long a node may take to accept clients. */
const START_TIMEOUT_MS = 15_000;

/** Whether the monitor of `port` answers `path` with 200 now. */
async function _healthy(monitorPort: number, path: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${monitorPort}${path}`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** What `/jsz?streams=true` says of one stream. */
interface _StreamDetail {
  name: string;
  cluster?: { leader?: string; replicas?: unknown[] };
  state: { messages: number };
}

class NatsProcess implements NatsNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly monitorPort: number;
  #args: string[];
  #dir: string;
  #child: Deno.ChildProcess | null = null;
  #drained: Promise<void> = Promise.resolve();

  constructor(name: string, port: number, monitorPort: number, dir: string, args: string[]) {
    this.name = name;
    this.port = port;
    this.url = `nats://127.0.0.1:${port}`;
    this.monitorPort = monitorPort;
    this.#dir = dir;
    this.#args = args;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    // Its own process group, so that a kill reaches anything it might spawn.
    const child = new Deno.Command(NATS_SERVER, {
      args: this.#args,
      detached: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#drained = this.#drain(child);
    let exited = false;
    void child.status.then(() => exited = true);
    try {
      await waitFor(`nats-server ${this.name} to accept clients on port ${this.port}`, async () => {
        if (exited) {
          throw new Error(`nats-server ${this.name} exited at start:\n${await this.log()}`);
        }
        return await _healthy(this.monitorPort, "/healthz?js-enabled-only=true");
      }, START_TIMEOUT_MS);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Keeps what the server writes to stderr (all of its log without a log file). */
  async #drain(child: Deno.ChildProcess): Promise<void> {
    const file = await Deno.open(join(this.#dir, "stderr.log"), { append: true, create: true });
    await child.stderr.pipeTo(file.writable).catch(() => {});
  }

  async storedMessages(stream: string): Promise<number | null> {
    const streams = await this.streamDetails().catch(() => []);
    return streams.find((s) => s.name === stream)?.state.messages ?? null;
  }

  /** The streams this node holds a replica of, from its monitor's `/jsz`. */
  async streamDetails(): Promise<_StreamDetail[]> {
    const response = await fetch(
      `http://127.0.0.1:${this.monitorPort}/jsz?accounts=true&streams=true`,
      { signal: AbortSignal.timeout(2_000) },
    );
    const jsz = await response.json() as {
      account_details?: { stream_detail?: _StreamDetail[] }[];
    };
    return (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []);
  }

  async log(limit = 4_000): Promise<string> {
    const parts = await Promise.all(
      ["stderr.log", "nats.log"].map((f) => Deno.readTextFile(join(this.#dir, f)).catch(() => "")),
    );
    return parts.join("").slice(-limit);
  }

  stop(): Promise<void> {
    return this.#signal("SIGTERM");
  }

  kill(): Promise<void> {
    return this.#signal("SIGKILL");
  }

  async #signal(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    try {
      Deno.kill(-child.pid, signal);
    } catch {
      // Already exited.
    }
    if (signal !== "SIGKILL") {
      // A clean shutdown that hangs must not hang the test.
      const timer = setTimeout(() => {
        try {
          Deno.kill(-child.pid, "SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, 10_000);
      await child.status.finally(() => clearTimeout(timer));
    } else {
      await child.status;
    }
    await this.#drained;
    this.#child = null;
  }
}

/** The nodes of one attempt at a deployment (fresh ports each time). */
async function _createNodes(kind: NatsKind, root: string): Promise<NatsProcess[]> {
  if (kind === "single") {
    const [port, monitorPort] = freePorts(2) as [number, number];
    const dir = join(root, "n1");
    await Deno.mkdir(join(dir, "js"), { recursive: true });
    const args = [
      ...["-n", "n1", "-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort)],
      ...["-js", "-sd", join(dir, "js"), "-l", join(dir, "nats.log")],
    ];
    return [new NatsProcess("n1", port, monitorPort, dir, args)];
  }
  const ports = freePorts(9);
  const names = ["n1", "n2", "n3"];
  const clusterName = `fc${crypto.randomUUID().slice(0, 8)}`;
  const nodes: NatsProcess[] = [];
  for (const [i, name] of names.entries()) {
    const [port, monitorPort, routePort] = ports.slice(i * 3, i * 3 + 3) as [
      number,
      number,
      number,
    ];
    const dir = join(root, name);
    await Deno.mkdir(join(dir, "js"), { recursive: true });
    const routes = names.flatMap((_, j) =>
      j === i ? [] : [`nats-route://127.0.0.1:${ports[j * 3 + 2]}`]
    );
    const configFile = join(dir, "nats.conf");
    await Deno.writeTextFile(
      configFile,
      natsNodeConfig({
        name,
        host: "127.0.0.1",
        clientPort: port,
        monitorPort,
        storeDir: join(dir, "js"),
        logFile: join(dir, "nats.log"),
        cluster: { name: clusterName, port: routePort, routes },
      }),
    );
    nodes.push(new NatsProcess(name, port, monitorPort, dir, ["-c", configFile]));
  }
  return nodes;
}

class Deployment implements NatsDeployment {
  readonly kind: NatsKind;
  readonly nodes: readonly NatsProcess[];
  readonly urls: string;
  #root: string;

  constructor(kind: NatsKind, nodes: NatsProcess[], root: string) {
    this.kind = kind;
    this.nodes = nodes;
    this.urls = nodes.map((node) => node.url).join(",");
    this.#root = root;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(`NATS (${this.kind}) to be healthy`, async () => {
      const running = this.nodes.filter((node) => node.running);
      const states = await Promise.all(running.map((n) => _healthy(n.monitorPort, "/healthz")));
      return states.every(Boolean);
    }, timeoutMs).catch(async (error) => {
      throw new Error(`${(error as Error).message}\n${await this.logs()}`);
    });
  }

  async streams(): Promise<NatsStream[]> {
    for (const node of this.nodes.filter((n) => n.running)) {
      const details = await node.streamDetails().catch(() => null);
      if (!details) continue;
      return details.map((d) => ({
        name: d.name,
        leader: d.cluster?.leader ?? node.name,
        replicas: 1 + (d.cluster?.replicas?.length ?? 0),
        messages: d.state.messages,
      }));
    }
    return [];
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.start()));
    await this.waitHealthy();
  }

  async logs(limit?: number): Promise<string> {
    const logs = await Promise.all(
      this.nodes.map(async (n) => `--- ${n.name}\n${await n.log(limit)}`),
    );
    return logs.join("\n");
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill().catch(() => {})));
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
  }
}

/**
 * Starts a single JetStream node or a 3-node JetStream cluster on free ports, and waits
 * until it is healthy. Call `cleanup()` in a `finally`.
 */
export async function startNats(kind: NatsKind = "single"): Promise<NatsDeployment> {
  // A port free when picked may be taken before the server binds it: try fresh ones.
  for (let attempt = 1;; attempt++) {
    const root = await Deno.makeTempDir({ prefix: "fastchat-nats-" });
    const deployment = new Deployment(kind, await _createNodes(kind, root), root);
    try {
      await deployment.startAll();
      return deployment;
    } catch (error) {
      await deployment.cleanup();
      if (attempt >= 3) throw error;
    }
  }
}
