// What a flow cache of a given size costs, from the memory map alone: the default hash index
// for --maxflows, the most memory a cache may take (for --help and the summary).

import * as L from "../../assembly/layout";

/** Upper bound of the cache memory for a target, bytes. */
export function cacheBytesAtMost(t: { maxflows: number; hashsize: number }): number {
  const chunks = Math.ceil(t.maxflows / L.CHUNK_SLOTS);
  // slots + the live index + what index doubling leaves behind (never more than the live one)
  return chunks * L.CHUNK_SLOTS * L.SLOT_SIZE + 2 * t.hashsize * 4 + L.CHUNK_TABLE_MAX * 4;
}

/** Smallest power of two that keeps `maxflows` at most 3/4 of the index. */
export function defaultHashsize(maxflows: number): number {
  let n = 16;
  while (n - n / 4 < maxflows) n *= 2;
  return n;
}

/** "30.7 MiB for 2,000,000 flows and a hash index of up to …": what a cache costs at most.
 * (toLocaleString brings in ICU's locale data: call it only when the text is wanted.) */
export function describeCache(o: { maxflows: number; hashsize: number }): string {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  const n = (v: number) => v.toLocaleString("en-US");
  return `${mib(cacheBytesAtMost(o))} for ${n(o.maxflows)} flows and a hash index of up to ${n(o.hashsize)} entries, allocated as flows arrive`;
}

/** The same for several targets: what their caches cost at most together. */
export function describeCaches(targets: ReadonlyArray<{ maxflows: number; hashsize: number }>): string {
  const total = targets.reduce((n, t) => n + cacheBytesAtMost(t), 0);
  return `${(total / 1048576).toFixed(1)} MiB for the ${targets.length} targets' ${targets.reduce((n, t) => n + t.maxflows, 0).toLocaleString("en-US")} flows together (each target's below), allocated as flows arrive`;
}
