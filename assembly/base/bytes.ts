// Room base/: the ground floor every other room stands on — network byte order (this file),
// the counters, the heap allocator (heap.ts) and the abort hook (env.ts). Imports only the
// memory map.

import { STATS_BASE } from "../layout";

// Network-order stores for the encoders (RFC 1700 big-endian).
@inline export function be16(p: usize, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}
@inline export function be32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}
@inline export function be64(p: usize, v: u64): void {
  store<u64>(p, bswap<u64>(v));
}

/** Adds n to counter c (layout.ts C_*). */
@inline export function count(c: u32, n: u64 = 1): void {
  const a = STATS_BASE + (<usize>c << 3);
  store<u64>(a, load<u64>(a) + n);
}

/** The value of counter c. */
@inline export function counter(c: u32): u64 {
  return load<u64>(STATS_BASE + (<usize>c << 3));
}
