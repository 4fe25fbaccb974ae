// The meter: parsed packets into every target's flow cache, and the aging that takes flows
// out again (inactive and active timeouts, TCP FIN/RST, cache full, end of input).
//
// TCP FIN/RST: a flow that sees one does not end at once (unless T_TCP_END_NS is 0) but
// after T_TCP_END_NS without packets, its idle timeout from then on: the final ACK and the
// other side's FIN, which follow within a round trip, join the flow instead of becoming
// one-packet flows of their own (softflowd's tcp.fin timeout does the same). It then ends as
// "end of flow detected" (IPFIX flowEndReason 3), also when the input ends first. A SYN
// without ACK in that time is a new connection on the same ports: the old flow ends then.
//
// Time is the packets' own: `now` is the greatest packet time seen, so an offline run is
// deterministic and a reordered packet never moves the clock backwards.
//
// Packets are metered PEND_MAX at a time. A first pass only loads each packet's index entry
// and slot: the loads are independent, so the CPU overlaps their cache misses instead of
// waiting for one per packet. The second pass does the real work in packet order, on
// warm cache lines; the result is exactly as if each packet were metered alone.

import {
  STATS_BASE, STATUS_BASE, ST_NOW_NS, FS_PROTO, FS_TCP_FLAGS, FS_FIRST, FS_LAST, FS_NEXT,
  T_ENABLED, T_INACTIVE_NS, T_ACTIVE_NS, T_TCP_END_NS, T_EXPORTED, T_PACKETS, T_FORMAT, T_WHEEL_TICK, T_COUNT, T_WHEEL_STARTED,
  T_IDX_BASE, T_IDX_MASK, TARGET_MAX, NIL, OUTPUT_SIZE, OUTPUT_RECORD_MAX, FORMAT_JSON,
  FORMAT_IPFIX, FORMAT_V5, FORMAT_V9, TARGETS_BASE, TARGET_SIZE, T_DESTS, C_COUNTER_SPLITS, FS_BYTES, FS_PACKETS,
  C_METERED, C_BYTES, C_IPV6, C_TIME_BACK, C_NO_MEMORY, C_OTHERHOST,
  PEND_BASE, PEND_MAX, PEND_ENTRY, PEND_MACS, PE_TS, PE_BYTES, PE_TTL, PE_TCP_FLAGS, PE_PKTTYPE, PE_VERSION,
  WHEEL_TICK_LOG2, WHEEL_BUCKETS, INDEX_SLOT_BITS,
  END_IDLE, END_ACTIVE, END_END_OF_FLOW, END_FORCED, END_LACK_OF_RESOURCES,
} from "../layout";
import { parsePacket, PARSE_OK, pBytes, pTtl, pTcpFlags, pPkttype, pIfindex, pVersion, pMacDst, pMacSrc, keySetIf, setKeyPtr } from "../parse/header";
import { macsWanted, macsOn, macsRemember, pendingMacs, flowMacs } from "./macs";
import { hashKey, targetPtr, slotPtr, tableFind, foundPtr, tableCreate, tableRemove, tableReset, slotAccount } from "./table";
import { wheelFile, wheelFirst, wheelUnlink } from "./wheel";
import { jsonFlow } from "../encode/json";
import { ipfixRecord, ipfixSeal, ipfixStats, datagramMax } from "../encode/ipfix";
import { v5Record, v5Seal } from "../encode/v5";
import { v9Record, v9Seal, v9Stats } from "../encode/v9";

let now: u64 = 0;
export let outPos: usize = 0;
let targetCount: u32 = 0;
let pendCount: u32 = 0;
let prefetchSink: u32 = 0;
/** Output bytes that must be free before a packet is parsed: each pending packet may make
 * each target export up to three flows (timeout found on update, eviction, FIN/RST). */
let packetReserve: usize = 3 * OUTPUT_RECORD_MAX * PEND_MAX;

