// Collector addresses as the command line (and the config file to come) write them:
// "host:port[,host:port…]", IPv6 literals in brackets.

import { isIPv4, isIPv6 } from "node:net";
import { UsageError } from "../errors";

export interface Collector {
  host: string;
  port: number;
}

/** Parses "host:port[,host:port…]"; IPv6 literals in brackets: "[::1]:2055", "[fe80::1%eth0]:2055". */
export function parseCollectors(text: string, option = "--destination"): Collector[] {
  const seen = new Set<string>();
  return text.split(",").map((part) => {
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(part);
    const m = bracketed ?? /^([^:[\]]+):(\d+)$/.exec(part);
    if (!m) throw new UsageError(`${option} ${JSON.stringify(part)}: expected host:port, or [IPv6]:port`);
    const host = m[1]!;
    if (bracketed && !isIPv6(host.replace(/%[^%]+$/, ""))) {
      throw new UsageError(isIPv4(host)
        ? `${option} ${part}: brackets are for IPv6 addresses; write ${host}:${m[2]}`
        : `${option} ${part}: ${host} in brackets is not an IPv6 address`);
    }
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new UsageError(`${option} ${part}: port ${port} is out of range 1-65535`);
    // the same collector twice would get every datagram twice
    const id = `${bracketed ? canonicalIPv6(host) : host.toLowerCase()}|${port}`;
    if (seen.has(id)) throw new UsageError(`${option} ${part}: this collector is listed twice`);
    seen.add(id);
    return { host, port };
  });
}

/** RFC 5952 text of an IPv6 address (its zone kept as written), to tell two spellings of one apart. */
function canonicalIPv6(text: string): string {
  const zone = /%.*$/.exec(text)?.[0] ?? "";
  return new URL(`http://[${text.slice(0, text.length - zone.length)}]`).hostname + zone;
}
