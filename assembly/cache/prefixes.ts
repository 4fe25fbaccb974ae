// AS numbers and prefix lengths: a longest-prefix match of a flow's addresses in the prefix
// table the host loaded from --as-file (src/host/prefixes.ts reads the file, src/meter writes
// the arrays). Looked up when a flow is exported, like its route (routes.ts), into the export
// context: X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK (0: no prefix of the table holds it).
//
// Not the routes' linear scan, which cannot serve a routing table's million prefixes. Each
// family is one array of its prefixes sorted by first address, then by length, shortest first
// (layout.ts PT_*), with each prefix linked to the nearest prefix of the table that encloses
// it. Prefixes nest or are disjoint, never overlap otherwise, so the prefix with the greatest
// first address at or below an address — found by binary search — is the longest match itself,
// or nested inside it: the longest match is the first prefix holding the address on the way
// out through the links. 20 steps of search for a million prefixes (IPv4: a few, after an
// index by the address's top bits — up to 16 — that narrows the search to the prefixes
// starting under the same top bits), and at most one step out per level of nesting (33 for
// IPv4, 129 for IPv6; a real table has a handful). 12 bytes a prefix for IPv4 (and half a byte
// of index), 24 for IPv6 — no flattening into ranges, which would double the entries of a
// nested table, and no DIR-24-8 array, which costs 32 MiB before the first prefix.
//
// The table is one heap block, the first of exactly the table's size. A reload writes the new
// table into the same block when it fits (the bump allocator gives nothing back); a larger one
// takes a new block with an eighth to spare, and the old block's bytes stay unused until the
// process ends.

import {
  PT_V4_COUNT, PT_V6_COUNT, PT_V4_ROOM, PT_V6_ROOM, PT_V4_FIRST, PT_V4_LINK, PT_V4_AS, PT_V6_HIGH, PT_V6_LOW,
  PT_V6_LINK, PT_V6_AS, PT_V4_INDEX, PT_V4_INDEX_BITS, PT_HEADER, PT_LINK_SHIFT, PT_NO_PARENT, PT_PREFIX_MAX,
  FS_SRC, FS_DST, FS_VERSION, EXPORT_CONTEXT, X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK,
} from "../layout";
import { heapAllocExact } from "../base/heap";
import { addressBits } from "./key";

let block: usize = 0;
let on = false;
let n4: u32 = 0, n6: u32 = 0;
let first4: usize = 0, link4: usize = 0, as4: usize = 0, index4: usize = 0, bits4: u32 = 0;
let high6: usize = 0, low6: usize = 0, link6: usize = 0, as6: usize = 0;

/** Whether a prefix table is in use: the one branch a run without --as-file pays per exported flow. */
@inline export function prefixesOn(): bool {
  return on;
}

/** The IPv4 index's bits for room for v4 prefixes: about one index entry per 8 prefixes, 16 bits at most. */
function indexBits(v4: u32): u32 {
  const log2 = v4 == 0 ? 0 : 31 - clz<u32>(v4);
  return log2 <= 3 ? 0 : log2 - 3 > 16 ? 16 : log2 - 3;
}

/** Bytes of a block for v4 and v6 prefixes. */
function blockSize(v4: u32, v6: u32): usize {
  return PT_HEADER + <usize>v4 * 12 + <usize>v6 * 24 + ((<usize>1 << indexBits(v4)) + 1) * 4;
}

/**
 * Per load of the prefix file: the address of a block (layout.ts PT_*) with room for `v4` and
 * `v6` prefixes, its arrays' addresses and room in its header and its counts zero, for the
 * host to fill before prefixesUse; lookups are off until then. 0 for too many prefixes, or
 * without memory (the old table is then still in force).
 */