const TCP_FIN_RST: u32 = 0x01 | 0x04;
const TCP_SYN: u32 = 0x02;
const TCP_SYN_ACK: u32 = 0x12;
const PEND_HASH: usize = PEND_BASE + PEND_MAX * PEND_ENTRY;
const SLOT_MASK: u32 = (1 << INDEX_SLOT_BITS) - 1;
/** Re-filings allowed while looking for an eviction victim before taking one as it is. */
const EVICT_REFILE_LIMIT: u32 = 64;

@inline export function count(c: u32, n: u64 = 1): void {
  const a = STATS_BASE + (<usize>c << 3);
  store<u64>(a, load<u64>(a) + n);
}

/** The most output one exported flow may add, over all targets. */
let exportMax: usize = OUTPUT_RECORD_MAX;

@inline function targetOf(tp: usize): u32 {
  return <u32>((tp - TARGETS_BASE) / TARGET_SIZE);
}

/** The most output one exported flow of target tp may add: a JSON line, or a sealed datagram per destination. */
function exportMaxOf(tp: usize): usize {
  if (load<u32>(tp + T_FORMAT) == FORMAT_JSON) return OUTPUT_RECORD_MAX;
  return <usize>datagramMax(tp) * <usize>load<u32>(tp + T_DESTS);
}

/** Recomputes the output reserves after targets or destinations changed. */
export function setTargetCount(n: u32): void {
  targetCount = n > TARGET_MAX ? TARGET_MAX : n;
  let sum: usize = 0;
  exportMax = OUTPUT_RECORD_MAX;
  for (let t: u32 = 0; t < targetCount; t++) {
    const m = exportMaxOf(targetPtr(t));
    sum += m;
    if (m > exportMax) exportMax = m;
  }
  packetReserve = 3 * PEND_MAX * sum;
}

@inline export function outputLow(): bool {
  return outPos + packetReserve + exportMax > OUTPUT_SIZE;
}

export function outputReserve(): usize {
  return packetReserve + exportMax;
}

export function getTargetCount(): u32 {
  return targetCount;
}

/** Seals every target's partly filled datagram. Returns 1 when done, 0 when the output must be drained first. */
export function sealAll(): u32 {
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    const format = load<u32>(tp + T_FORMAT);
    if (format == FORMAT_JSON) continue;
    if (outputLow()) return 0;
    if (format == FORMAT_IPFIX) outPos = ipfixSeal(t, tp, outPos, exportTime);
    else if (format == FORMAT_V5) outPos = v5Seal(t, tp, outPos);
    else if (format == FORMAT_V9) outPos = v9Seal(t, tp, outPos, exportTime);
  }
  return 1;
}

/**
 * After the last seal: each collector of an IPFIX or v9 target gets one message with the
 * templates and the final statistics. Returns 1 when done, 0 when the output must be drained
 * first (call again: targets already done are not sent twice).
 */
let statsDone: u32 = 0;
export function statsAll(): u32 {
  for (let t: u32 = 0; t < targetCount; t++) {
    if ((statsDone & (1 << t)) != 0) continue;
    const tp = targetPtr(t);
    const format = load<u32>(tp + T_FORMAT);
    if (format != FORMAT_IPFIX && format != FORMAT_V9) continue;
    if (outputLow()) return 0;
    if (format == FORMAT_IPFIX) outPos = ipfixStats(t, tp, outPos, exportTime);
    else outPos = v9Stats(t, tp, outPos, exportTime);
    statsDone |= 1 << t;
  }
  statsDone = 0;
  return 1;
}

export function outputReset(): void {
  outPos = 0;
}

export function meterNow(): u64 {
  return now;
}

@inline function tickOf(ns: u64): u64 {
  return ns >> WHEEL_TICK_LOG2;
}

/** Export time for message headers (s since the epoch), set by the host: its clock, not the packets'. */
let exportTime: u32 = 0;

export function setExportTime(s: u32): void {
  exportTime = s;
}

