// The meter: parsed packets into every target's flow cache, and the aging that takes flows
// out again (inactive and active timeouts, TCP FIN/RST, cache full, end of input), each
// leaving flow handed to its target's format entry (encoder.ts) with its export context.
//
// TCP FIN/RST: a flow that sees one does not end at once (unless T_TCP_END_NS is 0) but
// after T_TCP_END_NS without packets, its idle timeout from then on: the final ACK and the
// other side's FIN, which follow within a round trip, join the flow instead of becoming
// one-packet flows of their own (softflowd's tcp.fin timeout does the same). It then ends as
// "end of flow detected" (IPFIX flowEndReason 3), also when the input ends first. A SYN
// without ACK in that time is a new connection on the same ports: the old flow ends then.
// Not on a target whose flows hold many connections (T_NO_TCP_END: a key without both ports,
// or aggregation, cache/key.ts): a FIN would cut the aggregate at every close, so only the
// timeouts end its flows.
//
// Time is the packets' own: `now` is the greatest packet time seen, so an offline run is
// deterministic and a reordered packet never moves the clock backwards.
//
// Packets are metered up to PEND_MAX at a time (as many as the output region has room for,
// output/units.ts). A first pass hashes each packet's key per target and loads its index
// entry and slot: the loads are independent, so the CPU overlaps their cache misses instead
// of waiting for one per packet. The second pass does the real work in packet order, on
// warm cache lines; the result is exactly as if each packet were metered alone.

import {
  STATUS_BASE, ST_NOW_NS, ST_CODE, ST_PACKETS, FS_PROTO, FS_TCP_FLAGS, FS_FIRST, FS_LAST, FS_NEXT, FS_BYTES,
  T_ENABLED, T_INACTIVE_NS, T_ACTIVE_NS, T_TCP_END_NS, T_EXPORTED, T_PACKETS, T_WHEEL_TICK, T_COUNT, T_WHEEL_STARTED,
  T_IDX_BASE, T_IDX_MASK, T_COUNTER_MAX, T_NO_TCP_END, T_ENCODER, T_SELECT, TARGET_MAX, TARGETS_BASE, TARGET_SIZE, NIL,
  C_READ, C_METERED, C_BYTES, C_IPV6, C_TIME_BACK, C_NO_MEMORY, C_COUNTER_SPLITS, C_UNSELECTED,
  PEND_BASE, PEND_MAX, PEND_ENTRY, PEND_HASH, PEND_KEY_HASH, PEND_SELECTED, PE_TS, PE_BYTES, PE_TTL, PE_TCP_FLAGS, PE_PKTTYPE, PE_VERSION,
  WHEEL_TICK_LOG2, WHEEL_BUCKETS, INDEX_SLOT_BITS, DERIVED_KEY, EXPORT_CONTEXT, X_MACS, X_REASON, WALK_OUTPUT_FULL,
  END_IDLE, END_ACTIVE, END_END_OF_FLOW, END_FORCED, END_LACK_OF_RESOURCES, T_FLOOD,
  FS_FLAGS, FLOW_LIVE, T_BUMP, OUTPUT_SIZE, C_LOOKUPS, C_PROBES, T_BYTES, T_LOOKUPS, T_PROBES,
} from "../layout";
import { count } from "../base/bytes";
import { pendCount, pendReset } from "../parse/queue";
import { walkPcap, walkPcapng, walkBatch, walkEnd, walked, WALK_PCAP, WALK_PCAPNG, WALK_QUEUE_FULL } from "../parse/walk";
import { outPos, setOutPos, roomFor, packetRoom, setReserves, JSON_UNIT_MAX } from "../output/units";
import { formatOf, Format } from "./encoder";
import { hashKey, keyDerived, deriveKey } from "./key";
import { macsOn, macsRemember, pendingMacs, flowMacs } from "./macs";
import { selectorsOn, selectMark } from "./select";
import { countersOn, countPending } from "./nfacct";
import { flowPrefixes, prefixesOn } from "./prefixes";
import { flowRoute } from "./routes";
import { floodPacket } from "./flood";
import { targetPtr, slotPtr, tableFind, foundPtr, tableCreate, tableRemove, tableReset, slotAccount, findCalls, findProbes, findCountsTaken } from "./table";
import { wheelFile, wheelFirst, wheelUnlink } from "./wheel";

