// Record walkers: turn the bytes in the input region into parsed packets in the pending queue.
// - walkPcap: classic pcap records (µs or ns, either byte order), read straight from the file.
// - walkPcapng: pcapng EPB/SPB/OPB blocks; SHB and IDB go back to the host (it parses their
//   options into the interface table), other blocks are skipped here.
// - walkBatch: the batch record format of layout.ts (BR_*), for live sources.
// Each starts at an offset into the input region and returns the offset it stopped at, with
// why in walkEnd (a WALK_* code, or WALK_QUEUE_FULL: the queue holds pendLimit packets, the
// cache meters them and calls again from there) and the records it walked in `walked`.

import {
  INPUT_BASE, INPUT_SIZE, STATUS_BASE, ST_DAMAGE_KIND, ST_DAMAGE_VALUE,
  WALK_NEED_DATA, WALK_HOST_BLOCK, WALK_DAMAGED,
  DAMAGE_CAPLEN_OVER_WIRELEN, DAMAGE_CAPLEN_OVER_SNAPLEN, DAMAGE_BLOCK_TOO_SHORT,
  DAMAGE_BLOCK_UNALIGNED, DAMAGE_CAPLEN_OVER_BLOCK, DAMAGE_TRAILER_MISMATCH,
  IFACES_BASE, IFACE_SIZE, IF_LINKTYPE, IF_SNAPLEN, IF_TS_KIND, IF_TS_PARAM, IF_OFFSET_NS,
  IF_IFINDEX, C_BAD_IFACE,
  BR_TS_NS, BR_WIRE_LEN, BR_CAP_LEN, BR_IFINDEX, BR_PKTTYPE, BR_LINKTYPE, BR_VLAN_TCI,
  BR_VLAN_TPID, BR_HEADER,
} from "../layout";
import { count } from "../base/bytes";
import { processPacket, pendCount, pendLimit } from "./queue";

/** The walkers (the cache's walk loop picks one by these). */
export const WALK_PCAP: u32 = 0;
export const WALK_PCAPNG: u32 = 1;
export const WALK_BATCH: u32 = 2;

/** walkEnd: the queue is full; meter it and walk on from the returned offset. */
export const WALK_QUEUE_FULL: u32 = 0x100;
/** Why the last walker call returned. */
export let walkEnd: u32 = WALK_NEED_DATA;
/** Records the last walker call walked (packets, metered or not). */
export let walked: u32 = 0;

/** libpcap's MAXIMUM_SNAPLEN. Like libpcap, a record longer than the file's snap length is
 * still read (fuzzed files in tcpdump's own tests have them) as long as it is within this or
 * the snap length, whichever is larger; past both it is damage. */
const MAX_SNAPLEN_BYTES: u32 = 262144;
/** Never more than half the input region, so a whole record always fits in it. */
const MAX_RECORD_BYTES: u32 = INPUT_SIZE / 2;

@inline function captureLimit(snaplen: u32): u32 {
  const l = snaplen > MAX_SNAPLEN_BYTES ? snaplen : MAX_SNAPLEN_BYTES;
  return l > MAX_RECORD_BYTES ? MAX_RECORD_BYTES : l;
}

let ifaceCount: u32 = 0;
let lastTs: u64 = 0; // a simple packet block takes the previous packet's time

export function setInterfaceCount(n: u32): void {
  ifaceCount = n;
}

@inline function stop(code: u32, packets: u32, p: u32): u32 {
  walkEnd = code;
  walked = packets;
  return p;
}

@inline function damaged(kind: u32, value: u32, packets: u32, p: u32): u32 {
  store<u32>(STATUS_BASE + ST_DAMAGE_KIND, kind);
  store<u32>(STATUS_BASE + ST_DAMAGE_VALUE, value);
  return stop(WALK_DAMAGED, packets, p);
}

@inline function rd32(p: usize, swapped: bool): u32 {
  const v = load<u32>(p);
  return swapped ? bswap<u32>(v) : v;
}

@inline function rd16(p: usize, swapped: bool): u32 {
  const v = load<u16>(p);
  return <u32>(swapped ? bswap<u16>(v) : v);
}

/** Walks classic pcap records in input[p, len). */
export function walkPcap(p: u32, len: u32, swapped: bool, nanos: bool, linktype: u32, snaplen: u32): u32 {
  const limit = captureLimit(snaplen);
  const fracMul: u64 = nanos ? 1 : 1000;
  let n: u32 = 0;
  while (true) {
    if (pendCount >= pendLimit) return stop(WALK_QUEUE_FULL, n, p);
    if (p + 16 > len) break;
    const r = INPUT_BASE + <usize>p;
    const caplen = rd32(r + 8, swapped);
    const wirelen = rd32(r + 12, swapped);
    if (caplen > limit) return damaged(DAMAGE_CAPLEN_OVER_SNAPLEN, caplen, n, p);
    if (caplen > wirelen) return damaged(DAMAGE_CAPLEN_OVER_WIRELEN, caplen, n, p);
    if (p + 16 + caplen > len) break;
    const ts = <u64>rd32(r, swapped) * 1000000000 + <u64>rd32(r + 4, swapped) * fracMul;
    processPacket(ts, wirelen, caplen, 0, 0, linktype, 0, 0, r + 16);
    p += 16 + caplen;
    n++;
  }
  return stop(WALK_NEED_DATA, n, p);
}

