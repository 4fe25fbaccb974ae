// The host tick, once a second. For every source it reads the statistics registry (and MQTT
// and the control socket will hang on it). For live capture it also moves the meter clock on
// without packets — idle flows leave, partly filled datagrams from a quiet link go — watches
// for steps of the system clock, and reads the routes and interface names again every few
// ticks. A live source beats it itself, between two batches (its shim's statistics message);
// a file is ticked by a timer and never ages by it: its aging follows packet time alone.

import type { Meter } from "./meter/meter";
import { ClockWatch, SYSTEM_CLOCK, type Clock } from "./host/clock";
import type { HostFacts } from "./host/facts";

/** Packets may still be in the rings this long after their time when a tick comes, ns. */
export const TICK_LAG_NS = 2_000_000_000n;

export interface TickOptions {
  /** Ticks between readings of the routing table and interface names (live). Default 5. */
  routesEveryTicks?: number;
  /** The system clock (live: the meter's time without packets, and its steps). Default SYSTEM_CLOCK. */
  clock?: Clock;
  /** Where a line goes (without a newline). */
  onLog: (line: string) => void;
  /** Host work after each tick (the registry). */
  after?: () => void;
}

export const DEFAULT_ROUTES_EVERY_TICKS = 5;

/** A live run's tick: the meter clock, the clock-step watch, the host facts. */
export class LiveTick {
  private ticks = 0;
  private readonly clock: Clock;
  private readonly watch: ClockWatch;
  private readonly routesEvery: number;

  constructor(private readonly meter: Meter, private readonly facts: HostFacts, private readonly o: TickOptions) {
    this.clock = o.clock ?? SYSTEM_CLOCK;
    this.watch = new ClockWatch(this.clock);
    this.routesEvery = o.routesEveryTicks ?? DEFAULT_ROUTES_EVERY_TICKS;
  }

  /** Steps of the system clock seen so far. */
  get clockSteps(): number {
    return this.watch.steps;
  }

  /** Runs between two batches (never during a walk): the source awaits it. */
  async run(): Promise<void> {
    const meter = this.meter;
    const nowNs = () => BigInt(Math.round(this.clock.realtimeMs())) * 1_000_000n;
    // a step of the system clock: every active flow out now, aging goes on from the new time
    const step = this.watch.check();
    if (step !== 0) {
      this.o.onLog(`flowprobe: the system clock stepped ${step > 0 ? "forward" : "back"} by ${(Math.abs(step) / 1000).toFixed(1)} s: every active flow is exported now (forced end), and aging goes on from the new time`);
      await meter.restartClock(nowNs() - TICK_LAG_NS);
    }
    if (++this.ticks % this.routesEvery === 0) this.facts.refresh();
    meter.setExportTime(Date.now() / 1000);
    const t = nowNs() - TICK_LAG_NS;
    const x = meter.core.x;
    while (x.advance(Number(t & 0xffffffffn), Number(t >> 32n)) === 0) await meter.drain();
    while (x.sealStaged() === 0) await meter.drain();
    await meter.drain();
    this.o.after?.();
  }
}

/** Timers, injectable for tests (a fake clock). */
export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** A file run's tick: host work only, by a timer. */
export class HostTick {
  private handle: unknown;

  constructor(private readonly everyMs: number, private readonly work: () => void, private readonly timers: Timers = SYSTEM_TIMERS) {}

  start(): void {
    this.handle ??= this.timers.setInterval(this.work, this.everyMs);
  }

  stop(): void {
    if (this.handle !== undefined) this.timers.clearInterval(this.handle);
    this.handle = undefined;
  }
}
