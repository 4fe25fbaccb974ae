// The prefix table in the core (assembly/cache/prefixes.ts): the arrays src/host/prefixes.ts
// makes from the prefix file, written into the block the core reserves for them. At start,
// before the targets are configured (their default templates then carry the AS fields), and
// again at each reload: a table that fits the last block reuses it (the heap is a bump
// allocator); a larger one takes a new block with an eighth to spare.

import * as L from "../../assembly/layout";
import type { Core } from "./core";
import { CoreError } from "../errors";

/** A prefix table, sorted and linked as the core searches it (layout.ts PT_*). */
export interface PrefixArrays {
  v4: {
    /** First address per prefix, as an integer. */
    first: Uint32Array;
    /** Nearest enclosing prefix's index << PT_LINK_SHIFT | prefix length (PT_NO_PARENT: none). */
    link: Uint32Array;
    as: Uint32Array;
  };
  v6: {
    /** First address per prefix: four 32-bit words, most significant first. */
    first: Uint32Array;
    link: Uint32Array;
    as: Uint32Array;
  };
}

/** The empty table: no AS numbers or prefix lengths. */
export const NO_PREFIXES: PrefixArrays = {
  v4: { first: new Uint32Array(0), link: new Uint32Array(0), as: new Uint32Array(0) },
  v6: { first: new Uint32Array(0), link: new Uint32Array(0), as: new Uint32Array(0) },
};

/** Bytes of core memory a table of v4 and v6 prefixes takes, about (the block's header and index included). */
export function prefixTableBytes(v4: number, v6: number): number {
  return L.PT_HEADER + v4 * 12 + v6 * 24 + 4 * (2 ** Math.min(16, Math.max(0, Math.floor(Math.log2(Math.max(1, v4))) - 3)) + 1);
}

/** Writes the table into the core, replacing the one before (an empty table: no AS fields). */
export function writePrefixes(core: Core, t: PrefixArrays): void {
  const n4 = t.v4.first.length, n6 = t.v6.link.length;
  const b = core.x.reservePrefixes(n4, n6) >>> 0; // (an address past 2 GiB comes back negative)
  if (b === 0) throw new CoreError(`no memory for a prefix table of ${n4} IPv4 and ${n6} IPv6 prefixes (${prefixTableBytes(n4, n6)} bytes)`);
  const dv = core.dv;
  const at = (field: number) => dv.getUint32(b + field, true);
  const buf = core.x.memory.buffer;
  new Uint32Array(buf, at(L.PT_V4_FIRST), n4).set(t.v4.first);
  new Uint32Array(buf, at(L.PT_V4_LINK), n4).set(t.v4.link);
  new Uint32Array(buf, at(L.PT_V4_AS), n4).set(t.v4.as);
  // IPv6 first addresses as two u64 arrays, each u64 two little-endian words (low word first)
  const high = new Uint32Array(buf, at(L.PT_V6_HIGH), n6 * 2);
  const low = new Uint32Array(buf, at(L.PT_V6_LOW), n6 * 2);
  const w = t.v6.first;
  for (let i = 0; i < n6; i++) {
    high[2 * i] = w[4 * i + 1]!;
    high[2 * i + 1] = w[4 * i]!;
    low[2 * i] = w[4 * i + 3]!;
    low[2 * i + 1] = w[4 * i + 2]!;
  }
  new Uint32Array(buf, at(L.PT_V6_LINK), n6).set(t.v6.link);
  new Uint32Array(buf, at(L.PT_V6_AS), n6).set(t.v6.as);
  dv.setUint32(b + L.PT_V4_COUNT, n4, true);
  dv.setUint32(b + L.PT_V6_COUNT, n6, true);
  if (core.x.usePrefixes() !== 0) throw new CoreError("the core refused the prefix table");
}