export function prefixesReserve(v4: u32, v6: u32): usize {
  if (v4 > PT_PREFIX_MAX || v6 > PT_PREFIX_MAX) return 0;
  let b = block;
  if (b == 0 || load<u32>(b + PT_V4_ROOM) < v4 || load<u32>(b + PT_V6_ROOM) < v6) {
    // the first block holds the table exactly; one for a table that outgrew its block has an
    // eighth to spare, so that a file growing a little at each reload takes no new one each time
    const spare = b != 0;
    const r4 = spare ? v4 + (v4 >> 3) : v4, r6 = spare ? v6 + (v6 >> 3) : v6;
    b = heapAllocExact(blockSize(r4, r6));
    if (b == 0) return 0;
    // u64 arrays first, so every array is aligned to its element
    const hi = b + PT_HEADER;
    const lo = hi + (<usize>r6 << 3);
    const f4 = lo + (<usize>r6 << 3);
    const l4 = f4 + (<usize>r4 << 2);
    const a4 = l4 + (<usize>r4 << 2);
    const l6 = a4 + (<usize>r4 << 2);
    const a6 = l6 + (<usize>r6 << 2);
    const x4 = a6 + (<usize>r6 << 2);
    store<u32>(b + PT_V4_ROOM, r4);
    store<u32>(b + PT_V6_ROOM, r6);
    store<u32>(b + PT_V4_FIRST, <u32>f4);
    store<u32>(b + PT_V4_LINK, <u32>l4);
    store<u32>(b + PT_V4_AS, <u32>a4);
    store<u32>(b + PT_V6_HIGH, <u32>hi);
    store<u32>(b + PT_V6_LOW, <u32>lo);
    store<u32>(b + PT_V6_LINK, <u32>l6);
    store<u32>(b + PT_V6_AS, <u32>a6);
    store<u32>(b + PT_V4_INDEX, <u32>x4);
    store<u32>(b + PT_V4_INDEX_BITS, indexBits(r4));
    block = b;
  }
  store<u32>(b + PT_V4_COUNT, 0);
  store<u32>(b + PT_V6_COUNT, 0);
  on = false;
  clearFlowPrefixes(EXPORT_CONTEXT);
  return b;
}

/**
 * After the host filled the block prefixesReserve gave (its counts set): lookups use it. With
 * no prefixes in it, lookups stay off and the export context's AS fields are zero. Returns 0,
 * or 2 when there is no block or a count passes its room.
 */
export function prefixesUse(): u32 {
  const b = block;
  if (b == 0) return 2;
  const c4 = load<u32>(b + PT_V4_COUNT), c6 = load<u32>(b + PT_V6_COUNT);
  if (c4 > load<u32>(b + PT_V4_ROOM) || c6 > load<u32>(b + PT_V6_ROOM)) return 2;
  n4 = c4;
  n6 = c6;
  first4 = <usize>load<u32>(b + PT_V4_FIRST);
  link4 = <usize>load<u32>(b + PT_V4_LINK);
  as4 = <usize>load<u32>(b + PT_V4_AS);
  high6 = <usize>load<u32>(b + PT_V6_HIGH);
  low6 = <usize>load<u32>(b + PT_V6_LOW);
  link6 = <usize>load<u32>(b + PT_V6_LINK);
  as6 = <usize>load<u32>(b + PT_V6_AS);
  index4 = <usize>load<u32>(b + PT_V4_INDEX);
  bits4 = load<u32>(b + PT_V4_INDEX_BITS);
  // the index: where the prefixes whose first address has each value of the top bits start,
  // so a search looks among a few prefixes and not through the whole array
  const values: u32 = 1 << bits4;
  let i: u32 = 0;
  for (let v: u32 = 0; v < values; v++) {
    while (i < c4 && (bits4 == 0 ? <u32>0 : load<u32>(first4 + (<usize>i << 2)) >>> (32 - bits4)) < v) i++;
    store<u32>(index4 + (<usize>v << 2), i);
  }
  store<u32>(index4 + (<usize>values << 2), c4);
  on = c4 + c6 > 0;
  clearFlowPrefixes(EXPORT_CONTEXT);
  return 0;
}

