// The Wasm core's only export list. Every export takes and returns numbers; bulk data moves
// through the regions of layout.ts. The doc line of each says how often the host calls it.
import "./base/env";

import { heapInit } from "./base/heap";
import { jsonInit } from "./encode/json";
import { setSeed, tableInit, targetPtr } from "./cache/table";
import { namesChanged } from "./encode/ifnames";
import { macsInit } from "./cache/macs";
import {
  T_INACTIVE_NS, T_ACTIVE_NS, T_TCP_END_NS, T_FORMAT, TARGET_MAX, MAXFLOWS_LIMIT, STATUS_BASE, ST_NOW_NS,
  T_MTU, T_ENGINE_ID, T_REFRESH, T_TEMPLATE_S, T_STAGE, T_STAGE_LEN, T_SET_AT, T_STAGE_RECS, T_DESTS,
  DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_NEED_TEMPLATES, IFNAME_MAX, IFNAMES_PER_BLOCK, NIL, IPFIX_HEADER, OUTPUT_SIZE,
  T_TEMPLATES_NEXT, T_SAMPLING, V9_HEADER, ROUTE_MAX, T_NAMES_MAX, MAC_SIZE, FORMAT_V5, FORMAT_IPFIX,
  V5_HEADER, V5_RECORD, T_TEMPLATES_ALONE,
} from "./layout";
import { heapAlloc } from "./base/heap";
import { macsOn } from "./cache/macs";
import { templateSetLengthWith, RECORD_V6 } from "./encode/ipfix";
import { v9TemplateLengthWith, V9_RECORD_V6 } from "./encode/v9";
import * as meter from "./cache/meter";
import { setRouteCount } from "./cache/routes";
import * as walk from "./parse/walk";

/** Once at start: sets up the fixed regions and the hash seed. Returns 0, or 1 without memory. */
export function init(seedLo: u32, seedHi: u32): u32 {
  if (!heapInit()) return 1;
  jsonInit();
  setSeed(seedLo, seedHi);
  return 0;
}

/**
 * Once per target at start: an empty cache of at most `maxflows` flows whose hash index
 * grows to at most `indexMax` entries (a power of two), with timeouts in seconds (`tcpEndS`:
 * how long a TCP flow that saw FIN or RST waits for its last packets, at most `inactiveS`; 0 =
 * it ends at once).
 * Returns 0, 1 without memory, 2 for a bad argument.
 */
export function configureTarget(t: u32, maxflows: u32, indexMax: u32, inactiveS: u32, activeS: u32, format: u32, tcpEndS: u32): u32 {
  if (t >= <u32>TARGET_MAX || maxflows == 0 || maxflows > <u32>MAXFLOWS_LIMIT) return 2;
  if (indexMax < 16 || (indexMax & (indexMax - 1)) != 0) return 2;
  if (tableInit(t, maxflows, indexMax) != 0) return 1;
  const tp = targetPtr(t);
  store<u64>(tp + T_INACTIVE_NS, <u64>inactiveS * 1000000000);
  store<u64>(tp + T_ACTIVE_NS, <u64>activeS * 1000000000);
  // a closing flow never waits longer than an idle one
  store<u64>(tp + T_TCP_END_NS, <u64>(tcpEndS < inactiveS ? tcpEndS : inactiveS) * 1000000000);
  store<u32>(tp + T_FORMAT, format);
  if (t + 1 > meter.getTargetCount()) meter.setTargetCount(t + 1);
  return 0;
}

/** Per block of file data: walks classic pcap records in input[0, len). */
export function walkPcap(len: u32, swapped: u32, nanos: u32, linktype: u32, snaplen: u32): u32 {
  return walk.walkPcap(len, swapped != 0, nanos != 0, linktype, snaplen);
}

/** Per block of file data: walks pcapng blocks in input[0, len). */
export function walkPcapng(len: u32, swapped: u32): u32 {
  return walk.walkPcapng(len, swapped != 0);
}

