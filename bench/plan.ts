/** What the coordinator tells a load-generator worker, and what the worker reports back. */
import type { HistogramData } from "./histogram.ts";

/** The server under test: FastChat, or the bare relay that bounds it. */
export type Target = "fastchat" | "relay";

/** One client of a worker. */
export interface ClientSpec {
  /** Account name (FastChat logs in as it; the relay only puts it in frames). */
  user: string;
  /** The room it joins; null for an idle connection that never logs in. */
  room: string | null;
  /** Its global sender number when it sends, else null. */
  sender: number | null;
}

/** Everything a worker needs, given once on its command line. */
export interface WorkerPlan {
  target: Target;
  host: string;
  port: number;
  password: string;
  clients: ClientSpec[];
  /** Messages per second of each sender; null sends as fast as the window allows. */
  ratePerSender: number | null;
  /** Messages a sender may have unacknowledged (unpaced: the window; paced: a cap). */
  window: number;
  /** Characters of message text. */
  textSize: number;
  /** How long the senders send, from `go`. */
  durationMs: number;
  /** Clients set up at once. */
  concurrency: number;
}

/** Commands, one per line on a worker's stdin. */
export type WorkerCommand = "connect" | "join" | "go" | "drain" | "close";

/** What one sender did. */
export interface SenderReport {
  sender: number;
  sent: number;
  acked: number;
  /** Sends refused by the server (error replies). */
  refused: number;
  /** Messages it could not offer on time because the window was full (paced runs). */
  behind: number;
}

/** A worker's measurements after `drain`. */
export interface WorkerStats {
  /** Distinct deliveries, per sender: `[sender, count]`. */
  perSender: [number, number][];
  deliveries: number;
  duplicates: number;
  reordered: number;
  /** Latency of each distinct delivery, µs. */
  latency: HistogramData;
  /** Epoch µs of the first and last delivery and acknowledgement (0 when none). */
  firstDelivery: number;
  lastDelivery: number;
  lastAck: number;
  /** Error replies by code. */
  errors: Record<string, number>;
  /** Connections the server closed while the run went on. */
  dropped: number;
}

/** One line of a worker's stdout. */
export type WorkerEvent =
  | { event: "connected"; clients: number; ms: number }
  | { event: "joined"; ms: number }
  | { event: "sent"; startedAt: number; senders: SenderReport[] }
  | { event: "stats"; stats: WorkerStats }
  | { event: "failed"; message: string };
