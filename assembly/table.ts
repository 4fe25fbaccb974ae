// The flow cache: one per target. Fixed 96-byte slots (layout.ts FS_*) carved from 384 KiB
// chunks as flows arrive, found through an open-addressing hash index of u32 entries
// (linear probing, backward-shift deletion, no tombstones).
//
// Memory: a slot is 96 bytes whatever the IP version; the index adds 4 bytes per entry and
// is kept between 3/8 and 3/4 full, so 5–11 bytes per flow. Both grow lazily: a router that
// sees 2,000 flows never touches the memory 2,000,000 would need.
//
// LRU: exact. Slots sit on a doubly linked list in order of their last packet's arrival;
// a packet moves its slot to the tail (four stores). Exactness buys two things at once: the
// inactive-timeout scan pops from the head and stops at the first live flow (O(expired),
// no table sweep), and "cache full" evicts the truly least recently used flow.
//
// Hash: keyed, over the six u64 words of the key, with a per-run 64-bit seed (random, or
// --seed) so crafted traffic cannot aim at one bucket; multiply-xorshift mixing in the
// style of AssemblyScript's own util/hash.ts and wyhash.

import {
  TARGETS_BASE, TARGET_SIZE, KEY_BASE, SLOT_SIZE, FS_KEY_SIZE, FS_FIRST, FS_LAST, FS_BYTES,
  FS_PACKETS, FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX, FS_PREV, FS_NEXT, FS_HASH,
  T_COUNT, T_PEAK, T_MAXFLOWS, T_IDX_BASE, T_IDX_MASK, T_IDX_MAX, T_LRU_HEAD, T_LRU_TAIL,
  T_FREE, T_BUMP, T_CHUNKS, T_CREATED, T_ENABLED, NIL, CHUNK_SLOTS_LOG2, CHUNK_SLOTS,
  CHUNK_TABLE_MAX, INDEX_SLOT_BITS, INDEX_TAG_SHIFT, INDEX_INITIAL, ST_HEAP_FAILS, STATUS_BASE,
} from "./layout";
import { heapAlloc } from "./heap";

const SLOT_MASK: u32 = (1 << INDEX_SLOT_BITS) - 1;

let seed0: u64 = 0x243f6a8885a308d3;
let seed1: u64 = 0x13198a2e03707344;

export function setSeed(lo: u32, hi: u32): void {
  const s = (<u64>hi << 32) | <u64>lo;
  seed0 = mix(s ^ 0x243f6a8885a308d3, 0x9e3779b97f4a7c15);
  seed1 = mix(s ^ 0x13198a2e03707344, 0xbf58476d1ce4e5b9);
}

@inline function mix(a: u64, b: u64): u64 {
  // 64×64 → 128-bit multiply folded to 64 bits (wyhash's "mum"), done with 32-bit halves
  const lo = a * b;
  const hi = umulh(a, b);
  return lo ^ hi;
}

