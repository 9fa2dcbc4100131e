/** A bound on how many tasks of one kind run at once (argon2 hashes, costly store reads). */

/** Runs tasks with at most `slots` of them under way, the others waiting in order. */
export class TaskGate {
  #slots: number;
  #running = 0;
  #peak = 0;
  #waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.#slots = slots;
  }

  /** Tasks under way now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** The most tasks ever under way at once. */
  get peak(): number {
    return this.#peak;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running < this.#slots) this.#running++;
    // The slot is handed over by the task that ends (see below), never given back first.
    else await new Promise<void>((take) => this.#waiting.push(take));
    this.#peak = Math.max(this.#peak, this.#running);
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
