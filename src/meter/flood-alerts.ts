// Flood alerts out of the core's alert region (layout.ts AR_*, AL_*; assembly/cache/flood.ts
// writes them): read and emptied by the meter after each walk call, between two calls, so no
// alert is read twice or lost between the read and the reset.

import * as L from "../../assembly/layout";

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

/** An address of `version` 4 or 6 at `at`, as text (IPv6: RFC 5952's shortest form). */
export function addressText(u8: Uint8Array, at: number, version: number): string {
  if (version === 4) return `${u8[at]}.${u8[at + 1]}.${u8[at + 2]}.${u8[at + 3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((u8[at + 2 * i]! << 8) | u8[at + 2 * i + 1]!);
  // the longest run of two or more zero groups (the first of equal ones) becomes ::
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
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
      source: addressText(u8, a + L.AL_SRC, version),
      count: dv.getUint32(a + L.AL_COUNT, true),
      spanNs: dv.getBigUint64(a + L.AL_SPAN_NS, true),
      firstSeenNs: dv.getBigUint64(a + L.AL_FIRST, true),
    };
    if (kind === "pps") {
      alert.flow = { proto: u8[a + L.AL_PROTO]!, srcPort: dv.getUint16(a + L.AL_SPORT, true), dstPort: dv.getUint16(a + L.AL_DPORT, true), dst: addressText(u8, a + L.AL_DST, version) };
    }
    alerts.push(alert);
  }
  dv.setUint32(region + L.AR_COUNT, 0, true);
  dv.setUint32(region + L.AR_LOST, 0, true);
  return { alerts, lost };
}