/** Whether the flow at sp is TCP and saw a FIN or RST (it then waits T_TCP_END_NS for its last packets). */
@inline function tcpEnded(sp: usize): bool {
  return (<u32>load<u8>(sp + FS_TCP_FLAGS) & TCP_FIN_RST) != 0 && load<u8>(sp + FS_PROTO) == 6;
}

/** How long the flow at sp may go without a packet before it ends. */
@inline function idleLimit(tp: usize, sp: usize): u64 {
  return tcpEnded(sp) ? load<u64>(tp + T_TCP_END_NS) : load<u64>(tp + T_INACTIVE_NS);
}

/** Encodes the flow in slot s (at sp) with its end reason. A flow that saw FIN or RST and
 * leaves by idling (or because the input ended) ends as "end of flow detected". */
@inline function encodeFlow(tp: usize, s: u32, sp: usize, reason: u32): void {
  if ((reason == END_IDLE || reason == END_FORCED) && tcpEnded(sp)) reason = END_END_OF_FLOW;
  flowMacs(tp, s);
  const format = load<u32>(tp + T_FORMAT);
  if (format == FORMAT_JSON) outPos = jsonFlow(outPos, sp, reason);
  else if (format == FORMAT_IPFIX) outPos = ipfixRecord(targetOf(tp), tp, sp, reason, outPos, exportTime);
  else if (format == FORMAT_V5) outPos = v5Record(targetOf(tp), tp, sp, outPos);
  else if (format == FORMAT_V9) outPos = v9Record(targetOf(tp), tp, sp, outPos, exportTime);
  const a = tp + T_EXPORTED + (<usize>reason << 3);
  store<u64>(a, load<u64>(a) + 1);
}

/** Encodes slot s of target tp as an exported flow, then frees the slot. */
function exportFlow(tp: usize, s: u32, reason: u32): void {
  encodeFlow(tp, s, slotPtr(tp, s), reason);
  tableRemove(tp, s);
}

/** Live capture without --promisc: frames addressed to another host (Linux PACKET_OTHERHOST,
 * which a veth or a hub delivers anyway) are counted and skipped. Files meter everything. */
let skipOtherhost = false;
const PACKET_OTHERHOST: u32 = 3;

export function setSkipOtherhost(on: bool): void {
  skipOtherhost = on;
}

/** Parses one packet and queues it for metering. Called by the walkers for every record
 * (they count it as read). */
export function processPacket(ts: u64, wirelen: u32, caplen: u32, ifindex: u32, pkttype: u32,
  linktype: u32, vlanTci: u32, vlanTpid: u32, p: usize): void {
  if (pkttype == PACKET_OTHERHOST && skipOtherhost) {
    count(C_OTHERHOST);
    return;
  }
  // the key is parsed straight into the next pending entry
  const e = PEND_BASE + <usize>pendCount * PEND_ENTRY;
  setKeyPtr(e);
  const r = parsePacket(p, caplen, wirelen, linktype, ifindex, pkttype, vlanTci, vlanTpid);
  if (r != PARSE_OK) {
    count(r);
    return;
  }
  keySetIf(pIfindex);
  store<u64>(e + PE_TS, ts);
  store<u32>(e + PE_BYTES, pBytes);
  store<u8>(e + PE_TTL, <u8>pTtl);
  store<u8>(e + PE_TCP_FLAGS, <u8>pTcpFlags);
  store<u8>(e + PE_PKTTYPE, <u8>pPkttype);
  store<u8>(e + PE_VERSION, <u8>pVersion);
  store<u32>(PEND_HASH + (<usize>pendCount << 2), hashKey(e));
  if (macsWanted) {
    const m = PEND_MACS + (<usize>pendCount << 4);
    if (pMacDst != 0) memory.copy(m, pMacDst, 6);
    else memory.fill(m, 0, 6);
    if (pMacSrc != 0) memory.copy(m + 6, pMacSrc, 6);
    else memory.fill(m + 6, 0, 6);
  }
  if (++pendCount == PEND_MAX) meterPending();
}

