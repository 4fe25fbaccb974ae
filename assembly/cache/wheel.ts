// The timing wheel: when to look at a flow again. Each flow sits in the bucket of the tick
// at which it would turn idle, (last + inactive) >> WHEEL_TICK_LOG2, as of when it was last
// filed. A packet only updates the flow's `last`; it does not move the flow (that would
// cost two scattered cache-line writes per packet, as a move-to-tail LRU list does). When a
// bucket's tick has passed, each flow in it is either idle (exported) or was touched since
// (re-filed by its real `last`): a busy flow is re-filed at most once per inactive timeout.
//
// Buckets are circular doubly linked lists through FS_PREV/FS_NEXT. A link value with
// WHEEL_SENTINEL set names bucket (value & mask) itself, whose [first, last] words live in
// the wheel array, so unlinking any flow is O(1) without knowing its bucket.

import { FS_PREV, FS_NEXT, WHEEL_BUCKETS, WHEEL_SENTINEL, T_WHEEL, NIL } from "../layout";
import { slotPtr } from "./table";
import { heapAlloc } from "../base/heap";

const BUCKET_MASK: u32 = WHEEL_BUCKETS - 1;

@inline function nextAddr(tp: usize, x: u32): usize {
  return x >= WHEEL_SENTINEL
    ? <usize>load<u32>(tp + T_WHEEL) + (<usize>(x & BUCKET_MASK) << 3)
    : slotPtr(tp, x) + FS_NEXT;
}

@inline function prevAddr(tp: usize, x: u32): usize {
  return x >= WHEEL_SENTINEL
    ? <usize>load<u32>(tp + T_WHEEL) + (<usize>(x & BUCKET_MASK) << 3) + 4
    : slotPtr(tp, x) + FS_PREV;
}

/** Allocates target tp's wheel with every bucket empty. Returns false without memory. */
export function wheelInit(tp: usize): bool {
  const w = heapAlloc(<usize>WHEEL_BUCKETS * 8);
  if (w == 0) return false;
  store<u32>(tp + T_WHEEL, <u32>w);
  for (let b: u32 = 0; b < WHEEL_BUCKETS; b++) {
    store<u32>(w + (<usize>b << 3), WHEEL_SENTINEL | b);
    store<u32>(w + (<usize>b << 3) + 4, WHEEL_SENTINEL | b);
  }
  return true;
}

/** Files slot s (at sp) at the end of the bucket for `tick`. */
export function wheelFile(tp: usize, s: u32, sp: usize, tick: u64): void {
  const b = WHEEL_SENTINEL | (<u32>tick & BUCKET_MASK);
  const lastAddr = prevAddr(tp, b);
  const last = load<u32>(lastAddr);
  store<u32>(sp + FS_PREV, last);
  store<u32>(sp + FS_NEXT, b);
  store<u32>(nextAddr(tp, last), s);
  store<u32>(lastAddr, s);
}

/** Takes slot s (at sp) out of whatever bucket holds it. */
export function wheelUnlink(tp: usize, sp: usize): void {
  const prev = load<u32>(sp + FS_PREV);
  const next = load<u32>(sp + FS_NEXT);
  store<u32>(nextAddr(tp, prev), next);
  store<u32>(prevAddr(tp, next), prev);
}

/** The first flow filed for `tick`, or NIL when its bucket is empty. */
@inline export function wheelFirst(tp: usize, tick: u64): u32 {
  const first = load<u32>(<usize>load<u32>(tp + T_WHEEL) + (<usize>(<u32>tick & BUCKET_MASK) << 3));
  return first >= WHEEL_SENTINEL ? NIL : first;
}
