// The dynamic part of linear memory (above HEAP_BASE): a bump allocator that grows the
// memory with memory.grow as flow-slot chunks and hash indexes are needed, with free lists by
// size class in front of it (layout.ts HEAP_FREE_*). Slots are recycled inside their target;
// whole blocks come back only when a reload takes a target away or reconfigures it
// (unconfigureTarget), and when a hash index doubles (the old one). A block given back is
// handed out again for the next request of its size class, zeroed, so memory is bounded by
// the most that was ever in use at once per class: twenty reloads of the same targets take
// the same blocks again and never grow the memory.
//
// Size classes: a power of two under HEAP_SMALL_MAX (the config blocks: selector, field list,
// aggregation rules, staging datagram, chunk tables), else the size rounded up to
// HEAP_LARGE_STEP (slot chunks, MAC chunks, wheels, indexes: a few fixed sizes). Blocks are
// never split or merged: a class's blocks only ever serve that class.

import {
  HEAP_BASE, PAGE_SIZE, STATUS_BASE, ST_HEAP_TOP, ST_HEAP_FAILS, ST_HEAP_FREE, ST_HEAP_DROPPED,
  HEAP_FREE_CLASSES, HF_SIZE, HF_HEAD, HF_ENTRY, HEAP_FREE_SIZE, HEAP_SMALL_MAX, HEAP_LARGE_STEP,
} from "../layout";

let heapTop: usize = HEAP_BASE;

/** The size class of a request of `size` bytes: the bytes every block of it has. */
@inline function classSize(size: usize): usize {
  if (size >= <usize>HEAP_SMALL_MAX) return (size + HEAP_LARGE_STEP - 1) & ~(<usize>HEAP_LARGE_STEP - 1);
  if (size <= 64) return 64;
  return <usize>1 << (<usize>32 - <usize>clz<u32>(<u32>size - 1));
}

/** The free-list entry of class `cs`: its own, or (with `make`) the first unused one; 0 when there is none. */
function classEntry(cs: usize, make: bool): usize {
  for (let c: u32 = 0; c < HEAP_FREE_CLASSES; c++) {
    const e = HEAP_BASE + <usize>c * HF_ENTRY;
    const s = <usize>load<u32>(e + HF_SIZE);
    if (s == cs) return e;
    if (s == 0) {
      if (!make) return 0;
      store<u32>(e + HF_SIZE, <u32>cs);
      return e;
    }
  }
  return 0;
}

@inline function addFree(delta: i32): void {
  store<u32>(STATUS_BASE + ST_HEAP_FREE, <u32>(<i32>load<u32>(STATUS_BASE + ST_HEAP_FREE) + delta));
}

/** Returns the address of `size` bytes aligned to 64, or 0 when the memory cannot grow. The
 * bytes are zero: a block given back is zeroed when it is handed out again, and memory.grow
 * gives zeroed pages. */
export function heapAlloc(size: usize): usize {
  const cs = classSize(size);
  const e = classEntry(cs, false);
  if (e != 0) {
    const head = <usize>load<u32>(e + HF_HEAD);
    if (head != 0) {
      store<u32>(e + HF_HEAD, load<u32>(head));
      addFree(-<i32>cs);
      memory.fill(head, 0, cs);
      return head;
    }
  }
  return bump(cs);
}

/** As heapAlloc, for a block never given back (the prefix table, which keeps its block across
 * reloads it fits): exactly `size` bytes from the bump pointer, no class rounding. */
export function heapAllocExact(size: usize): usize {
  return bump(size);
}

function bump(size: usize): usize {
  const at = (heapTop + 63) & ~(<usize>63);
  const end = at + size;
  const have = <usize>memory.size() * PAGE_SIZE;
  if (end > have) {
    const pages = <i32>((end - have + PAGE_SIZE - 1) / PAGE_SIZE);
    if (memory.grow(pages) < 0) {
      store<u32>(STATUS_BASE + ST_HEAP_FAILS, load<u32>(STATUS_BASE + ST_HEAP_FAILS) + 1);
      return 0;
    }
  }
  heapTop = end;
  store<u32>(STATUS_BASE + ST_HEAP_TOP, <u32>heapTop);
  return at;
}

/** Gives back the block at `at` that heapAlloc(size) returned (0: nothing). The caller no
 * longer reads or writes it; the next request of its class gets it. */
export function heapFree(at: usize, size: usize): void {
  if (at == 0) return;
  const cs = classSize(size);
  const e = classEntry(cs, true);
  if (e == 0) {
    store<u32>(STATUS_BASE + ST_HEAP_DROPPED, load<u32>(STATUS_BASE + ST_HEAP_DROPPED) + 1);
    return;
  }
  store<u32>(at, load<u32>(e + HF_HEAD));
  store<u32>(e + HF_HEAD, <u32>at);
  addFree(<i32>cs);
}

/** Makes sure the fixed regions below HEAP_BASE exist, and the free lists' table at the heap's start. Called once by init. */
export function heapInit(): bool {
  const have = <usize>memory.size() * PAGE_SIZE;
  const need = <usize>HEAP_BASE + HEAP_FREE_SIZE;
  if (have < need) {
    if (memory.grow(<i32>((need - have + PAGE_SIZE - 1) / PAGE_SIZE)) < 0) return false;
  }
  memory.fill(HEAP_BASE, 0, HEAP_FREE_SIZE);
  heapTop = HEAP_BASE + HEAP_FREE_SIZE;
  store<u32>(STATUS_BASE + ST_HEAP_TOP, <u32>heapTop);
  store<u32>(STATUS_BASE + ST_HEAP_FREE, 0);
  store<u32>(STATUS_BASE + ST_HEAP_DROPPED, 0);
  return true;
}
