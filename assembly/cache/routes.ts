// Egress interface and next hop: a longest-prefix match of a flow's addresses in the copy of
// the kernel's routing tables that the host keeps in ROUTES_BASE (sorted longest prefix
// first, so the first match is the longest). A linear scan: a gateway's table has a few
// dozen routes, and the lookup runs once per exported flow record, not per packet.
//
// Done when a flow is exported rather than when it is created, so the 96-byte slot needs no
// room for it; a flow whose route changed during its life reports the route in force at its
// end. Which interface is which:
//   * a flow seen arriving (ingress capture): input = the capturing interface, output and
//     next hop = the route to its destination;
//   * a flow seen leaving (Linux PACKET_OUTGOING, --direction both): output = the capturing
//     interface, input = the route back to its source (the reverse path), next hop = the
//     route to its destination.
// The answer goes into the export context the meter hands the flow's encoder (X_*).

import {
  ROUTES_BASE, ROUTE_SIZE, RT_FAMILY, RT_PREFIX, RT_IFINDEX, RT_DST, RT_GATEWAY,
  FS_SRC, FS_DST, FS_VERSION, FS_IN_IF, FS_FLAGS, SIDES_BASE, SIDE_MAX, SIDE_WAN,
  X_IN_IF, X_OUT_IF, X_NEXT_HOP, X_DIRECTION, PE_PKTTYPE,
} from "../layout";
import { addressBits } from "./key";

let routeCount: u32 = 0;
const PACKET_OUTGOING: u32 = 4;

/** Per routing-table refresh (host): the first n entries of ROUTES_BASE are the table. */
export function setRouteCount(n: u32): void {
  routeCount = n;
  memoVersion = 0;
}

// The last destination egressOf looked up and its answer: consecutive packets of one flow
// (or to one host) cost one compare instead of a scan. Forgotten when the routes change.
let memoVersion: u32 = 0;
let memoHi: u64 = 0;
let memoLo: u64 = 0;
let memoIf: u32 = 0;

/**
 * The output interface of the pending packet whose entry is at e, as flowRoute gives it for a
 * flow: the capturing interface for a packet seen leaving (Linux PACKET_OUTGOING), else the
 * interface of the route to its destination (0: none). For selectors' `outif` (select.ts): a
 * cost only targets whose selector reaches such a test pay, once per packet.
 */
export function egressOf(e: usize): u32 {
  if ((<u32>load<u8>(e + PE_PKTTYPE) & 7) == PACKET_OUTGOING) return load<u32>(e + FS_IN_IF);
  if (routeCount == 0) return 0;
  const version = <u32>load<u8>(e + FS_VERSION);
  const hi = load<u64>(e + FS_DST), lo = load<u64>(e + FS_DST + 8);
  if (version == memoVersion && hi == memoHi && lo == memoLo) return memoIf;
  const r = lookup(e + FS_DST, version == 6, 128);
  memoVersion = version;
  memoHi = hi;
  memoLo = lo;
  memoIf = r != 0 ? load<u32>(r + RT_IFINDEX) : 0;
  return memoIf;
}

/** The longest-prefix route of at most `most` bits for the address at a (16 bytes; IPv4 in the first 4), or 0. */
function lookup(a: usize, v6: bool, most: u32): usize {
  if (most == 0) return 0; // (an address the target's key leaves out: no route, not even the default)
  const family: u8 = v6 ? 6 : 4;
  const hi = bswap<u64>(load<u64>(a));
  const lo = bswap<u64>(load<u64>(a + 8));
  for (let i: u32 = 0; i < routeCount; i++) {
    const r = ROUTES_BASE + <usize>i * ROUTE_SIZE;
    if (load<u8>(r + RT_FAMILY) != family) continue;
    const len = <u64>load<u8>(r + RT_PREFIX);
    if (len > <u64>most) continue;
    const rhi = bswap<u64>(load<u64>(r + RT_DST));
    const rlo = bswap<u64>(load<u64>(r + RT_DST + 8));
    // masks of the first 64 and the last 64 bits of the prefix
    const mhi: u64 = len == 0 ? 0 : len >= 64 ? <u64>-1 : ~(<u64>-1 >> len);
    const mlo: u64 = len <= 64 ? 0 : len >= 128 ? <u64>-1 : ~(<u64>-1 >> (len - 64));
    if (((hi ^ rhi) & mhi) == 0 && ((lo ^ rlo) & mlo) == 0) return r;
  }
  return 0;
}

/** Works out input, output and next hop of the flow at sp of target tp (see the head of this
 * file) into the export context at x: X_IN_IF, X_OUT_IF, X_NEXT_HOP (a route entry's gateway,
 * or 0) and X_DIRECTION (IPFIX flowDirection, IE 61, at the observation point: 0 ingress, 1
 * egress). By as much of each address as the target's key keeps (key.ts addressBits): an
 * aggregate's route is one holding all of it; an address left out has none. */
export function flowRoute(tp: usize, sp: usize, x: usize): void {
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const captured = load<u32>(sp + FS_IN_IF);
  const toDst = routeCount == 0 ? 0 : lookup(sp + FS_DST, v6, addressBits(tp, sp, FS_DST, v6));
  store<u32>(x + X_NEXT_HOP, toDst != 0 ? <u32>(toDst + RT_GATEWAY) : 0);
  const leaving = (<u32>load<u8>(sp + FS_FLAGS) & 7) == PACKET_OUTGOING;
  store<u32>(x + X_DIRECTION, leaving ? 1 : 0);
  if (leaving) {
    const back = routeCount == 0 ? 0 : lookup(sp + FS_SRC, v6, addressBits(tp, sp, FS_SRC, v6));
    store<u32>(x + X_IN_IF, back != 0 ? load<u32>(back + RT_IFINDEX) : 0);
    store<u32>(x + X_OUT_IF, captured);
  } else {
    store<u32>(x + X_IN_IF, captured);
    store<u32>(x + X_OUT_IF, toDst != 0 ? load<u32>(toDst + RT_IFINDEX) : 0);
  }
}

/** Whether interface number n is in the list at SIDES_BASE + offset. */
function onSide(n: u32, offset: u32): bool {
  if (n == 0) return false;
  for (let i: u32 = 0; i < SIDE_MAX; i++) {
    const v = load<u32>(SIDES_BASE + offset + (i << 2));
    if (v == 0) return false;
    if (v == n) return true;
  }
  return false;
}

export const SIDE_NONE: u32 = 0;
export const SIDE_UPLOAD: u32 = 1;
export const SIDE_DOWNLOAD: u32 = 2;

/**
 * The side of the flow whose export context is at x: upload (from a LAN interface out of a
 * non-LAN one), download (into a LAN interface from a non-LAN one), or neither (LAN to LAN,
 * or no --lan). With --wan as well, the other side must be one of the WAN interfaces;
 * without, anything not LAN counts as outside.
 */
export function flowSide(x: usize): u32 {
  if (load<u32>(SIDES_BASE) == 0) return SIDE_NONE;
  const routeIn = load<u32>(x + X_IN_IF), routeOut = load<u32>(x + X_OUT_IF);
  const anyWan = load<u32>(SIDES_BASE + SIDE_WAN) == 0;
  const inLan = onSide(routeIn, 0), outLan = onSide(routeOut, 0);
  if (inLan && !outLan && (anyWan || onSide(routeOut, SIDE_WAN))) return SIDE_UPLOAD;
  if (outLan && !inLan && (anyWan || onSide(routeIn, SIDE_WAN))) return SIDE_DOWNLOAD;
  return SIDE_NONE;
}
