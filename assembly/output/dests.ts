// Room output/: what leaves the core — the destination sets of the targets (this file) and the
// output region's tagged units with the room they need (units.ts). Imports only the memory
// map: encoders write through it, the cache asks it for room.
//
// Destination sets: a target's destinations are a list through D_NEXT, in destination order,
// each with its own sequence number, template schedule and counts (layout.ts D_*). Every
// loop over them is destFirst/destNext; which of them receive a sealed datagram is the
// target's mode (T_DEST_MODE), walked by receiverFirst/receiverNext: all of them (mirror), or
// one each in turn (round-robin: the cursor T_DEST_CURSOR names the next, and a destination
// the host marked down, D_DOWN, is passed over; with every one down the datagram is counted
// as lost, T_DEST_LOST). Mirror never reads the mark: its cost is the one branch on the mode,
// once per seal.

import {
  DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_NEXT, D_DOWN, D_DATAGRAMS, D_RECORDS, D_OCTETS, T_DESTS, T_DEST_FIRST, T_DEST_MODE,
  T_DEST_CURSOR, T_DEST_LOST, T_DEST_LOST_RECORDS, TARGETS_BASE, TARGET_SIZE, DEST_MIRROR, NIL,
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

/** How many destinations target tp has. */
@inline export function destCount(tp: usize): u32 {
  return load<u32>(tp + T_DESTS);
}

/** Whether target tp sends each datagram to one destination in turn (round-robin). */
@inline export function roundRobin(tp: usize): bool {
  return load<u32>(tp + T_DEST_MODE) != DEST_MIRROR;
}

/** The first destination that receives the sealed datagram of target tp holding `recs` flow
 * records (mirror: every one in turn; round-robin: the one whose turn it is). Call once per
 * seal: round-robin moves its cursor on. NIL when none does. */
@inline export function receiverFirst(tp: usize, recs: u32): u32 {
  if (!roundRobin(tp)) return destFirst(tp);
  return roundRobinTurn(tp, recs);
}

/** The one after d (round-robin: none). */
@inline export function receiverNext(tp: usize, d: u32): u32 {
  if (!roundRobin(tp)) return destNext(d);
  return NIL;
}

/** Most destinations one sealed datagram of target tp goes to: mirror, all of them; round-robin, one. */
@inline export function receivers(tp: usize): u32 {
  return roundRobin(tp) ? 1 : load<u32>(tp + T_DESTS);
}

/** Whether the host marked destination d down (round-robin passes it over). */
@inline export function destDown(d: u32): bool {
  return load<u32>(destPtr(d) + D_DOWN) != 0;
}

/**
 * Round-robin: the destination whose turn it is — the cursor's, or the first after it in
 * destination order (wrapping round) that is not marked down — and the cursor moves to the
 * one after it, so the turns go on in order however the marks change. With every
 * destination down, none: the datagram and its `recs` records are counted as lost.
 */
function roundRobinTurn(tp: usize, recs: u32): u32 {
  const n = load<u32>(tp + T_DESTS);
  if (n == 0) return NIL;
  const t = <u32>((tp - TARGETS_BASE) / TARGET_SIZE);
  let d = load<u32>(tp + T_DEST_CURSOR) - 1;
  // (0: the first; a cursor left on a destination that is no longer this target's: the first too)
  if (d >= <u32>DEST_MAX || load<u32>(destPtr(d) + D_TARGET) != t + 1) d = destFirst(tp);
  for (let i: u32 = 0; i < n; i++) {
    let after = destNext(d);
    if (after == NIL) after = destFirst(tp);
    if (!destDown(d)) {
      store<u32>(tp + T_DEST_CURSOR, after + 1);
      return d;
    }
    d = after;
  }
  store<u64>(tp + T_DEST_LOST, load<u64>(tp + T_DEST_LOST) + 1);
  store<u64>(tp + T_DEST_LOST_RECORDS, load<u64>(tp + T_DEST_LOST_RECORDS) + recs);
  return NIL;
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