@inline function umulh(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

@inline export function hashKey(k: usize): u32 {
  const a = mix(load<u64>(k) ^ seed0, load<u64>(k, 8) ^ seed1);
  const b = mix(load<u64>(k, 16) ^ seed1, load<u64>(k, 24) ^ seed0);
  const c = mix(load<u64>(k, 32) ^ seed0, load<u64>(k, 40) ^ 0x9e3779b97f4a7c15);
  const h = mix(a ^ c ^ 0xa0761d6478bd642f, b ^ seed1);
  return <u32>(h ^ (h >> 32));
}

@inline export function targetPtr(t: u32): usize {
  return TARGETS_BASE + <usize>t * TARGET_SIZE;
}

@inline export function slotPtr(tp: usize, s: u32): usize {
  const chunk = load<u32>(<usize>load<u32>(tp + T_CHUNKS) + ((<usize>s >> CHUNK_SLOTS_LOG2) << 2));
  return <usize>chunk + (<usize>(s & (CHUNK_SLOTS - 1))) * SLOT_SIZE;
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
  memory.fill(idx, 0, cap * 4);
  store<u32>(tp + T_CHUNKS, <u32>chunks);
  store<u32>(tp + T_IDX_BASE, <u32>idx);
  store<u32>(tp + T_IDX_MASK, cap - 1);
  store<u32>(tp + T_IDX_MAX, indexMax);
  store<u32>(tp + T_MAXFLOWS, maxflows);
  store<u32>(tp + T_LRU_HEAD, NIL);
  store<u32>(tp + T_LRU_TAIL, NIL);
  store<u32>(tp + T_FREE, NIL);
  store<u32>(tp + T_ENABLED, 1);
  return 0;
}

/** Finds the key at KEY_BASE; returns its slot number or NIL. `h` = hashKey(KEY_BASE). */
export function tableFind(tp: usize, h: u32): u32 {
  const idx = <usize>load<u32>(tp + T_IDX_BASE);
  const mask = load<u32>(tp + T_IDX_MASK);
  const tag = h >> INDEX_TAG_SHIFT;
  let i = h & mask;
  while (true) {
    const e = load<u32>(idx + (<usize>i << 2));
    if (e == 0) return NIL;
    if (e >> INDEX_TAG_SHIFT == tag) {
      const s = (e & SLOT_MASK) - 1;
      if (keyEquals(slotPtr(tp, s), KEY_BASE)) return s;
    }
    i = (i + 1) & mask;
  }
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

/** Doubles the index (up to T_IDX_MAX) and reinserts every live slot from the LRU list. */
function indexGrow(tp: usize): void {
  const cap = load<u32>(tp + T_IDX_MASK) + 1;
  if (cap >= load<u32>(tp + T_IDX_MAX)) return;
  const ncap = cap << 1;
  const nidx = heapAlloc(<usize>ncap * 4);
  if (nidx == 0) return; // stay at this size; lookups still work, just with longer probes
  memory.fill(nidx, 0, <usize>ncap * 4);
  // The old index is left behind: indexes double, so what is abandoned never exceeds the
  // live index's own size.
  store<u32>(tp + T_IDX_BASE, <u32>nidx);
  store<u32>(tp + T_IDX_MASK, ncap - 1);
  let s = load<u32>(tp + T_LRU_HEAD);
  while (s != NIL) {
    const sp = slotPtr(tp, s);
    indexInsert(tp, s, load<u32>(sp + FS_HASH));
    s = load<u32>(sp + FS_NEXT);
  }
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
  if ((bump & (CHUNK_SLOTS - 1)) == 0) {
    const chunk = heapAlloc(<usize>CHUNK_SLOTS * SLOT_SIZE);
    if (chunk == 0) {
      store<u32>(STATUS_BASE + ST_HEAP_FAILS, load<u32>(STATUS_BASE + ST_HEAP_FAILS) + 1);
      return NIL;
    }
    store<u32>(<usize>load<u32>(tp + T_CHUNKS) + ((<usize>bump >> CHUNK_SLOTS_LOG2) << 2), <u32>chunk);
  }
  store<u32>(tp + T_BUMP, bump + 1);
  return bump;
}

/**
 * Creates a flow for the key at KEY_BASE. Returns its slot number, or NIL when the cache is
 * full (the caller evicts the LRU head and tries again).
 */
export function tableCreate(tp: usize, h: u32, ts: u64, pkttype: u32): u32 {
  const count = load<u32>(tp + T_COUNT);
  if (count >= load<u32>(tp + T_MAXFLOWS)) return NIL;
  const s = slotAlloc(tp);
  if (s == NIL) return NIL;
  const sp = slotPtr(tp, s);
  memory.copy(sp, KEY_BASE, FS_KEY_SIZE);
  store<u64>(sp + FS_FIRST, ts);
  store<u64>(sp + FS_LAST, ts);
  store<u64>(sp + FS_BYTES, 0);
  store<u64>(sp + FS_PACKETS, 0);
  store<u32>(sp + FS_TCP_FLAGS, 0x0000ff00 | (pkttype << 24)); // flags 0, ttl min 255, max 0
  store<u32>(sp + FS_HASH, h);
  // append at the LRU tail
  const tail = load<u32>(tp + T_LRU_TAIL);
  store<u32>(sp + FS_PREV, tail);
  store<u32>(sp + FS_NEXT, NIL);
  if (tail != NIL) store<u32>(slotPtr(tp, tail) + FS_NEXT, s);
  else store<u32>(tp + T_LRU_HEAD, s);
  store<u32>(tp + T_LRU_TAIL, s);
  const n = count + 1;
  store<u32>(tp + T_COUNT, n);
  if (n > load<u32>(tp + T_PEAK)) store<u32>(tp + T_PEAK, n);
  store<u64>(tp + T_CREATED, load<u64>(tp + T_CREATED) + 1);
  // grow the index past 3/4 load
  const cap = load<u32>(tp + T_IDX_MASK) + 1;
  if (n > cap - (cap >> 2)) indexGrow(tp);
  indexInsert(tp, s, h);
  return s;
}

/** Moves slot s to the LRU tail (most recently used). */
@inline export function lruTouch(tp: usize, s: u32, sp: usize): void {
  const tail = load<u32>(tp + T_LRU_TAIL);
  if (tail == s) return;
  const prev = load<u32>(sp + FS_PREV);
  const next = load<u32>(sp + FS_NEXT);
  // unlink (s is not the tail, so next != NIL)
  store<u32>(slotPtr(tp, next) + FS_PREV, prev);
  if (prev != NIL) store<u32>(slotPtr(tp, prev) + FS_NEXT, next);
  else store<u32>(tp + T_LRU_HEAD, next);
  // append
  store<u32>(sp + FS_PREV, tail);
  store<u32>(sp + FS_NEXT, NIL);
  store<u32>(slotPtr(tp, tail) + FS_NEXT, s);
  store<u32>(tp + T_LRU_TAIL, s);
}

/** Unlinks slot s from index and LRU list and puts it on the free list. */
export function tableRemove(tp: usize, s: u32): void {
  const sp = slotPtr(tp, s);
  indexRemove(tp, s, load<u32>(sp + FS_HASH));
  const prev = load<u32>(sp + FS_PREV);
  const next = load<u32>(sp + FS_NEXT);
  if (prev != NIL) store<u32>(slotPtr(tp, prev) + FS_NEXT, next);
  else store<u32>(tp + T_LRU_HEAD, next);
  if (next != NIL) store<u32>(slotPtr(tp, next) + FS_PREV, prev);
  else store<u32>(tp + T_LRU_TAIL, prev);
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