/** Converts an interface's raw 64-bit timestamp to ns since the epoch. */
function ifaceTime(ifp: usize, raw: u64): u64 {
  const kind = load<u32>(ifp + IF_TS_KIND);
  const param = load<u32>(ifp + IF_TS_PARAM);
  let ns: u64;
  if (kind == 0) {
    ns = raw * <u64>param;
  } else if (kind == 1) {
    ns = raw / <u64>param;
  } else {
    // binary fraction: raw / 2^bits seconds; keep the product inside 64 bits
    let bits = param;
    if (bits > 34) { raw >>= bits - 34; bits = 34; }
    const mask = (<u64>1 << bits) - 1;
    ns = (raw >> bits) * 1000000000 + (((raw & mask) * 1000000000) >> bits);
  }
  return ns + <u64>load<i64>(ifp + IF_OFFSET_NS);
}

/**
 * Walks pcapng blocks in input[p, len) of a section in the given byte order.
 * Packet blocks (EPB 6, OPB 2, SPB 3) are metered; SHB and IDB return WALK_HOST_BLOCK.
 */
export function walkPcapng(p: u32, len: u32, swapped: bool): u32 {
  let n: u32 = 0;
  while (true) {
    if (pendCount >= pendLimit) return stop(WALK_QUEUE_FULL, n, p);
    if (p + 12 > len) break;
    const b = INPUT_BASE + <usize>p;
    const type = rd32(b, swapped);
    if (type == 0x0a0d0d0a || type == 1) return stop(WALK_HOST_BLOCK, n, p);
    const blen = rd32(b + 4, swapped);
    if (blen < 12) return damaged(DAMAGE_BLOCK_TOO_SHORT, blen, n, p);
    if ((blen & 3) != 0) return damaged(DAMAGE_BLOCK_UNALIGNED, blen, n, p);
    if (blen > len - p) break; // the host refills, or deals with a block larger than the region
    if (rd32(b + blen - 4, swapped) != blen) return damaged(DAMAGE_TRAILER_MISMATCH, blen, n, p);
    if (type == 6 || type == 2) {
      // EPB: interface u32 | OPB: interface u16 + drops u16; then ts high, ts low, caplen, wirelen
      if (blen < 32) return damaged(DAMAGE_BLOCK_TOO_SHORT, blen, n, p);
      const ifid = type == 6 ? rd32(b + 8, swapped) : rd16(b + 8, swapped);
      const caplen = rd32(b + 20, swapped);
      const wirelen = rd32(b + 24, swapped);
      if (caplen > blen - 32) return damaged(DAMAGE_CAPLEN_OVER_BLOCK, caplen, n, p);
      if (caplen > wirelen) return damaged(DAMAGE_CAPLEN_OVER_WIRELEN, caplen, n, p);
      if (ifid >= ifaceCount) {
        count(C_BAD_IFACE);
      } else {
        const ifp = IFACES_BASE + <usize>ifid * IFACE_SIZE;
        const snaplen = load<u32>(ifp + IF_SNAPLEN);
        if (caplen > captureLimit(snaplen)) return damaged(DAMAGE_CAPLEN_OVER_SNAPLEN, caplen, n, p);
        const raw = (<u64>rd32(b + 12, swapped) << 32) | <u64>rd32(b + 16, swapped);
        const ts = ifaceTime(ifp, raw);
        lastTs = ts;
        processPacket(ts, wirelen, caplen, load<u32>(ifp + IF_IFINDEX), 0,
          load<u32>(ifp + IF_LINKTYPE), 0, 0, b + 28);
      }
      n++;
    } else if (type == 3) {
      // SPB: original length, then data up to the block's end or interface 0's snap length
      if (blen < 16) return damaged(DAMAGE_BLOCK_TOO_SHORT, blen, n, p);
      const wirelen = rd32(b + 8, swapped);
      if (ifaceCount == 0) {
        count(C_BAD_IFACE);
      } else {
        const ifp = IFACES_BASE;
        let caplen = blen - 16;
        if (wirelen < caplen) caplen = wirelen;
        const snaplen = load<u32>(ifp + IF_SNAPLEN);
        if (snaplen != 0 && snaplen < caplen) caplen = snaplen;
        processPacket(lastTs, wirelen, caplen, load<u32>(ifp + IF_IFINDEX), 0,
          load<u32>(ifp + IF_LINKTYPE), 0, 0, b + 12);
      }
      n++;
    }
    // every other block type (NRB, ISB, DSB, custom, …) carries no packet: skipped
    p += blen;
  }
  return stop(WALK_NEED_DATA, n, p);
}

/** Walks `records` batch records (layout.ts BR_*) from offset p of the input region. */
export function walkBatch(p: u32, records: u32): u32 {
  let n: u32 = 0;
  while (n < records) {
    if (pendCount >= pendLimit) return stop(WALK_QUEUE_FULL, n, p);
    const r = INPUT_BASE + <usize>p;
    const wirelen = load<u32>(r + BR_WIRE_LEN);
    let caplen = load<u32>(r + BR_CAP_LEN);
    const stored = caplen;
    if (caplen > wirelen) caplen = wirelen;
    processPacket(load<u64>(r + BR_TS_NS), wirelen, caplen, load<u32>(r + BR_IFINDEX),
      <u32>load<u8>(r + BR_PKTTYPE), <u32>load<u16>(r + BR_LINKTYPE),
      <u32>load<u16>(r + BR_VLAN_TCI), <u32>load<u16>(r + BR_VLAN_TPID), r + BR_HEADER);
    p += BR_HEADER + ((stored + 7) & ~7);
    n++;
  }
  return stop(WALK_NEED_DATA, n, p);
}
