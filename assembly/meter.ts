// The meter: one parsed packet into every target's flow cache, and the aging that takes
// flows out again (inactive and active timeouts, TCP FIN/RST, cache full, end of input).
// Time is the packets' own: `now` is the greatest packet time seen, so an offline run is
// deterministic and a reordered packet never moves the clock backwards.

import {
  STATS_BASE, STATUS_BASE, ST_NOW_NS, KEY_BASE, FS_PROTO, FS_FIRST, FS_LAST,
  T_ENABLED, T_LRU_HEAD, T_INACTIVE_NS, T_ACTIVE_NS, T_EXPORTED, T_PACKETS, T_FORMAT,
  TARGET_MAX, NIL, OUTPUT_SIZE, OUTPUT_RECORD_MAX, FORMAT_JSON,
  C_READ, C_METERED, C_BYTES, C_IPV6, C_TIME_BACK, C_NO_MEMORY,
  END_IDLE, END_ACTIVE, END_END_OF_FLOW, END_LACK_OF_RESOURCES,
} from "./layout";
import { parsePacket, PARSE_OK, pBytes, pTtl, pTcpFlags, pPkttype, pIfindex, pVersion, keySetIf } from "./parse";
import {
  hashKey, targetPtr, slotPtr, tableFind, tableCreate, tableRemove, lruTouch, slotAccount,
} from "./table";
import { jsonFlow } from "./json";

let now: u64 = 0;
export let outPos: usize = 0;
let targetCount: u32 = 0;
/** Output bytes that must be free before a packet is metered: each target may export up to
 * three flows for one packet (timeout found on update, eviction, FIN/RST). */
let packetReserve: usize = 3 * OUTPUT_RECORD_MAX;

const TCP_FIN_RST: u32 = 0x01 | 0x04;

@inline export function count(c: u32, n: u64 = 1): void {
  const a = STATS_BASE + (<usize>c << 3);
  store<u64>(a, load<u64>(a) + n);
}

export function setTargetCount(n: u32): void {
  targetCount = n > TARGET_MAX ? TARGET_MAX : n;
  packetReserve = 3 * OUTPUT_RECORD_MAX * <usize>targetCount;
}

@inline export function outputLow(): bool {
  return outPos + packetReserve + OUTPUT_RECORD_MAX > OUTPUT_SIZE;
}

export function outputReset(): void {
  outPos = 0;
}

export function meterNow(): u64 {
  return now;
}

/** Encodes slot s of target tp as an exported flow, then frees the slot. */
function exportFlow(tp: usize, s: u32, reason: u32): void {
  const sp = slotPtr(tp, s);
  const format = load<u32>(tp + T_FORMAT);
  if (format == FORMAT_JSON) outPos = jsonFlow(outPos, sp, reason);
  const a = tp + T_EXPORTED + (<usize>reason << 3);
  store<u64>(a, load<u64>(a) + 1);
  tableRemove(tp, s);
}

/** Meters one packet. Called by the walkers for every record; never by the host. */
export function processPacket(ts: u64, wirelen: u32, caplen: u32, ifindex: u32, pkttype: u32,
  linktype: u32, vlanTci: u32, vlanTpid: u32, p: usize): void {
  count(C_READ);
  const r = parsePacket(p, caplen, wirelen, linktype, ifindex, pkttype, vlanTci, vlanTpid);
  if (r != PARSE_OK) {
    count(r);
    return;
  }
  keySetIf(pIfindex);
  if (ts < now) count(C_TIME_BACK);
  else now = ts;
  const h = hashKey(KEY_BASE);
  let metered = false;
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    if (meterInto(tp, h, ts)) metered = true;
    expireIdle(tp);
  }
  if (!metered) {
    count(C_NO_MEMORY);
    return;
  }
  count(C_METERED);
  count(C_BYTES, pBytes);
  if (pVersion == 6) count(C_IPV6);
}

@inline function meterInto(tp: usize, h: u32, ts: u64): bool {
  let s = tableFind(tp, h);
  if (s != NIL) {
    // A flow whose time is up is exported before this packet starts its successor.
    const sp = slotPtr(tp, s);
    if (ts > load<u64>(sp + FS_LAST) + load<u64>(tp + T_INACTIVE_NS)) {
      exportFlow(tp, s, END_IDLE);
      s = NIL;
    } else if (ts >= load<u64>(sp + FS_FIRST) + load<u64>(tp + T_ACTIVE_NS)) {
      exportFlow(tp, s, END_ACTIVE);
      s = NIL;
    }
  }
  if (s == NIL) {
    s = tableCreate(tp, h, ts, pPkttype);
    if (s == NIL) {
      // cache full: the least recently used flow leaves early
      const head = load<u32>(tp + T_LRU_HEAD);
      if (head == NIL) return false;
      exportFlow(tp, head, END_LACK_OF_RESOURCES);
      s = tableCreate(tp, h, ts, pPkttype);
      if (s == NIL) return false;
    }
  }
  const sp = slotPtr(tp, s);
  slotAccount(sp, ts, pBytes, pTtl, pTcpFlags);
  lruTouch(tp, s, sp);
  store<u64>(tp + T_PACKETS, load<u64>(tp + T_PACKETS) + 1);
  if ((pTcpFlags & TCP_FIN_RST) != 0 && load<u8>(KEY_BASE + FS_PROTO) == 6) {
    exportFlow(tp, s, END_END_OF_FLOW);
  }
  return true;
}

/** Exports flows idle for longer than the inactive timeout, oldest first, while output room lasts. */
function expireIdle(tp: usize): void {
  const inactive = load<u64>(tp + T_INACTIVE_NS);
  while (true) {
    const head = load<u32>(tp + T_LRU_HEAD);
    if (head == NIL) return;
    if (now <= load<u64>(slotPtr(tp, head) + FS_LAST) + inactive) return;
    if (outputLow()) return; // finished on a later call
    exportFlow(tp, head, END_IDLE);
  }
}

/**
 * Advances the clock to `ts` when that is later (live sources call this when no packet
 * arrives) and expires idle flows. Returns 1 when done, 0 when the output must be drained first.
 */
export function advance(ts: u64): u32 {
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

/** Exports every active flow with `reason`. Returns 1 when all are out, 0 when the output must be drained first. */
export function flushAll(reason: u32): u32 {
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    while (true) {
      const head = load<u32>(tp + T_LRU_HEAD);
      if (head == NIL) break;
      if (outputLow()) return 0;
      exportFlow(tp, head, reason);
    }
  }
  return 1;
}
