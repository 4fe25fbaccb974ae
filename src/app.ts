// The app: one run's lifecycle, built from one config object (config/options.ts). It builds
// the targets (collectors behind a send queue, or JSON lines on standard output), the meter
// and the source; runs the source; ticks (tick.ts); answers the signals; and stops in a fixed
// order: stop the source → expire every flow → encode and send → close the transports →
// (MQTT offline, later) → exit status. The command line (cli.ts) only makes the config object.

import * as fs from "node:fs";
import { describeCache } from "./config/cache";
import type { Options } from "./config/options";
import { CaptureFormatError, FlowprobeError, UsageError } from "./errors";
import { faultAt } from "./fault";
import { SYSTEM_CLOCK, type Clock } from "./host/clock";
import { HostFacts } from "./host/facts";
import { dropPrivileges, userGroup } from "./host/user";
import { END_REASONS, SKIP_REASONS } from "./meter/counters";
import { Meter, type OutputSink, type TargetConfig } from "./meter/meter";
import { say, signalActions } from "./process";
import { writeAllSync } from "./sinks/stdout";
import { FileSource } from "./sources/file";
import { ShimSource, defaultHelper, type LiveOptions } from "./sources/shim";
import type { LiveStatistics, Source } from "./sources/source";
import { StatsRegistry, type Stats } from "./stats/registry";
import { ProgressLine, destinationsText, kernelText, summaryText } from "./stats/summary";
import { DestinationSet } from "./targets/destinations";
import { Pacer } from "./targets/pacer";
import { FILE_QUEUE_BYTES, LIVE_QUEUE_BYTES, SendQueue } from "./targets/queue";
import { UdpDestination } from "./targets/udp";
import { DEFAULT_ROUTES_EVERY_TICKS, HostTick, LiveTick, SYSTEM_TIMERS, type Timers } from "./tick";

const log = (line: string) => say(`${line}\n`);
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

/** How the app runs, beyond the config object: intervals and clocks, injectable for tests. */
export interface AppOptions {
  /** A file run's host tick (statistics), ms. Default 1000 (a live run ticks at its shim's statistics message, once a second). */
  tickMs: number;
  /** Live: ticks between readings of the routes and interface names. Default 5. */
  routesEveryTicks: number;
  /** Live: the system clock (the meter's time without packets, and its steps). Default SYSTEM_CLOCK. */
  clock: Clock;
  /** The timers of the file tick. Default the system's (unref'd). */
  timers: Timers;
}

export const APP_DEFAULTS: AppOptions = { tickMs: 1000, routesEveryTicks: DEFAULT_ROUTES_EVERY_TICKS, clock: SYSTEM_CLOCK, timers: SYSTEM_TIMERS };

type StopReason = NodeJS.Signals | "stdout closed";

export class App {
  private readonly options: AppOptions;
  /** Why the run stops, once it does. */
  private stop: StopReason | undefined;
  /** The final flush is under way: a second signal exits at once. */
  private flushing = false;
  private readonly stopping = new AbortController();
  private source: Source | undefined;

  constructor(private readonly config: Options, options: Partial<AppOptions> = {}) {
    this.options = { ...APP_DEFAULTS, ...options };
  }

