// Rates and moving averages over the registry's readings, on an injected clock (seconds).
//
// The clock is the meter clock: packet time for a capture file (--read: a file read in 2 s
// that spans an hour of traffic has an hour's rates, the same from run to run), wall time for
// live capture. The registry passes it in; nothing here reads a clock itself.
//
// - Window rates (packets/s, bits/s over 1 s, 1 min, 5 min): the counter's growth from the
//   oldest reading within the window to the latest, over the time between them — the rate
//   ipt_NETFLOW's "Rate:" and "Avg 1 min/5 min" lines give, here exact for a scripted
//   sequence. With readings once a second, the 1 s rate is the last second's.
// - Moving averages (the search metric): ipt_NETFLOW's exponentially damped averages, as the
//   kernel's load average: avg = avg·e + x·(1 − e), e = exp(−Δt / T), T = 60, 300, 900 s, each
//   reading's x weighted by the time since the reading before.

/** Window lengths of the rates, seconds. */
export const RATE_WINDOWS_S = [1, 60, 300] as const;
/** Time constants of the moving averages, seconds (1, 5, 15 minutes). */
export const AVERAGE_PERIODS_S = [60, 300, 900] as const;

interface Sample {
  t: number;
  v: bigint;
}

/** One counter's rates over RATE_WINDOWS_S. */
export class WindowRate {
  /** Readings, oldest first, kept for the longest window (and the one just before it). */
  private readonly samples: Sample[] = [];

  constructor(private readonly windows: readonly number[] = RATE_WINDOWS_S) {}

  /** A reading of the counter at time t (seconds, not earlier than the last). */
  add(t: number, v: bigint): void {
    const s = this.samples;
    const last = s[s.length - 1];
    if (last && t < last.t) s.length = 0; // the clock went back (a step): start again
    if (last && t === last.t && s.length > 0) s[s.length - 1] = { t, v };
    else s.push({ t, v });
    const keep = t - Math.max(...this.windows);
    // drop what is older than the longest window, keeping one reading at or before its start
    while (s.length > 2 && s[1]!.t <= keep) s.shift();
  }

  /** Per-second rates over each window (0 with fewer than two readings). */
  rates(): number[] {
    const s = this.samples;
    const last = s[s.length - 1];
    return this.windows.map((w) => {
      if (!last) return 0;
      // the oldest reading within the window (at or after its start), else the one just before
      let from: Sample | undefined;
      for (const x of s) {
        if (x.t >= last.t - w) {
          from = x;
          break;
        }
      }
      if (!from || from === last) {
        const before = s[s.length - 2];
        if (!before) return 0;
        from = before;
      }
      const dt = last.t - from.t;
      return dt > 0 ? Number(last.v - from.v) / dt : 0;
    });
  }
}

/** ipt_NETFLOW-style damped moving averages of a value, over AVERAGE_PERIODS_S. */
export class MovingAverage {
  private avgs: number[] | undefined;
  private lastT = 0;
  /** The latest value (the "instantaneous" one). */
  value = 0;

  constructor(private readonly periods: readonly number[] = AVERAGE_PERIODS_S) {}

  add(t: number, x: number): void {
    this.value = x;
    if (!this.avgs || t < this.lastT) {
      this.avgs = this.periods.map(() => x);
    } else {
      const dt = t - this.lastT;
      this.avgs = this.avgs.map((a, k) => {
        const e = Math.exp(-dt / this.periods[k]!);
        return a * e + x * (1 - e);
      });
    }
    this.lastT = t;
  }

  averages(): number[] {
    return this.avgs ?? this.periods.map(() => 0);
  }
}

/** The registry's rates: packets and bits metered, per target and in all. */
export interface Rates {
  /** What the clock was: "packet time" (a file) or "wall time" (live). */
  clock: "packet time" | "wall time";
  /** Packets/s over 1 s, 1 min, 5 min. */
  packets: number[];
  /** Bits/s (IP bytes × 8) over 1 s, 1 min, 5 min. */
  bits: number[];
}

/** Packets and bytes into their window rates. */
export class TrafficRates {
  private readonly p = new WindowRate();
  private readonly b = new WindowRate();
  constructor(private readonly clock: Rates["clock"]) {}
  /** A reading at t (undefined: none to add, the rates as they were). */
  add(t: number | undefined, packets: bigint, bytes: bigint): Rates {
    if (t !== undefined) {
      this.p.add(t, packets);
      this.b.add(t, bytes * 8n);
    }
    return { clock: this.clock, packets: this.p.rates(), bits: this.b.rates() };
  }
}