let now: u64 = 0;
let targetCount: u32 = 0;
let prefetchSink: u32 = 0;

// The search metric per target: the table counts every lookup in two Wasm globals
// (table.ts findCalls, findProbes), which the batch's end adds into C_LOOKUPS and C_PROBES.
// Their growth since `searchMark*` belongs to target `searchTarget`; when a lookup of another
// target comes, that growth goes into searchTarget's T_LOOKUPS and T_PROBES first. One target
// (or targets whose selectors take apart packets in runs) pays one compare per lookup and two
// adds per batch; targets that all take every packet pay two adds per lookup, beside the
// T_PACKETS and T_BYTES ones there already.
let searchTarget: u32 = 0;
let searchMarkCalls: u64 = 0;
let searchMarkProbes: u64 = 0;

/** The globals' growth since the mark into target searchTarget's counters; the mark moves up. */
function searchFlush(): void {
  const tp = targetPtr(searchTarget);
  store<u64>(tp + T_LOOKUPS, load<u64>(tp + T_LOOKUPS) + (findCalls - searchMarkCalls));
  store<u64>(tp + T_PROBES, load<u64>(tp + T_PROBES) + (findProbes - searchMarkProbes));
  searchMarkCalls = findCalls;
  searchMarkProbes = findProbes;
}

const TCP_FIN_RST: u32 = 0x01 | 0x04;
const TCP_SYN: u32 = 0x02;
const TCP_SYN_ACK: u32 = 0x12;
const SLOT_MASK: u32 = (1 << INDEX_SLOT_BITS) - 1;
/** Re-filings allowed while looking for an eviction victim before taking one as it is. */
const EVICT_REFILE_LIMIT: u32 = 64;
/** Flows one packet may make a target export at most: the one it finds timed out (or cut at
 * the counter limit), an eviction when the cache is full, its own at FIN/RST. */
const EXPORTS_PER_PACKET: usize = 3;

@inline function targetOf(tp: usize): u32 {
  return <u32>((tp - TARGETS_BASE) / TARGET_SIZE);
}

/** Recomputes the output reserves (output/units.ts) after targets or destinations changed. */
export function setTargetCount(n: u32): void {
  targetCount = n > TARGET_MAX ? TARGET_MAX : n;
  let sum: usize = 0;
  let most: usize = JSON_UNIT_MAX;
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENCODER) == 0) continue;
    const m = formatOf(tp).exportMax(tp);
    sum += m;
    if (m > most) most = m;
  }
  setReserves(EXPORTS_PER_PACKET * sum, most);
}

/** Bit t set for each enabled target t. */
function enabledMask(): u32 {
  let m: u32 = 0;
  for (let t: u32 = 0; t < targetCount; t++) if (load<u32>(targetPtr(t) + T_ENABLED) != 0) m |= 1 << t;
  return m;
}

export function getTargetCount(): u32 {
  return targetCount;
}

/**
 * One walk call: the walker `kind` (parse/walk.ts) over the input region from its start,
 * `len` bytes (a batch: `len` records; a, b, c, d: the walker's own arguments), its packets
 * metered as the queue fills. Returns the bytes consumed and leaves a WALK_* code and the
 * packets walked in the status block; WALK_OUTPUT_FULL when the output region must be
 * drained first. Nothing stays queued when the host has control.
 */
export function meterWalk(kind: u32, len: u32, a: u32, b: u32, c: u32, d: u32): u32 {
  let p: u32 = 0;
  let n: u32 = 0;
  let end: u32;
  while (true) {
    const room = packetRoom();
    if (room == 0) {
      end = WALK_OUTPUT_FULL;
      break;
    }
    pendReset(room);
    if (kind == WALK_PCAP) p = walkPcap(p, len, a != 0, b != 0, c, d);
    else if (kind == WALK_PCAPNG) p = walkPcapng(p, len, a != 0);
    else p = walkBatch(p, len - n);
    n += walked;
    meterPending();
    end = walkEnd;
    if (end != WALK_QUEUE_FULL) break;
  }
  count(C_READ, n);
  store<u32>(STATUS_BASE + ST_CODE, end);
  store<u32>(STATUS_BASE + ST_PACKETS, n);
  return p;
}