/** Per batch of live packets: walks `records` batch records from the input region. */
export function walkBatch(records: u32): u32 {
  return walk.walkBatch(records);
}

/** Per pcapng IDB: how many interfaces the current section has described. */
export function setInterfaceCount(n: u32): void {
  walk.setInterfaceCount(n);
}

/** Per host tick (live) : advances the clock to the given time (ns = hi·2^32 + lo) and expires idle flows. 1 = done, 0 = drain output first. */
export function advance(nsLo: u32, nsHi: u32): u32 {
  return meter.advance((<u64>nsHi << 32) | <u64>nsLo);
}

/** After a step of the system clock, once flushAll has emptied the caches: the meter clock becomes ns (hi·2^32 + lo). 1 = done, 0 = flows left. */
export function resetClock(nsLo: u32, nsHi: u32): u32 {
  return meter.resetClock((<u64>nsHi << 32) | <u64>nsLo);
}

/** At the end of input or at shutdown: exports every flow with `reason`. 1 = done, 0 = drain output and call again. */
export function flushAll(reason: u32): u32 {
  store<u64>(STATUS_BASE + ST_NOW_NS, meter.meterNow());
  return meter.flushAll(reason);
}

/** At the end, after flushAll: the templates and final exporter statistics to every IPFIX/v9 collector. 1 = done, 0 = drain output and call again. */
export function sendStats(): u32 {
  return meter.statsAll();
}

/** After each walk: bytes of encoded output waiting in the output region. */
export function outputLength(): u32 {
  return <u32>meter.outPos;
}

/** After the host has written the output out. */
export function outputReset(): void {
  meter.outputReset();
}

/**
 * Once per exporting target at start, after configureTarget and enableMacs: datagrams of at
 * most `mtu` bytes, observation domain `engineId`, templates again every `refresh` datagrams
 * and every `templateS` seconds. Returns 0, 1 without memory, 2 for a bad argument (an MTU too
 * small for the template block, or over 65507).
 */
export function configureExport(t: u32, mtu: u32, engineId: u32, refresh: u32, templateS: u32): u32 {
  if (t >= <u32>TARGET_MAX || mtu > 65507) return 2;
  const tp = targetPtr(t);
  const format = load<u32>(tp + T_FORMAT);
  const macs = macsOn(tp);
  if (format == FORMAT_V5) {
    if (mtu < V5_HEADER + V5_RECORD) return 2;
  } else {
    // The template block goes with data when the MTU holds it, at least one interface name
    // and one record of the largest kind (names: as many as then fit); a smaller MTU (576
    // holds IPFIX's four flow templates and options, but not a record beside them) sends it
    // in a message of its own, just before the data (names: as many as fit in that), so that
    // interface names still get out.
    const alone = !fitsTemplates(format, mtu, 1, macs, true);
    if (alone && !fitsTemplates(format, mtu, 0, macs, false)) return 2;
    let names = IFNAMES_PER_BLOCK;
    while (names > 0 && !fitsTemplates(format, mtu, names, macs, !alone)) names--;
    store<u32>(tp + T_NAMES_MAX, names);
    store<u32>(tp + T_TEMPLATES_ALONE, alone ? 1 : 0);
  }
  const stage = heapAlloc(mtu);
  if (stage == 0) return 1;
  store<u32>(tp + T_MTU, mtu);
  store<u32>(tp + T_ENGINE_ID, engineId);
  store<u32>(tp + T_REFRESH, refresh);
  store<u32>(tp + T_TEMPLATE_S, templateS);
  store<u32>(tp + T_SAMPLING, 1); // every packet is metered (sampling comes with sFlow)
  store<u32>(tp + T_STAGE, <u32>stage);
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_SET_AT, NIL);
  store<u32>(tp + T_STAGE_RECS, 0);
  return 0;
}

