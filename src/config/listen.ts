// A listening address as --metrics writes it: "PORT" (loopback), "HOST:PORT", "[IPv6]:PORT".
// Checked here for its shape; whether the port is free is known only when the server listens
// (src/app.ts says that at start, exit status 2).

import { isIPv4, isIPv6 } from "node:net";
import { UsageError, quoted } from "../errors";

export interface ListenAddress {
  /** An IP literal or a host name; "127.0.0.1" when only a port was given. */
  host: string;
  port: number;
}

/** Where a port alone listens: loopback, so metrics are not offered to the network unasked. */
export const LOOPBACK = "127.0.0.1";

/** A host name as RFC 1123 allows it (letters, digits, hyphens; dot-separated labels). */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Parses "[HOST:]PORT" (`named`: how messages name the option, the flag or the file's key); throws a UsageError naming what is wrong and what would be right. */
export function parseListen(text: string, named = "--metrics"): ListenAddress {
  const expected = "expected PORT (loopback), HOST:PORT or [IPv6]:PORT, e.g. 9155, 0.0.0.0:9155 or [::]:9155";
  const portOf = (p: string) => {
    if (!/^\d{1,5}$/.test(p)) throw new UsageError(`${named} ${quoted(text)}: port ${quoted(p)} is not a number; ${expected}`);
    const n = Number(p);
    if (n < 1 || n > 65535) throw new UsageError(`${named} ${quoted(text)}: port ${n} is out of range 1-65535`);
    return n;
  };
  if (/^\d+$/.test(text)) return { host: LOOPBACK, port: portOf(text) };
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  if (bracketed) {
    const host = bracketed[1]!;
    if (!isIPv6(host)) throw new UsageError(`${named} ${quoted(text)}: ${quoted(host)} in brackets is not an IPv6 address; ${expected}`);
    return { host, port: portOf(bracketed[2]!) };
  }
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new UsageError(`${named} ${quoted(text)}: no port; ${expected}`);
  const host = text.slice(0, colon);
  if (host === "") throw new UsageError(`${named} ${quoted(text)}: no host before the colon; ${expected} (a port alone listens on loopback only; 0.0.0.0 or [::] on every address)`);
  if (host.includes(":")) throw new UsageError(`${named} ${quoted(text)}: an IPv6 address goes in brackets: [${host}]${text.slice(colon)}`);
  if (!isIPv4(host) && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host))) throw new UsageError(`${named} ${quoted(text)}: ${quoted(host)} is not an IPv4 address or a host name; ${expected}`);
  return { host, port: portOf(text.slice(colon + 1)) };
}
