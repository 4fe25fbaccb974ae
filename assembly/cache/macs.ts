// Source and destination MAC addresses of a flow (IPFIX sourceMacAddress 56 and
// destinationMacAddress 80; the same numbers in NetFlow v9), when a target asks for them:
// those of the flow's first packet. The slot is full, so they live in a side table beside
// the cache, in chunks that parallel the slot chunks (a slot's number finds its MACs), taken
// from the heap when a chunk's first flow wants them. A target without MACs pays nothing.
// An exported flow's MACs reach its encoder in the export context (X_MACS).

import { T_MACS, CHUNK_TABLE_MAX, CHUNK_SLOTS, CHUNK_SLOTS_LOG2, MAC_SIZE, PEND_MACS } from "../layout";
import { heapAlloc, heapFree } from "../base/heap";

/** Once at start, after the target's cache: its flows carry MACs. Returns 0, or 1 without memory. */
export function macsInit(tp: usize): u32 {
  const table = heapAlloc(CHUNK_TABLE_MAX * 4);
  if (table == 0) return 1;
  store<u32>(tp + T_MACS, <u32>table);
  return 0;
}

@inline export function macsOn(tp: usize): bool {
  return load<u32>(tp + T_MACS) != 0;
}

/** Pending packet i's MACs (the queue kept them). */
@inline export function pendingMacs(i: u32): usize {
  return PEND_MACS + (<usize>i << 4);
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

/** The address of the MACs of slot s of target tp, 0 when none are kept. */
export function flowMacs(tp: usize, s: u32): usize {
  if (!macsOn(tp)) return 0;
  const chunk = <usize>load<u32>(<usize>load<u32>(tp + T_MACS) + (<usize>(s >> CHUNK_SLOTS_LOG2) << 2));
  return chunk != 0 ? chunk + <usize>(s & (CHUNK_SLOTS - 1)) * MAC_SIZE : 0;
}

/** Gives target tp's MAC chunks and their table back to the heap (a reload took the target
 * away or reconfigures it). The descriptor still names the table: the caller clears it. */
export function macsRelease(tp: usize): void {
  const table = <usize>load<u32>(tp + T_MACS);
  if (table == 0) return;
  for (let c: u32 = 0; c < CHUNK_TABLE_MAX; c++) heapFree(<usize>load<u32>(table + (<usize>c << 2)), <usize>CHUNK_SLOTS * MAC_SIZE);
  heapFree(table, CHUNK_TABLE_MAX * 4);
}
