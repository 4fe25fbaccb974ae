// The dynamic part of linear memory (above HEAP_BASE): a bump allocator that grows the
// memory with memory.grow as flow-slot chunks and hash indexes are needed. Nothing is ever
// freed back: slots are recycled inside their target, indexes only double.

import { HEAP_BASE, PAGE_SIZE, STATUS_BASE, ST_HEAP_TOP, ST_HEAP_FAILS } from "../layout";

let heapTop: usize = HEAP_BASE;

/** Returns the address of `size` bytes aligned to 64, or 0 when the memory cannot grow. The
 * bytes are zero: heap memory is never handed out twice, and memory.grow gives zeroed pages. */
export function heapAlloc(size: usize): usize {
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

/** Makes sure the fixed regions below HEAP_BASE exist. Called once by init. */
export function heapInit(): bool {
  const have = <usize>memory.size() * PAGE_SIZE;
  if (have < HEAP_BASE) {
    if (memory.grow(<i32>((HEAP_BASE - have + PAGE_SIZE - 1) / PAGE_SIZE)) < 0) return false;
  }
  heapTop = HEAP_BASE;
  store<u32>(STATUS_BASE + ST_HEAP_TOP, <u32>heapTop);
  return true;
}
