// The flow cache: one per target. Fixed 96-byte slots (layout.ts FS_*) carved from 384 KiB
// chunks as flows arrive, found through an open-addressing hash index of u32 entries
// (linear probing, backward-shift deletion, no tombstones).
//
// Memory: a slot is 96 bytes whatever the IP version; the index adds 4 bytes per entry and
// is kept between 3/8 and 3/4 full, so 5–11 bytes per flow. Both grow lazily: a router that
// sees 2,000 flows never touches the memory 2,000,000 would need.
//
// Aging and LRU: see wheel.ts. The LRU is approximate: "cache full" evicts from the
// earliest wheel bucket, i.e. a flow whose last packet is older than every other flow's to
// within one wheel tick (about a second), after re-filing any it finds touched since. An
// exact move-to-tail list was measured at a quarter of the metering time with 100,000 flows
// (two scattered cache lines written per packet) and bought nothing an exporter needs.
//
// Hash: see key.ts.

import {
  TARGETS_BASE, TARGET_SIZE, SLOT_SIZE, FS_FIRST, FS_LAST, FS_BYTES,
  FS_PACKETS, FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX, FS_NEXT, FS_HASH,
  T_COUNT, T_PEAK, T_MAXFLOWS, T_IDX_BASE, T_IDX_MASK, T_IDX_MAX, FS_FLAGS, FLOW_LIVE,
  T_FREE, T_BUMP, T_CHUNKS, T_CREATED, T_ENABLED, NIL, CHUNK_SLOTS_LOG2, CHUNK_SLOTS,
  CHUNK_TABLE_MAX, INDEX_SLOT_BITS, INDEX_TAG_SHIFT, INDEX_INITIAL, T_WHEEL, WHEEL_BUCKETS,
} from "../layout";
import { heapAlloc, heapFree } from "../base/heap";
import { wheelInit, wheelUnlink } from "./wheel";

const SLOT_MASK: u32 = (1 << INDEX_SLOT_BITS) - 1;

@inline export function targetPtr(t: u32): usize {
  return TARGETS_BASE + <usize>t * TARGET_SIZE;
}

@inline export function slotPtr(tp: usize, s: u32): usize {
  const chunk = load<u32>(<usize>load<u32>(tp + T_CHUNKS) + ((<usize>s >> CHUNK_SLOTS_LOG2) << 2));
  return <usize>chunk + (<usize>(s & (CHUNK_SLOTS - 1))) * SLOT_SIZE;
}

/** The 48-byte key as six u64 moves (memory.copy of so few bytes is a call). */
@inline export function copyKey(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
  store<u64>(dst, load<u64>(src, 32), 32);
  store<u64>(dst, load<u64>(src, 40), 40);
}

@inline function keyEquals(a: usize, b: usize): bool {
  return ((load<u64>(a) ^ load<u64>(b)) | (load<u64>(a, 8) ^ load<u64>(b, 8)) |
    (load<u64>(a, 16) ^ load<u64>(b, 16)) | (load<u64>(a, 24) ^ load<u64>(b, 24)) |
    (load<u64>(a, 32) ^ load<u64>(b, 32)) | (load<u64>(a, 40) ^ load<u64>(b, 40))) == 0;
}

/** Sets up target t's empty cache. Returns 0, or 1 when memory could not be had. */
export function tableInit(t: u32, maxflows: u32, indexMax: u32): u32 {
  const tp = targetPtr(t);
  memory.fill(tp, 0, TARGET_SIZE);
  const chunks = heapAlloc(CHUNK_TABLE_MAX * 4);
  let cap = INDEX_INITIAL;
  if (cap > indexMax) cap = indexMax;
  const idx = heapAlloc(cap * 4);
  if (chunks == 0 || idx == 0) return 1;
  store<u32>(tp + T_CHUNKS, <u32>chunks);
  store<u32>(tp + T_IDX_BASE, <u32>idx);
  store<u32>(tp + T_IDX_MASK, cap - 1);
  store<u32>(tp + T_IDX_MAX, indexMax);
  store<u32>(tp + T_MAXFLOWS, maxflows);
  store<u32>(tp + T_FREE, NIL);
  if (!wheelInit(tp)) return 1;
  store<u32>(tp + T_ENABLED, 1);
  return 0;
}

/** The slot address tableFind found (valid when it did not return NIL). */
export let foundPtr: usize = 0;