/** Whether a message of `mtu` bytes in `format` (IPFIX or v9) holds the template block with
 * `names` interface names, and with `record` also a data set of one record of the largest kind
 * (an IPv6 flow; v9: with the up to 3 bytes of padding of the flowset before it). */
function fitsTemplates(format: u32, mtu: u32, names: u32, macs: bool, record: bool): bool {
  const mac: u32 = macs ? MAC_SIZE : 0;
  if (format == FORMAT_IPFIX) return mtu >= IPFIX_HEADER + templateSetLengthWith(names, macs) + (record ? 4 + RECORD_V6 + mac : 0);
  return mtu >= V9_HEADER + v9TemplateLengthWith(names, macs) + (record ? 7 + V9_RECORD_V6 + mac : 0);
}

/** Once per collector at start: destination d receives every datagram of target t (mirror). Returns 0, or 2 for a bad argument. */
export function addDestination(d: u32, t: u32): u32 {
  if (d >= <u32>DEST_MAX || t >= meter.getTargetCount()) return 2;
  const dp = DESTS_BASE + <usize>d * DEST_SIZE;
  if (load<u32>(dp + D_TARGET) != 0) return 2;
  memory.fill(dp, 0, DEST_SIZE);
  store<u32>(dp + D_TARGET, t + 1);
  store<u32>(dp + D_NEED_TEMPLATES, 1);
  const tp = targetPtr(t);
  store<u32>(tp + T_TEMPLATES_NEXT, 1);
  store<u32>(tp + T_DESTS, load<u32>(tp + T_DESTS) + 1);
  meter.setTargetCount(meter.getTargetCount()); // the output reserve grows with the destinations
  if (meter.outputReserve() >= <usize>OUTPUT_SIZE / 2) return 2;
  return 0;
}

/** After the host re-created destination d's socket: templates go with its next datagram. */
export function resendTemplates(d: u32): void {
  if (d >= <u32>DEST_MAX) return;
  const dp = DESTS_BASE + <usize>d * DEST_SIZE;
  const t = load<u32>(dp + D_TARGET);
  if (t == 0) return;
  store<u32>(dp + D_NEED_TEMPLATES, 1);
  store<u32>(targetPtr(t - 1) + T_TEMPLATES_NEXT, 1);
}

/** After the host wrote n interface names at IFNAMES_BASE: collectors get them with the next templates. Returns 0, or 2 for too many. */
export function setInterfaceNames(n: u32): u32 {
  if (n > IFNAME_MAX) return 2;
  namesChanged(n);
  return 0;
}

/** Once per target at start, after configureTarget and before configureExport: its flows carry their first packet's
 * source and destination MAC (not NetFlow v5, which has no field for them). Returns 0, 1
 * without memory, 2 for a bad argument. */
export function enableMacs(t: u32): u32 {
  if (t >= meter.getTargetCount()) return 2;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_FORMAT) == FORMAT_V5) return 2;
  if (load<u32>(tp + T_MTU) != 0) return 2; // after configureExport, whose MTU check counts the MAC fields
  return macsInit(tp);
}

/** Once at start, for a live source: 1 = skip and count frames addressed to another host (no --promisc). */
export function setSkipOtherhost(on: u32): void {
  meter.setSkipOtherhost(on != 0);
}

/** Per host tick (live): seals every partly filled export datagram, so a quiet link's flows
 * still reach the collectors. 1 = done, 0 = drain output and call again. */
export function sealStaged(): u32 {
  return meter.sealAll();
}

/** Per routing-table refresh (live): the host wrote `n` routes into ROUTES_BASE, longest prefix first. */
export function setRoutes(n: u32): u32 {
  if (n > ROUTE_MAX) return 2;
  setRouteCount(n);
  return 0;
}

/** Per walk call: the host's clock for message headers, seconds since the epoch. */
export function setExportTime(s: u32): void {
  meter.setExportTime(s);
}
