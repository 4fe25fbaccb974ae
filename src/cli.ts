// flowprobe's command line: parse options, meter, export or print, summarize. Exit status as --help says.

import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { parseOptions, type Options } from "./config/options";
import { helpText } from "./config/help";
import { describeCache } from "./config/cache";
import { Meter, type OutputSink, type TargetConfig } from "./meter/meter";
import { meterFile } from "./sources/file";
import { meterLive, defaultHelper, type LiveResult } from "./sources/shim";
import { summaryText, destinationsText, kernelText, ProgressLine } from "./stats/summary";
import { CaptureFormatError, FlowprobeError, UsageError } from "./errors";
import { writeAllSync } from "./sinks/stdout";
import { UdpDestination } from "./targets/udp";
import { Pacer } from "./targets/pacer";
import { DestinationSet } from "./targets/destinations";
import { SendQueue, LIVE_QUEUE_BYTES, FILE_QUEUE_BYTES } from "./targets/queue";
import { signalActions, say } from "./process";
import { faultAt } from "./fault";
import pkg from "../package.json";

const log = (line: string) => say(`${line}\n`);
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

/**
 * --user: flowprobe continues as this user and its primary group, with no supplementary
 * groups; the capture shim it started keeps running with its privileges (a shim started again
 * later needs its file capabilities: see the README's setcap line).
 */
function dropPrivileges(user: string, gid: number): void {
  process.setgroups!([]);
  process.setgid!(gid);
  process.setuid!(user);
  say(`flowprobe: running as ${user} (uid ${process.getuid?.()}, gid ${process.getgid?.()})\n`);
}