/** Finds the key at k; returns its slot number (and sets foundPtr) or NIL. `h` = hashKey(k). */
export function tableFind(tp: usize, k: usize, h: u32): u32 {
  const idx = <usize>load<u32>(tp + T_IDX_BASE);
  const mask = load<u32>(tp + T_IDX_MASK);
  const tag = h >> INDEX_TAG_SHIFT;
  const home = h & mask;
  let i = home;
  findCalls++;
  while (true) {
    const e = load<u32>(idx + (<usize>i << 2));
    if (e == 0) {
      findProbes += <u64>(((i - home) & mask) + 1);
      return NIL;
    }
    if (e >> INDEX_TAG_SHIFT == tag) {
      const s = (e & SLOT_MASK) - 1;
      const sp = slotPtr(tp, s);
      if (keyEquals(sp, k)) {
        foundPtr = sp;
        findProbes += <u64>(((i - home) & mask) + 1);
        return s;
      }
    }
    i = (i + 1) & mask;
  }
}

/** The search metric (ipt_NETFLOW's): lookups made and index entries they read, in Wasm
 * globals — no memory store per probe or per lookup; meterPending adds them into the counters
 * C_LOOKUPS and C_PROBES once per batch and zeroes them. */
export let findCalls: u64 = 0;
export let findProbes: u64 = 0;
export function findCountsTaken(): void {
  findCalls = 0;
  findProbes = 0;
}

function indexInsert(tp: usize, s: u32, h: u32): void {
  const idx = <usize>load<u32>(tp + T_IDX_BASE);
  const mask = load<u32>(tp + T_IDX_MASK);
  let i = h & mask;
  while (load<u32>(idx + (<usize>i << 2)) != 0) i = (i + 1) & mask;
  store<u32>(idx + (<usize>i << 2), ((h >> INDEX_TAG_SHIFT) << INDEX_TAG_SHIFT) | (s + 1));
}

/** Removes slot s from the index; backward-shift deletion keeps probe chains unbroken. */
function indexRemove(tp: usize, s: u32, h: u32): void {
  const idx = <usize>load<u32>(tp + T_IDX_BASE);
  const mask = load<u32>(tp + T_IDX_MASK);
  let i = h & mask;
  while ((load<u32>(idx + (<usize>i << 2)) & SLOT_MASK) != s + 1) i = (i + 1) & mask;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const e = load<u32>(idx + (<usize>j << 2));
    if (e == 0) break;
    const home = load<u32>(slotPtr(tp, (e & SLOT_MASK) - 1) + FS_HASH) & mask;
    // move e into the hole at i unless its home lies cyclically in (i, j]
    const inRange = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!inRange) {
      store<u32>(idx + (<usize>i << 2), e);
      i = j;
    }
  }
  store<u32>(idx + (<usize>i << 2), 0);
}

/** Doubles the index (up to T_IDX_MAX) and reinserts every live slot. */
function indexGrow(tp: usize): bool {
  const cap = load<u32>(tp + T_IDX_MASK) + 1;
  if (cap >= load<u32>(tp + T_IDX_MAX)) return false;
  const ncap = cap << 1;
  const nidx = heapAlloc(<usize>ncap * 4);
  if (nidx == 0) return false; // stay at this size: the caller keeps it from filling
  // The old index goes back to the heap's free lists (base/heap.ts): the next target to grow
  // to that size, or this one's successor after a reload, takes it again.
  heapFree(<usize>load<u32>(tp + T_IDX_BASE), <usize>cap * 4);
  store<u32>(tp + T_IDX_BASE, <u32>nidx);
  store<u32>(tp + T_IDX_MASK, ncap - 1);
  const carved = load<u32>(tp + T_BUMP);
  for (let s: u32 = 0; s < carved; s++) {
    const sp = slotPtr(tp, s);
    if ((load<u8>(sp + FS_FLAGS) & FLOW_LIVE) != 0) indexInsert(tp, s, load<u32>(sp + FS_HASH));
  }
  return true;
}

/** Returns a free slot number, or NIL when maxflows are active or memory is exhausted. */
function slotAlloc(tp: usize): u32 {
  const free = load<u32>(tp + T_FREE);
  if (free != NIL) {
    store<u32>(tp + T_FREE, load<u32>(slotPtr(tp, free) + FS_NEXT));
    return free;
  }
  const bump = load<u32>(tp + T_BUMP);
  if (bump >= load<u32>(tp + T_MAXFLOWS)) return NIL;
  const chunkEntry = <usize>load<u32>(tp + T_CHUNKS) + ((<usize>bump >> CHUNK_SLOTS_LOG2) << 2);
  if ((bump & (CHUNK_SLOTS - 1)) == 0 && load<u32>(chunkEntry) == 0) {
    const chunk = heapAlloc(<usize>CHUNK_SLOTS * SLOT_SIZE);
    if (chunk == 0) return NIL; // (heapAlloc counted the refusal)
    store<u32>(chunkEntry, <u32>chunk); // kept for reuse after tableReset
  }
  store<u32>(tp + T_BUMP, bump + 1);
  return bump;
}

/**
 * Creates a flow for the key at k (hash h). Returns its slot number, or NIL when the cache
 * is full (the caller evicts and tries again). The caller files it in the wheel.
 */
