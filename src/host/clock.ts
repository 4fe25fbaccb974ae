// Room host/: facts of the machine the host tick refreshes — routes and interface names
// (routes.ts, facts.ts), the clock and its steps (this file), --user (user.ts).
//
// The system clock as a live run sees it: realtime (packets are stamped with it) and a
// monotonic clock, both injectable. A step of the system clock (NTP setting a router's clock
// after boot) shows as a change of realtime − monotonic between two ticks; the packets'
// stamps jump with it.

export interface Clock {
  /** The system's clock, ms since the epoch (as packets are stamped). */
  realtimeMs(): number;
  /** A clock that never steps, ms. */
  monotonicMs(): number;
}

export const SYSTEM_CLOCK: Clock = { realtimeMs: () => Date.now(), monotonicMs: () => performance.now() };

/** A change of realtime − monotonic larger than this between ticks is a step of the clock, ms. */
export const CLOCK_STEP_MS = 2000;

export class ClockWatch {
  private offset: number | undefined;
  /** Steps seen so far. */
  steps = 0;

  constructor(private readonly clock: Clock = SYSTEM_CLOCK) {}

  /** Once a tick: the step since the last call, ms (positive: forward), or 0 when the clock did not step. */
  check(): number {
    const offset = this.clock.realtimeMs() - this.clock.monotonicMs();
    const step = this.offset === undefined ? 0 : offset - this.offset;
    this.offset = offset;
    if (Math.abs(step) < CLOCK_STEP_MS) return 0;
    this.steps++;
    return step;
  }
}
