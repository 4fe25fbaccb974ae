// Flow keys: each target's key is derived from the packet's full key (the parser fills every
// key field once per packet) by leaving out the fields the target does not key on — an AND
// with the target's mask (T_KEY_MASK) — then aggregated by its rules, if it has any
// (ipt_NETFLOW's aggregation=: netmask rules per family, port rules; each kind tried in
// order, the first match wins, source and destination alike), and hashed per target. The
// rules thus act before the cache lookup: aggregated flows meet in the cache. A target keyed
// on the full key without rules derives nothing: its key is the pending entry itself, and
// targets share the full key's one hash.
//
// Hash: keyed, over the six u64 words of the key, with a per-run 128-bit state drawn from a
// 64-bit seed (random, or --seed) so crafted traffic cannot aim at one bucket; multiply-
// xorshift rounds (native i64.mul) in the style of xxHash and AssemblyScript's util/hash.ts.

import {
  T_KEY_DERIVED, T_KEY_MASK, T_AGGREGATE, T_NO_TCP_END, AGG_RULE_MAX, AG_V4, AG_V6, AG_PORTS, AG_V4_RULE, AG_V4_SIZE,
  AG_V6_RULE, AG_V6_SIZE, AG_PORT_RULE, AG_PORT_SIZE, AG_END, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_IN_IF, FS_VLAN,
  FS_KEY_SIZE, KEY_SRC_ADDR, KEY_DST_ADDR, KEY_SRC_PORT, KEY_DST_PORT, KEY_PROTO, KEY_TOS, KEY_IN_IF, KEY_VLAN, KEY_ICMP, KEY_ALL,
  T_ICMP_KEY, ICMP_KEY_SAME, ICMP_KEY_ICMP_ONLY, ICMP_KEY_PORT_ONLY,
} from "../layout";
import { heapAlloc } from "../base/heap";

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
  const icmpKey = load<u32>(tp + T_ICMP_KEY);
  if (icmpKey != ICMP_KEY_SAME && isIcmp(k) != (icmpKey == ICMP_KEY_ICMP_ONLY)) store<u16>(dst + FS_DPORT, 0);
  const ag = <usize>load<u32>(tp + T_AGGREGATE);
  if (ag != 0) aggregate(ag, m, k, dst);
}

/** Whether the key at k is an ICMP flow's (ICMP on IPv4, ICMPv6 on IPv6: its type and code in the destination port). */
@inline function isIcmp(k: usize): bool {
  const p = load<u8>(k + FS_PROTO);
  return load<u8>(k + FS_VERSION) == 4 ? p == 1 : p == 58;
}

/** The first of the `n` IPv4 netmask rules of block ag that holds the address at a: the address masked by it. */
@inline function aggregate4(ag: usize, n: u32, a: usize): void {
  const v = load<u32>(a);
  for (let r = ag + AG_V4_RULE, end = r + <usize>n * AG_V4_SIZE; r < end; r += AG_V4_SIZE) {
    if ((v & load<u32>(r, 4)) == load<u32>(r)) {
      store<u32>(a, v & load<u32>(r, 8));
      return;
    }
  }
}

/** The same for the `n` IPv6 netmask rules, over the two u64 halves of the address at a. */
@inline function aggregate6(ag: usize, n: u32, a: usize): void {
  const hi = load<u64>(a);
  const lo = load<u64>(a, 8);
  for (let r = ag + AG_V6_RULE, end = r + <usize>n * AG_V6_SIZE; r < end; r += AG_V6_SIZE) {
    if ((hi & load<u64>(r, 16)) == load<u64>(r) && (lo & load<u64>(r, 24)) == load<u64>(r, 8)) {
      store<u64>(a, hi & load<u64>(r, 32));
      store<u64>(a, lo & load<u64>(r, 40), 8);
      return;
    }
  }
}

/** The port `p` becomes by the first of the `n` port rules of block ag whose range holds it (itself when none does). */
@inline function aggregatePort(ag: usize, n: u32, p: u32): u32 {
  for (let r = ag + AG_PORT_RULE, end = r + <usize>n * AG_PORT_SIZE; r < end; r += AG_PORT_SIZE) {
    if (p >= <u32>load<u16>(r) && p <= <u32>load<u16>(r, 2)) return <u32>load<u16>(r, 4);
  }
  return p;
}

/** Aggregates the derived key at dst (mask m, full key k) by the rules of block ag. Ports are
 * aggregated only for the protocols that have them (TCP, UDP, UDP-Lite, SCTP: not ICMP,
 * whose key holds type and code there), and stay left out where the key leaves them out. */