export function tableCreate(tp: usize, k: usize, h: u32, ts: u64, pkttype: u32): u32 {
  const count = load<u32>(tp + T_COUNT);
  if (count >= load<u32>(tp + T_MAXFLOWS)) return NIL;
  const n = count + 1;
  // Grow the index past 3/4 load *before* the new slot is live: growth re-inserts every live
  // slot, and the new one is inserted below, once. If the index cannot grow (no memory), it
  // still never fills: a flow that would take it past 7/8 is not created.
  const cap = load<u32>(tp + T_IDX_MASK) + 1;
  if (n > cap - (cap >> 2) && !indexGrow(tp) && n > cap - (cap >> 3)) return NIL;
  const s = slotAlloc(tp);
  if (s == NIL) return NIL;
  const sp = slotPtr(tp, s);
  copyKey(sp, k);
  store<u64>(sp + FS_FIRST, ts);
  store<u64>(sp + FS_LAST, ts);
  store<u64>(sp + FS_BYTES, 0);
  store<u64>(sp + FS_PACKETS, 0);
  // tcp flags 0, ttl min 255, ttl max 0, flags: live + packet type
  store<u32>(sp + FS_TCP_FLAGS, 0x0000ff00 | ((FLOW_LIVE | (pkttype & 7)) << 24));
  store<u32>(sp + FS_HASH, h);
  store<u32>(tp + T_COUNT, n);
  if (n > load<u32>(tp + T_PEAK)) store<u32>(tp + T_PEAK, n);
  store<u64>(tp + T_CREATED, load<u64>(tp + T_CREATED) + 1);
  indexInsert(tp, s, h);
  return s;
}

/** Empties target tp's cache at once (after every flow was exported and left the wheel):
 * index cleared, slots handed out again from the first chunk, memory kept. */
export function tableReset(tp: usize): void {
  memory.fill(<usize>load<u32>(tp + T_IDX_BASE), 0, (<usize>load<u32>(tp + T_IDX_MASK) + 1) << 2);
  store<u32>(tp + T_COUNT, 0);
  store<u32>(tp + T_FREE, NIL);
  store<u32>(tp + T_BUMP, 0);
}

/** Gives target tp's cache memory back to the heap (a reload took the target away or
 * reconfigures it; its flows are out): the slot chunks, the chunk table, the index and the
 * wheel. The descriptor still names them: the caller clears it. */
export function tableRelease(tp: usize): void {
  const chunks = <usize>load<u32>(tp + T_CHUNKS);
  if (chunks != 0) {
    for (let c: u32 = 0; c < CHUNK_TABLE_MAX; c++) {
      const chunk = <usize>load<u32>(chunks + (<usize>c << 2));
      if (chunk == 0) break; // (chunks are carved in order)
      heapFree(chunk, <usize>CHUNK_SLOTS * SLOT_SIZE);
    }
    heapFree(chunks, CHUNK_TABLE_MAX * 4);
  }
  heapFree(<usize>load<u32>(tp + T_IDX_BASE), (<usize>load<u32>(tp + T_IDX_MASK) + 1) << 2);
  heapFree(<usize>load<u32>(tp + T_WHEEL), <usize>WHEEL_BUCKETS * 8);
}

/** Unlinks slot s from index and wheel and puts it on the free list. */
export function tableRemove(tp: usize, s: u32): void {
  const sp = slotPtr(tp, s);
  indexRemove(tp, s, load<u32>(sp + FS_HASH));
  wheelUnlink(tp, sp);
  store<u8>(sp + FS_FLAGS, 0);
  store<u32>(sp + FS_NEXT, load<u32>(tp + T_FREE));
  store<u32>(tp + T_FREE, s);
  store<u32>(tp + T_COUNT, load<u32>(tp + T_COUNT) - 1);
}

/** Adds the current packet's counts to slot s. */
@inline export function slotAccount(sp: usize, ts: u64, bytes: u32, ttl: u32, tcpFlags: u32): void {
  if (ts > load<u64>(sp + FS_LAST)) store<u64>(sp + FS_LAST, ts);
  if (ts < load<u64>(sp + FS_FIRST)) store<u64>(sp + FS_FIRST, ts);
  store<u64>(sp + FS_BYTES, load<u64>(sp + FS_BYTES) + bytes);
  store<u64>(sp + FS_PACKETS, load<u64>(sp + FS_PACKETS) + 1);
  store<u8>(sp + FS_TCP_FLAGS, load<u8>(sp + FS_TCP_FLAGS) | <u8>tcpFlags);
  if (ttl < <u32>load<u8>(sp + FS_TTL_MIN)) store<u8>(sp + FS_TTL_MIN, <u8>ttl);
  if (ttl > <u32>load<u8>(sp + FS_TTL_MAX)) store<u8>(sp + FS_TTL_MAX, <u8>ttl);
}