  /** SIGINT/SIGTERM: stop reading, then export every active flow before exit; a second one
   * while that goes on ends the process at once. */
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.stop !== undefined && this.stop !== "stdout closed") {
      log(`flowprobe: ${sig} again: exiting at once; flows not exported yet are lost`);
      process.exit(128 + (SIGNAL_NUMBERS[sig] ?? 0));
    }
    this.stopBecause(sig);
    if (this.flushing) log(`flowprobe: ${sig}: the input has ended and every active flow is being exported; a second ${sig} exits at once`);
  };

  private stopBecause(why: StopReason): void {
    this.stop = why;
    this.stopping.abort();
    this.source?.stop();
  }

  /** Meters a capture file (config.read) or live interfaces (config.interfaces), then exports or prints. Returns the exit status. */
  async run(): Promise<number> {
    const o = this.config;
    const file = o.read ?? "-";
    const live = o.interfaces;
    const userGid = o.user !== undefined ? userGroup(o.user) : 0;

    // targets: the collectors (one mirrored set), or standard output
    const destinations = new DestinationSet(o.destinations.map((c) => new UdpDestination(c, { sndbuf: o.sndbuf, onLog: log })));
    await destinations.open();
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    // datagrams wait in the send queue for the pacer while metering goes on
    const sendQueue = new SendQueue(destinations, new Pacer(o.exportRate), live ? LIVE_QUEUE_BYTES : FILE_QUEUE_BYTES, this.stopping.signal);
    let stdoutOpen = true;
    const sink: OutputSink = destinations.size > 0
      ? (bytes) => sendQueue.push(bytes)
      : (bytes) => {
        if (stdoutOpen) stdoutOpen = writeAllSync(1, bytes);
        // the reader has gone (flowprobe … | head): nothing more can be written
        if (!stdoutOpen && this.stop === undefined) this.stopBecause("stdout closed");
      };

    // the meter: one target
    const target: TargetConfig = {
      maxflows: o.maxflows,
      hashsize: o.hashsize,
      inactiveTimeoutS: o.inactiveTimeoutS,
      activeTimeoutS: o.activeTimeoutS,
      tcpEndTimeoutS: o.tcpEndTimeoutS,
      format: o.format,
      mac: o.mac,
      fields: o.fields,
      aggregation: o.aggregation,
      export: destinations.size > 0
        ? { mtu: o.mtu, engineId: o.engineId, refreshRate: o.refreshRate, templateTimeoutS: o.timeoutRateMin * 60, destinations: destinations.size }
        : undefined,
    };
    const meter = new Meter([target], o.seed, sink);
    // a collector reached again, or one that refused, gets the templates again
    destinations.members.forEach((d, i) => (d.needsTemplates = () => meter.resendTemplates(i)));
    meter.setExportTime(Date.now() / 1000);
    if (faultAt("timer")) setTimeout(() => injectedTimerFault(), 200);

    // the source, its tick and the statistics registry
    const started = process.hrtime.bigint();
    const size = !live && file !== "-" && fs.existsSync(file) ? fs.statSync(file).size : 0;
    const progress = !live && o.progress === "auto" && process.stderr.isTTY
      ? new ProgressLine(say, size, Date.now())
      : undefined;
    const facts = live ? new HostFacts(meter.core, { ifindexMap: o.ifindexMap, lan: o.lan, wan: o.wan, onLog: log }) : undefined;
    // (the registry is read after each tick, made just below)
    let registry!: StatsRegistry;
    const liveTick = facts
      ? new LiveTick(meter, facts, { routesEveryTicks: this.options.routesEveryTicks, clock: this.options.clock, onLog: log, after: () => registry.read() })
      : undefined;
    const fileSource = live ? undefined : new FileSource(meter, file, {
      onProgress: (p) => {
        meter.setExportTime(Date.now() / 1000);
        progress?.update(p.bytes, p.packets);
      },
      onWarning: (m) => say(`flowprobe: warning: ${m}\n`),
    });
    const source: Source = fileSource ?? new ShimSource(meter, this.liveOptions(live!), {
      onLog: (line) => say(line.startsWith("flowprobe") ? `${line}\n` : `flowprobe-capture: ${line}\n`),
      onCapturing: o.user === undefined ? undefined : () => dropPrivileges(o.user!, userGid),
      tick: () => liveTick!.run(),
    });
    this.source = source;
    if (this.stop !== undefined) source.stop();
    registry = new StatsRegistry({
      meter,
      source,
      destinations: destinations.members,
      clockSteps: () => liveTick?.clockSteps ?? 0,
      labels: { skipped: SKIP_REASONS, ended: END_REASONS },
      seconds: () => Number(process.hrtime.bigint() - started) / 1e9,
    });
    const hostTick = source.ticksItself ? undefined : new HostTick(this.options.tickMs, () => registry.read(), this.options.timers);
    const summaryContext = (fileBytes: number) => ({ fileBytes, maxflows: o.maxflows, cacheAtMost: describeCache(o) });
    /** The summary of a reading of the registry: SIGUSR1's statistics, the end's. */
    const report = (stats: Stats, fileBytes: number) =>
      summaryText(stats, summaryContext(fileBytes)) +
      (stats.input.kind === "live" ? kernelText({ ...stats.input, clockSteps: stats.clockSteps }) : "") +
      (stats.destinations.length > 0 ? destinationsText(stats.destinations) : "");

    // SIGUSR1: the statistics so far; SIGHUP: reload what can be reloaded (live: while capturing)
    let capturing = false;
    signalActions.usr1 = () => "flowprobe: SIGUSR1: the statistics so far\n" + report(registry.read(), -1);
    signalActions.hup = () => {
      if (!live) log("flowprobe: SIGHUP: a capture file has nothing to reload (routes and interface names come with live capture); metering goes on");
      else if (capturing) {
        const [routes, names] = facts!.refresh();
        log(`flowprobe: SIGHUP: read the routes (${routes}) and interface names (${names}) again; capture and metering go on`);
      }
    };

    let failure: FlowprobeError | undefined;
    try {
      await source.start();
      // the routing table and the interface names: now, then every few ticks when changed
      facts?.refresh();
      capturing = live !== undefined;
      hostTick?.start();
      try {
        await source.run();
      } finally {
        capturing = false;
        hostTick?.stop();
      }
      // live: the last tick, at the time the last packets were handed over
      if (liveTick) await liveTick.run();
      if (this.stop !== "stdout closed") {
        if (live) log(`flowprobe: ${this.stop}: stopped capturing; exporting every active flow`);
        else if (fileSource?.result?.stopped) log(`flowprobe: ${this.stop}: stopped reading; exporting every active flow`);
      }
    } catch (e) {
      if (!(e instanceof FlowprobeError)) throw e;
      failure = e; // everything before the damage is still exported below
    }

    // the stop order: the source has stopped → expire every flow → encode and send → close
    // the transports → (MQTT offline) → exit
    meter.setExportTime(Date.now() / 1000);
    this.flushing = true;
    await meter.flush();
    await sendQueue.idle();
    await destinations.drained();
    progress?.clear();
    const stats = registry.read();
    if (stats.meter.notExportable.ipv6InV5 > 0n) {
      log(`flowprobe: warning: ${stats.meter.notExportable.ipv6InV5} IPv6 flows were not sent: NetFlow v5 carries IPv4 only (use --protocol 10)`);
    }
    // no summary: when asked, after a usage error, when nothing was read before an error (the
    // error says it all), or when the reader of standard output went away (exit quietly)
    const nothingRead = failure !== undefined && stats.meter.read === 0n;
    if (o.summary && !(failure instanceof UsageError) && !nothingRead && this.stop !== "stdout closed") {
      const fileBytes = fileSource?.result?.bytes ?? 0;
      say(report(stats, live ? -1 : failure instanceof CaptureFormatError ? failure.offset : failure ? size : fileBytes));
    }
    destinations.close();
    if (failure) {
      say(`flowprobe: error: ${failure.message}\n`);
      return failure.exitCode;
    }
    return 0;
  }

  private liveOptions(interfaces: string[]): LiveOptions {
    const o = this.config;
    return {
      interfaces,
      promisc: o.promisc,
      snaplen: o.snaplen,
      ringMiB: o.ringMiB,
      blockTimeoutMs: o.blockTimeoutMs,
      direction: o.direction,
      filter: o.filter,
      helper: o.captureHelper ?? defaultHelper(),
      backend: o.capture,
      ifindexMap: o.ifindexMap,
    };
  }
}