/** Meters a capture file (o.read) or live interfaces (o.interfaces), then exports or prints. */
async function run(o: Options): Promise<number> {
  const file = o.read ?? "-";
  const live = o.interfaces;
  let userGid = 0;
  if (o.user !== undefined) {
    if (process.getuid?.() !== 0) throw new UsageError(`--user ${o.user}: flowprobe is not running as root, there is nothing to drop`);
    const id = spawnSync("id", ["-g", o.user], { encoding: "utf8" });
    if (id.status !== 0) throw new UsageError(`--user ${o.user}: no such user`);
    userGid = Number(id.stdout.trim());
  }
  const destinations = o.destinations.map((c) => new UdpDestination(c, { sndbuf: o.sndbuf, onLog: log }));
  try {
    for (const d of destinations) await d.open();
  } catch (e) {
    for (const d of destinations) d.close();
    throw e;
  }
  // SIGINT/SIGTERM: stop reading, then export every active flow before exit (below); a
  // second one while that goes on ends the process at once
  let stop: NodeJS.Signals | "stdout closed" | undefined;
  let flushing = false;
  const stopping = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop !== undefined && stop !== "stdout closed") {
      log(`flowprobe: ${sig} again: exiting at once; flows not exported yet are lost`);
      process.exit(128 + (SIGNAL_NUMBERS[sig] ?? 0));
    }
    stop = sig;
    stopping.abort();
    if (flushing) log(`flowprobe: ${sig}: the input has ended and every active flow is being exported; a second ${sig} exits at once`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let stdoutOpen = true;
  // datagrams wait in the send queue for the pacer while metering goes on
  const sendQueue = new SendQueue(new DestinationSet(destinations), new Pacer(o.exportRate), live ? LIVE_QUEUE_BYTES : FILE_QUEUE_BYTES, stopping.signal);
  const sink: OutputSink = destinations.length > 0
    ? (bytes) => sendQueue.push(bytes)
    : (bytes) => {
      if (stdoutOpen) stdoutOpen = writeAllSync(1, bytes);
      if (!stdoutOpen && stop === undefined) {
        // the reader has gone (flowprobe … | head): nothing more can be written
        stop = "stdout closed";
        stopping.abort();
      }
    };
  const target: TargetConfig = {
    maxflows: o.maxflows,
    hashsize: o.hashsize,
    inactiveTimeoutS: o.inactiveTimeoutS,
    activeTimeoutS: o.activeTimeoutS,
    tcpEndTimeoutS: o.tcpEndTimeoutS,
    format: o.format,
    mac: o.mac,
    export: destinations.length > 0
      ? { mtu: o.mtu, engineId: o.engineId, refreshRate: o.refreshRate, templateTimeoutS: o.timeoutRateMin * 60, destinations: destinations.length }
      : undefined,
  };
  const meter = new Meter([target], o.seed, sink);
  // a collector reached again, or one that refused, gets the templates again
  destinations.forEach((d, i) => (d.needsTemplates = () => meter.resendTemplates(i)));
  meter.setExportTime(Date.now() / 1000);
  if (faultAt("timer")) setTimeout(() => injectedTimerFault(), 200);

  const started = process.hrtime.bigint();
  const size = !live && file !== "-" && fs.existsSync(file) ? fs.statSync(file).size : 0;
  const progress = !live && o.progress === "auto" && process.stderr.isTTY
    ? new ProgressLine(say, size, Date.now())
    : undefined;
  let failure: FlowprobeError | undefined;
  let fileBytes = 0;
  let liveResult: LiveResult | undefined;
  const reloads = new EventTarget();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const summaryContext = (fileBytes: number) => ({
    source: live ? `live ${live.join(",")}` : file === "-" ? "<stdin>" : file,
    seconds: seconds(),
    fileBytes,
    maxflows: o.maxflows,
    cacheAtMost: describeCache(o),
  });
  // SIGUSR1: the statistics so far; SIGHUP: reload what can be reloaded
  signalActions.usr1 = () => "flowprobe: SIGUSR1: the statistics so far\n" + summaryText(meter.snapshot(), summaryContext(-1)) +
    (liveResult ? kernelText(liveResult) : "") + destinationsText(destinations);
  signalActions.hup = () => {
    if (live) reloads.dispatchEvent(new Event("reload"));
    else log("flowprobe: SIGHUP: a capture file has nothing to reload (routes and interface names come with live capture); metering goes on");
  };
  try {
    if (live) {
      liveResult = await meterLive(meter, {
        interfaces: live,
        promisc: o.promisc,
        snaplen: o.snaplen,
        ringMiB: o.ringMiB,
        blockTimeoutMs: o.blockTimeoutMs,
        direction: o.direction,
        filter: o.filter,
        helper: o.captureHelper ?? defaultHelper(),
        backend: o.capture,
        ifindexMap: o.ifindexMap,
        lan: o.lan,
        wan: o.wan,
      }, {
        stopSignal: stopping.signal,
        reloadSignal: reloads,
        onLog: (line) => say(line.startsWith("flowprobe") ? `${line}\n` : `flowprobe-capture: ${line}\n`),
        onCapturing: o.user === undefined ? undefined : () => dropPrivileges(o.user!, userGid),
        onStart: (r) => (liveResult = r),
      });
      if (stop !== "stdout closed") log(`flowprobe: ${stop}: stopped capturing; exporting every active flow`);
    } else {
      const r = await meterFile(meter, file, {
        onProgress: (p) => {
          meter.setExportTime(Date.now() / 1000);
          progress?.update(p.bytes, p.packets);
        },
        onWarning: (m) => say(`flowprobe: warning: ${m}\n`),
        shouldStop: () => stop !== undefined,
        stopSignal: stopping.signal,
      });
      fileBytes = r.bytes;
      if (r.stopped && stop !== "stdout closed") log(`flowprobe: ${stop}: stopped reading; exporting every active flow`);
    }
  } catch (e) {
    if (!(e instanceof FlowprobeError)) throw e;
    failure = e; // everything before the damage is still exported below
  }
  meter.setExportTime(Date.now() / 1000);
  flushing = true;
  await meter.flush();
  await sendQueue.idle();
  await Promise.all(destinations.map((d) => d.drained()));
  progress?.clear();
  const snap = meter.snapshot();
  if (snap.notExportable.ipv6InV5 > 0n) {
    log(`flowprobe: warning: ${snap.notExportable.ipv6InV5} IPv6 flows were not sent: NetFlow v5 carries IPv4 only (use --protocol 10)`);
  }
  // no summary: when asked, after a usage error, when nothing was read before an error (the
  // error says it all), or when the reader of standard output went away (exit quietly)
  const nothingRead = failure !== undefined && snap.read === 0n;
  if (o.summary && !(failure instanceof UsageError) && !nothingRead && stop !== "stdout closed") {
    say(summaryText(snap, summaryContext(live ? -1 : failure instanceof CaptureFormatError ? failure.offset : failure ? size : fileBytes)));
    if (liveResult) say(kernelText(liveResult));
    if (destinations.length > 0) say(destinationsText(destinations));
  }
  for (const d of destinations) d.close();
  if (failure) {
    say(`flowprobe: error: ${failure.message}\n`);
    return failure.exitCode;
  }
  return 0;
}

function injectedTimerFault(): void {
  throw new Error("fault injected in a timer (FLOWPROBE_FAULT=timer)");
}

export async function main(argv: string[]): Promise<number> {
  try {
    const o = parseOptions(argv);
    if (o.help) {
      process.stdout.write(helpText(pkg.version));
      return 0;
    }
    if (o.version) {
      process.stdout.write(`flowprobe ${pkg.version}\n`);
      return 0;
    }
    if (o.read === undefined && o.interfaces === undefined) {
      throw new UsageError("nothing to meter: give a capture file with -r FILE (or -r - for standard input), or interfaces with -i IF; see flowprobe --help");
    }
    return await run(o);
  } catch (e) {
    if (e instanceof FlowprobeError) {
      say(`flowprobe: error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
