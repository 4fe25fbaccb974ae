// Source and destination MAC addresses of a flow (IPFIX sourceMacAddress 56 and
// destinationMacAddress 80; the same numbers in NetFlow v9), when a target asks for them:
// those of the flow's first packet. The slot is full, so they live in a side table beside
// the cache, in chunks that parallel the slot chunks (a slot's number finds its MACs), taken
// from the heap when a chunk's first flow wants them. A target without MACs pays nothing.

import { T_MACS, CHUNK_TABLE_MAX, CHUNK_SLOTS, CHUNK_SLOTS_LOG2, MAC_SIZE, PEND_BASE, PEND_ENTRY, PEND_MACS } from "../layout";
import { heapAlloc } from "../base/heap";

/** Whether any target wants MACs (processPacket keeps each packet's then). */
export let macsWanted = false;

/** Once at start, after the target's cache: its flows carry MACs. Returns 0, or 1 without memory. */
export function macsInit(tp: usize): u32 {
  const table = heapAlloc(CHUNK_TABLE_MAX * 4);
  if (table == 0) return 1;
  store<u32>(tp + T_MACS, <u32>table);
  macsWanted = true;
  return 0;
}

@inline export function macsOn(tp: usize): bool {
  return load<u32>(tp + T_MACS) != 0;
}

/** Pending packet e's MACs (processPacket wrote them). */
@inline export function pendingMacs(e: usize): usize {
  return PEND_MACS + (((e - PEND_BASE) / PEND_ENTRY) << 4);
}

/** A new flow in slot s of target tp: remembers the MACs at m (12 bytes). Without memory the
 * flow's MACs read as zero (unknown). */
export function macsRemember(tp: usize, s: u32, m: usize): void {
  const entry = <usize>load<u32>(tp + T_MACS) + (<usize>(s >> CHUNK_SLOTS_LOG2) << 2);
  let chunk = <usize>load<u32>(entry);
  if (chunk == 0) {
    chunk = heapAlloc(<usize>CHUNK_SLOTS * MAC_SIZE);
    if (chunk == 0) return;
    store<u32>(entry, <u32>chunk);
  }
  memory.copy(chunk + <usize>(s & (CHUNK_SLOTS - 1)) * MAC_SIZE, m, MAC_SIZE);
}

/** The MACs of the flow being exported (set by flowMacs), 0 = unknown (zeros are written). */
export let exportMacs: usize = 0;

/** Before the encoders run on slot s of target tp. */
export function flowMacs(tp: usize, s: u32): void {
  exportMacs = 0;
  if (!macsOn(tp)) return;
  const chunk = <usize>load<u32>(<usize>load<u32>(tp + T_MACS) + (<usize>(s >> CHUNK_SLOTS_LOG2) << 2));
  if (chunk != 0) exportMacs = chunk + <usize>(s & (CHUNK_SLOTS - 1)) * MAC_SIZE;
}

/** Writes sourceMacAddress then destinationMacAddress (template order) at o; returns the end. */
export function writeMacs(o: usize): usize {
  if (exportMacs == 0) {
    memory.fill(o, 0, MAC_SIZE);
  } else {
    memory.copy(o, exportMacs + 6, 6);
    memory.copy(o + 6, exportMacs, 6);
  }
  return o + MAC_SIZE;
}

/** Template fields for the MACs, [id, length]: the same numbers in IPFIX and NetFlow v9
 * (56 sourceMacAddress / SRC_MAC, 80 destinationMacAddress / IN_DST_MAC). */
export const MAC_FIELDS_LEN: u32 = 8;
export function writeMacFields(o: usize): usize {
  store<u32>(o, bswap<u32>(56 << 16 | 6));
  store<u32>(o + 4, bswap<u32>(80 << 16 | 6));
  return o + MAC_FIELDS_LEN;
}
