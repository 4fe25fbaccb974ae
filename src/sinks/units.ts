// The meter's output region read as output units, with the memory map alone: a drained
// export region is a run of datagram units [u16 destination, u16 length, bytes] padded to 4
// (assembly/layout.ts, OD_HEADER). The send queue (targets/queue.ts) and the tests read
// datagrams through this, never through the meter.

import * as L from "../../assembly/layout";

/** Calls fn for each datagram unit in a drained output region. */
export function forEachDatagram(bytes: Uint8Array, fn: (destination: number, datagram: Uint8Array) => void): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let o = 0; o + L.OD_HEADER <= bytes.length;) {
    const dest = dv.getUint16(o, true);
    const len = dv.getUint16(o + 2, true);
    fn(dest, bytes.subarray(o + L.OD_HEADER, o + L.OD_HEADER + len));
    o += (L.OD_HEADER + len + 3) & ~3;
  }
}