function aggregate(ag: usize, m: usize, k: usize, dst: usize): void {
  if (load<u8>(k + FS_VERSION) == 4) {
    const n = load<u32>(ag + AG_V4);
    if (n != 0) {
      aggregate4(ag, n, dst + FS_SRC);
      aggregate4(ag, n, dst + FS_DST);
    }
  } else {
    const n = load<u32>(ag + AG_V6);
    if (n != 0) {
      aggregate6(ag, n, dst + FS_SRC);
      aggregate6(ag, n, dst + FS_DST);
    }
  }
  const np = load<u32>(ag + AG_PORTS);
  const proto = <u32>load<u8>(k + FS_PROTO);
  if (np != 0 && (proto == 6 || proto == 17 || proto == 136 || proto == 132)) {
    store<u16>(dst + FS_SPORT, <u16>(aggregatePort(ag, np, <u32>load<u16>(dst + FS_SPORT)) & <u32>load<u16>(m + FS_SPORT)));
    store<u16>(dst + FS_DPORT, <u16>(aggregatePort(ag, np, <u32>load<u16>(dst + FS_DPORT)) & <u32>load<u16>(m + FS_DPORT)));
  }
}

/** Target tp's aggregation block, made (empty) at its first rule; 0 without memory. A target
 * with rules derives its key, and TCP FIN/RST does not end its flows (an aggregate holds many
 * connections: a FIN would cut it at every close). */
function aggregationBlock(tp: usize): usize {
  let ag = <usize>load<u32>(tp + T_AGGREGATE);
  if (ag == 0) {
    ag = heapAlloc(AG_END);
    if (ag == 0) return 0;
    store<u32>(tp + T_AGGREGATE, <u32>ag);
    store<u32>(tp + T_KEY_DERIVED, 1);
    store<u32>(tp + T_NO_TCP_END, 1);
  }
  return ag;
}

/** The mask of the first `bits` bits of a 32-bit word, as a number (network order's value). */
@inline function prefixMask(bits: u32): u32 {
  return bits == 0 ? 0 : 0xffffffff << (32 - bits);
}

/** Appends the IPv4 netmask rule net/prefix=to (net: the address's value, a.b.c.d = a << 24 | …)
 * to target tp. Returns 0, 1 without memory, 2 for a bad rule or too many. */
export function aggregationAdd4(tp: usize, net: u32, prefix: u32, to: u32): u32 {
  if (prefix > 32 || to > 32 || (net & ~prefixMask(prefix)) != 0) return 2;
  const ag = aggregationBlock(tp);
  if (ag == 0) return 1;
  const n = load<u32>(ag + AG_V4);
  if (n >= AGG_RULE_MAX) return 2;
  const r = ag + AG_V4_RULE + <usize>n * AG_V4_SIZE;
  store<u32>(r, bswap<u32>(net));
  store<u32>(r, bswap<u32>(prefixMask(prefix)), 4);
  store<u32>(r, bswap<u32>(prefixMask(to)), 8);
  store<u32>(ag + AG_V4, n + 1);
  return 0;
}

/** Appends the IPv6 netmask rule net/prefix=to (net: four 32-bit words, most significant
 * first) to target tp. Returns 0, 1 without memory, 2 for a bad rule or too many. */
export function aggregationAdd6(tp: usize, w0: u32, w1: u32, w2: u32, w3: u32, prefix: u32, to: u32): u32 {
  if (prefix > 128 || to > 128) return 2;
  const ag = aggregationBlock(tp);
  if (ag == 0) return 1;
  const n = load<u32>(ag + AG_V6);
  if (n >= AGG_RULE_MAX) return 2;
  const r = ag + AG_V6_RULE + <usize>n * AG_V6_SIZE;
  for (let i: u32 = 0; i < 4; i++) {
    const w = i == 0 ? w0 : i == 1 ? w1 : i == 2 ? w2 : w3;
    const bits = <i32>prefix - <i32>(i * 32);
    const m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : prefixMask(<u32>bits);
    const tb = <i32>to - <i32>(i * 32);
    const tm = tb <= 0 ? 0 : tb >= 32 ? 0xffffffff : prefixMask(<u32>tb);
    if ((w & ~m) != 0) return 2;
    store<u32>(r + (<usize>i << 2), bswap<u32>(w));
    store<u32>(r + 16 + (<usize>i << 2), bswap<u32>(m));
    store<u32>(r + 32 + (<usize>i << 2), bswap<u32>(tm));
  }
  store<u32>(ag + AG_V6, n + 1);
  return 0;
}

