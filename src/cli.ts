// flowprobe's command line: parse options, meter, print the summary. Exit status as --help says.

import * as fs from "node:fs";
import { parseOptions, helpText, describeCache, type Options } from "./config/options";
import { Meter } from "./meter/meter";
import { meterFile } from "./capture/file";
import { summaryText, ProgressLine } from "./stats/summary";
import { FlowprobeError, UsageError } from "./errors";
import { writeAllSync } from "./output";
import pkg from "../package.json";

function runFile(o: Options, file: string): number {
  let stdoutOpen = true;
  const meter = new Meter(
    [{ maxflows: o.maxflows, hashsize: o.hashsize, inactiveTimeoutS: o.inactiveTimeoutS, activeTimeoutS: o.activeTimeoutS, format: o.format }],
    o.seed,
    (bytes) => {
      if (stdoutOpen) stdoutOpen = writeAllSync(1, bytes);
    },
  );
  const started = process.hrtime.bigint();
  const size = file !== "-" && fs.existsSync(file) ? fs.statSync(file).size : 0;
  const progress = o.progress === "auto" && process.stderr.isTTY
    ? new ProgressLine((s) => fs.writeSync(2, s), size, Date.now())
    : undefined;
  let failure: FlowprobeError | undefined;
  let fileBytes = 0;
  try {
    const r = meterFile(meter, file, {
      onProgress: progress ? (p) => progress.update(p.bytes, p.packets) : undefined,
      onWarning: (m) => process.stderr.write(`flowprobe: warning: ${m}\n`),
    });
    fileBytes = r.bytes;
  } catch (e) {
    if (!(e instanceof FlowprobeError)) throw e;
    failure = e; // everything before the damage is still exported below
  }
  meter.flush();
  progress?.clear();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (o.summary) {
    const snap = meter.snapshot();
    process.stderr.write(summaryText(snap, {
      source: file === "-" ? "<stdin>" : file,
      seconds,
      fileBytes: failure ? size : fileBytes,
      maxflows: o.maxflows,
      cacheAtMost: describeCache(o),
    }));
  }
  if (failure) {
    process.stderr.write(`flowprobe: error: ${failure.message}\n`);
    return failure.exitCode;
  }
  return 0;
}

export function main(argv: string[]): number {
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
    if (o.read === undefined) throw new UsageError("nothing to meter: give a capture file with -r FILE (or -r - for standard input); see flowprobe --help");
    return runFile(o, o.read);
  } catch (e) {
    if (e instanceof FlowprobeError) {
      process.stderr.write(`flowprobe: error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

