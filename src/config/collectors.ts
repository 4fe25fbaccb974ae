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

/**
 * What tells collectors apart: the port, and the host — an IP literal by its address (IPv6 in
 * RFC 5952 text, an IPv4-mapped IPv6 address as the IPv4 one it reaches), a name by its text
 * in lower case. Two names of one host (localhost and 127.0.0.1) are not told to be one: that
 * would need the resolver, and the check runs before anything is looked up.
 */
export function collectorId(c: Collector): string {
  let host = c.host.toLowerCase();
  if (isIPv6(c.host.replace(/%[^%]+$/, ""))) {
    host = canonicalIPv6(c.host); // (its zone as written: interface names are case-sensitive)
    // (the URL's text: "[::ffff:7f00:1]")
    const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
    if (mapped) host = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)].flatMap((w) => [w >> 8, w & 255]).join(".");
  } else if (host.endsWith(".") && !isIPv4(host)) {
    host = host.slice(0, -1); // a fully qualified name's root dot
  }
  return `${host}|${c.port}`;
}

/** How a target's datagrams go to its collectors: every one gets each (mirror), or one each in
 * turn (round-robin); the meter (meter/meter.ts DESTINATION_MODES) numbers them for the core. */
export type DestinationMode = "mirror" | "round-robin";
export const DESTINATION_MODES: readonly DestinationMode[] = ["mirror", "round-robin"];
