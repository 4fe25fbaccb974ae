// Flow keys: each target's key is derived from the packet's full key (the parser fills every
// key field once per packet) by leaving out the fields the target does not key on — an AND
// with the target's mask (T_KEY_MASK), where netmask and port aggregation will go as well —
// and hashed per target. A target keyed on the full key (every target today) derives
// nothing: its key is the pending entry itself, and targets share the full key's one hash.
//
// Hash: keyed, over the six u64 words of the key, with a per-run 128-bit state drawn from a
// 64-bit seed (random, or --seed) so crafted traffic cannot aim at one bucket; multiply-
// xorshift rounds (native i64.mul) in the style of xxHash and AssemblyScript's util/hash.ts.

import {
  T_KEY_DERIVED, T_KEY_MASK, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_IN_IF, FS_VLAN,
  FS_KEY_SIZE, KEY_SRC_ADDR, KEY_DST_ADDR, KEY_SRC_PORT, KEY_DST_PORT, KEY_PROTO, KEY_TOS, KEY_IN_IF, KEY_VLAN, KEY_ALL,
} from "../layout";

let seed0: u64 = 0x243f6a8885a308d3;
let seed1: u64 = 0x13198a2e03707344;

export function setSeed(lo: u32, hi: u32): void {
  const s = (<u64>hi << 32) | <u64>lo;
  seed0 = mix(mix(0x243f6a8885a308d3, s), s);
  seed1 = mix(mix(0x13198a2e03707344, s), ~s);
}

/** One round of multiply-xorshift (the finalizer shape of xxHash/murmur3's fmix64). */
@inline function mix(h: u64, w: u64): u64 {
  h = (h ^ w) * 0x9e3779b97f4a7c15;
  return h ^ (h >> 32);
}

@inline export function hashKey(k: usize): u32 {
  // three independent lanes of two rounds each: the multiplies overlap instead of waiting
  // on one another (six rounds in a row cost three times the latency per packet)
  let a = mix(seed0, load<u64>(k));
  let b = mix(seed1, load<u64>(k, 8));
  let c = mix(seed0 ^ seed1, load<u64>(k, 16));
  a = mix(a, load<u64>(k, 24));
  b = mix(b, load<u64>(k, 32));
  c = mix(c, load<u64>(k, 40));
  let h = a ^ rotr<u64>(b, 21) ^ rotr<u64>(c, 42);
  h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9;
  return <u32>(h ^ (h >> 32));
}

/** Whether target tp keys on less than the full key. */
@inline export function keyDerived(tp: usize): bool {
  return load<u32>(tp + T_KEY_DERIVED) != 0;
}

/** Target tp's key of the packet whose full key is at k, written at dst. */
@inline export function deriveKey(tp: usize, k: usize, dst: usize): void {
  const m = tp + T_KEY_MASK;
  store<u64>(dst, load<u64>(k) & load<u64>(m));
  store<u64>(dst, load<u64>(k, 8) & load<u64>(m, 8), 8);
  store<u64>(dst, load<u64>(k, 16) & load<u64>(m, 16), 16);
  store<u64>(dst, load<u64>(k, 24) & load<u64>(m, 24), 24);
  store<u64>(dst, load<u64>(k, 32) & load<u64>(m, 32), 32);
  store<u64>(dst, load<u64>(k, 40) & load<u64>(m, 40), 40);
}

/** Sets target tp's key to the fields named by `fields` (KEY_* bits); the IP version is always kept. */
export function keyConfigure(tp: usize, fields: u32): void {
  const m = tp + T_KEY_MASK;
  memory.fill(m, 0, FS_KEY_SIZE);
  if ((fields & KEY_SRC_ADDR) != 0) memory.fill(m + FS_SRC, 0xff, 16);
  if ((fields & KEY_DST_ADDR) != 0) memory.fill(m + FS_DST, 0xff, 16);
  if ((fields & KEY_SRC_PORT) != 0) store<u16>(m + FS_SPORT, 0xffff);
  if ((fields & KEY_DST_PORT) != 0) store<u16>(m + FS_DPORT, 0xffff);
  if ((fields & KEY_PROTO) != 0) store<u8>(m + FS_PROTO, 0xff);
  if ((fields & KEY_TOS) != 0) store<u8>(m + FS_TOS, 0xff);
  store<u8>(m + FS_VERSION, 0xff);
  if ((fields & KEY_IN_IF) != 0) store<u32>(m + FS_IN_IF, 0xffffffff);
  if ((fields & KEY_VLAN) != 0) store<u32>(m + FS_VLAN, 0xffffffff); // outer and inner
  store<u32>(tp + T_KEY_DERIVED, (fields & KEY_ALL) == KEY_ALL ? 0 : 1);
}
