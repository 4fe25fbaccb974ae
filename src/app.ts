// The app: one run's lifecycle, built from one config object (config/options.ts). It builds
// the targets (collectors behind a send queue, or JSON lines on standard output), the meter
// and the source; runs the source; ticks (tick.ts); answers the signals; and stops in a fixed
// order: stop the source → expire every flow → encode and send → close the transports →
// (MQTT offline, later) → exit status. The command line (cli.ts) only makes the config object.

import * as fs from "node:fs";
import * as path from "node:path";
import { describeCache, describeCaches } from "./config/cache";
import { formatNamed } from "./config/formats";
import type { Options } from "./config/options";
import type { TargetOptions } from "./config/targets";
import { CaptureFormatError, FlowprobeError, UsageError } from "./errors";
import { faultAt } from "./fault";
import { SYSTEM_CLOCK, type Clock } from "./host/clock";
import { HostFacts } from "./host/facts";
import { readPrefixFile } from "./host/prefixes";
import { dropPrivileges, notWritableBy, userGroup, userId } from "./host/user";
import { END_REASONS, SKIP_REASONS } from "./meter/counters";
import { Meter, type OutputSinks, type TargetConfig } from "./meter/meter";
import { CAPTURE_KEYS, captureChanges, diffTargets } from "./reload";
import { DEST_MAX, TARGET_MAX } from "../assembly/layout";
import { say, signalActions } from "./process";
import { writeAllSync } from "./sinks/stdout";
import { FileSource } from "./sources/file";
import { ShimSource, defaultHelper, type LiveOptions } from "./sources/shim";
import type { LiveStatistics, Source } from "./sources/source";
import { MetricsServer, listenProblem } from "./stats/scrape-server";
import { metricsText } from "./stats/scrape-page";
import { StatsRegistry, type Stats, type TargetInput } from "./stats/registry";
import { countersText } from "./stats/show-counters";
import { FloodWatch, describe as describeAlert, type FloodAlert } from "./flood/watch";
import { checkProgram } from "./flood/action";
import { ProgressLine, configText, destinationsText, kernelText, summaryText, targetsText } from "./stats/summary";
import { DestinationSet } from "./targets/destinations";
import { Pacer } from "./targets/pacer";
import { FILE_QUEUE_BYTES, LIVE_QUEUE_BYTES, SendQueue } from "./targets/queue";
import { followReceiving } from "./targets/round-robin";
import { UdpDestination } from "./targets/udp";
import { ControlError, ControlPathError, ControlServer, type Handler, type Verb } from "./stats/control";
import { StatFile, StatFilePathError } from "./stats/statfile";
import { jsonOf, statObject, statText } from "./stats/text";
import { cacheBytesAtMost } from "./config/cache";
import pkg from "../package.json";
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
  /** With --config: reads the command line and the file again, as at start (cli.ts: the same
   * parseOptions over the same arguments), for a reload at SIGHUP. Default none: SIGHUP then
   * reloads only the prefix file, routes and interface names. */
  reparse?: () => Options;
}

/** A target as the run has it: its settings, its core slot (kept across reloads), its
 * collectors (the core's destination numbers `ids`) and their send queue. */
interface RunningTarget {
  t: TargetOptions;
  slot: number;
  set: DestinationSet<UdpDestination>;
  ids: number[];
  queue: SendQueue | undefined;
}

