// Interface names for the collectors (IPFIX and NetFlow v9 alike): options records of
// [interface number, interfaceName (IE 82)], sent in the template block so a collector can
// show "eth1" where flows say 3. The host writes the table (IFNAMES_BASE); at most
// IFNAMES_PER_BLOCK names go in one block, so the block keeps a fixed length that fits the
// MTU (T_NAMES_MAX, set with the export); a router with more interfaces sends them in turns (each collector has its own turn).

import {
  IFNAMES_BASE, IFNAME_SIZE, IFNAME_LEN, T_NAMES_MAX, TARGET_MAX, D_NEED_TEMPLATES, D_NAMES_AT, T_TEMPLATES_NEXT, NIL,
} from "../layout";
import { be16, be32 } from "../base/bytes";
import { destPtr, destFirst, destNext } from "../output/dests";
import { targetPtr } from "../cache/table";

/** Bytes of one record: the interface number (u32) and its name. */
export const IFNAME_RECORD: u32 = 4 + IFNAME_LEN;

/** Names in each template block of target tp: all of them, up to what its MTU leaves room for. */
export function ifNamesInBlock(tp: usize): u32 {
  const n = load<u32>(IFNAMES_BASE);
  const most = load<u32>(tp + T_NAMES_MAX);
  return n < most ? n : most;
}

/** Bytes of the data set (IPFIX) or flowset (v9) of `names` name records: the same in both. */
export function ifNamesSetLength(names: u32): u32 {
  return 4 + names * IFNAME_RECORD;
}

/** Writes the data set / flowset `id` of the next ifNamesInBlock(tp) names for the collector at dp; returns its end. */
export function writeIfNamesSet(o: usize, id: u32, tp: usize, dp: usize): usize {
  be16(o, id);
  be16(o + 2, ifNamesSetLength(ifNamesInBlock(tp)));
  return writeIfNames(o + 4, tp, dp);
}

/** Writes the next ifNamesInBlock(tp) records for the collector at dp at o; returns the end. */
function writeIfNames(o: usize, tp: usize, dp: usize): usize {
  const n = load<u32>(IFNAMES_BASE);
  const k = ifNamesInBlock(tp);
  let at = load<u32>(dp + D_NAMES_AT);
  if (at >= n) at = 0;
  for (let i: u32 = 0; i < k; i++) {
    const e = IFNAMES_BASE + 8 + <usize>at * IFNAME_SIZE;
    be32(o, load<u32>(e));
    memory.copy(o + 4, e + 4, IFNAME_LEN);
    o += IFNAME_RECORD;
    at = at + 1 == n ? 0 : at + 1;
  }
  store<u32>(dp + D_NAMES_AT, at);
  return o;
}

/** After the host wrote n names: every collector gets them (with the templates) next. */
export function namesChanged(n: u32): void {
  store<u32>(IFNAMES_BASE, n);
  for (let t: u32 = 0; t < TARGET_MAX; t++) {
    const tp = targetPtr(t);
    for (let d = destFirst(tp); d != NIL; d = destNext(d)) {
      store<u32>(destPtr(d) + D_NEED_TEMPLATES, 1); // (its turn goes on where it was: with many names and
      // frequent changes, a reset would send the first ones again and again, the others never)
      store<u32>(tp + T_TEMPLATES_NEXT, 1);
    }
  }
}