/** Meters the queued packets. The walkers call it before they return to the host. */
export function meterPending(): void {
  const n = pendCount;
  if (n == 0) return;
  pendCount = 0;
  // pass 1: touch each packet's index entry and slot so their misses overlap
  let sink: u32 = 0;
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    const idx = <usize>load<u32>(tp + T_IDX_BASE);
    const mask = load<u32>(tp + T_IDX_MASK);
    for (let i: u32 = 0; i < n; i++) {
      const entry = load<u32>(idx + (<usize>(load<u32>(PEND_HASH + (<usize>i << 2)) & mask) << 2));
      if (entry != 0) {
        // a 96-byte slot spans two cache lines whatever its alignment: its first and last words are on both
        const sp = slotPtr(tp, (entry & SLOT_MASK) - 1);
        sink += load<u32>(sp) + load<u32>(sp + FS_NEXT);
      }
    }
  }
  prefetchSink = sink;
  // pass 2: meter in packet order
  let metered: u64 = 0, bytes: u64 = 0, v6: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = PEND_BASE + <usize>i * PEND_ENTRY;
    const h = load<u32>(PEND_HASH + (<usize>i << 2));
    const ts = load<u64>(e + PE_TS);
    if (ts < now) count(C_TIME_BACK);
    else now = ts;
    const nowTick = tickOf(now);
    let into = false;
    for (let t: u32 = 0; t < targetCount; t++) {
      const tp = targetPtr(t);
      if (load<u32>(tp + T_ENABLED) == 0) continue;
      if (load<u32>(tp + T_WHEEL_STARTED) == 0) {
        // the wheel starts at the first packet's tick (which may be tick 0: a capture at the epoch)
        store<u64>(tp + T_WHEEL_TICK, nowTick);
        store<u32>(tp + T_WHEEL_STARTED, 1);
      }
      // idle flows leave first, so a new flow is filed against the wheel's current position
      if (nowTick > load<u64>(tp + T_WHEEL_TICK)) expireIdle(tp);
      if (meterInto(tp, e, h, ts)) into = true;
    }
    if (!into) {
      count(C_NO_MEMORY);
      continue;
    }
    metered++;
    bytes += load<u32>(e + PE_BYTES);
    if (load<u8>(e + PE_VERSION) == 6) v6++;
  }
  count(C_METERED, metered);
  count(C_BYTES, bytes);
  count(C_IPV6, v6);
}

