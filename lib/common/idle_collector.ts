/**
 * Gives memory back after a burst. V8 sizes its heap for the busiest moment it has seen
 * (the old generation grows to a multiple of what is live, the young one to its largest)
 * and keeps that size while the process is idle: Deno never tells it the process went
 * quiet, as browsers do. After a burst of connections or of messages the server would
 * keep a heap several times larger than what it holds.
 *
 * An {@linkcode IdleCollector} samples the heap every
 * {@linkcode IdleCollectorOptions.intervalMs} and runs the engine's memory-reducing
 * collection (which also releases the freed pages) when all of these hold:
 * - the process is quiet: between each of the last
 *   {@linkcode IdleCollectorOptions.quietSamples} samples the used heap grew by less than
 *   {@linkcode IdleCollectorOptions.quietBytes} (a drop means the engine collected, so the
 *   process was allocating) and the whole process (every thread: password hashing, the
 *   SQLite workers) used less than {@linkcode IdleCollectorOptions.quietCpu} of a core;
 * - the heap is worth it: at least {@linkcode IdleCollectorOptions.growthBytes} and half
 *   again larger than after the last collection;
 * - the last collection is at least {@linkcode IdleCollectorOptions.minSpacingMs} ago: a
 *   memory-reducing collection also drops compiled code, which a server then compiles
 *   again, so one that is only idle between bursts (waiting for slow readers) must not
 *   pay that every few seconds;
 * - its pauses have time left: they may take 1 % of the time
 *   ({@linkcode IdleCollectorOptions.budget}), with at most
 *   {@linkcode IdleCollectorOptions.burstMs} saved up (a burst of connections may be
 *   collected in the middle and again at its end).
 *
 * A busy server (a few MB/s of allocation) never meets the first rule; a quiet one with a
 * large live heap (19,000 idle connections: ~100 MB, a ~200 ms pause) is collected only
 * when its heap has grown by half since, and at most one such pause per 20 s.
 */
import process from "node:process";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The heap figures the collector decides on, in bytes. */
export interface HeapSample {
  /** Bytes of the heap in use (live objects and garbage not yet collected). */
  used: number;
  /** Bytes the heap holds from the system. */
  total: number;
  /** CPU time the whole process has used (ms); absent counts as none. */
  cpuMs?: number;
}

/** Settings of an {@linkcode IdleCollector}; each has a default. */
export interface IdleCollectorOptions {
  /** Time between samples. Default 200 ms. */
  intervalMs?: number;
  /** Samples in a row without growth before collecting. Default 2. */
  quietSamples?: number;
  /** Share of one core the process may use between two samples and count as quiet. Default 0.5. */
  quietCpu?: number;
  /** Growth of `used` between two samples below which the process counts as quiet. Default 512 KiB. */
  quietBytes?: number;
  /** Growth of `total` since the last collection that makes one worth it (and at least half). Default 16 MiB. */
  growthBytes?: number;
  /** Share of the time the collections' pauses may take. Default 0.01. */
  budget?: number;
  /** Least time between two collections. Default 60 s. */
  minSpacingMs?: number;
  /** Pause time that may be saved up. Default 1,000 ms. */
  burstMs?: number;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
}

const MiB = 1_048_576;

/**
 * The engine's memory-reducing full collection, or null where it cannot be reached. Without
 * `--v8-flags=--expose-gc`, Deno's `node:v8` flag makes the `node:vm` contexts created after
 * it carry a `gc` (a low-memory notification: full collections until nothing more is
 * freed). The flag is set once and left set: every isolate of the process wants it, and
 * clearing it could race with another isolate's worker reaching its own.
 */
export function engineCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    return typeof gc === "function" ? gc as () => void : null;
  } catch {
    return null;
  }
}

