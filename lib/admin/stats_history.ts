/**
 * The last hour of server activity for the admin page's chart: a fixed ring of samples
 * (one every `intervalMs`, 10 s by default, 360 of them), each the counters at that time.
 * `GET /api/stats/history` turns consecutive samples into messages per second. Memory is
 * bounded by the ring's length, whatever the uptime.
 */
import type { ServerStats } from "../server/control.ts";
import type { Clock } from "../common/clock.ts";
import { isoTime } from "../common/time.ts";
import type { StatsHistoryView, StatsPointView } from "./api_types.ts";

/** Ring settings. */
export interface StatsHistoryOptions {
  /** Milliseconds between samples (default 10 000). */
  intervalMs?: number;
  /** Samples kept (default 360: one hour at 10 s). */
  capacity?: number;
}

interface Sample {
  at: number;
  accepted: number;
  sessions: number;
  connections: number;
}

/** A bounded ring of counter samples. */
export class StatsHistory {
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #ring: (Sample | undefined)[];
  #next = 0;
  #count = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: StatsHistoryOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#capacity = options.capacity ?? 360;
    if (!(this.#intervalMs > 0) || !Number.isInteger(this.#capacity) || this.#capacity < 2) {
      throw new RangeError("Cannot create stats history: interval or capacity out of range");
    }
    this.#ring = new Array(this.#capacity);
  }

  /** Records the counters read at `at` (ms since the epoch). */
  record(stats: ServerStats, at: number): void {
    this.#ring[this.#next] = {
      at,
      accepted: stats.messagesAccepted,
      sessions: stats.sessions,
      connections: stats.connections,
    };
    this.#next = (this.#next + 1) % this.#capacity;
    this.#count = Math.min(this.#count + 1, this.#capacity);
  }

  /**
   * Samples `read()` now and then every interval, until `stop`. The timer does not keep the
   * process alive (the chat server does).
   */
  start(read: () => ServerStats, clock: Clock): void {
    this.stop();
    const sample = () => {
      try {
        this.record(read(), clock());
      } catch {
        // A counter that cannot be read now leaves a gap; the chart spans it.
      }
    };
    sample();
    this.#timer = setInterval(sample, this.#intervalMs);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The samples as chart points, oldest first (one fewer than samples: rates need two). */
  view(): StatsHistoryView {
    const samples: Sample[] = [];
    for (let i = 0; i < this.#count; i++) {
      const sample = this.#ring[(this.#next - this.#count + i + this.#capacity) % this.#capacity];
      if (sample) samples.push(sample);
    }
    const points: StatsPointView[] = [];
    for (let i = 1; i < samples.length; i++) {
      const before = samples[i - 1]!;
      const now = samples[i]!;
      const seconds = (now.at - before.at) / 1000;
      const rate = seconds > 0 ? Math.max(0, now.accepted - before.accepted) / seconds : 0;
      points.push({
        at: isoTime(now.at),
        messagesPerSecond: Math.round(rate * 100) / 100,
        sessions: now.sessions,
        connections: now.connections,
      });
    }
    return { intervalSeconds: this.#intervalMs / 1000, points };
  }
}
