// Room output/: what leaves the core — the destination sets of the targets (this file) and the
// output region's tagged units with the room they need (units.ts). Imports only the memory
// map: encoders write through it, the cache asks it for room.
//
// Destination sets: a target's destinations are a list through D_NEXT, in destination order,
// each with its own sequence number, template schedule and counts (layout.ts D_*). Every
// loop over them is destFirst/destNext; which of them receive a sealed datagram is the
// target's mode (T_DEST_MODE): all of them (mirror) for now — round-robin will be a cursor
// in receiverFirst/receiverNext.

import {
  DESTS_BASE, DEST_SIZE, D_TARGET, D_NEXT, D_DATAGRAMS, D_RECORDS, D_OCTETS, T_DESTS, T_DEST_FIRST, NIL,
} from "../layout";

@inline export function destPtr(d: u32): usize {
  return DESTS_BASE + <usize>d * DEST_SIZE;
}

// The links hold a destination number + 1, so zeroed memory is an empty list (and 0 - 1 is NIL).

/** Target tp's first destination, NIL when it has none. */
@inline export function destFirst(tp: usize): u32 {
  return load<u32>(tp + T_DEST_FIRST) - 1;
}

/** The destination after d of the same target, NIL after the last. */
@inline export function destNext(d: u32): u32 {
  return load<u32>(destPtr(d) + D_NEXT) - 1;
}

/** The first destination that receives target tp's sealed datagrams (mirror: every one). */
@inline export function receiverFirst(tp: usize): u32 {
  return destFirst(tp);
}

/** The one after d. */
@inline export function receiverNext(tp: usize, d: u32): u32 {
  return destNext(d);
}

/** How many destinations receive each sealed datagram of target tp. */
@inline export function receivers(tp: usize): u32 {
  return load<u32>(tp + T_DESTS);
}

/** Makes destination d (unused, zeroed) one of target t's (at tp), in destination order. */
export function destAdd(tp: usize, t: u32, d: u32): void {
  const dp = destPtr(d);
  store<u32>(dp + D_TARGET, t + 1);
  let prev: u32 = NIL;
  let at = destFirst(tp);
  while (at != NIL && at < d) {
    prev = at;
    at = destNext(at);
  }
  store<u32>(dp + D_NEXT, at + 1);
  if (prev == NIL) store<u32>(tp + T_DEST_FIRST, d + 1);
  else store<u32>(destPtr(prev) + D_NEXT, d + 1);
  store<u32>(tp + T_DESTS, load<u32>(tp + T_DESTS) + 1);
}

/** Counts one message of `len` bytes carrying `flows` flow records as laid out for the destination at dp. */
export function countMessage(dp: usize, len: u32, flows: u32): void {
  store<u64>(dp + D_DATAGRAMS, load<u64>(dp + D_DATAGRAMS) + 1);
  store<u64>(dp + D_RECORDS, load<u64>(dp + D_RECORDS) + flows);
  store<u64>(dp + D_OCTETS, load<u64>(dp + D_OCTETS) + len);
}
