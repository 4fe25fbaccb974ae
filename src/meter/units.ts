// The output units of the core (assembly/output/units.ts): each [u16 kind, u16 sink, u32
// length] and its bytes, padded to 4 — an export datagram for one destination, or a run of
// JSON lines of one target. Imports only the memory map, so a transport can decode what the
// meter hands it without importing the meter.

import * as L from "../../assembly/layout";

export const UNIT_DATAGRAM = L.UNIT_DATAGRAM;
export const UNIT_JSON = L.UNIT_JSON;

/** Calls fn for each unit in a drained output region, in order: its kind (UNIT_*), its sink
 * (a destination number, or a target number for JSON lines) and its bytes (a view). */
export function forEachUnit(region: Uint8Array, fn: (kind: number, sink: number, bytes: Uint8Array) => void): void {
  const dv = new DataView(region.buffer, region.byteOffset, region.byteLength);
  for (let o = 0; o + L.UNIT_HEADER <= region.length;) {
    const kind = dv.getUint16(o + L.UH_KIND, true);
    const sink = dv.getUint16(o + L.UH_SINK, true);
    const len = dv.getUint32(o + L.UH_LENGTH, true);
    fn(kind, sink, region.subarray(o + L.UNIT_HEADER, o + L.UNIT_HEADER + len));
    o += (L.UNIT_HEADER + len + 3) & ~3;
  }
}

/** Calls fn for each export datagram in a drained output region (other units are passed over). */
export function forEachDatagram(region: Uint8Array, fn: (destination: number, datagram: Uint8Array) => void): void {
  forEachUnit(region, (kind, sink, bytes) => {
    if (kind === L.UNIT_DATAGRAM) fn(sink, bytes);
  });
}
