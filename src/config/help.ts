// --help, made from the option schema: each option with its unit and default.

import { DEFAULTS } from "./defaults";
import { defaultHashsize, describeCache } from "./cache";
import { DEFAULT_CACHE, OPTIONS, defaultText } from "./schema";

export function helpText(version: string): string {
  const lines = [
    `flowprobe ${version} — flow meter and exporter for Linux gateways`,
    "",
    "usage: flowprobe -r FILE [options]            meter a capture file (- = standard input)",
    "       flowprobe -i IF[,IF…] [options]        capture live on interfaces",
    "       flowprobe … -d HOST:PORT [options]     export NetFlow v5/v9 or IPFIX to collectors (JSON lines on standard output without -d)",
    "",
    "options:",
  ];
  for (const s of OPTIONS) {
    const flag = `${s.short ? `-${s.short}, ` : "    "}--${s.name}${s.arg ? ` ${s.arg}` : ""}`;
    const unit = s.unit ? ` [${s.unit}]` : "";
    lines.push(`  ${flag}`);
    // what the default cache costs is written now, when asked for (toLocaleString loads ICU's locale data)
    lines.push(`        ${s.help.replace(DEFAULT_CACHE, () => describeCache({ maxflows: DEFAULTS.maxflows, hashsize: defaultHashsize(DEFAULTS.maxflows) }))}${unit} (default: ${defaultText(s)})`);
  }
  lines.push("", "signals: SIGTERM, SIGINT: stop reading, export every active flow, exit (a second one exits at once);",
    "         SIGHUP: read the routes and interface names again; SIGUSR1: print the statistics so far on standard error");
  lines.push("", "exit status: 0 done; 1 a damaged capture (what came before it is still metered and written) or an I/O error; 2 a usage error;",
    "             70 an internal error (a bug in flowprobe: please report the line it printed)");
  return lines.join("\n") + "\n";
}