function injectedTimerFault(): void {
  throw new Error("fault injected in a timer (FLOWPROBE_FAULT=timer)");
}

export interface LiveHooks {
  /** Aborted to stop capturing (SIGINT/SIGTERM): the shim hands over what it holds, then this returns. */
  stopSignal: AbortSignal;
  /** A line the shim (or this loop) has to say. */
  onLog: (line: string) => void;
  /** Called once, when the shim captures on its first interface (e.g. to drop privileges). */
  onCapturing?: () => void;
  /** A "reload" event on it reads the routes and interface names again at once. */
  reloadSignal?: EventTarget;
  /** The system clock (injected for tests). Default SYSTEM_CLOCK. */
  clock?: Clock;
  /** Ticks between readings of the routes and interface names. Default 5. */
  routesEveryTicks?: number;
}

export type LiveResult = LiveStatistics & { clockSteps: number };

/**
 * Live capture into a meter the caller owns, ticked as the app ticks a live run (the
 * library's way in: tests drive it with their own clock). Returns when stopSignal aborts;
 * the caller flushes the meter.
 */
export async function meterLive(meter: Meter, o: LiveOptions & { lan?: string[]; wan?: string[] }, hooks: LiveHooks): Promise<LiveResult> {
  const facts = new HostFacts(meter.core, { ifindexMap: o.ifindexMap, lan: o.lan, wan: o.wan, onLog: hooks.onLog });
  const tick = new LiveTick(meter, facts, { routesEveryTicks: hooks.routesEveryTicks, clock: hooks.clock, onLog: hooks.onLog });
  const source = new ShimSource(meter, o, { onLog: hooks.onLog, onCapturing: hooks.onCapturing, tick: () => tick.run() });
  const stop = () => source.stop();
  if (hooks.stopSignal.aborted) stop();
  hooks.stopSignal.addEventListener("abort", stop, { once: true });
  await source.start();
  facts.refresh();
  const onReload = () => {
    const [routes, names] = facts.refresh();
    hooks.onLog(`flowprobe: SIGHUP: read the routes (${routes}) and interface names (${names}) again; capture and metering go on`);
  };
  hooks.reloadSignal?.addEventListener("reload", onReload);
  try {
    await source.run();
  } finally {
    hooks.reloadSignal?.removeEventListener("reload", onReload);
    hooks.stopSignal.removeEventListener("abort", stop);
  }
  await tick.run();
  return { ...source.statistics(), clockSteps: tick.clockSteps };
}
