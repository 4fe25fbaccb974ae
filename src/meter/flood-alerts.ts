// Flood alerts out of the core's alert region (layout.ts AR_*, AL_*; assembly/cache/flood.ts
// writes them): read and emptied by the meter after each walk call, between two calls, so no
// alert is read twice or lost between the read and the reset.

import * as L from "../../assembly/layout";
import { addressText } from "../config/select";

export type FloodKind = "pps" | "new-flows";

/** One alert as the core made it. */
export interface CoreAlert {
  kind: FloodKind;
  /** The target's slot in the meter. */
  target: number;
  /** The source address (RFC 5952 text for IPv6). */
  source: string;
  /** pps: the flow (as the target keys it); new-flows: undefined. */
  flow?: { proto: number; srcPort: number; dstPort: number; dst: string };
  /** Packets of the flow (pps), or new flows of the source (new-flows; the sketch's estimate,
   * never low), that took it over the limit, and the time they came in (ns): since the second
   * of meter time began, or since the flow's first packet in it. */
  count: number;
  spanNs: bigint;
  /** Meter time (ns since the epoch) of the packet that took it over the limit. */
  firstSeenNs: bigint;
}

/** Reads the alerts in the region at `region` (ST_ALERTS) and empties it. Returns them and how many the core could not keep. */
export function takeAlerts(u8: Uint8Array, dv: DataView, region: number): { alerts: CoreAlert[]; lost: number } {
  const n = dv.getUint32(region + L.AR_COUNT, true);
  const lost = dv.getUint32(region + L.AR_LOST, true);
  const alerts: CoreAlert[] = [];
  for (let i = 0; i < n; i++) {
    const a = region + L.AR_ALERTS + i * L.ALERT_SIZE;
    const kind: FloodKind = dv.getUint32(a + L.AL_KIND, true) === L.FLOOD_KIND_PPS ? "pps" : "new-flows";
    const version = u8[a + L.AL_VERSION]!;
    const alert: CoreAlert = {
      kind,
      target: dv.getUint32(a + L.AL_TARGET, true),
      source: addressText(u8.subarray(a + L.AL_SRC, a + L.AL_SRC + 16), version === 6),
      count: dv.getUint32(a + L.AL_COUNT, true),
      spanNs: dv.getBigUint64(a + L.AL_SPAN_NS, true),
      firstSeenNs: dv.getBigUint64(a + L.AL_FIRST, true),
    };
    if (kind === "pps") {
      alert.flow = { proto: u8[a + L.AL_PROTO]!, srcPort: dv.getUint16(a + L.AL_SPORT, true), dstPort: dv.getUint16(a + L.AL_DPORT, true), dst: addressText(u8.subarray(a + L.AL_DST, a + L.AL_DST + 16), version === 6) };
    }
    alerts.push(alert);
  }
  dv.setUint32(region + L.AR_COUNT, 0, true);
  dv.setUint32(region + L.AR_LOST, 0, true);
  return { alerts, lost };
}
