/** Latency samples and their summary (nearest-rank percentiles, in milliseconds). */
export interface LatencySummary {
  count: number;
  /** Completed calls per second over the measured window. */
  throughput: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /**
   * The latency distribution for the chart: [percentile, ms] pairs from p0 to p99.99 on a log
   * scale of 1/(1 - p) (10 points per decade), then the max as p100.
   */
  distribution: Array<[number, number]>;
}

/** A growable buffer of latency samples in milliseconds. */
export class Samples {
  private data = new Float64Array(1 << 16);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = ms;
  }

  /** The recorded samples, in recording order (a view, not a copy). */
  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }

  get count(): number {
    return this.n;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.n).sort();
  }
}

/** Nearest-rank percentile of sorted samples (p in 0..100); NaN when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: Samples, seconds: number, errors: number): LatencySummary {
  const s = samples.sorted();
  return {
    count: s.length,
    throughput: seconds > 0 ? s.length / seconds : 0,
    errors,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    p999: percentile(s, 99.9),
    max: s.length > 0 ? s[s.length - 1] : Number.NaN,
    distribution: distribution(s),
  };
}

/** Percentiles 100 * (1 - 10^(-k/10)) for k = 0..40 (p0 .. p99.99), then [100, max]. */
export function distribution(sorted: Float64Array): Array<[number, number]> {
  if (sorted.length === 0) return [];
  const out: Array<[number, number]> = [];
  for (let k = 0; k <= 40; k++) {
    const p = 100 * (1 - 10 ** (-k / 10));
    out.push([Number(p.toFixed(4)), k === 0 ? sorted[0] : percentile(sorted, p)]);
  }
  out.push([100, sorted[sorted.length - 1]]);
  return out;
}
