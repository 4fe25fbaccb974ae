// The named counters (nfacct) as a reply: the text `nfacct list` prints, one line a counter —
//   { pkts = 00000000000000000125, bytes = 00000000000000023162 } = http;
// (libnetfilter_acct's NFACCT_SNPRINTF_F_FULL format: 20 digits each, zero-padded) — or one
// JSON object with exact 64-bit integers. The control socket's `counters [--reset] [NAME…]`
// (and MQTT's later) answer with these; the reading itself is the meter's (Meter.readCounters:
// one core call between two walks, so a reset loses and repeats no packet).

import type { CounterReading } from "../meter/meter";

/** What a `counters` request asks: which counters (none named: every one), whether to zero
 * them in the same reading, and JSON instead of nfacct's text. */
export interface CountersRequest {
  readonly names?: readonly string[];
  readonly reset?: boolean;
  readonly json?: boolean;
}

/** Reads counters (Meter.readCounters; throws a UsageError for a name it does not have). */
export type CounterReader = (names: readonly string[] | undefined, reset: boolean) => CounterReading[];

/** The request of a command line's arguments (`--reset`, `--json`, names), or the message
 * saying what is wrong with them. */
export function countersRequestOf(args: readonly string[]): CountersRequest | { error: string } {
  let reset = false;
  let json = false;
  const names: string[] = [];
  for (const a of args) {
    if (a === "--reset" || a === "-r") reset = true;
    else if (a === "--json") json = true;
    else if (a.startsWith("-")) return { error: `counters: unknown option ${JSON.stringify(a.slice(0, 40))} (counters [--reset] [--json] [NAME…])` };
    else names.push(a);
  }
  return { names, reset, json };
}

/** One counter as nfacct's text line. */
export function nfacctLine(c: CounterReading): string {
  return `{ pkts = ${c.packets.toString().padStart(20, "0")}, bytes = ${c.bytes.toString().padStart(20, "0")} } = ${c.name};`;
}

/** The readings as nfacct's text (a line each, each ending in a newline). */
export function countersText(readings: readonly CounterReading[]): string {
  return readings.map((c) => `${nfacctLine(c)}\n`).join("");
}

/** The readings as one line of JSON, the counts as exact integers (not through a double). */
export function countersJson(readings: readonly CounterReading[], reset: boolean): string {
  const items = readings.map((c) => `{"name":${JSON.stringify(c.name)},"select":${JSON.stringify(c.select)},"packets":${c.packets},"bytes":${c.bytes}}`);
  return `{"counters":[${items.join(",")}],"reset":${reset}}\n`;
}

/** A `counters` request answered: read (and zeroed, with reset) in one core call, then written. */
export function countersReply(read: CounterReader, req: CountersRequest): string {
  const readings = read(req.names && req.names.length > 0 ? req.names : undefined, req.reset === true);
  return req.json ? countersJson(readings, req.reset === true) : countersText(readings);
}
