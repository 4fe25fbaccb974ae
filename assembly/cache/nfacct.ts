// Named counters (nfacct's, Pablo Neira Ayuso's): packets and bytes per name, each chosen by
// a selector program (the targets' language; select.ts runs it) over every pending packet,
// whatever the targets choose — a packet no target selects still counts. The meter calls
// countPending in its first pass over the pending packets (meter.ts), so a run without
// counters pays one predictable branch per run of up to PEND_MAX packets, and each counter
// costs one run of its program per packet (a few tests) plus two adds per run.
//
// Read-and-zero: readCounters copies every counter into its NC_READ_* fields and zeroes those
// the host marked (NC_RESET) in the same call, made between two walk calls: nothing is
// metered in between, so each packet is in exactly one read.

import {
  COUNTER_MAX, NC_COUNT, NC_ENTRIES, NC_SIZE, NC_PACKETS, NC_BYTES, NC_READ_PACKETS, NC_READ_BYTES, NC_PROGRAM, NC_PROGRAM_BYTES,
  NC_RESET, PEND_BASE, PEND_ENTRY, PE_BYTES,
} from "../layout";
import { heapAlloc, heapFree } from "../base/heap";
import { selectPasses, programValid } from "./select";

/** The table in force (0: none) and its counters. */
let table: usize = 0;
let counters: u32 = 0;

/** Whether any counter is in force: only then does the meter call countPending. */
@inline export function countersOn(): bool {
  return counters != 0;
}

@inline function entryOf(at: usize, c: u32): usize {
  return at + NC_ENTRIES + <usize>c * NC_SIZE;
}

@inline function tableBytes(n: u32): usize {
  return <usize>NC_ENTRIES + <usize>n * NC_SIZE;
}

/** Counts the first n pending packets into every counter whose program passes them. */
export function countPending(n: u32): void {
  for (let c: u32 = 0; c < counters; c++) {
    const ce = entryOf(table, c);
    const prog = <usize>load<u32>(ce + NC_PROGRAM);
    let packets: u64 = 0, bytes: u64 = 0;
    for (let i: u32 = 0; i < n; i++) {
      const e = PEND_BASE + <usize>i * PEND_ENTRY;
      if (prog == 0 || selectPasses(prog, e)) {
        packets++;
        bytes += <u64>load<u32>(e + PE_BYTES);
      }
    }
    store<u64>(ce + NC_PACKETS, load<u64>(ce + NC_PACKETS) + packets);
    store<u64>(ce + NC_BYTES, load<u64>(ce + NC_BYTES) + bytes);
  }
}

/** A table of n counters for the host to fill (zeroed), or 0 for too many or without memory. */
export function countersAlloc(n: u32): usize {
  if (n == 0 || n > COUNTER_MAX) return 0;
  const at = heapAlloc(tableBytes(n)); // (zeroed)
  if (at != 0) store<u32>(at + NC_COUNT, n);
  return at;
}

/** Puts the table at `at` (from countersAlloc, filled by the host; 0 = no counters) in force;
 * the one before it and its programs go back to the heap. Returns 0, or 2 for a table whose
 * count or a program of which is not valid (the table in force stays). */
export function countersUse(at: usize): u32 {
  if (at != 0) {
    const n = load<u32>(at + NC_COUNT);
    if (n == 0 || n > COUNTER_MAX) return 2;
    for (let c: u32 = 0; c < n; c++) {
      const ce = entryOf(at, c);
      const prog = <usize>load<u32>(ce + NC_PROGRAM);
      if (prog != 0 && !programValid(prog, load<u32>(ce + NC_PROGRAM_BYTES))) return 2;
    }
  }
  if (table != 0) {
    for (let c: u32 = 0; c < counters; c++) {
      const ce = entryOf(table, c);
      const prog = <usize>load<u32>(ce + NC_PROGRAM);
      if (prog != 0) heapFree(prog, <usize>load<u32>(ce + NC_PROGRAM_BYTES));
    }
    heapFree(table, tableBytes(counters));
  }
  table = at;
  counters = at != 0 ? load<u32>(at + NC_COUNT) : 0;
  return 0;
}

/** Every counter into its NC_READ_* fields, and those marked NC_RESET zeroed (the mark
 * cleared). Returns the table's address (0: none). */
export function countersRead(): usize {
  for (let c: u32 = 0; c < counters; c++) {
    const ce = entryOf(table, c);
    store<u64>(ce + NC_READ_PACKETS, load<u64>(ce + NC_PACKETS));
    store<u64>(ce + NC_READ_BYTES, load<u64>(ce + NC_BYTES));
    if (load<u32>(ce + NC_RESET) != 0) {
      store<u64>(ce + NC_PACKETS, 0);
      store<u64>(ce + NC_BYTES, 0);
      store<u32>(ce + NC_RESET, 0);
    }
  }
  return table;
}
