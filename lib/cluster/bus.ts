/**
 * The cluster's connection to NATS: one connection per instance, subjects under
 * `fastchat.<cluster name>.`, JSON payloads for the core-NATS traffic (presence,
 * heartbeats, admin views, applied-position notices), and whether the connection is up, so
 * that a write is refused at once during an outage rather than buffered by the client
 * library and acknowledged to nobody. The ordered log (JetStream) is in `log.ts`.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "../common/log.ts";

/** How an instance reaches NATS. */
export interface BusOptions {
  /** `nats://host:port` URLs (`--cluster`). */
  servers: string[];
  /** `--cluster-name`. */
  clusterName: string;
  /** `--instance`. */
  instance: string;
  log: Logger;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long the first connection is tried before the start fails. */
const FIRST_CONNECT_MS = 10_000;

/** One instance's NATS connection and its subjects. */
export class ClusterBus {
  readonly instance: string;
  readonly clusterName: string;
  readonly nc: NatsConnection;
  /** A random id of this process: an instance restarted under the same name gets another. */
  readonly boot: string = crypto.randomUUID();
  #log: Logger;
  #connected = true;
  #reconnectListeners: (() => void)[] = [];
  #disconnectListeners: (() => void)[] = [];

  private constructor(nc: NatsConnection, options: BusOptions) {
    this.nc = nc;
    this.instance = options.instance;
    this.clusterName = options.clusterName;
    this.#log = options.log;
    void this.#watch();
  }

  /** Connects (retrying for a while); throws with one line when NATS cannot be reached. */
  static async connect(options: BusOptions): Promise<ClusterBus> {
    const started = Date.now();
    while (true) {
      try {
        const nc = await connect({
          servers: options.servers.map((url) => url.replace(/^nats:\/\//, "")),
          name: `fastchat ${options.clusterName}/${options.instance}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          reconnectJitter: 100,
          pingInterval: 2_000,
          maxPingOut: 3,
          timeout: 2_000,
        });
        return new ClusterBus(nc, options);
      } catch (error) {
        if (Date.now() - started > FIRST_CONNECT_MS) {
          throw new Error(
            `cannot reach NATS at ${options.servers.join(",")}: ${(error as Error).message}`,
          );
        }
        options.log.log("warn", "cluster_nats_unreachable", { error: String(error) });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async #watch(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.#connected = false;
        this.#log.log("warn", "cluster_nats_disconnected", { server: status.server });
        for (const listener of this.#disconnectListeners) listener();
      } else if (status.type === "reconnect") {
        this.#connected = true;
        this.#log.log("info", "cluster_nats_reconnected", { server: status.server });
        for (const listener of this.#reconnectListeners) listener();
      }
    }
  }

  /** Whether the connection to NATS is up now. */
  get connected(): boolean {
    return this.#connected && !this.nc.isClosed();
  }

  /** Calls `listener` after each reconnection to NATS; returns the function that stops it. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.push(listener);
    return () => {
      this.#reconnectListeners = this.#reconnectListeners.filter((l) => l !== listener);
    };
  }

  /** Calls `listener` when the connection to NATS drops. */
  onDisconnect(listener: () => void): void {
    this.#disconnectListeners.push(listener);
  }

  /** The full subject of `suffix`: `fastchat.<cluster name>.<suffix>`. */
  subject(suffix: string): string {
    return `fastchat.${this.clusterName}.${suffix}`;
  }

  /** Publishes `data` as JSON on core NATS (at most once); never throws. */
  publish(suffix: string, data: unknown): void {
    if (!this.connected) return;
    try {
      this.nc.publish(this.subject(suffix), encoder.encode(JSON.stringify(data)));
    } catch (error) {
      this.#log.log("warn", "cluster_publish_failed", { subject: suffix, error: String(error) });
    }
  }

  /**
   * Calls `handler` with each JSON message on `suffix` (and its reply subject); a message
   * that is not JSON is logged and skipped. Returns the unsubscribe function.
   */
  subscribe(
    suffix: string,
    handler: (data: unknown, reply: string | undefined) => void,
  ): () => void {
    const subscription = this.nc.subscribe(this.subject(suffix), {
      callback: (error, msg) => {
        if (error) return;
        let data: unknown;
        try {
          data = JSON.parse(decoder.decode(msg.data));
        } catch {
          this.#log.log("warn", "cluster_bad_message", { subject: msg.subject });
          return;
        }
        try {
          handler(data, msg.reply);
        } catch (error) {
          this.#log.log("warn", "cluster_handler_failed", {
            subject: msg.subject,
            error: String(error),
          });
        }
      },
    });
    return () => subscription.unsubscribe();
  }

  /** Answers a request received by {@linkcode subscribe} (its `reply` subject). */
  respond(reply: string, data: unknown): void {
    if (!this.connected) return;
    try {
      this.nc.publish(reply, encoder.encode(JSON.stringify(data)));
    } catch (error) {
      this.#log.log("warn", "cluster_publish_failed", { subject: reply, error: String(error) });
    }
  }

  /** One request, one JSON answer; rejects on timeout or when nobody answers. */
  async request(suffix: string, data: unknown, timeoutMs: number): Promise<unknown> {
    const msg = await this.nc.request(
      this.subject(suffix),
      encoder.encode(JSON.stringify(data)),
      { timeout: timeoutMs },
    );
    return JSON.parse(decoder.decode(msg.data));
  }

  /**
   * One request, every answer that arrives within `timeoutMs` (or until `expected`
   * answers arrived): the scatter-gather of the admin views.
   */
  async requestAll(
    suffix: string,
    data: unknown,
    timeoutMs: number,
    expected?: number,
  ): Promise<unknown[]> {
    if (!this.connected) return [];
    const answers: unknown[] = [];
    const replies = await this.nc.requestMany(
      this.subject(suffix),
      encoder.encode(JSON.stringify(data)),
      // "count" ends at the expected number of answers, else at the deadline ("timer"
      // would always wait the whole deadline).
      expected
        ? { strategy: "count", maxWait: timeoutMs, maxMessages: expected }
        : { strategy: "timer", maxWait: timeoutMs },
    );
    try {
      for await (const msg of replies) {
        try {
          answers.push(JSON.parse(decoder.decode(msg.data)));
        } catch {
          // A peer's broken answer is left out.
        }
      }
    } catch {
      // No responders or a timeout: what arrived is the answer.
    }
    return answers;
  }

  /** Drains and closes the connection. */
  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
