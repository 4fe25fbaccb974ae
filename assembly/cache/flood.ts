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
// once in a second, when its count passes the limit; the alert's rate is the full count of
// that second, written when the second ends (the first packet or tick of a later one) into
// the alert region the host drains after each walk call. A burst that straddles two seconds
// is judged in each of them. The host holds repeated alerts off (src/flood/).

import {
  T_FLOOD, FL_SECOND, FL_PPS, FL_NEW_FLOWS, FL_RATES, FL_PENDING, FL_SKETCH, FL_MARKS, FL_ALERTS, FL_END,
  FLOOD_SKETCH_ROWS, FLOOD_SKETCH_WIDTH, FLOOD_MARK_BITS, FLOOD_PENDING_MAX, FLOOD_RATE_SIZE,
  ALERT_SIZE, ALERT_MAX, ALERT_REGION_SIZE, AR_COUNT, AR_LOST, AR_ALERTS,
  AL_KIND, AL_TARGET, AL_RATE, AL_VERSION, AL_PROTO, AL_SPORT, AL_DPORT, AL_SLOT, AL_FIRST, AL_SRC, AL_DST, AL_HASH,
  FLOOD_KIND_PPS, FLOOD_KIND_NEW_FLOWS, STATUS_BASE, ST_ALERTS,
  CHUNK_TABLE_MAX, CHUNK_SLOTS, CHUNK_SLOTS_LOG2, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_VERSION, FS_PACKETS, FS_HASH,
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

/** A new alert of this second (its rate filled when the second ends); counted as lost past FLOOD_PENDING_MAX. */
function pend(t: u32, fb: usize, kind: u32, k: usize, s: u32, now: u64): void {
  const n = load<u32>(fb + FL_PENDING);
  if (n >= FLOOD_PENDING_MAX) {
    lost(1);
    return;
  }
  const a = fb + FL_ALERTS + <usize>n * ALERT_SIZE;
  memory.fill(a, 0, ALERT_SIZE);
  store<u32>(a + AL_KIND, kind);
  store<u32>(a + AL_TARGET, t);
  store<u8>(a + AL_VERSION, load<u8>(k + FS_VERSION));
  store<u64>(a + AL_FIRST, now);
  memory.copy(a + AL_SRC, k + FS_SRC, 16);
  if (kind == FLOOD_KIND_PPS) {
    store<u8>(a + AL_PROTO, load<u8>(k + FS_PROTO));
    store<u16>(a + AL_SPORT, load<u16>(k + FS_SPORT));
    store<u16>(a + AL_DPORT, load<u16>(k + FS_DPORT));
    memory.copy(a + AL_DST, k + FS_DST, 16);
    store<u32>(a + AL_SLOT, s);
    store<u32>(a + AL_HASH, load<u32>(k + FS_HASH));
  }
  store<u32>(fb + FL_PENDING, n + 1);
}

function lost(n: u32): void {
  const region = <usize>load<u32>(STATUS_BASE + ST_ALERTS);
  store<u32>(region + AR_LOST, load<u32>(region + AR_LOST) + n);
}

/**
 * The second of target t (flood block fb) has ended (meter time reached `sec`): its alerts
 * get their rates — a flow's packets in that second from its rate entry (when the slot still
 * holds that flow), a source's new flows from the sketch — and go to the alert region; the
 * sketch and the marks start again at zero.
 */
function roll(t: u32, fb: usize, sec: u64): void {
  const n = load<u32>(fb + FL_PENDING);
  const region = <usize>load<u32>(STATUS_BASE + ST_ALERTS);
  const was = <u32>load<u64>(fb + FL_SECOND);
  for (let i: u32 = 0; i < n; i++) {
    const a = fb + FL_ALERTS + <usize>i * ALERT_SIZE;
    if (load<u32>(a + AL_KIND) == FLOOD_KIND_PPS) {
      let rate = load<u32>(fb + FL_PPS) + 1;
      const r = rateEntry(fb, load<u32>(a + AL_SLOT));
      if (r != 0 && load<u32>(r) == was && (load<u32>(r + 4) & ALERTED) != 0) {
        const c = load<u32>(r + 4) & COUNT_MASK;
        if (c > rate) rate = c;
      }
      store<u32>(a + AL_RATE, rate);
    } else {
      store<u32>(a + AL_RATE, sketchAdd(fb, a + AL_SRC, <u32>load<u8>(a + AL_VERSION), 0));
    }
    const count = load<u32>(region + AR_COUNT);
    if (count >= ALERT_MAX) {
      lost(1);
      continue;
    }
    memory.copy(region + AR_ALERTS + <usize>count * ALERT_SIZE, a, ALERT_SIZE);
    store<u32>(region + AR_COUNT, count + 1);
  }
  store<u32>(fb + FL_PENDING, 0);
  if (load<u32>(fb + FL_NEW_FLOWS) != 0) memory.fill(fb + FL_SKETCH, 0, SKETCH_BYTES + FLOOD_MARK_BITS / 8);
  store<u64>(fb + FL_SECOND, sec);
}

/**
 * Per packet metered into a target that detects floods (fb: its flood block), after the
 * packet was counted into slot s (at sp; a new flow's first packet makes FS_PACKETS 1); e:
 * the packet's full key (its source counts, whatever the target's key keeps of it).
 */
export function floodPacket(t: u32, fb: usize, s: u32, sp: usize, e: usize, now: u64): void {
  const sec = now / NS_PER_S;
  if (sec != load<u64>(fb + FL_SECOND)) roll(t, fb, sec);
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
        pend(t, fb, FLOOD_KIND_PPS, sp, s, now);
      }
      store<u32>(r + 4, c);
    }
  }
  const limit = load<u32>(fb + FL_NEW_FLOWS);
  if (limit != 0 && fresh) {
    const v = <u32>load<u8>(e + FS_VERSION);
    if (sketchAdd(fb, e + FS_SRC, v, 1) > limit && !markSource(fb, e + FS_SRC, v)) pend(t, fb, FLOOD_KIND_NEW_FLOWS, e, s, now);
  }
}

/** Per host tick (advance) of a target that detects floods: a second that has ended without
 * packets since hands its alerts over. */
export function floodTick(t: u32, fb: usize, now: u64): void {
  const sec = now / NS_PER_S;
  if (sec != load<u64>(fb + FL_SECOND)) roll(t, fb, sec);
}

/** At the end of the input: the alerts of the last second go out as they stand. */
export function floodEnd(t: u32, fb: usize): void {
  roll(t, fb, load<u64>(fb + FL_SECOND));
}
