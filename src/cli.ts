// flowprobe's command line: parse options, meter, export or print, summarize. Exit status as --help says.

import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { parseOptions, helpText, describeCache, type Options } from "./config/options";
import { Meter, type OutputSink, type TargetConfig } from "./meter/meter";
import { meterFile } from "./capture/file";
import { meterLive, defaultHelper, type LiveResult } from "./capture/live";
import { summaryText, destinationsText, kernelText, ProgressLine } from "./stats/summary";
import { CaptureFormatError, FlowprobeError, UsageError } from "./errors";
import { writeAllSync } from "./output";
import { UdpDestination, Pacer } from "./export/udp";
import { SendQueue, LIVE_QUEUE_BYTES, FILE_QUEUE_BYTES } from "./export/queue";
import pkg from "../package.json";

/**
 * --user: flowprobe continues as this user and its primary group, with no supplementary
 * groups; the capture shim it started keeps running with its privileges (a shim started again
 * later needs its file capabilities: see the README's setcap line).
 */
function dropPrivileges(user: string, gid: number): void {
  process.setgroups!([]);
  process.setgid!(gid);
  process.setuid!(user);
  process.stderr.write(`flowprobe: running as ${user} (uid ${process.getuid?.()}, gid ${process.getgid?.()})\n`);
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
  const destinations = o.destinations.map((c) => new UdpDestination(c, o.sndbuf));
  for (const d of destinations) await d.open();
  let stdoutOpen = true;
  // datagrams wait in the send queue for the pacer while metering goes on
  const sendQueue = new SendQueue(destinations, new Pacer(o.exportRate), live ? LIVE_QUEUE_BYTES : FILE_QUEUE_BYTES);
  const sink: OutputSink = destinations.length > 0
    ? (bytes) => sendQueue.push(bytes)
    : (bytes) => {
      if (stdoutOpen) stdoutOpen = writeAllSync(1, bytes);
    };
  const target: TargetConfig = {
    maxflows: o.maxflows,
    hashsize: o.hashsize,
    inactiveTimeoutS: o.inactiveTimeoutS,
    activeTimeoutS: o.activeTimeoutS,
    format: o.format,
    mac: o.mac,
    export: destinations.length > 0
      ? { mtu: o.mtu, engineId: o.engineId, refreshRate: o.refreshRate, templateTimeoutS: o.timeoutRateMin * 60, destinations: destinations.length }
      : undefined,
  };
  const meter = new Meter([target], o.seed, sink);
  // a re-created socket is a new transport session for the collector: templates again
  destinations.forEach((d, i) => (d.onReopen = () => meter.resendTemplates(i)));
  meter.setExportTime(Date.now() / 1000);
  // SIGINT/SIGTERM: stop reading, then export every active flow before exit (below)
  let stop: NodeJS.Signals | undefined;
  const stopping = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    stop = sig;
    stopping.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const started = process.hrtime.bigint();
  const size = !live && file !== "-" && fs.existsSync(file) ? fs.statSync(file).size : 0;
  const progress = !live && o.progress === "auto" && process.stderr.isTTY
    ? new ProgressLine((s) => fs.writeSync(2, s), size, Date.now())
    : undefined;
  let failure: FlowprobeError | undefined;
  let fileBytes = 0;
  let liveResult: LiveResult | undefined;
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
        onLog: (line) => process.stderr.write(line.startsWith("flowprobe") ? `${line}\n` : `flowprobe-capture: ${line}\n`),
        onCapturing: o.user === undefined ? undefined : () => dropPrivileges(o.user!, userGid),
      });
      process.stderr.write(`flowprobe: ${stop}: stopped capturing; exporting every active flow\n`);
    } else {
      const r = await meterFile(meter, file, {
        onProgress: (p) => {
          meter.setExportTime(Date.now() / 1000);
          progress?.update(p.bytes, p.packets);
        },
        onWarning: (m) => process.stderr.write(`flowprobe: warning: ${m}\n`),
        shouldStop: () => stop !== undefined,
        stopSignal: stopping.signal,
      });
      fileBytes = r.bytes;
      if (r.stopped) process.stderr.write(`flowprobe: ${stop}: stopped reading; exporting every active flow\n`);
    }
  } catch (e) {
    if (!(e instanceof FlowprobeError)) throw e;
    failure = e; // everything before the damage is still exported below
  }
  meter.setExportTime(Date.now() / 1000);
  await meter.flush();
  await sendQueue.idle();
  await Promise.all(destinations.map((d) => d.drained()));
  progress?.clear();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const snap = meter.snapshot();
  if (snap.notExportable.ipv6InV5 > 0n) {
    process.stderr.write(`flowprobe: warning: ${snap.notExportable.ipv6InV5} IPv6 flows were not sent: NetFlow v5 carries IPv4 only (use --protocol 10)\n`);
  }
  if (o.summary && !(failure instanceof UsageError)) {
    process.stderr.write(summaryText(snap, {
      source: live ? `live ${live.join(",")}` : file === "-" ? "<stdin>" : file,
      seconds,
      fileBytes: live ? -1 : failure instanceof CaptureFormatError ? failure.offset : failure ? size : fileBytes,
      maxflows: o.maxflows,
      cacheAtMost: describeCache(o),
    }));
    if (liveResult) process.stderr.write(kernelText(liveResult));
    if (destinations.length > 0) process.stderr.write(destinationsText(destinations));
  }
  for (const d of destinations) d.close();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (failure) {
    process.stderr.write(`flowprobe: error: ${failure.message}\n`);
    return failure.exitCode;
  }
  return 0;
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
      process.stderr.write(`flowprobe: error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
