/**
 * A mergeable latency histogram in microseconds with about 3% precision: values below 64
 * are exact, larger ones fall into 32 sub-buckets per power of two. Cheap enough to record
 * a million deliveries a second, and small enough to send between processes.
 */

const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
const EXACT = SUB * 2;
/** Enough buckets for values up to 2^40 µs (12 days). */
const BUCKETS = EXACT + (40 - SUB_BITS) * SUB;

/** Bucket index of a non-negative integer value. */
function _indexOf(value: number): number {
  if (value < EXACT) return value;
  const exponent = Math.floor(Math.log2(value)) - SUB_BITS;
  const index = EXACT + (exponent - 1) * SUB + (Math.floor(value / 2 ** exponent) - SUB);
  return Math.min(index, BUCKETS - 1);
}

/** The largest value a bucket holds (what a percentile reports: never optimistic). */
function _upperBound(index: number): number {
  if (index < EXACT) return index;
  const exponent = Math.floor((index - EXACT) / SUB) + 1;
  const sub = (index - EXACT) % SUB + SUB;
  return (sub + 1) * 2 ** exponent - 1;
}

/** Sparse form of a histogram: `[bucket, count]` pairs, plus the exact extremes. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  max: number;
  sum: number;
}

/** Counts of values in logarithmic buckets. */
export class Histogram {
  #counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  sum = 0;

  /** Records one value (µs); negative values (clock skew) count as 0. */
  record(value: number): void {
    const v = value > 0 ? Math.round(value) : 0;
    this.#counts[_indexOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** Adds another histogram's counts. */
  merge(data: HistogramData): void {
    for (const [index, n] of data.buckets) this.#counts[index]! += n;
    this.count += data.count;
    this.sum += data.sum;
    if (data.max > this.max) this.max = data.max;
  }

  /** The value at or below which `p` percent of the values lie (0 when empty). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(_upperBound(i), this.max);
    }
    return this.max;
  }

  /** The sparse, serialisable form. */
  toJSON(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, i) => {
      if (n > 0) buckets.push([i, n]);
    });
    return { buckets, count: this.count, max: this.max, sum: this.sum };
  }
}