@inline function meterInto(tp: usize, e: usize, h: u32, ts: u64): bool {
  let s = tableFind(tp, e, h);
  let sp = foundPtr;
  if (s != NIL) {
    // A flow whose time is up is exported before this packet starts its successor; so is a
    // closing TCP flow when a new connection reuses its ports (a SYN without ACK).
    if (ts > load<u64>(sp + FS_LAST) + idleLimit(tp, sp) ||
      ((<u32>load<u8>(e + PE_TCP_FLAGS) & TCP_SYN_ACK) == TCP_SYN && tcpEnded(sp))) {
      exportFlow(tp, s, END_IDLE);
      s = NIL;
    } else if (ts >= load<u64>(sp + FS_FIRST) + load<u64>(tp + T_ACTIVE_NS)) {
      exportFlow(tp, s, END_ACTIVE);
      s = NIL;
    }
  }
  const pkttype = <u32>load<u8>(e + PE_PKTTYPE);
  if (s == NIL) {
    s = tableCreate(tp, e, h, ts, pkttype);
    if (s == NIL) {
      if (!evictOne(tp)) return false;
      s = tableCreate(tp, e, h, ts, pkttype);
      if (s == NIL) return false;
    }
    sp = slotPtr(tp, s);
    fileNew(tp, s, sp, dueTick(tp, sp));
    if (macsOn(tp)) macsRemember(tp, s, pendingMacs(e));
  }
  const tcpFlags = <u32>load<u8>(e + PE_TCP_FLAGS);
  if (load<u32>(tp + T_FORMAT) == FORMAT_V5 &&
    load<u64>(sp + FS_BYTES) + <u64>load<u32>(e + PE_BYTES) > 0xffffffff) {
    // NetFlow v5 counts in 32 bits: this flow leaves before it would wrap, and goes on as a new
    // one (bytes always wrap first: every packet is at least 20 bytes)
    count(C_COUNTER_SPLITS);
    exportFlow(tp, s, END_ACTIVE);
    s = tableCreate(tp, e, h, ts, pkttype);
    if (s == NIL) return false; // the slot just freed is taken again: cannot fail
    sp = slotPtr(tp, s);
    fileNew(tp, s, sp, dueTick(tp, sp));
    if (macsOn(tp)) macsRemember(tp, s, pendingMacs(e));
  }
  slotAccount(sp, ts, load<u32>(e + PE_BYTES), <u32>load<u8>(e + PE_TTL), tcpFlags);
  store<u64>(tp + T_PACKETS, load<u64>(tp + T_PACKETS) + 1);
  if ((tcpFlags & TCP_FIN_RST) != 0 && load<u8>(e + FS_PROTO) == 6) {
    // its idle limit is now the TCP end timeout: filed again for that (the wheel only ever
    // finds a flow late, never early, so a due time that moved earlier needs the move)
    if (load<u64>(tp + T_TCP_END_NS) == 0) exportFlow(tp, s, END_END_OF_FLOW);
    else {
      wheelUnlink(tp, sp);
      fileNew(tp, s, sp, dueTick(tp, sp));
    }
  }
  return true;
}

/** Cache full: exports the flow idle longest (to within a wheel tick). False when the cache is empty. */
function evictOne(tp: usize): bool {
  let tick = load<u64>(tp + T_WHEEL_TICK);
  let refiled: u32 = 0;
  for (let scanned: u32 = 0; scanned <= WHEEL_BUCKETS;) {
    const s = wheelFirst(tp, tick);
    if (s == NIL) {
      tick++;
      scanned++;
      continue;
    }
    const sp = slotPtr(tp, s);
    const due = tickOf(load<u64>(sp + FS_LAST) + idleLimit(tp, sp));
    if (due > tick && refiled < EVICT_REFILE_LIMIT) {
      // touched since it was filed: put it where it belongs and look again
      wheelUnlinkRefile(tp, s, sp, due, tick);
      refiled++;
      continue;
    }
    exportFlow(tp, s, END_LACK_OF_RESOURCES);
    return true;
  }
  return false;
}

/** Re-files slot s for tick `due`, never into the bucket being scanned (timeouts longer than the wheel). */
@inline function wheelUnlinkRefile(tp: usize, s: u32, sp: usize, due: u64, scanning: u64): void {
  wheelUnlink(tp, sp);
  if (due - scanning >= <u64>WHEEL_BUCKETS) due = scanning + WHEEL_BUCKETS - 1;
  wheelFile(tp, s, sp, due);
}

/** The tick at which the flow at sp is next due: idle, or at its active timeout, whichever comes first. */
@inline function dueTick(tp: usize, sp: usize): u64 {
  const idle = load<u64>(sp + FS_LAST) + idleLimit(tp, sp);
  const active = load<u64>(sp + FS_FIRST) + load<u64>(tp + T_ACTIVE_NS);
  return tickOf(idle < active ? idle : active);
}

/** Files a new flow for tick `due`, within the part of the wheel not yet looked at. */
@inline function fileNew(tp: usize, s: u32, sp: usize, due: u64): void {
  const base = load<u64>(tp + T_WHEEL_TICK);
  if (due < base) due = base; // a reordered packet older than the wheel's position
  if (due - base >= <u64>WHEEL_BUCKETS) due = base + WHEEL_BUCKETS - 1;
  wheelFile(tp, s, sp, due);
}

