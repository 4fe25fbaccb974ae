// Rates and moving averages over the registry's readings, on an injected clock (seconds).
//
// The clock is the meter clock: packet time for a capture file (--read: a file read in 2 s
// that spans an hour of traffic has an hour's rates, the same from run to run), wall time for
// live capture. The registry passes it in; nothing here reads a clock itself.
//
// - Window rates (packets/s, bits/s over 1 s, 1 min, 5 min): the counter's growth from the
//   oldest reading within the window to the latest, over the time between them — the rate
//   ipt_NETFLOW's "Rate:" and "Avg 1 min/5 min" lines give, here exact for a scripted
//   sequence. With readings once a second, the 1 s rate is the last second's. A window that
//   starts at the reading just before, an idle one (no growth since the one before it), starts
//   where the growth can first have begun when that is later (`since`: live, one mean packet
//   gap before the first packet counted since that reading): after an idle spell that reading
//   stands at the spell's clock, the tick's time less the rings' 2-s lag, and the first 1-s
//   rate spanned ~3 s of which the packets filled one.
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
  /** The earliest time the growth since the reading before can have begun, when known (live:
   * one mean packet gap before the first packet counted since then); else undefined. */
  since?: number;
  /** No growth since the reading before, the clock moved on: a reading of an idle spell. */
  idle?: boolean;
}

/** One counter's rates over RATE_WINDOWS_S. */
export class WindowRate {
  /** Readings, oldest first, kept for the longest window (and the one just before it). */
  private readonly samples: Sample[] = [];

  constructor(private readonly windows: readonly number[] = RATE_WINDOWS_S) {}

  /** A reading of the counter at time t (seconds, not earlier than the last); `since`: the
   * earliest time its growth since the reading before can have begun, when known. */
  add(t: number, v: bigint, since?: number): void {
    const s = this.samples;
    const last = s[s.length - 1];
    if (last && t < last.t) s.length = 0; // the clock went back (a step): start again
    if (last && t === last.t && s.length > 0) s[s.length - 1] = { t, v, since: last.since, idle: last.idle };
    else s.push({ t, v, since, idle: last !== undefined && v === last.v });
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
      // from an idle reading just before: not earlier than the growth can have begun (the
      // reading stands at the spell's clock, seconds before the first packet after it), but a
      // whole window at least — a burst after a spell is so many packets in that second, not
      // their own instantaneous rate. From a reading with traffic, a pause after it is the
      // traffic's own and stays in the window
      const start = from === s[s.length - 2] && from.idle && last.since !== undefined ? Math.max(from.t, Math.min(last.since, last.t - w)) : from.t;
      const dt = last.t - start;
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
  constructor(readonly clock: Rates["clock"]) {}
  /** A reading at t (undefined: none to add, the rates as they were); `since` as WindowRate.add's. */
  add(t: number | undefined, packets: bigint, bytes: bigint, since?: number): Rates {
    if (t !== undefined) {
      this.p.add(t, packets, since);
      this.b.add(t, bytes * 8n, since);
    }
    return { clock: this.clock, packets: this.p.rates(), bits: this.b.rates() };
  }
}