/** The heap of this isolate and the process's CPU time, as {@linkcode HeapSample}. */
export function heapSample(): HeapSample {
  const stats = getHeapStatistics();
  const cpu = process.cpuUsage();
  return {
    used: stats.used_heap_size,
    total: stats.total_heap_size,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/**
 * Decides from heap samples when to collect (see the module's comment); {@linkcode tick}
 * takes one sample, so the policy runs with any clock, and {@linkcode start} ticks on a
 * timer that does not keep the process alive.
 */
export class IdleCollector {
  #collect: () => void;
  #sample: () => HeapSample;
  #intervalMs: number;
  #quietSamples: number;
  #quietBytes: number;
  #quietCpu: number;
  #growthBytes: number;
  #budget: number;
  #burstMs: number;
  #minSpacingMs: number;
  /** When (a `now()`) the last collection ended. */
  #lastCollected = -Infinity;
  #now: () => number;
  #last: HeapSample | null = null;
  /** When (a `now()`) {@linkcode #last} was taken. */
  #lastAt = 0;
  /** `total` after the last collection (or the smallest seen since). */
  #floor = Infinity;
  #quiet = 0;
  /** Pause time saved up (ms), and when (a `now()`) it was last counted. */
  #credit: number;
  #counted: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Collections made so far. */
  collections = 0;

  constructor(
    collect: () => void,
    sample: () => HeapSample = heapSample,
    options: IdleCollectorOptions = {},
  ) {
    this.#collect = collect;
    this.#sample = sample;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#quietSamples = options.quietSamples ?? 2;
    this.#quietBytes = options.quietBytes ?? 512 * 1024;
    this.#quietCpu = options.quietCpu ?? 0.5;
    this.#growthBytes = options.growthBytes ?? 16 * MiB;
    this.#budget = options.budget ?? 0.01;
    this.#burstMs = options.burstMs ?? 1_000;
    this.#minSpacingMs = options.minSpacingMs ?? 60_000;
    this.#now = options.now ?? (() => performance.now());
    this.#credit = this.#burstMs;
    this.#counted = this.#now();
  }

  /** Takes one sample; true when it ran a collection. */
  tick(): boolean {
    const now = this.#sample();
    const started = this.#now();
    const last = this.#last;
    const lastAt = this.#lastAt;
    this.#last = now;
    this.#lastAt = started;
    this.#floor = Math.min(this.#floor, now.total);
    // A drop of `used` is a collection the engine made: it was allocating.
    const grew = last === null ? Infinity : now.used - last.used;
    const cpuShare = last === null
      ? Infinity
      : ((now.cpuMs ?? 0) - (last.cpuMs ?? 0)) / Math.max(1, started - lastAt);
    const quiet = grew >= 0 && grew < this.#quietBytes && cpuShare < this.#quietCpu;
    this.#quiet = quiet ? this.#quiet + 1 : 0;
    this.#credit = Math.min(
      this.#burstMs,
      this.#credit + (started - this.#counted) * this.#budget,
    );
    this.#counted = started;
    const grown = now.total - this.#floor;
    if (
      this.#quiet < this.#quietSamples || grown < this.#growthBytes ||
      grown < this.#floor / 2 || this.#credit <= 0 ||
      started - this.#lastCollected < this.#minSpacingMs
    ) {
      return false;
    }
    this.#collect();
    this.#counted = this.#now();
    this.#lastCollected = this.#counted;
    this.#credit -= this.#counted - started;
    this.collections++;
    this.#quiet = 0;
    this.#last = this.#sample();
    this.#lastAt = this.#counted;
    this.#floor = this.#last.total;
    return true;
  }

  /** Samples every `intervalMs` until {@linkcode stop}. */
  start(): this {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.tick(), this.#intervalMs);
      Deno.unrefTimer(this.#timer);
    }
    return this;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

let shared: IdleCollector | null = null;
let holders = 0;

/**
 * Starts this isolate's one {@linkcode IdleCollector} (several servers in one process
 * share it) and returns what stops it once every holder has let go; a no-op where the
 * engine's collection is out of reach.
 */
export function holdIdleCollector(): () => void {
  if (holders === 0) {
    const collect = engineCollector();
    shared = collect ? new IdleCollector(collect).start() : null;
  }
  holders++;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--holders === 0) {
      shared?.stop();
      shared = null;
    }
  };
}

/** How many hold this isolate's collector, and whether it runs (for tests). */
export function idleCollectorHolders(): { holders: number; running: boolean } {
  return { holders, running: shared !== null };
}
