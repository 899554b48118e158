/**
 * Completed-op latencies by op name, in memory bounded by the run's spread of latencies, not its
 * length. Each op name keeps its samples exactly until EXACT_SAMPLES of them, so the percentiles
 * of every ordinary run are the exact ones (the nearest-rank definition below); past that, the
 * samples fold into a log-linear histogram (HdrHistogram's layout: SUB_BUCKETS linear buckets per
 * power of two), whose percentiles are within 2/SUB_BUCKETS (0.2%) of the exact ones and whose
 * memory is at most 64 × SUB_BUCKETS / 2 counters, whatever the run's length.
 */

/** Samples per op name kept exactly before folding into the histogram. */
export const EXACT_SAMPLES = 65_536;
const SUB_BITS = 10;
const SUB_BUCKETS = 1 << SUB_BITS;

export interface LatencySummary {
  readonly count: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/** Log-linear histogram of non-negative integers: exact below SUB_BUCKETS, 0.2% above. */
class Histogram {
  /** counts[bucket]: see bucketOf. Grows to the largest bucket seen. */
  private counts: number[] = [];
  count = 0;
  maxUs = 0;

  add(valueUs: number, times = 1): void {
    const b = bucketOf(valueUs);
    while (this.counts.length <= b) this.counts.push(0);
    this.counts[b]! += times;
    this.count += times;
    if (valueUs > this.maxUs) this.maxUs = valueUs;
  }

  /** The value of nearest rank `rank` (0-based): the lowest value of its bucket, capped at the max. */
  at(rank: number): number {
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen > rank) return Math.min(this.maxUs, lowestOf(b));
    }
    return this.maxUs;
  }
}

/** Values below SUB_BUCKETS are their own bucket; above, SUB_BUCKETS buckets per power of two. */
function bucketOf(value: number): number {
  const v = Math.max(0, Math.floor(value));
  if (v < SUB_BUCKETS) return v;
  const exponent = (v < 2 ** 32 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v))) - SUB_BITS + 1; // v >> exponent is in [SUB_BUCKETS/2, SUB_BUCKETS)
  return exponent * (SUB_BUCKETS / 2) + SUB_BUCKETS / 2 + (Math.floor(v / 2 ** exponent) - SUB_BUCKETS / 2);
}

function lowestOf(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const half = SUB_BUCKETS / 2;
  const exponent = Math.floor((bucket - half) / half);
  const sub = (bucket - half) % half;
  return (half + sub) * 2 ** exponent;
}

export class LatencyRecorder {
  private readonly exact = new Map<string, number[]>();
  private readonly folded = new Map<string, Histogram>();

  add(f: string, latencyUs: number): void {
    const histogram = this.folded.get(f);
    if (histogram !== undefined) {
      histogram.add(latencyUs);
      return;
    }
    let list = this.exact.get(f);
    if (list === undefined) this.exact.set(f, (list = []));
    list.push(latencyUs);
    if (list.length >= EXACT_SAMPLES) {
      const h = new Histogram();
      for (const v of list) h.add(v);
      this.folded.set(f, h);
      this.exact.delete(f);
    }
  }

  /** p50, p99 and max per op name (nearest rank: the sample at floor(q × count)), names sorted. */
  summary(): Record<string, LatencySummary> {
    const out: Record<string, LatencySummary> = {};
    const names = [...this.exact.keys(), ...this.folded.keys()].sort();
    for (const f of names) {
      const h = this.folded.get(f);
      if (h !== undefined) {
        const at = (q: number): number => h.at(Math.min(h.count - 1, Math.floor(q * h.count)));
        out[f] = { count: h.count, p50Us: at(0.5), p99Us: at(0.99), maxUs: h.maxUs };
        continue;
      }
      const sorted = [...this.exact.get(f)!].sort((a, b) => a - b);
      const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      out[f] = { count: sorted.length, p50Us: at(0.5), p99Us: at(0.99), maxUs: sorted[sorted.length - 1]! };
    }
    return out;
  }
}
