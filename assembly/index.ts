// The Wasm core's only export list. Every export takes and returns numbers; bulk data moves
import "./env";
// through the regions of layout.ts. The doc line of each says how often the host calls it.

import { heapInit } from "./heap";
import { jsonInit } from "./json";
import { setSeed, tableInit, targetPtr } from "./table";
import { T_INACTIVE_NS, T_ACTIVE_NS, T_FORMAT, TARGET_MAX, MAXFLOWS_LIMIT, STATUS_BASE, ST_NOW_NS } from "./layout";
import * as meter from "./meter";
import * as walk from "./walk";

/** Once at start: sets up the fixed regions and the hash seed. Returns 0, or 1 without memory. */
export function init(seedLo: u32, seedHi: u32): u32 {
  if (!heapInit()) return 1;
  jsonInit();
  setSeed(seedLo, seedHi);
  return 0;
}

/**
 * Once per target at start: an empty cache of at most `maxflows` flows whose hash index
 * grows to at most `indexMax` entries (a power of two), with timeouts in seconds.
 * Returns 0, 1 without memory, 2 for a bad argument.
 */
export function configureTarget(t: u32, maxflows: u32, indexMax: u32, inactiveS: u32, activeS: u32, format: u32): u32 {
  if (t >= <u32>TARGET_MAX || maxflows == 0 || maxflows > <u32>MAXFLOWS_LIMIT) return 2;
  if (indexMax < 16 || (indexMax & (indexMax - 1)) != 0) return 2;
  if (tableInit(t, maxflows, indexMax) != 0) return 1;
  const tp = targetPtr(t);
  store<u64>(tp + T_INACTIVE_NS, <u64>inactiveS * 1000000000);
  store<u64>(tp + T_ACTIVE_NS, <u64>activeS * 1000000000);
  store<u32>(tp + T_FORMAT, format);
  if (t + 1 > 0) meter.setTargetCount(t + 1);
  return 0;
}

/** Per block of file data: walks classic pcap records in input[0, len). */
export function walkPcap(len: u32, swapped: u32, nanos: u32, linktype: u32, snaplen: u32): u32 {
  return walk.walkPcap(len, swapped != 0, nanos != 0, linktype, snaplen);
}

/** Per block of file data: walks pcapng blocks in input[0, len). */
export function walkPcapng(len: u32, swapped: u32): u32 {
  return walk.walkPcapng(len, swapped != 0);
}

/** Per batch of live packets: walks `records` batch records from the input region. */
export function walkBatch(records: u32): u32 {
  return walk.walkBatch(records);
}

/** Per pcapng IDB: how many interfaces the current section has described. */
export function setInterfaceCount(n: u32): void {
  walk.setInterfaceCount(n);
}

/** Per host tick (live) : advances the clock to the given time (ns = hi·2^32 + lo) and expires idle flows. 1 = done, 0 = drain output first. */
export function advance(nsLo: u32, nsHi: u32): u32 {
  return meter.advance((<u64>nsHi << 32) | <u64>nsLo);
}

/** At the end of input or at shutdown: exports every flow with `reason`. 1 = done, 0 = drain output and call again. */
export function flushAll(reason: u32): u32 {
  store<u64>(STATUS_BASE + ST_NOW_NS, meter.meterNow());
  return meter.flushAll(reason);
}

/** After each walk: bytes of encoded output waiting in the output region. */
export function outputLength(): u32 {
  return <u32>meter.outPos;
}

/** After the host has written the output out. */
export function outputReset(): void {
  meter.outputReset();
}