/** Seals every target's partly filled datagram. Returns 1 when done, 0 when the output must be drained first. */
export function sealAll(): u32 {
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENCODER) == 0) continue;
    if (!roomFor(0)) return 0;
    setOutPos(formatOf(tp).seal(t, tp, outPos));
  }
  return 1;
}

/**
 * After the last seal: each collector of an IPFIX or v9 target gets one message with the
 * templates and the final statistics (the format's stats; nothing for the others). Returns 1
 * when done, 0 when the output must be drained first (call again: targets already done are
 * not sent twice).
 */
let statsDone: u32 = 0;
export function statsAll(): u32 {
  for (let t: u32 = 0; t < targetCount; t++) {
    if ((statsDone & (1 << t)) != 0) continue;
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENCODER) == 0) continue;
    if (!roomFor(0)) return 0;
    setOutPos(formatOf(tp).stats(t, tp, outPos));
    statsDone |= 1 << t;
  }
  statsDone = 0;
  return 1;
}

export function meterNow(): u64 {
  return now;
}

@inline function tickOf(ns: u64): u64 {
  return ns >> WHEEL_TICK_LOG2;
}

/** Whether the flow at sp of target tp is TCP and saw a FIN or RST (it then waits T_TCP_END_NS
 * for its last packets), on a target where that ends flows. */
@inline function tcpEnded(tp: usize, sp: usize): bool {
  return (<u32>load<u8>(sp + FS_TCP_FLAGS) & TCP_FIN_RST) != 0 && load<u8>(sp + FS_PROTO) == 6 && load<u32>(tp + T_NO_TCP_END) == 0;
}

/** How long the flow at sp may go without a packet before it ends. */
@inline function idleLimit(tp: usize, sp: usize): u64 {
  return tcpEnded(tp, sp) ? load<u64>(tp + T_TCP_END_NS) : load<u64>(tp + T_INACTIVE_NS);
}

/** Encodes the flow in slot s (at sp) with its end reason: its export context (route, next
 * hop, direction, MACs, reason; AS numbers and prefix lengths when a prefix table is loaded) made, then its target's format called. A flow that saw FIN or
 * RST and leaves by idling (or because the input ended) ends as "end of flow detected". */
@inline function encodeFlow(tp: usize, s: u32, sp: usize, reason: u32): void {
  if ((reason == END_IDLE || reason == END_FORCED) && tcpEnded(tp, sp)) reason = END_END_OF_FLOW;
  setOutPos(formatOf(tp).record(targetOf(tp), tp, sp, exportContext(tp, s, sp, reason), outPos));
  const a = tp + T_EXPORTED + (<usize>reason << 3);
  store<u64>(a, load<u64>(a) + 1);
}

/** The export context of the flow in slot s (at sp): its route, next hop, direction, AS numbers
 * and prefix lengths (with a prefix table), MACs and end reason, for a format's record writer. */
@inline function exportContext(tp: usize, s: u32, sp: usize, reason: u32): usize {
  const x = EXPORT_CONTEXT;
  flowRoute(tp, sp, x);
  if (prefixesOn()) flowPrefixes(tp, sp, x);
  store<u32>(x + X_MACS, <u32>flowMacs(tp, s));
  store<u32>(x + X_REASON, reason);
  return x;
}

/** Encodes slot s of target tp as an exported flow, then frees the slot. */
function exportFlow(tp: usize, s: u32, reason: u32): void {
  encodeFlow(tp, s, slotPtr(tp, s), reason);
  tableRemove(tp, s);
}

/** Where the hashes of target t's keys of the pending packets are (u32 each, pass 1 makes
 * them): its own when it derives its key, else the full keys'. */
@inline function hashesOf(tp: usize, t: u32): usize {
  return keyDerived(tp) ? PEND_KEY_HASH + ((<usize>t * PEND_MAX) << 2) : PEND_HASH;
}

/** Whether pending packet i is one target t's selector chose (where some target has a selector, pass 1 marks them). */
@inline function chosen(t: u32, i: u32): bool {
  return (load<u32>(PEND_SELECTED + (<usize>i << 2)) & (1 << t)) != 0;
}