/** The meter's settings of a target (its collectors numbered `ids` in the core). */
function targetConfig(t: TargetOptions, set: DestinationSet<UdpDestination>, ids: readonly number[]): TargetConfig {
  return {
    maxflows: t.maxflows,
    hashsize: t.hashsize,
    inactiveTimeoutS: t.inactiveTimeoutS,
    activeTimeoutS: t.activeTimeoutS,
    tcpEndTimeoutS: t.tcpEndTimeoutS,
    format: t.format,
    mac: t.mac,
    select: t.select,
    fields: t.fields,
    aggregation: t.aggregation,
    flood: t.floodPps > 0 || t.floodNewFlows > 0 ? { pps: t.floodPps, newFlows: t.floodNewFlows } : undefined,
    export: set.size > 0
      ? { mtu: t.mtu, engineId: t.engineId, refreshRate: t.refreshRate, templateTimeoutS: t.timeoutRateMin * 60, destinations: set.size, destinationIds: ids, mode: t.mode }
      : undefined,
  };
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
  /** The flood alerts' watch (holdoff, log, list, action), once the run has started. */
  private flood: FloodWatch | undefined;

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

  /** The flood alerts logged so far, newest last (at most FLOOD_LIST_MAX): the control socket's `alerts` verb. */
  floodAlerts(): FloodAlert[] {
    return this.flood?.list() ?? [];
  }

  /** Meters a capture file (config.read) or live interfaces (config.interfaces), then exports or prints. Returns the exit status. */
  async run(): Promise<number> {
    const o = this.config;
    /** The configuration in force: the start's, then each reload's that was taken. */
    let cur = o;
    const file = o.read ?? "-";
    const live = o.interfaces;
    const userGid = o.user !== undefined ? userGroup(o.user) : 0;
    const userUid = o.user !== undefined ? userId(o.user) : 0;
    // the flood action's program: found now, or the start stops (it runs as --user later)
    if (o.floodAction) checkProgram(o.floodAction);
    // the prefix table, read before anything starts (given to the meter before its targets:
    // their default templates then carry the AS fields)
    const prefixes = o.asFile !== undefined ? readPrefixFile(o.asFile) : undefined;
    // the stat file's directory, before anything starts (the control socket's path is checked as it opens, below)
    const statFile = o.statFile !== undefined ? new StatFile(o.statFile, o.user !== undefined ? { uid: userUid, gid: userGid } : undefined) : undefined;
    try {
      statFile?.check();
    } catch (e) {
      if (e instanceof StatFilePathError) throw new UsageError(e.message);
      throw e;
    }
    // after --user, flowprobe writes the stat file and removes the control socket as that user:
    // its directories must let it (checked by their mode bits: root passes any access(2) test)
    if (o.user !== undefined) {
      for (const [flag, p] of [["--stat-file", o.statFile], ["--control", o.control]] as const) {
        if (p === undefined) continue;
        const dir = path.dirname(p);
        let why: string | undefined;
        try {
          why = notWritableBy(dir, userUid, userGid);
        } catch {
          continue; // (a missing directory: the stat file's check and the socket's own say so)
        }
        if (why) throw new UsageError(`${flag} ${p}: ${why} by ${o.user} (--user): flowprobe ${flag === "--control" ? "removes the socket there at exit" : "writes the file there"} after it drops to that user: give a directory that user owns (e.g. RuntimeDirectory=flowprobe in the service, or chown ${o.user} ${dir})`);
      }
    }

    // targets: each its collectors (one UDP transport each, numbered across the targets in
    // order: the core's destination numbers), or standard output (one JSON target at most)
    let nextDestination = 0;
    const makeSet = (t: TargetOptions) => new DestinationSet<UdpDestination>(t.destinations.map((c) => new UdpDestination(c, { sndbuf: t.sndbuf, onLog: log })), t.mode);
    const targets = o.targets.map((t) => {
      const set = makeSet(t);
      return { t, set, ids: set.members.map(() => nextDestination++) };
    });
    await openAll(targets.map((x) => x.set));
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    // datagrams wait in their target's send queue for its pacer while metering goes on; each
    // target's queue takes its own collectors' datagrams (the bound shared between them)
    const exporting = targets.filter((x) => x.set.size > 0);
    const queueBytes = Math.max(FILE_QUEUE_BYTES, (live ? LIVE_QUEUE_BYTES : FILE_QUEUE_BYTES) / Math.max(1, exporting.length));
    const makeQueue = (t: TargetOptions, set: DestinationSet<UdpDestination>, ids: readonly number[]) =>
      set.size > 0 ? new SendQueue(set, new Pacer(t.exportRate), queueBytes, this.stopping.signal, ids) : undefined;
    // the targets by core slot: a reload keeps a target's slot (and its collectors' numbers)
    // as long as its name stays, and gives a new one the lowest slot free
    const running: RunningTarget[] = targets.map((x, slot) => ({ ...x, slot, queue: makeQueue(x.t, x.set, x.ids) }));
    // every target's send queue, in slot order (a reload adds and takes away)
    const queues: SendQueue[] = running.flatMap((r) => (r.queue ? [r.queue] : []));
    // a config file may bring export targets or JSON lines at a reload: both sinks are there
    const reloadable = o.config !== undefined && this.options.reparse !== undefined;
    let stdoutOpen = true;
    const sinks: OutputSinks = {
      datagrams: queues.length === 0 && !reloadable ? undefined
        : (bytes) => queues.length === 0 ? undefined : queues.length === 1 ? queues[0]!.push(bytes) : Promise.all(queues.map((q) => q.push(bytes))).then(() => undefined),
      // (a send queue copies its datagrams before it waits for room; JSON lines are written at once)
      copies: true,
      json: reloadable || targets.some((x) => x.t.format === "json") ? (bytes) => {
        if (stdoutOpen) stdoutOpen = writeAllSync(1, bytes);
        // the reader has gone (flowprobe … | head): nothing more can be written
        if (!stdoutOpen && this.stop === undefined) this.stopBecause("stdout closed");
      } : undefined,
    };

    // the meter: a target each, with its own cache, aging and collectors
    const configs: TargetConfig[] = targets.map(({ t, set, ids }) => targetConfig(t, set, ids));
    const meter = new Meter(configs, o.seed, sinks, prefixes);
    // the named counters (nfacct), whatever the targets select
    if (o.counters.length > 0) meter.setCounters(o.counters);
    // flood alerts: the core's, after each walk call, to the watch (a slot's name as it runs now)
    const flood = new FloodWatch({ holdoffS: o.floodHoldoffS, action: o.floodAction, targetName: (slot) => running.find((r) => r.slot === slot)?.t.name ?? `#${slot}`, log });
    this.flood = flood;
    meter.onAlerts = (alerts, lost) => flood.take(alerts, lost);
    const follow = (r: RunningTarget) => {
      const { t, set, ids } = r;
      // (a target a reload took away says nothing more to the core: its numbers may be another's by now)
      const current = () => running.includes(r);
      // a collector reached again, or one that refused, gets the templates again
      set.members.forEach((d, i) => (d.needsTemplates = () => current() && meter.resendTemplates(ids[i]!)));
      // round-robin: a collector that does not receive gets no turns until it does again
      if (t.mode === "round-robin") {
        followReceiving(set.members, (k, down) => {
          if (!current()) return;
          try {
            meter.markDestination(ids[k]!, down);
          } catch (e) {
            // (a reload may have given the number back already while it waits for the queues: nothing to mark)
            if (!(e instanceof FlowprobeError)) throw e;
          }
        });
      }
    };
    for (const r of running) follow(r);
    meter.setExportTime(Date.now() / 1000);
    if (faultAt("timer")) setTimeout(() => injectedTimerFault(), 200);

    // the source, its tick and the statistics registry
    const started = process.hrtime.bigint();
    const size = !live && file !== "-" && fs.existsSync(file) ? fs.statSync(file).size : 0;
    const progress = !live && o.progress === "auto" && process.stderr.isTTY
      ? new ProgressLine(say, size, Date.now())
      : undefined;
    const facts = live ? new HostFacts(meter.core, { ifindexMap: o.ifindexMap, lan: o.lan, wan: o.wan, onLog: log }) : undefined;
    // (the registry's tick reading after each tick, made just below: only these feed its
    // rates; every other reading — stat, the stat file, SIGUSR1, expire-all — is registry.read())
    let registry!: StatsRegistry;
    const liveTick = facts
      ? new LiveTick(meter, facts, { routesEveryTicks: this.options.routesEveryTicks, clock: this.options.clock, onLog: log, after: () => registry.tick() })
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
    // the registry's lists of targets and collectors, in slot order (made again at each reload)
    const destinations: UdpDestination[] = [];
    const listed: TargetInput[] = [];
    const relist = () => {
      running.sort((a, b) => a.slot - b.slot);
      destinations.length = 0;
      listed.length = 0;
      for (const r of running) {
        const first = destinations.length;
        destinations.push(...r.set.members);
        listed.push({ name: r.t.name, title: formatNamed(r.t.format).title, mode: r.t.mode, destinations: r.set.members.map((_, k) => first + k), slot: r.slot, memoryReserved: cacheBytesAtMost(r.t), queue: r.queue });
      }
    };
    relist();
    registry = new StatsRegistry({
      meter,
      source,
      destinations,
      targets: listed,
      clockSteps: () => liveTick?.clockSteps ?? 0,
      flood,
      labels: { skipped: SKIP_REASONS, ended: END_REASONS },
      seconds: () => Number(process.hrtime.bigint() - started) / 1e9,
      // the named counters as the counters verb reads them, never zeroed here
      counters: () => meter.readCounters(),
      // rates by the meter clock, for a file and live alike (src/tick.ts): live, that is wall
      // time as the kernel stamped the packets' arrival, and when none come the host tick's
      // wall time less the rings' lag. Not the reading's own wall time: the counters it reads
      // hold only the packets of retired ring blocks (up to the block timeout, and a busy
      // host's delay, behind), so a 1-s rate against the reading's time was off by up to 5%
      // and more under load; against the newest packet's time it is the packets' own rate
      rateClock: live ? { kind: "wall time" } : { kind: "packet time" },
    });
    const hostTick = source.ticksItself ? undefined : new HostTick(this.options.tickMs, () => registry.tick(), this.options.timers);
    // --metrics: the page of the registry's last reading (written once per reading, however
    // often it is scraped); listening now, before the source starts, so a port in use is a
    // usage error at start
    const metrics = o.metrics ? MetricsServer.create(metricsPage(registry, pkg.version)) : undefined;
    if (metrics && o.metrics) {
      registry.read(); // (the page's first reading: the server never reads a counter itself)
      try {
        await metrics.listen(o.metrics.host, o.metrics.port);
      } catch (e) {
        for (const { set } of running) set.close();
        // (named as given: the flag, or the config file's key)
        const named = o.config && !o.config.commandLine.includes("metrics") ? `${o.config.file}: metrics` : "--metrics";
        throw new UsageError(`${named} ${listenProblem(e as NodeJS.ErrnoException, o.metrics.host, o.metrics.port)}`);
      }
    }
    // a config file's targets are said one by one; the one target of the command line as always
    const perTarget = () => cur.config?.hasTargets === true;
    const summaryContext = (fileBytes: number) => {
      const ts = running.map((r) => r.t);
      return {
        fileBytes,
        maxflows: ts.reduce((n, t) => n + t.maxflows, 0),
        cacheAtMost: perTarget() || ts.length !== 1 ? describeCaches(ts) : describeCache(ts[0]!),
      };
    };
    /** The summary of a reading of the registry: SIGUSR1's statistics, the end's. */
    // (by name, not by place: during a reload the registry may still list a target that is
    // leaving, or not yet one that is coming — a SIGUSR1 then must not find the wrong one, or none)
    const inForce = (stats: Stats, k: number) => running.find((r) => r.t.name === stats.targets[k]?.name)?.t;
    const report = (stats: Stats, fileBytes: number) =>
      summaryText(stats, summaryContext(fileBytes)) +
      (stats.input.kind === "live" ? kernelText({ ...stats.input, clockSteps: stats.clockSteps }) : "") +
      (perTarget() ? targetsText(stats, (k) => { const t = inForce(stats, k); return t ? describeCache(t) : "(leaving at a reload)"; }, (k) => inForce(stats, k)?.maxflows ?? 0)
        : stats.destinations.length > 0 ? destinationsText(stats.destinations) : "") +
      (cur.config ? configText(cur.config, running.length) : "");

    // SIGUSR1: the statistics so far; SIGHUP: reload what can be reloaded (live: while capturing)
    let capturing = false;
    signalActions.usr1 = () => "flowprobe: SIGUSR1: the statistics so far\n" + report(registry.read(), -1);
    /** The prefix file of the configuration in force again; a bad one leaves the table in force as it was. */
    const reloadPrefixes = (now: Options, before: Options) => {
      if (now.asFile === undefined) {
        if (before.asFile !== undefined) {
          meter.loadPrefixes(undefined);
          log(`flowprobe: SIGHUP: no as_file any more: flows are exported without AS numbers`);
        }
        return;
      }
      try {
        const t = readPrefixFile(now.asFile);
        meter.loadPrefixes(t);
        log(`flowprobe: SIGHUP: read ${now.asFile} again (${t.v4.as.length} IPv4 and ${t.v6.as.length} IPv6 prefixes)`);
      } catch (e) {
        if (!(e instanceof FlowprobeError)) throw e;
        log(`flowprobe: SIGHUP: ${e.message}; the prefix table read before stays in use`);
      }
    };
    /** What a reload leaves running as it was: the routes and interface names read again (live). */
    const refreshFacts = () => {
      if (!live) {
        if (cur.asFile === undefined && !reloadable) log("flowprobe: SIGHUP: a capture file has nothing to reload (routes and interface names come with live capture); metering goes on");
      } else if (capturing) {
        const [routes, names] = facts!.refresh();
        log(`flowprobe: SIGHUP: read the routes (${routes}) and interface names (${names}) again; capture and metering go on`);
      }
    };
    /** Core destination numbers not in use, the lowest first. */
    const freeIds = (n: number) => {
      const used = new Set(running.flatMap((r) => r.ids));
      const ids: number[] = [];
      for (let d = 0; d < DEST_MAX && ids.length < n; d++) if (!used.has(d)) ids.push(d);
      if (ids.length < n) throw new UsageError(`no room for ${n} more collectors (the core has ${DEST_MAX} at most, ${used.size} in use)`);
      return ids;
    };
    /** A target's collectors after its last datagrams: sent, then closed. */
    const retire = async (r: RunningTarget) => {
      if (r.queue) {
        await r.queue.idle();
        queues.splice(queues.indexOf(r.queue), 1);
      }
      await r.set.drained();
      r.set.close();
    };
    /** Opens a target's collectors and numbers them; a RunningTarget for `slot`, or the error said and undefined. */
    const prepare = async (t: TargetOptions, slot: number): Promise<RunningTarget | undefined> => {
      try {
        const set = makeSet(t);
        const ids = freeIds(set.size);
        await set.open();
        return { t, slot, set, ids, queue: makeQueue(t, set, ids) };
      } catch (e) {
        if (!(e instanceof FlowprobeError)) throw e;
        log(`flowprobe: SIGHUP: target ${t.name}: ${e.message}; ${running.some((x) => x.t.name === t.name) ? "it goes on as it was" : "not added"}`);
        return undefined;
      }
    };
    /** SIGHUP with --config: the file read and checked again, then the targets changed by name. */
    const reloadConfig = async () => {
      const before = cur;
      let next: Options;
      try {
        next = this.options.reparse!();
      } catch (e) {
        if (!(e instanceof FlowprobeError)) throw e;
        log(`flowprobe: SIGHUP: ${e.message.replace(/\s*\n\s*/g, "; ")}; the configuration in force stays as it was (nothing reloaded)`);
        reloadPrefixes(before, before);
        refreshFacts();
        return;
      }
      const restart = captureChanges(before, next);
      if (restart.length > 0) {
        log(`flowprobe: SIGHUP: ${next.config?.file ?? "the config"}: ${restart.join(", ")} changed: a new capture needs a restart; the capture goes on with the settings it started with`);
      }
      reloadPrefixes(next, before);
      const d = diffTargets(running.map((r) => r.t), next.targets);
      const done: string[] = [];
      for (const name of d.removed) {
        const r = running.find((x) => x.t.name === name)!;
        await meter.replaceTarget(r.slot, undefined);
        running.splice(running.indexOf(r), 1);
        await retire(r);
        done.push(`removed ${name}`);
      }
      for (const t of d.changed) {
        const old = running.find((x) => x.t.name === t.name)!;
        const r = await prepare(t, old.slot);
        if (!r) continue;
        // its collectors may be its old self's (a template id means the new template from now
        // on): the new queue sends once the old one's last datagrams have left
        let oldGone!: () => void;
        r.queue?.holdUntil(new Promise<void>((resolve) => (oldGone = resolve)));
        if (r.queue) queues.push(r.queue); // (before the last drain: it carries the new target's templates)
        try {
          await meter.replaceTarget(old.slot, targetConfig(t, r.set, r.ids));
        } catch (e) {
          if (!(e instanceof FlowprobeError)) throw e;
          // the core refused the new one (what only the core checks: the output region's room
          // for every collector, an MTU too small): its collectors closed, and the old one made
          // again in its slot as it was — its flows were exported above, its sequences restart
          oldGone();
          await retire(r);
          try {
            await meter.addTargetBetweenWalks(old.slot, targetConfig(old.t, old.set, old.ids));
            follow(old);
            log(`flowprobe: SIGHUP: target ${t.name}: ${e.message}; it goes on as it was (its flows so far were exported)`);
          } catch (again) {
            if (!(again instanceof FlowprobeError)) throw again;
            log(`flowprobe: SIGHUP: target ${t.name}: ${e.message}; and as it was: ${again.message}; the target is removed`);
            running.splice(running.indexOf(old), 1);
            await retire(old);
          }
          continue;
        }
        running[running.indexOf(old)] = r;
        follow(r); // (its collectors' states reach the core once the core has them)
        await retire(old);
        oldGone();
        done.push(`changed ${t.name}`);
      }
      for (const t of d.added) {
        const slots = new Set(running.map((x) => x.slot));
        let slot = 0;
        while (slots.has(slot)) slot++;
        if (slot >= TARGET_MAX) {
          log(`flowprobe: SIGHUP: target ${t.name}: no room (${TARGET_MAX} targets at most); not added`);
          continue;
        }
        const r = await prepare(t, slot);
        if (!r) continue;
        if (r.queue) queues.push(r.queue);
        try {
          await meter.addTargetBetweenWalks(slot, targetConfig(t, r.set, r.ids));
        } catch (e) {
          if (!(e instanceof FlowprobeError)) throw e;
          log(`flowprobe: SIGHUP: target ${t.name}: ${e.message}; not added`);
          await retire(r);
          continue;
        }
        running.push(r);
        follow(r);
        done.push(`added ${t.name}`);
      }
      relist();
      // the named counters: an unchanged one goes on counting, a changed or new one starts at zero
      const counted = (list: Options["counters"]) => new Map(list.map((c) => [c.name, c.select]));
      const was = counted(before.counters), now = counted(next.counters);
      if (canonicalCounters(before.counters) !== canonicalCounters(next.counters)) {
        meter.setCounters(next.counters);
        const restarted = next.counters.filter((c) => was.has(c.name) && was.get(c.name) !== c.select).map((c) => c.name);
        const added = next.counters.filter((c) => !was.has(c.name)).map((c) => c.name);
        const gone = before.counters.filter((c) => !now.has(c.name)).map((c) => c.name);
        done.push(...restarted.map((n) => `counter ${n} changed (from zero)`), ...added.map((n) => `added counter ${n}`), ...gone.map((n) => `removed counter ${n}`));
      }
      // the capture's settings stay those it started with (a restart changes them)
      cur = { ...next, ...Object.fromEntries(CAPTURE_KEYS.map((k) => [k, before[k]])) } as Options;
      const kept = d.kept.map((t) => t.name);
      const c = meter.core;
      log(`flowprobe: SIGHUP: read ${next.config?.file ?? "the config"} again: ${done.length > 0 ? done.join(", ") : "no target changed"}${kept.length > 0 ? `; kept as they run: ${kept.join(", ")}` : ""}` +
        ` (Wasm memory ${c.memoryBytes()} bytes, heap ${c.heapBytes()} bytes of which ${c.heapFreeBytes()} free for reuse)`);
      refreshFacts();
    };
    let reloading: Promise<void> | undefined;
    let reloadAgain = false;
    const startReload = () => {
      reloading = reloadConfig().finally(() => {
        reloading = undefined;
        if (reloadAgain && !this.flushing) {
          reloadAgain = false;
          startReload();
        }
      });
    };
    signalActions.hup = () => {
      if (this.flushing) {
        log("flowprobe: SIGHUP: the run is ending (every active flow is being exported): nothing is reloaded");
        return;
      }
      if (reloadable) {
        if (reloading) {
          reloadAgain = true;
          log("flowprobe: SIGHUP: a reload is under way; the config file is read again when it is done");
          return;
        }
        startReload();
        return;
      }
      reloadPrefixes(cur, cur);
      refreshFacts();
    };

    // the control socket (--control) and the stat file (--stat-file)
    const statLines = () => statText(registry.read(), { version: pkg.version });
    const handlers: Record<Verb, Handler> = {
      stat: (req) => (req.json === true ? { stat: statObject(registry.read()) } : { text: statLines() }),
      "expire-all": async () => {
        if (this.flushing || this.stop !== undefined) throw new ControlError("the run is ending: every active flow is being exported already");
        const before = registry.read().meter.exportedTotal;
        await meter.expireAllBetweenWalks();
        const after = registry.read().meter.exportedTotal;
        return { expired: after - before, text: `exported ${after - before} flows (forced end)` };
      },
      "dump-flows": async (req) => {
        if (this.flushing) throw new ControlError("the run is ending: every active flow is being exported");
        const name = req.target;
        if (name !== undefined && typeof name !== "string") throw new ControlError(`"target" is a target's name (a string)`);
        const names = running.map((r) => r.t.name);
        if (name === undefined && running.length > 1) throw new ControlError(`several targets (${names.join(", ")}): name one with "target" (flowprobe ctl dump-flows --target NAME)`);
        const r = name === undefined ? running[0] : running.find((x) => x.t.name === name);
        if (!r) throw new ControlError(`no target ${JSON.stringify(String(name).slice(0, 40))} (the targets: ${names.join(", ")})`);
        const parts: string[] = [];
        await meter.dumpFlows(r.slot, (b) => parts.push(Buffer.from(b).toString("utf8")));
        const text = parts.join("");
        let flows = 0;
        for (let k = text.indexOf("\n"); k >= 0; k = text.indexOf("\n", k + 1)) flows++;
        return { target: r.t.name, flows, text };
      },
      "send-templates": () => {
        const ids = running.filter((r) => r.t.format !== "json" && r.t.format !== "v5").flatMap((r) => r.ids);
        for (const d of ids) meter.resendTemplates(d);
        return { collectors: ids.length, text: `templates go with the next datagram to ${ids.length} collectors${ids.length === 0 ? " (no IPFIX or NetFlow v9 target)" : ""}` };
      },
      reload: () => {
        signalActions.hup();
        return { text: "reload started, as at SIGHUP: what it changed goes to the log" };
      },
      timeouts: () => {
        const targets = running.map((r) => ({
          name: r.t.name, inactive_timeout: r.t.inactiveTimeoutS, active_timeout: r.t.activeTimeoutS, tcp_end_timeout: r.t.tcpEndTimeoutS,
          maxflows: r.t.maxflows, refresh_rate: r.t.refreshRate, timeout_rate: r.t.timeoutRateMin,
        }));
        const text = targets.map((t) => `target ${t.name}: inactive timeout ${t.inactive_timeout} s, active timeout ${t.active_timeout} s, TCP end timeout ${t.tcp_end_timeout} s, maxflows ${t.maxflows}, templates every ${t.refresh_rate} datagrams and ${t.timeout_rate} min\n`).join("");
        return { targets, text };
      },
      shutdown: () => {
        if (this.stop === undefined) {
          log("flowprobe: control socket: shutdown (as SIGTERM): stopping; every active flow is exported");
          this.stopBecause("SIGTERM");
        }
        return { text: "shutting down: every active flow is exported first" };
      },
      // named counters: read (and zeroed, with "reset") in one core call between two walks
      counters: (req) => {
        const names = Array.isArray(req.names) && req.names.length > 0 ? req.names.map(String) : undefined;
        const reset = req.reset === true;
        let readings;
        try {
          readings = meter.readCounters(names, reset);
        } catch (e) {
          if (e instanceof FlowprobeError) throw new ControlError(e.message);
          throw e;
        }
        return {
          counters: readings.map((c) => ({ name: c.name, select: c.select, packets: c.packets, bytes: c.bytes })),
          reset,
          text: countersText(readings),
        };
      },
      // flood alerts: the last ones logged (src/flood/watch.ts), newest last
      alerts: () => {
        const alerts = this.floodAlerts();
        return { alerts, text: alerts.map((a) => `${describeAlert(a)}\n`).join("") };
      },
    };
    const control = o.control !== undefined ? new ControlServer(o.control, handlers, jsonOf, o.user !== undefined ? { uid: userUid, gid: userGid } : undefined) : undefined;
    try {
      await control?.listen();
    } catch (e) {
      for (const { set } of running) set.close();
      if (e instanceof ControlPathError) throw new UsageError(e.message);
      throw e;
    }
    let statFileFailed = false;
    const writeStatFile = () => {
      const err = statFile?.write(statLines());
      if (err && !statFileFailed) log(`flowprobe: --stat-file ${statFile!.path}: ${err} (said once; tried again every ${o.statIntervalS} s)`);
      statFileFailed = err !== undefined;
    };
    const statTimer = statFile ? this.options.timers.setInterval(writeStatFile, o.statIntervalS * 1000) : undefined;
    if (statFile) writeStatFile();

    // a service's log says at start what its config file made (a file run's summary says it at the end)
    if (live && o.config) log(`flowprobe: ${configText(o.config, o.targets.length).trim()}`);
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
    // a reload under way finishes first (it runs between walks, and so before the flush)
    while (reloading) await reloading;
    await meter.flush();
    await flood.settled();
    for (const q of queues) await q.idle();
    for (const { set } of running) await set.drained();
    progress?.clear();
    // (a file's last reading is a tick's, at its last packet's time; live, the last tick ran above)
    const stats = live ? registry.read() : registry.tick();
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
    if (statTimer !== undefined) this.options.timers.clearInterval(statTimer);
    if (statFile) writeStatFile(); // the final figures
    control?.close();
    if (o.summary && cur.counters.length > 0 && !(failure instanceof UsageError) && this.stop !== "stdout closed") {
      say(`counters (nfacct):\n${countersText(meter.readCounters())}`);
    }
    for (const { set } of running) set.close();
    // (after the last reading: a scrape during the flush had the one before it)
    metrics?.close();
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

/** The metrics page of a registry: its last reading's text, made again only for a new reading. */
function metricsPage(registry: StatsRegistry, version: string): () => string {
  let of: Stats | undefined;
  let text = "";
  return () => {
    const s = registry.current;
    if (s !== of) {
      of = s;
      text = metricsText(s, { version });
    }
    return text;
  };
}

/** Opens every target's collectors; when one fails, those opened are closed again. */
async function openAll(sets: readonly DestinationSet[]): Promise<void> {
  for (let k = 0; k < sets.length; k++) {
    try {
      await sets[k]!.open();
    } catch (e) {
      for (const s of sets.slice(0, k)) s.close();
      throw e;
    }
  }
}

/** The counters' names and selectors, in order, as one text (a reload compares them). */
function canonicalCounters(list: Options["counters"]): string {
  return JSON.stringify(list.map((c) => [c.name, c.select]));
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
