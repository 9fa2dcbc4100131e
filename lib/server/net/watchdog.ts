/**
 * Connection timeouts, checked by one periodic sweep over the open connections rather than
 * a timer per connection: no login in time, no frame for too long once logged in, and a
 * frame started but not finished in time (slowloris).
 */
import type { Clock } from "../../common/rate_limit.ts";
import type { Session } from "./session.ts";

/** The three timeouts; null disables one. */
export interface TimeoutSettings {
  loginTimeoutMs: number | null;
  idleTimeoutMs: number | null;
  frameTimeoutMs: number | null;
}

/** A timeout that expired: the reason for the log and the sentence for the client. */
export interface Expiry {
  reason: "login timeout" | "idle timeout" | "frame timeout";
  message: string;
}

/** What the read loop of one connection reports. */
export interface ReadWatch {
  /** After each read: how many complete frames it finished and how many bytes wait. */
  read(completedFrames: number, bufferedBytes: number): void;
}

/**
 * What the watchdog knows of one connection, and what its read loop reports to: one small
 * object per connection (no closure), since 20,000 idle connections each hold one.
 */
class _State implements ReadWatch {
  lastFrameAt: number;
  /** When the first byte of the unfinished frame arrived, or null when none is pending. */
  partialSince: number | null = null;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.lastFrameAt = clock();
  }

  read(completedFrames: number, bufferedBytes: number): void {
    const now = this.#clock();
    if (completedFrames > 0) this.lastFrameAt = now;
    if (bufferedBytes === 0) this.partialSince = null;
    else if (completedFrames > 0 || this.partialSince === null) this.partialSince = now;
  }
}

/** Finds connections whose timeouts expired and hands them to `expire`. */
export class Watchdog {
  #settings: TimeoutSettings;
  #clock: Clock;
  #expire: (session: Session, expiry: Expiry) => void;
  #watched = new Map<Session, _State>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    settings: TimeoutSettings,
    clock: Clock,
    expire: (session: Session, expiry: Expiry) => void,
  ) {
    this.#settings = { ...settings };
    this.#clock = clock;
    this.#expire = expire;
  }

  /** Whether any timeout is enabled. */
  get enabled(): boolean {
    const s = this.#settings;
    return s.loginTimeoutMs !== null || s.idleTimeoutMs !== null || s.frameTimeoutMs !== null;
  }

  /** Starts watching a new connection; returns what its read loop reports to. */
  watch(session: Session): ReadWatch {
    const state = new _State(this.#clock);
    this.#watched.set(session, state);
    return state;
  }

  /** Stops watching a closed connection. */
  forget(session: Session): void {
    this.#watched.delete(session);
  }

  /** Checks every watched connection once; returns how many expired. */
  sweep(): number {
    const now = this.#clock();
    const { loginTimeoutMs, idleTimeoutMs, frameTimeoutMs } = this.#settings;
    let expired = 0;
    for (const [session, state] of this.#watched) {
      if (session.closing) continue;
      let expiry: Expiry | null = null;
      if (
        frameTimeoutMs !== null && state.partialSince !== null &&
        now - state.partialSince >= frameTimeoutMs
      ) {
        expiry = {
          reason: "frame timeout",
          message: `A frame was started but not finished within ${_seconds(frameTimeoutMs)}; ` +
            "closing the connection.",
        };
      } else if (
        loginTimeoutMs !== null && session.account === null &&
        now - session.since >= loginTimeoutMs
      ) {
        expiry = {
          reason: "login timeout",
          message: `No login within ${_seconds(loginTimeoutMs)}; closing the connection.`,
        };
      } else if (
        idleTimeoutMs !== null && session.account !== null &&
        now - state.lastFrameAt >= idleTimeoutMs
      ) {
        expiry = {
          reason: "idle timeout",
          message: `Nothing received for ${_seconds(idleTimeoutMs)}; closing the connection. ` +
            "Clients send ping to stay connected while idle.",
        };
      }
      if (expiry) {
        expired++;
        this.#watched.delete(session);
        this.#expire(session, expiry);
      }
    }
    return expired;
  }

  /** Sweeps periodically, often enough for the shortest timeout, until {@linkcode stop}. */
  start(): void {
    if (this.#timer !== undefined || !this.enabled) return;
    const s = this.#settings;
    const shortest = Math.min(
      ...[s.loginTimeoutMs, s.idleTimeoutMs, s.frameTimeoutMs].filter((v) => v !== null),
    );
    const tick = Math.max(50, Math.min(1_000, Math.floor(shortest / 4)));
    this.#timer = setInterval(() => this.sweep(), tick);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops the periodic sweep. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function _seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} second${s === 1 ? "" : "s"}`;
}
