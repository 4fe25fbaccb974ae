// The named counters (nfacct) as text: what `nfacct list` prints, one line a counter —
//   { pkts = 00000000000000000125, bytes = 00000000000000023162 } = http;
// (libnetfilter_acct's NFACCT_SNPRINTF_F_FULL format: 20 digits each, zero-padded).
// The control socket's `counters [--reset] [NAME…]` answers with it (its JSON: jsonOf), the
// end-of-run summary prints it, and MQTT will; the reading itself is the meter's
// (Meter.readCounters: one core call between two walks, so a reset loses and repeats no packet).

import type { CounterReading } from "../meter/meter";

/** One counter as nfacct's text line. */
export function nfacctLine(c: CounterReading): string {
  return `{ pkts = ${c.packets.toString().padStart(20, "0")}, bytes = ${c.bytes.toString().padStart(20, "0")} } = ${c.name};`;
}

/** The readings as nfacct's text (a line each, each ending in a newline). */
export function countersText(readings: readonly CounterReading[]): string {
  return readings.map((c) => `${nfacctLine(c)}\n`).join("");
}