/** The index of the longest IPv4 prefix of at most `most` bits holding address a (an integer), or PT_NO_PARENT. */
function find4(a: u32, most: u32): u32 {
  // the last prefix whose first address is at most a: among those whose first address has a's
  // top bits (the index), or else the one before them
  const top = bits4 == 0 ? 0 : a >>> (32 - bits4);
  let lo = load<u32>(index4 + (<usize>top << 2)), hi = load<u32>(index4 + (<usize>(top + 1) << 2));
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (load<u32>(first4 + (<usize>mid << 2)) <= a) lo = mid + 1;
    else hi = mid;
  }
  let i: u32 = lo == 0 ? PT_NO_PARENT : lo - 1;
  while (i != PT_NO_PARENT) {
    const link = load<u32>(link4 + (<usize>i << 2));
    const len = link & 0xff;
    const mask: u32 = len == 0 ? 0 : <u32>0xffffffff << (32 - len);
    if (len <= most && ((a ^ load<u32>(first4 + (<usize>i << 2))) & mask) == 0) return i;
    i = link >> PT_LINK_SHIFT;
  }
  return PT_NO_PARENT;
}

/** The index of the longest IPv6 prefix of at most `most` bits holding address (ah, al) (two 64-bit integers), or PT_NO_PARENT. */
function find6(ah: u64, al: u64, most: u64): u32 {
  let lo: u32 = 0, hi: u32 = n6;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const mh = load<u64>(high6 + (<usize>mid << 3));
    if (mh < ah || (mh == ah && load<u64>(low6 + (<usize>mid << 3)) <= al)) lo = mid + 1;
    else hi = mid;
  }
  let i: u32 = lo == 0 ? PT_NO_PARENT : lo - 1;
  while (i != PT_NO_PARENT) {
    const link = load<u32>(link6 + (<usize>i << 2));
    const len = <u64>(link & 0xff);
    // masks of the first 64 and the last 64 bits of the prefix
    const mh: u64 = len == 0 ? 0 : len >= 64 ? <u64>-1 : ~(<u64>-1 >> len);
    const ml: u64 = len <= 64 ? 0 : len >= 128 ? <u64>-1 : ~(<u64>-1 >> (len - 64));
    if (len <= most && ((ah ^ load<u64>(high6 + (<usize>i << 3))) & mh) == 0 && ((al ^ load<u64>(low6 + (<usize>i << 3))) & ml) == 0) return i;
    i = link >> PT_LINK_SHIFT;
  }
  return PT_NO_PARENT;
}

/** The AS number and prefix length of address a (16 bytes, network order; IPv4 in the first
 * 4), by the longest prefix of at most `most` bits holding it (0: none, the address is not
 * known), into the export context at x + asAt and x + maskAt. */
@inline function lookup(a: usize, v6: bool, most: u32, x: usize, asAt: usize, maskAt: usize): void {
  let as: u32 = 0, len: u32 = 0;
  if (most == 0) {
    // (an address the target's key leaves out: no prefix, not even a default one)
  } else if (v6) {
    const i = find6(bswap<u64>(load<u64>(a)), bswap<u64>(load<u64>(a + 8)), <u64>most);
    if (i != PT_NO_PARENT) {
      as = load<u32>(as6 + (<usize>i << 2));
      len = load<u32>(link6 + (<usize>i << 2)) & 0xff;
    }
  } else {
    const i = find4(bswap<u32>(load<u32>(a)), most);
    if (i != PT_NO_PARENT) {
      as = load<u32>(as4 + (<usize>i << 2));
      len = load<u32>(link4 + (<usize>i << 2)) & 0xff;
    }
  }
  store<u32>(x + asAt, as);
  store<u32>(x + maskAt, len);
}

/** The source and destination AS numbers and prefix lengths of the flow at sp of target tp
 * into the export context at x (X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK): of as much of
 * each address as the target's key keeps (key.ts addressBits: an aggregate gets the AS of the
 * longest prefix holding all of it). Once per exported flow, when prefixesOn. */
export function flowPrefixes(tp: usize, sp: usize, x: usize): void {
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  lookup(sp + FS_SRC, v6, addressBits(tp, sp, FS_SRC, v6), x, X_SRC_AS, X_SRC_MASK);
  lookup(sp + FS_DST, v6, addressBits(tp, sp, FS_DST, v6), x, X_DST_AS, X_DST_MASK);
}

/** Zeroes the export context's AS fields (no table: every flow's AS and prefix length unknown). */
export function clearFlowPrefixes(x: usize): void {
  store<u32>(x + X_SRC_AS, 0);
  store<u32>(x + X_DST_AS, 0);
  store<u32>(x + X_SRC_MASK, 0);
  store<u32>(x + X_DST_MASK, 0);
}
