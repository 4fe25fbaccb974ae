// Flood detection (--flood-pps, --flood-new-flows; the 2001 flow-cache RFC's "more than
// some-high-value pps"), per target and only where a target asks for it, in meter time.
//
// * A flow's packets in the current second of meter time: the slot has no room, so each flow
//   has an 8-byte rate entry in a side table, in chunks parallel to the slot chunks (as
//   macs.ts keeps MACs): [u32 the second, u32 its packets in that second, bit 31 = alerted].
// * A source's new flows in the current second: a count-min sketch of FLOOD_SKETCH_ROWS rows
//   of FLOOD_SKETCH_WIDTH u32 counters (16 KiB per target, whatever the number of sources),
//   zeroed when the second changes. It never counts low; it counts high by at most e/width
//   (0.27%) of the second's new flows with probability 1 - e^-rows (98%) (Cormode and
//   Muthukrishnan's bound), so a source is alerted for at most a little more than it did.
//
// Fixed windows of one second (ns / 1e9 of the meter clock): a flow or a source is alerted
// once in a second, at the packet that takes its count over the limit, so the alert leaves
// the core with the next drain (after the walk call) — live, within the batch's time, not at
// the second's end (which the host tick reaches only its ring lag later). The alert carries
// the count and the time it came in (since the second began, or since the flow's first
// packet in it), from which the host gives the rate. A burst that straddles two seconds is
// judged in each of them. The host holds repeated alerts off (src/flood/).

import {
  T_FLOOD, FL_SECOND, FL_PPS, FL_NEW_FLOWS, FL_RATES, FL_SKETCH, FL_MARKS, FL_END,
  FLOOD_SKETCH_ROWS, FLOOD_SKETCH_WIDTH, FLOOD_MARK_BITS, FLOOD_RATE_SIZE,
  ALERT_SIZE, ALERT_MAX, ALERT_REGION_SIZE, AR_COUNT, AR_LOST, AR_ALERTS,
  AL_KIND, AL_TARGET, AL_COUNT, AL_VERSION, AL_PROTO, AL_SPORT, AL_DPORT, AL_FIRST, AL_SRC, AL_DST, AL_SPAN_NS,
  FLOOD_KIND_PPS, FLOOD_KIND_NEW_FLOWS, STATUS_BASE, ST_ALERTS,
  CHUNK_TABLE_MAX, CHUNK_SLOTS, CHUNK_SLOTS_LOG2, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_VERSION, FS_PACKETS, FS_FIRST,
} from "../layout";
import { heapAlloc, heapFree } from "../base/heap";

const NS_PER_S: u64 = 1000000000;
const ALERTED: u32 = 0x80000000;
const COUNT_MASK: u32 = 0x7fffffff;
const SKETCH_BYTES: usize = <usize>FLOOD_SKETCH_ROWS * FLOOD_SKETCH_WIDTH * 4;
const RATE_CHUNK_BYTES: usize = <usize>CHUNK_SLOTS * FLOOD_RATE_SIZE;

/** Once per target at start (configureFlood): flows over `pps` packets in a second, sources
 * over `newFlows` new flows in a second are alerted (0: that kind off; both 0: no detection).
 * Returns 0, or 1 without memory. */
export function floodInit(tp: usize, pps: u32, newFlows: u32): u32 {
  if (pps == 0 && newFlows == 0) return 0;
  if (load<u32>(STATUS_BASE + ST_ALERTS) == 0) {
    const region = heapAlloc(ALERT_REGION_SIZE);
    if (region == 0) return 1;
    store<u32>(STATUS_BASE + ST_ALERTS, <u32>region);
  }
  const fb = heapAlloc(FL_END);
  if (fb == 0) return 1;
  if (pps != 0) {
    const rates = heapAlloc(<usize>CHUNK_TABLE_MAX * 4);
    if (rates == 0) {
      heapFree(fb, FL_END);
      return 1;
    }
    store<u32>(fb + FL_RATES, <u32>rates);
  }
  store<u32>(fb + FL_PPS, pps);
  store<u32>(fb + FL_NEW_FLOWS, newFlows);
  store<u32>(tp + T_FLOOD, <u32>fb);
  return 0;
}

/** Gives target tp's flood block and rate chunks back to the heap (a reload took it away or
 * reconfigures it); the descriptor still names the block: the caller clears it. */
export function floodRelease(tp: usize): void {
  const fb = <usize>load<u32>(tp + T_FLOOD);
  if (fb == 0) return;
  const rates = <usize>load<u32>(fb + FL_RATES);
  if (rates != 0) {
    for (let c: u32 = 0; c < CHUNK_TABLE_MAX; c++) heapFree(<usize>load<u32>(rates + (<usize>c << 2)), RATE_CHUNK_BYTES);
    heapFree(rates, <usize>CHUNK_TABLE_MAX * 4);
  }
  heapFree(fb, FL_END);
}

/** The rate entry of slot s (its chunk taken from the heap at the chunk's first flow); 0 without memory. */
@inline function rateEntry(fb: usize, s: u32): usize {
  const entry = <usize>load<u32>(fb + FL_RATES) + (<usize>(s >> CHUNK_SLOTS_LOG2) << 2);
  let chunk = <usize>load<u32>(entry);
  if (chunk == 0) {
    chunk = heapAlloc(RATE_CHUNK_BYTES);
    if (chunk == 0) return 0;
    store<u32>(entry, <u32>chunk);
  }
  return chunk + <usize>(s & (CHUNK_SLOTS - 1)) * FLOOD_RATE_SIZE;
}

