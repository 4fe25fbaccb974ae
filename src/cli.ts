// flowprobe's command line: parses the options into the config object and hands it to the
// app (app.ts), or prints --help or --version. Exit status as --help says.

import { App, type AppOptions } from "./app";
import { parseOptions } from "./config/options";
import { helpText } from "./config/help";
import { FlowprobeError, UsageError } from "./errors";
import { say } from "./process";
import pkg from "../package.json";
import { ctlMain } from "./ctl";

/** Runs flowprobe with these arguments; `app` sets intervals and clocks (tests). Returns the exit status. */
export async function main(argv: string[], app: Partial<AppOptions> = {}): Promise<number> {
  // flowprobe stat / flowprobe ctl VERB: a client of a running flowprobe's control socket
  if (argv[0] === "stat" || argv[0] === "ctl" || argv[0] === "counters") return ctlMain(argv, { out: (s) => process.stdout.write(s), err: say });
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
    // SIGHUP reads the same command line and its --config file again
    return await new App(o, { reparse: () => parseOptions(argv), ...app }).run();
  } catch (e) {
    if (e instanceof FlowprobeError) {
      say(`flowprobe: error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
