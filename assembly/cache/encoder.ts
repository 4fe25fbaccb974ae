// Room cache/: packets into flows — each target's key derived from the packet's full key and
// hashed (key.ts), the flow table (table.ts), the timing wheel (wheel.ts), the MACs side table
// (macs.ts), the route of a flow at its export (routes.ts), and the meter that ages flows out
// (meter.ts). Imports parse/ (the queue of parsed packets), output/ (room) and base/; it hands
// a leaving flow to its target's format through the entry below, never by importing encode/.
//
// This file: what the cache calls when a flow leaves — its target's entry of the format
// table, softflowd's NETFLOW_SENDER row: every format has the same few functions, registered
// once (encode/formats.ts), and the meter calls through the entry, one indirect call per
// exported flow or per seal and none per packet. What differs between formats in metering
// is data in the entry (the counter limit, whether MACs can be carried).

import { T_ENCODER } from "../layout";

/** Sets up target tp's export for datagrams of at most `mtu` bytes (once per target at start):
 * 0, 1 without memory, 2 when the format cannot work with that MTU. */
export type ConfigureFn = (tp: usize, mtu: u32) => u32;
/** Output bytes one exported flow of target tp may add at most: a JSON line, or a sealed
 * datagram for each destination (whenever targets or destinations change). */
export type ExportMaxFn = (tp: usize) => usize;
/** Encodes the flow in the slot at sp of target t (at tp), with the export context at x
 * (layout.ts X_*), into the output region at position pos; returns the new position. */
export type RecordFn = (t: u32, tp: usize, sp: usize, x: usize, pos: usize) => usize;
/** Writes out what target t holds back at position pos — a partly filled datagram (seal, per
 * tick and at the end), the templates with the final statistics (stats, at the end); returns
 * the new position. */
export type FlushFn = (t: u32, tp: usize, pos: usize) => usize;

/** One entry of the format table (FORMAT_ENTRY_SIZE bytes at FORMATS_BASE). */
@unmanaged export class Format {
  /** FORMAT_* */
  id: u32;
  /** 1 when a flow's MACs can be carried. */
  macs: u32;
  /** A flow's byte count may not pass this (0: no limit); the cache exports a flow early
   * rather than let a counter of the format wrap (NetFlow v5's are 32 bits). */
  counterMax: u64;
  configure: ConfigureFn;
  exportMax: ExportMaxFn;
  record: RecordFn;
  seal: FlushFn;
  stats: FlushFn;
}

/** Target tp's format entry. */
@inline export function formatOf(tp: usize): Format {
  return changetype<Format>(<usize>load<u32>(tp + T_ENCODER));
}