/** A 64-bit mix of a 16-byte address and its version (murmur3's fmix64 over both halves). */
@inline function mix(a: u64, b: u64, v: u64): u64 {
  let h = a ^ (b * 0x9e3779b97f4a7c15) ^ (v << 56);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >> 33;
  return h;
}

/** The count-min estimate of the source at `src` (version v) after `add` more new flows
 * (Kirsch and Mitzenmacher: row i's counter at h1 + i·h2). */
function sketchAdd(fb: usize, src: usize, v: u32, add: u32): u32 {
  const h = mix(load<u64>(src), load<u64>(src + 8), <u64>v);
  const h1 = <u32>h;
  const h2 = <u32>(h >> 32) | 1;
  let est: u32 = 0xffffffff;
  for (let r: u32 = 0; r < FLOOD_SKETCH_ROWS; r++) {
    const a = fb + FL_SKETCH + ((<usize>r * FLOOD_SKETCH_WIDTH + <usize>((h1 + r * h2) & (FLOOD_SKETCH_WIDTH - 1))) << 2);
    const c = load<u32>(a) + add;
    if (add != 0) store<u32>(a, c);
    if (c < est) est = c;
  }
  return est;
}

/** Whether the source at `src` was alerted this second, marking it so (its mark bit, by a hash of its own). */
function markSource(fb: usize, src: usize, v: u32): bool {
  const bit = <u32>(mix(load<u64>(src + 8), load<u64>(src), <u64>v) >> 40) & (FLOOD_MARK_BITS - 1);
  const a = fb + FL_MARKS + (<usize>(bit >> 3));
  const m = <u32>load<u8>(a);
  const b = <u32>1 << (bit & 7);
  if ((m & b) != 0) return true;
  store<u8>(a, <u8>(m | b));
  return false;
}

/** An alert into the alert region (counted as lost when it is full): kind, target t, the
 * key at k (a flow's, or a packet's for its source), `count` over the limit in `span` ns. */
function alert(t: u32, kind: u32, k: usize, count: u32, span: u64, now: u64): void {
  const region = <usize>load<u32>(STATUS_BASE + ST_ALERTS);
  const n = load<u32>(region + AR_COUNT);
  if (n >= ALERT_MAX) {
    store<u32>(region + AR_LOST, load<u32>(region + AR_LOST) + 1);
    return;
  }
  const a = region + AR_ALERTS + <usize>n * ALERT_SIZE;
  memory.fill(a, 0, ALERT_SIZE);
  store<u32>(a + AL_KIND, kind);
  store<u32>(a + AL_TARGET, t);
  store<u32>(a + AL_COUNT, count);
  store<u8>(a + AL_VERSION, load<u8>(k + FS_VERSION));
  store<u64>(a + AL_FIRST, now);
  memory.copy(a + AL_SRC, k + FS_SRC, 16);
  store<u64>(a + AL_SPAN_NS, span);
  if (kind == FLOOD_KIND_PPS) {
    store<u8>(a + AL_PROTO, load<u8>(k + FS_PROTO));
    store<u16>(a + AL_SPORT, load<u16>(k + FS_SPORT));
    store<u16>(a + AL_DPORT, load<u16>(k + FS_DPORT));
    memory.copy(a + AL_DST, k + FS_DST, 16);
  }
  store<u32>(region + AR_COUNT, n + 1);
}

/** A new second of meter time for target tp's flood block: the sketch and the marks start again at zero. */
@inline function roll(fb: usize, sec: u64): void {
  if (load<u32>(fb + FL_NEW_FLOWS) != 0) memory.fill(fb + FL_SKETCH, 0, SKETCH_BYTES + FLOOD_MARK_BITS / 8);
  store<u64>(fb + FL_SECOND, sec);
}

/**
 * Per packet metered into target t when it detects floods (fb: its flood block), after the
 * packet was counted into slot s (at sp; a new flow's first packet makes FS_PACKETS 1); e:
 * the packet's full key (its source counts, whatever the target's key keeps of it).
 */
export function floodPacket(t: u32, fb: usize, s: u32, sp: usize, e: usize, now: u64): void {
  const sec = now / NS_PER_S;
  if (sec != load<u64>(fb + FL_SECOND)) roll(fb, sec);
  const began = sec * NS_PER_S;
  const fresh = load<u64>(sp + FS_PACKETS) == 1;
  const pps = load<u32>(fb + FL_PPS);
  if (pps != 0) {
    const r = rateEntry(fb, s);
    if (r != 0) {
      let c: u32 = 1;
      if (!fresh && load<u32>(r) == <u32>sec) c = load<u32>(r + 4) + 1;
      store<u32>(r, <u32>sec);
      if ((c & COUNT_MASK) > pps && (c & ALERTED) == 0) {
        c |= ALERTED;
        const first = load<u64>(sp + FS_FIRST);
        alert(t, FLOOD_KIND_PPS, sp, c & COUNT_MASK, now - (first > began ? first : began), now);
      }
      store<u32>(r + 4, c);
    }
  }
  const limit = load<u32>(fb + FL_NEW_FLOWS);
  if (limit != 0 && fresh) {
    const v = <u32>load<u8>(e + FS_VERSION);
    const est = sketchAdd(fb, e + FS_SRC, v, 1);
    if (est > limit && !markSource(fb, e + FS_SRC, v)) alert(t, FLOOD_KIND_NEW_FLOWS, e, est, now - began, now);
  }
}
