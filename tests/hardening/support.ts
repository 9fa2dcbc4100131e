/**
 * Helpers of the hardening tests: raw peers that connect from a chosen loopback address
 * (so per-address limits can be exercised from one machine), the admin audit log, and
 * polling for a condition without fixed sleeps.
 */
import net from "node:net";
import { type Frame, FrameReader } from "../support/frame_reader.ts";
import { waitFor } from "../support/wait.ts";

export type { Frame };
export { waitFor };

/** The token the admin API accepts in the tests that read the audit log. */
export const ADMIN_TOKEN = "hardening-test-token";

/**
 * A bare TCP peer (node:net, which can bind a local address): sends raw bytes, keeps every
 * frame received, and knows when the server closed it.
 */
export class RawPeer {
  readonly frames: Frame[] = [];
  /** Resolves when the connection is closed (by either side) or failed. */
  readonly closed: Promise<void>;
  #socket: net.Socket;
  #reader = new FrameReader();
  #isClosed = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.frames.push(...this.#reader.push(chunk));
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.#isClosed = true;
        resolve();
      });
    });
    socket.on("error", () => {});
  }

  /** Connects to `port` on 127.0.0.1 from `localAddress` (any 127.x.y.z works on Linux). */
  static connect(port: number, localAddress = "127.0.0.1"): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port, localAddress });
      socket.once("connect", () => resolve(new RawPeer(socket)));
      socket.once("error", reject);
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Writes bytes or text as they are. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(data, (error) => error ? reject(error) : resolve())
    );
  }

  /** Closes the connection from this side. */
  destroy(): void {
    this.#socket.destroy();
  }
}

/** One entry of the admin audit log. */
export interface AuditRow {
  at: string;
  by: string;
  address: string;
  action: string;
  target: string | null;
  detail: string | null;
}

/** Reads the audit log over the admin API (the server must run with {@linkcode ADMIN_TOKEN}). */
export async function readAudit(adminPort: number): Promise<AuditRow[]> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/api/audit`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET /api/audit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { entries: AuditRow[] }).entries;
}

/** Every stderr line of a `--log-format json` server, parsed. */
export function jsonLogLines(log: string): Record<string, unknown>[] {
  return log.split("\n").filter((line) => line.trim() !== "").map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`Log line is not JSON: ${line}`);
    }
  });
}