/**
 * Looks at every wheel bucket whose tick has passed: idle flows are exported, flows touched
 * since they were filed are re-filed by their real last packet. Stops early (and resumes on
 * a later call) when the output region runs low.
 */
function expireIdle(tp: usize): void {
  const nowTick = tickOf(now);
  let tick = load<u64>(tp + T_WHEEL_TICK);
  if (tick >= nowTick) return;
  // after a gap longer than the wheel, one turn over every bucket sees every flow
  const stop = nowTick - tick > <u64>WHEEL_BUCKETS ? tick + WHEEL_BUCKETS : nowTick;
  while (tick < stop) {
    while (true) {
      const s = wheelFirst(tp, tick);
      if (s == NIL) break;
      if (outputLow()) {
        store<u64>(tp + T_WHEEL_TICK, tick);
        return;
      }
      const sp = slotPtr(tp, s);
      if (now > load<u64>(sp + FS_LAST) + idleLimit(tp, sp)) {
        exportFlow(tp, s, END_IDLE);
      } else if (now >= load<u64>(sp + FS_FIRST) + load<u64>(tp + T_ACTIVE_NS)) {
        exportFlow(tp, s, END_ACTIVE); // a long flow whose packets stopped: cut at its active timeout
      } else {
        const due = dueTick(tp, sp);
        wheelUnlinkRefile(tp, s, sp, due > tick ? due : tick + 1, tick);
      }
    }
    tick++;
  }
  store<u64>(tp + T_WHEEL_TICK, nowTick);
}

/**
 * Advances the clock to `ts` when that is later (live sources call this when no packet
 * arrives) and expires idle flows. Returns 1 when done, 0 when the output must be drained first.
 */
export function advance(ts: u64): u32 {
  meterPending();
  if (ts > now) now = ts;
  store<u64>(STATUS_BASE + ST_NOW_NS, now);
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    expireIdle(tp);
    if (outputLow()) return 0;
  }
  return 1;
}

/**
 * After the system clock stepped (live): with every cache emptied by flushAll, the meter clock
 * is set to `ts` — earlier or later — and each wheel starts again at the next packet. Without
 * it a clock set back would freeze aging until the new time caught up with the old. Returns 1,
 * or 0 when a cache still holds flows.
 */
export function resetClock(ts: u64): u32 {
  meterPending();
  for (let t: u32 = 0; t < targetCount; t++) {
    if (load<u32>(targetPtr(t) + T_COUNT) != 0) return 0;
  }
  for (let t: u32 = 0; t < targetCount; t++) store<u32>(targetPtr(t) + T_WHEEL_STARTED, 0);
  now = ts;
  store<u64>(STATUS_BASE + ST_NOW_NS, now);
  return 1;
}

/** Exports every active flow with `reason`, oldest wheel bucket first. Returns 1 when all are out, 0 when the output must be drained first. */
export function flushAll(reason: u32): u32 {
  meterPending();
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    if (load<u32>(tp + T_COUNT) == 0) continue;
    // flows already idle by the last packet's time leave as idle, not as forced
    expireIdle(tp);
    if (load<u64>(tp + T_WHEEL_TICK) < tickOf(now) && load<u32>(tp + T_WHEEL_STARTED) != 0) return 0;
    // Each flow leaves the wheel as it is encoded but stays in the index until the whole
    // cache is reset at once: no per-flow index deletion. The host calls again until this
    // returns 1 before it meters anything more.
    const start = load<u64>(tp + T_WHEEL_TICK);
    for (let i: u32 = 0; i < WHEEL_BUCKETS; i++) {
      while (true) {
        const s = wheelFirst(tp, start + i);
        if (s == NIL) break;
        if (outputLow()) return 0;
        const sp = slotPtr(tp, s);
        encodeFlow(tp, s, sp, reason);
        wheelUnlink(tp, sp);
      }
    }
    tableReset(tp);
  }
  return sealAll();
}
