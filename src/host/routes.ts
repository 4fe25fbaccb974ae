// The kernel's main routing tables, for the egress interface and next hop of each flow
// (assembly/cache/routes.ts does the lookup). Read from /proc/net/route and /proc/net/ipv6_route:
// no process to spawn and no dependency (OpenWrt's busybox `ip` has no JSON output), and the
// files are those of the network namespace flowprobe runs in. Re-read every few ticks by the
// app (facts.ts); written into the core only when they changed.

import * as fs from "node:fs";
import * as path from "node:path";
import * as L from "../../assembly/layout";
import type { Core } from "../meter/core";

export interface Route {
  family: 4 | 6;
  prefix: number;
  /** The number flows carry for the interface the route leaves by (see numberOf). */
  ifindex: number;
  /** Destination and gateway, 16 bytes in network order (IPv4 in the first 4). */
  dst: Buffer;
  gateway: Buffer;
  metric: number;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;
const RTF_LOCAL = 0x80000000;

/** IPv4 routes of the main table: /proc/net/route holds addresses as little-endian hex. */
function ipv4Routes(text: string, ifindexOf: (name: string) => number): Route[] {
  const routes: Route[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3]!, 16);
    if (!(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const ifindex = ifindexOf(f[0]!);
    if (ifindex === 0) continue;
    const le = (hex: string) => {
      const b = Buffer.alloc(16);
      b.writeUInt32LE(parseInt(hex, 16) >>> 0, 0);
      return b;
    };
    const mask = le(f[7]!).readUInt32BE(0);
    const prefix = mask === 0 ? 0 : 32 - Math.log2((~mask >>> 0) + 1);
    routes.push({ family: 4, prefix, ifindex, dst: le(f[1]!), gateway: le(f[2]!), metric: Number(f[6]) });
  }
  return routes;
}

/** IPv6 routes: /proc/net/ipv6_route lines "dst plen src plen nexthop metric refcnt use flags iface". */
function ipv6Routes(text: string, ifindexOf: (name: string) => number): Route[] {
  const routes: Route[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const flags = parseInt(f[8]!, 16) >>> 0;
    // the file holds the local table too: this host's own addresses (RTF_LOCAL, or on lo)
    // and the multicast ff00::/8 routes, none of them a way out
    if (!(flags & RTF_UP) || flags & (RTF_REJECT | RTF_LOCAL) || f[9] === "lo" || f[0]!.startsWith("ff")) continue;
    const ifindex = ifindexOf(f[9]!);
    if (ifindex === 0) continue;
    routes.push({
      family: 6, prefix: parseInt(f[1]!, 16), ifindex,
      dst: Buffer.from(f[0]!, "hex"), gateway: Buffer.from(f[4]!, "hex"), metric: parseInt(f[5]!, 16),
    });
  }
  return routes;
}

/** The routes of this network namespace, longest prefix first (then lowest metric). */
export function readRoutes(ifindexMap: ReadonlyMap<string, number> = new Map(), procNet = "/proc/net", sysNet = "/sys/class/net"): Route[] {
  const ifindexOf = (name: string) => numberOf(name, ifindexMap, sysNet); // 0: gone since the table was read
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(procNet, f), "utf8");
    } catch {
      return ""; // no IPv6 in this kernel, say
    }
  };
  const routes = [...ipv4Routes(read("route"), ifindexOf), ...ipv6Routes(read("ipv6_route"), ifindexOf)];
  return routes.sort((a, b) => b.prefix - a.prefix || a.metric - b.metric);
}

/** Writes the routes into the core (at most ROUTE_MAX, the longest prefixes). Returns how many. */
export function loadRoutes(core: Core, routes: Route[]): number {
  const n = Math.min(routes.length, L.ROUTE_MAX);
  const dv = core.dv;
  const u8 = core.u8;
  for (let i = 0; i < n; i++) {
    const r = routes[i]!;
    const at = L.ROUTES_BASE + i * L.ROUTE_SIZE;
    u8.fill(0, at, at + L.ROUTE_SIZE);
    dv.setUint8(at + L.RT_FAMILY, r.family);
    dv.setUint8(at + L.RT_PREFIX, r.prefix);
    dv.setUint32(at + L.RT_IFINDEX, r.ifindex, true);
    u8.set(r.dst.subarray(0, 16), at + L.RT_DST);
    u8.set(r.gateway.subarray(0, 16), at + L.RT_GATEWAY);
  }
  core.x.setRoutes(n);
  return n;
}

/** The number flows carry for an interface name (--ifindex-map, else its ifindex), 0 when absent. */
export function numberOf(name: string, ifindexMap: ReadonlyMap<string, number> = new Map(), sysNet = "/sys/class/net"): number {
  const mapped = ifindexMap.get(name);
  if (mapped !== undefined) return mapped;
  return Number(sysNetValue(name, "ifindex", sysNet) ?? 0);
}

/** An interface attribute from sysfs (/sys/class/net/NAME/WHAT), trimmed; undefined when absent. */
export function sysNetValue(name: string, what: string, sysNet = "/sys/class/net"): string | undefined {
  try {
    return fs.readFileSync(path.join(sysNet, name, what), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** [number flows carry, name] of every interface of this network namespace (for interfaceName). */
export function readInterfaceNames(ifindexMap: ReadonlyMap<string, number> = new Map(), sysNet = "/sys/class/net"): Array<[number, string]> {
  let names: string[];
  try {
    names = fs.readdirSync(sysNet);
  } catch {
    return [];
  }
  // an unmapped interface whose ifindex is a number --ifindex-map gives another is left out:
  // one number, one name
  const mapped = new Set(ifindexMap.values());
  return names.map((name): [number, string] => [numberOf(name, ifindexMap, sysNet), name])
    .filter(([n, name]) => n > 0 && (ifindexMap.has(name) || !mapped.has(n)));
}

/** Writes the LAN and WAN interface numbers (--lan, --wan) into the core, for upload/download. */
export function loadSides(core: Core, lan: number[], wan: number[]): void {
  const dv = core.dv;
  for (let i = 0; i < L.SIDE_MAX; i++) {
    dv.setUint32(L.SIDES_BASE + i * 4, lan[i] ?? 0, true);
    dv.setUint32(L.SIDES_BASE + L.SIDE_WAN + i * 4, wan[i] ?? 0, true);
  }
}