/** Appends the port rule first-last=to to target tp. Returns 0, 1 without memory, 2 for a bad rule or too many. */
export function aggregationAddPorts(tp: usize, first: u32, last: u32, to: u32): u32 {
  if (first > last || last > 0xffff || to > 0xffff) return 2;
  const ag = aggregationBlock(tp);
  if (ag == 0) return 1;
  const n = load<u32>(ag + AG_PORTS);
  if (n >= AGG_RULE_MAX) return 2;
  const r = ag + AG_PORT_RULE + <usize>n * AG_PORT_SIZE;
  store<u16>(r, <u16>first);
  store<u16>(r, <u16>last, 2);
  store<u16>(r, <u16>to, 4);
  store<u32>(ag + AG_PORTS, n + 1);
  return 0;
}

/**
 * How many leading bits of a flow's address (field `at` of its slot sp: FS_SRC or FS_DST) target tp's
 * key tells apart: none when the key leaves the address out; the length of the netmask rule
 * that aggregated it (the first rule holding the aggregated address: the rule that made it,
 * unless an earlier rule names a net inside that aggregate — docs/options.md); else all of them.
 * What the flow's AS, prefix length and route are looked up on (cache/prefixes.ts, routes.ts),
 * so an aggregate or a left-out address never reports a longer prefix than it is.
 */
export function addressBits(tp: usize, sp: usize, at: u32, v6: bool): u32 {
  const all: u32 = v6 ? 128 : 32;
  if (!keyDerived(tp)) return all;
  if (load<u8>(tp + T_KEY_MASK + at) == 0) return 0;
  const a = sp + at;
  const ag = <usize>load<u32>(tp + T_AGGREGATE);
  if (ag == 0) return all;
  if (!v6) {
    const v = load<u32>(a);
    for (let r = ag + AG_V4_RULE, end = r + <usize>load<u32>(ag + AG_V4) * AG_V4_SIZE; r < end; r += AG_V4_SIZE) {
      if ((v & load<u32>(r, 4)) == load<u32>(r)) return <u32>popcnt<u32>(load<u32>(r, 8));
    }
  } else {
    const hi = load<u64>(a);
    const lo = load<u64>(a, 8);
    for (let r = ag + AG_V6_RULE, end = r + <usize>load<u32>(ag + AG_V6) * AG_V6_SIZE; r < end; r += AG_V6_SIZE) {
      if ((hi & load<u64>(r, 16)) == load<u64>(r) && (lo & load<u64>(r, 24)) == load<u64>(r, 8)) return <u32>(popcnt<u64>(load<u64>(r, 32)) + popcnt<u64>(load<u64>(r, 40)));
    }
  }
  return all;
}

/** Sets target tp's key to the fields named by `fields` (KEY_* bits); the IP version is always kept. */
export function keyConfigure(tp: usize, fields: u32): void {
  const m = tp + T_KEY_MASK;
  memory.fill(m, 0, FS_KEY_SIZE);
  if ((fields & KEY_SRC_ADDR) != 0) memory.fill(m + FS_SRC, 0xff, 16);
  if ((fields & KEY_DST_ADDR) != 0) memory.fill(m + FS_DST, 0xff, 16);
  if ((fields & KEY_SRC_PORT) != 0) store<u16>(m + FS_SPORT, 0xffff);
  if ((fields & (KEY_DST_PORT | KEY_ICMP)) != 0) store<u16>(m + FS_DPORT, 0xffff);
  const dport = (fields & KEY_DST_PORT) != 0, icmp = (fields & KEY_ICMP) != 0;
  store<u32>(tp + T_ICMP_KEY, dport == icmp ? ICMP_KEY_SAME : icmp ? ICMP_KEY_ICMP_ONLY : ICMP_KEY_PORT_ONLY);
  if ((fields & KEY_PROTO) != 0) store<u8>(m + FS_PROTO, 0xff);
  if ((fields & KEY_TOS) != 0) store<u8>(m + FS_TOS, 0xff);
  store<u8>(m + FS_VERSION, 0xff);
  if ((fields & KEY_IN_IF) != 0) store<u32>(m + FS_IN_IF, 0xffffffff);
  if ((fields & KEY_VLAN) != 0) store<u32>(m + FS_VLAN, 0xffffffff); // outer and inner
  const rules = load<u32>(tp + T_AGGREGATE) != 0;
  store<u32>(tp + T_KEY_DERIVED, (fields & KEY_ALL) == KEY_ALL && !rules ? 0 : 1);
  // a key without both ports holds many connections in one flow, and one without the protocol
  // mixes TCP with the rest (its slot's protocol reads 0): FIN/RST does not end it
  const connection = KEY_SRC_PORT | KEY_DST_PORT | KEY_PROTO;
  store<u32>(tp + T_NO_TCP_END, (fields & connection) == connection && !rules ? 0 : 1);
}
