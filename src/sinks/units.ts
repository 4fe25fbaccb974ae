// The output units of the core (assembly/output/units.ts): each [u16 kind, u16 sink, u32
// length] and its bytes, padded to 4 — an export datagram for one destination, or a run of
// JSON lines of one target. Imports only the memory map, so a transport can decode what the
// meter hands it without importing the meter.

import * as L from "../../assembly/layout";

export const UNIT_DATAGRAM = L.UNIT_DATAGRAM;
export const UNIT_JSON = L.UNIT_JSON;

/** Calls fn for each unit of kind `kind` (UNIT_*) in a drained output region, in order, with
 * its sink (a destination number; a target number for JSON lines) and its bytes (a view). */
export function forEachUnitOf(region: Uint8Array, kind: number, fn: (sink: number, bytes: Uint8Array) => void): void {
  const dv = new DataView(region.buffer, region.byteOffset, region.byteLength);
  for (let o = 0; o + L.UNIT_HEADER <= region.length;) {
    const len = dv.getUint32(o + L.UH_LENGTH, true);
    if (dv.getUint16(o + L.UH_KIND, true) === kind) fn(dv.getUint16(o + L.UH_SINK, true), region.subarray(o + L.UNIT_HEADER, o + L.UNIT_HEADER + len));
    o += (L.UNIT_HEADER + len + 3) & ~3;
  }
}

/** Calls fn for each export datagram in a drained output region (other units are passed over). */
export function forEachDatagram(region: Uint8Array, fn: (destination: number, datagram: Uint8Array) => void): void {
  forEachUnitOf(region, L.UNIT_DATAGRAM, fn);
}