/** Meters the queued packets (meterWalk calls it as the queue fills). */
export function meterPending(): void {
  const n = pendCount;
  if (n == 0) return;
  pendReset(PEND_MAX);
  // pass 1: hash each packet's key — the full key's once, a target's own key where it
  // derives one — and touch its index entry and slot so their misses overlap. Where targets
  // have selectors, each target's verdict on each packet is made here first (a bit per
  // target in PEND_SELECTED, every bit set for a target without one), and a target's
  // hashing and touching skip the packets it did not choose.
  for (let i: u32 = 0; i < n; i++) store<u32>(PEND_HASH + (<usize>i << 2), hashKey(PEND_BASE + <usize>i * PEND_ENTRY));
  // the named counters (nfacct.ts) see every pending packet, whatever the targets choose
  if (countersOn()) countPending(n);
  const selecting = selectorsOn();
  const enabled = selecting ? enabledMask() : 0;
  if (selecting) memory.fill(PEND_SELECTED, 0, <usize>n << 2);
  let sink: u32 = 0;
  for (let t: u32 = 0; t < targetCount; t++) {
    const tp = targetPtr(t);
    if (load<u32>(tp + T_ENABLED) == 0) continue;
    const prog = <usize>load<u32>(tp + T_SELECT);
    if (prog != 0) selectMark(prog, t, n);
    else if (selecting) {
      for (let i: u32 = 0; i < n; i++) {
        const a = PEND_SELECTED + (<usize>i << 2);
        store<u32>(a, load<u32>(a) | (1 << t));
      }
    }
    if (keyDerived(tp)) {
      for (let i: u32 = 0; i < n; i++) {
        if (prog != 0 && !chosen(t, i)) continue;
        deriveKey(tp, PEND_BASE + <usize>i * PEND_ENTRY, DERIVED_KEY);
        store<u32>(PEND_KEY_HASH + ((<usize>t * PEND_MAX + <usize>i) << 2), hashKey(DERIVED_KEY));
      }
    }
    const hashes = hashesOf(tp, t);
    const idx = <usize>load<u32>(tp + T_IDX_BASE);
    const mask = load<u32>(tp + T_IDX_MASK);
    for (let i: u32 = 0; i < n; i++) {
      if (prog != 0 && !chosen(t, i)) continue;
      const entry = load<u32>(idx + (<usize>(load<u32>(hashes + (<usize>i << 2)) & mask) << 2));
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
    const ts = load<u64>(e + PE_TS);
    if (ts < now) count(C_TIME_BACK);
    else now = ts;
    const nowTick = tickOf(now);
    // the targets that chose this packet (bit t); every one when no target has a selector
    const picks = selecting ? load<u32>(PEND_SELECTED + (<usize>i << 2)) : <u32>0xffffffff;
    let into = false;
    for (let t: u32 = 0; t < targetCount; t++) {
      const tp = targetPtr(t);
      if (load<u32>(tp + T_ENABLED) == 0) continue;
      if (load<u32>(tp + T_WHEEL_STARTED) == 0) {
        // the wheel starts at the first packet's tick (which may be tick 0: a capture at the epoch)
        store<u64>(tp + T_WHEEL_TICK, nowTick);
        store<u32>(tp + T_WHEEL_STARTED, 1);
      }
      // idle flows leave first, so a new flow is filed against the wheel's current position;
      // they leave room for this packet and the ones after it
      if (nowTick > load<u64>(tp + T_WHEEL_TICK)) expireIdle(tp, n - i);
      if ((picks & (1 << t)) == 0) continue;
      let k = e;
      let h = load<u32>(PEND_HASH + (<usize>i << 2));
      if (keyDerived(tp)) {
        deriveKey(tp, e, DERIVED_KEY);
        k = DERIVED_KEY;
        h = load<u32>(PEND_KEY_HASH + ((<usize>t * PEND_MAX + <usize>i) << 2));
      }
      if (t != searchTarget) {
        searchFlush();
        searchTarget = t;
      }
      if (meterInto(tp, i, e, k, h, ts)) into = true;
    }
    if (!into) {
      // a packet some target chose but none had room for is a lack of memory; one that no
      // target chose is unselected (read = metered + unselected + non-IP + skipped)
      count(selecting && (picks & enabled) == 0 ? C_UNSELECTED : C_NO_MEMORY);
      continue;
    }
    metered++;
    bytes += load<u32>(e + PE_BYTES);
    if (load<u8>(e + PE_VERSION) == 6) v6++;
  }
  count(C_METERED, metered);
  count(C_BYTES, bytes);
  count(C_IPV6, v6);
  searchFlush();
  count(C_LOOKUPS, findCalls);
  count(C_PROBES, findProbes);
  findCountsTaken();
  searchMarkCalls = 0;
  searchMarkProbes = 0;
}

/** A new flow for pending packet i (entry e) with key k in target tp, filed in the wheel. NIL when the cache has no slot. */
function newFlow(tp: usize, i: u32, e: usize, k: usize, h: u32, ts: u64): u32 {
  const s = tableCreate(tp, k, h, ts, <u32>load<u8>(e + PE_PKTTYPE));
  if (s == NIL) return NIL;
  const sp = slotPtr(tp, s);
  fileNew(tp, s, sp, dueTick(tp, sp));
  if (macsOn(tp)) macsRemember(tp, s, pendingMacs(i));
  return s;
}

/** Meters pending packet i (entry e: the packet; k: target tp's key of it, hash h) into tp. */
@inline function meterInto(tp: usize, i: u32, e: usize, k: usize, h: u32, ts: u64): bool {
  let s = tableFind(tp, k, h);
  let sp = foundPtr;
  if (s != NIL) {
    // A flow whose time is up is exported before this packet starts its successor; so is a
    // closing TCP flow when a new connection reuses its ports (a SYN without ACK).
    if (ts > load<u64>(sp + FS_LAST) + idleLimit(tp, sp) ||
      ((<u32>load<u8>(e + PE_TCP_FLAGS) & TCP_SYN_ACK) == TCP_SYN && tcpEnded(tp, sp))) {
      exportFlow(tp, s, END_IDLE);
      s = NIL;
    } else if (ts >= load<u64>(sp + FS_FIRST) + load<u64>(tp + T_ACTIVE_NS)) {
      exportFlow(tp, s, END_ACTIVE);
      s = NIL;
    }
  }
  if (s == NIL) {
    s = newFlow(tp, i, e, k, h, ts);
    if (s == NIL) {
      if (!evictOne(tp)) return false;
      s = newFlow(tp, i, e, k, h, ts);
      if (s == NIL) return false;
    }
    sp = slotPtr(tp, s);
  }
  const tcpFlags = <u32>load<u8>(e + PE_TCP_FLAGS);
  const counterMax = load<u64>(tp + T_COUNTER_MAX);
  if (counterMax != 0 && load<u64>(sp + FS_BYTES) + <u64>load<u32>(e + PE_BYTES) > counterMax) {
    // the format counts in fewer bits (NetFlow v5: 32): this flow leaves before it would
    // wrap, and goes on as a new one (bytes always wrap first: every packet is at least 20 bytes)
    count(C_COUNTER_SPLITS);
    exportFlow(tp, s, END_ACTIVE);
    s = newFlow(tp, i, e, k, h, ts);
    if (s == NIL) return false; // the slot just freed is taken again: cannot fail
    sp = slotPtr(tp, s);
  }
  slotAccount(sp, ts, load<u32>(e + PE_BYTES), <u32>load<u8>(e + PE_TTL), tcpFlags);
  store<u64>(tp + T_PACKETS, load<u64>(tp + T_PACKETS) + 1);
  store<u64>(tp + T_BYTES, load<u64>(tp + T_BYTES) + <u64>load<u32>(e + PE_BYTES));
  // flood detection (cache/flood.ts): one branch for a target without it
  const fb = <usize>load<u32>(tp + T_FLOOD);
  if (fb != 0) floodPacket(targetOf(tp), fb, s, sp, e, now);
  if ((tcpFlags & TCP_FIN_RST) != 0 && load<u8>(e + FS_PROTO) == 6 && load<u32>(tp + T_NO_TCP_END) == 0) {
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
 * a later call) when the output region has no room for another flow beside the `packets`
 * pending packets still to be metered.
 */
function expireIdle(tp: usize, packets: u32): void {
  const nowTick = tickOf(now);
  let tick = load<u64>(tp + T_WHEEL_TICK);
  if (tick >= nowTick) return;
  // after a gap longer than the wheel, one turn over every bucket sees every flow
  const stop = nowTick - tick > <u64>WHEEL_BUCKETS ? tick + WHEEL_BUCKETS : nowTick;
  while (tick < stop) {
    while (true) {
      const s = wheelFirst(tp, tick);
      if (s == NIL) break;
      if (!roomFor(packets)) {
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
    expireIdle(tp, 0);
    if (!roomFor(0)) return 0;
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
    if (flushOne(targetPtr(t), reason) == 0) return 0;
  }
  return sealAll();
}

/** Exports every active flow of target tp with `reason`. 1 when all are out, 0 when the output must be drained first. */
function flushOne(tp: usize, reason: u32): u32 {
  if (load<u32>(tp + T_ENABLED) == 0) return 1;
  if (load<u32>(tp + T_COUNT) == 0) return 1;
  // flows already idle by the last packet's time leave as idle, not as forced
  expireIdle(tp, 0);
  if (load<u64>(tp + T_WHEEL_TICK) < tickOf(now) && load<u32>(tp + T_WHEEL_STARTED) != 0) return 0;
  // Each flow leaves the wheel as it is encoded but stays in the index until the whole
  // cache is reset at once: no per-flow index deletion. The host calls again until this
  // returns 1 before it meters anything more.
  const start = load<u64>(tp + T_WHEEL_TICK);
  for (let i: u32 = 0; i < WHEEL_BUCKETS; i++) {
    while (true) {
      const s = wheelFirst(tp, start + i);
      if (s == NIL) break;
      if (!roomFor(0)) return 0;
      const sp = slotPtr(tp, s);
      encodeFlow(tp, s, sp, reason);
      wheelUnlink(tp, sp);
    }
  }
  tableReset(tp);
  return 1;
}

/**
 * A reload takes target t away or reconfigures it: every flow of it is exported with
 * `reason` and its partly filled datagram sealed, the other targets untouched. Returns 1
 * when done, 0 when the output must be drained first (call again: packets metered in
 * between are its flows too, exported by the next call).
 */
export function flushTarget(t: u32, reason: u32): u32 {
  meterPending();
  if (t >= targetCount) return 1;
  const tp = targetPtr(t);
  if (flushOne(tp, reason) == 0) return 0;
  if (load<u32>(tp + T_ENCODER) == 0) return 1;
  if (!roomFor(0)) return 0;
  setOutPos(formatOf(tp).seal(t, tp, outPos));
  return 1;
}

/** After flushTarget: target t's collectors get its templates and final statistics (as
 * statsAll gives every target at the end). 1 when done, 0 when the output must be drained first. */
export function statsTarget(t: u32): u32 {
  if (t >= targetCount) return 1;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_ENCODER) == 0) return 1;
  if (!roomFor(0)) return 0;
  setOutPos(formatOf(tp).stats(t, tp, outPos));
  return 1;
}

/** Target t is gone (its descriptor cleared): the targets walked are those up to the last
 * one configured, and the output reserves follow the ones left. */
export function targetGone(): void {
  let n: u32 = 0;
  for (let t: u32 = 0; t < targetCount; t++) if (load<u32>(targetPtr(t) + T_ENABLED) != 0) n = t + 1;
  setTargetCount(n);
}

/**
 * dump-flows (the control socket, between two walks): target t's active flows from slot
 * `from` on, each written by the format entry at `json` (the JSON lines format: the target's
 * key list when it has one, else the default line) into a JSON unit of target t. The flows
 * stay as they are: nothing counted, nothing unlinked. Packets still queued (not yet metered:
 * the last walk's tail) are not in them. Returns the slot to go on from once the host has read
 * and reset the output region, or NIL when every slot is done. The host calls it with the
 * region empty, so the units it reads are all the dump's.
 */
export function dumpFlows(t: u32, from: u32, json: usize): u32 {
  if (t >= targetCount) return NIL;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_ENABLED) == 0) return NIL;
  const carved = load<u32>(tp + T_BUMP);
  const f = changetype<Format>(json);
  for (let s = from; s < carved; s++) {
    const sp = slotPtr(tp, s);
    if ((<u32>load<u8>(sp + FS_FLAGS) & FLOW_LIVE) == 0) continue;
    if (outPos + JSON_UNIT_MAX > <usize>OUTPUT_SIZE) return s;
    setOutPos(f.record(t, tp, sp, exportContext(tp, s, sp, 0), outPos));
  }
  return NIL;
}
