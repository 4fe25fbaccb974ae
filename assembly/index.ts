// The Wasm core's only export list. Every export takes and returns numbers; bulk data moves
// through the regions of layout.ts. The doc line of each says how often the host calls it.
//
// The rooms, each importing only those below it (test/core-rooms.test.mjs keeps it so):
//   encode/  flows into bytes: the format table and one module per format
//   cache/   packets into flows: keys, flow table, wheel, aging, export context
//   parse/   bytes into packets: walkers, header parser, the pending queue
//   output/  the output region's tagged units and room, the destination sets
//   base/    byte order, counters, heap
// and layout.ts, the one memory map, under all of them.
import "./base/env";

import {
  T_INACTIVE_NS, T_ACTIVE_NS, T_TCP_END_NS, T_FORMAT, T_ENCODER, T_COUNTER_MAX, TARGET_MAX, MAXFLOWS_LIMIT, STATUS_BASE, ST_NOW_NS,
  T_MTU, T_ENGINE_ID, T_REFRESH, T_TEMPLATE_S, T_STAGE, T_STAGE_LEN, T_SET_AT, T_STAGE_RECS, T_SAMPLING, T_TEMPLATES_NEXT, T_DEST_MODE,
  DEST_MAX, DEST_SIZE, D_TARGET, D_NEED_TEMPLATES, D_DOWN, IFNAME_MAX, ROUTE_MAX, NIL, OUTPUT_SIZE, DEST_MIRROR, DEST_ROUND_ROBIN,
  T_DEST_CURSOR, KEY_ALL, SEL_INSNS, SEL_INSN_SIZE, SEL_MAX,
  FORMAT_IPFIX, FORMAT_V9, FORMAT_JSON,
  T_ENABLED, T_COUNT, T_SELECT, T_AGGREGATE, T_FLOW_TEMPLATES, TARGET_SIZE, SEL_COUNT, AG_END, FB_END, T_JSON_KEYS, JL_END, T_FLOOD,
} from "./layout";
import { heapInit, heapAlloc, heapFree } from "./base/heap";
import { outPos, outputReset as resetOutput, reserved } from "./output/units";
import { destPtr, destAdd, destFirst, destNext } from "./output/dests";
import { setSkipOtherhost as skipOtherhost, setKeepMacs } from "./parse/queue";
import { setInterfaceCount as interfaceCount, WALK_PCAP, WALK_PCAPNG, WALK_BATCH } from "./parse/walk";
import { formatOf } from "./cache/encoder";
import { setSeed, keyConfigure, aggregationAdd4, aggregationAdd6, aggregationAddPorts } from "./cache/key";
import { macsInit, macsRelease } from "./cache/macs";
import { floodInit, floodRelease } from "./cache/flood";
import * as meter from "./cache/meter";
import { prefixesReserve, prefixesUse } from "./cache/prefixes";
import { setRouteCount } from "./cache/routes";
import { selectorSet } from "./cache/select";
import { countersAlloc, countersUse, countersRead } from "./cache/nfacct";
import { tableInit, tableRelease, targetPtr } from "./cache/table";
import { formatsInit, formatEntry } from "./encode/formats";
import { namesChanged } from "./encode/ifnames";
import { giveField } from "./encode/records";
import { jsonKeyAdd } from "./encode/json";
import { setExportTime as exportTime } from "./encode/message";

/** Once at start: sets up the fixed regions, the format table and the hash seed. Returns 0, or 1 without memory. */
export function init(seedLo: u32, seedHi: u32): u32 {
  if (!heapInit()) return 1;
  formatsInit();
  setSeed(seedLo, seedHi);
  return 0;
}

/**
 * Once per target at start: an empty cache of at most `maxflows` flows whose hash index
 * grows to at most `indexMax` entries (a power of two), with timeouts in seconds (`tcpEndS`:
 * how long a TCP flow that saw FIN or RST waits for its last packets, at most `inactiveS`; 0 =
 * it ends at once), its flows encoded in `format` (FORMAT_*).
 * Returns 0, 1 without memory, 2 for a bad argument.
 */
export function configureTarget(t: u32, maxflows: u32, indexMax: u32, inactiveS: u32, activeS: u32, format: u32, tcpEndS: u32): u32 {
  if (t >= <u32>TARGET_MAX || maxflows == 0 || maxflows > <u32>MAXFLOWS_LIMIT) return 2;
  if (indexMax < 16 || (indexMax & (indexMax - 1)) != 0) return 2;
  const entry = formatEntry(format);
  if (entry == 0) return 2;
  if (tableInit(t, maxflows, indexMax) != 0) return 1;
  const tp = targetPtr(t);
  store<u64>(tp + T_INACTIVE_NS, <u64>inactiveS * 1000000000);
  store<u64>(tp + T_ACTIVE_NS, <u64>activeS * 1000000000);
  // a closing flow never waits longer than an idle one
  store<u64>(tp + T_TCP_END_NS, <u64>(tcpEndS < inactiveS ? tcpEndS : inactiveS) * 1000000000);
  store<u32>(tp + T_FORMAT, format);
  store<u32>(tp + T_ENCODER, <u32>entry);
  store<u64>(tp + T_COUNTER_MAX, formatOf(tp).counterMax);
  store<u32>(tp + T_DEST_MODE, DEST_MIRROR);
  keyConfigure(tp, KEY_ALL);
  if (t + 1 > meter.getTargetCount()) meter.setTargetCount(t + 1);
  else meter.setTargetCount(meter.getTargetCount());
  return 0;
}

/** Once per target at start, after configureTarget, when its key leaves fields out: the
 * target keys its flows on the KEY_* fields in `fields` only (the IP version always). Returns 0, or 2 for a bad argument. */
export function configureKey(t: u32, fields: u32): u32 {
  if (t >= meter.getTargetCount()) return 2;
  keyConfigure(targetPtr(t), fields);
  return 0;
}

/** Once per target with a selector, at start (and when it changes): a heap block of `bytes`
 * for the selector program the host writes next (src/config/select.ts makes it; layout.ts
 * SEL_*). Returns its address, or 0 without memory. */
export function allocSelector(bytes: u32): u32 {
  if (bytes < <u32>SEL_INSNS + <u32>SEL_INSN_SIZE || bytes > <u32>SEL_INSNS + <u32>SEL_MAX * <u32>SEL_INSN_SIZE) return 0;
  return <u32>heapAlloc(bytes);
}

/** After configureTarget, and after the host wrote its program at `prog` (from allocSelector
 * for `bytes` bytes; 0 = every packet): target t meters only the packets the program passes.
 * The host may rewrite the interface numbers of the program's inif/outif tests between walk
 * calls (an interface came back with a new number). Returns 0, or 2 for a bad target or a
 * program that is not valid or does not fit its `bytes`. */
export function setSelector(t: u32, prog: u32, bytes: u32): u32 {
  if (t >= meter.getTargetCount()) return 2;
  return selectorSet(targetPtr(t), t, prog, bytes);
}

/**
 * Once per field at start, after configureTarget and before configureExport, for an IPFIX or
 * NetFlow v9 target with a field list of its own: field [element id, length] is the list's
 * next (the list replaces the format's default; the templates are made from it by
 * configureExport, the IPv4 and IPv6 ones each with the fields of its family). Returns 0, 1
 * without memory, 2 for an element the record writer does not know or a length it cannot
 * send, 3 for a list already full or naming the element, 4 for a target without templates
 * (JSON, NetFlow v5) or one already configured for export.
 */
export function configureField(t: u32, id: u32, len: u32): u32 {
  if (t >= meter.getTargetCount()) return 4;
  const tp = targetPtr(t);
  const format = load<u32>(tp + T_FORMAT);
  if ((format != FORMAT_IPFIX && format != FORMAT_V9) || load<u32>(tp + T_MTU) != 0) return 4;
  return giveField(tp, id, len);
}

/**
 * Once per key at start, after configureTarget, for a JSON target with a field list: key
 * `key` (layout.ts JK_*) is the next of its lines (the list replaces the default line;
 * src/config/fields.ts maps field names to keys). Returns 0, 1 without memory, 2 for a code
 * that names no key, 3 for a list already full or naming the key, 4 for a target that is not
 * JSON lines.
 */
export function configureJsonKey(t: u32, key: u32): u32 {
  if (t >= meter.getTargetCount()) return 4;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_FORMAT) != FORMAT_JSON) return 4;
  return jsonKeyAdd(tp, key);
}

/**
 * Once per aggregation rule at start, after configureTarget (ipt_NETFLOW's aggregation=,
 * cache/key.ts), in the order the rules are tried — each kind on its own, the first match
 * wins, for source and destination alike:
 *   kind 4: IPv4 netmask rule w0/len=to (w0: the net's address as a number, a.b.c.d = a << 24 | …);
 *   kind 6: IPv6 netmask rule w0:w1:w2:w3/len=to (the net's four 32-bit words, most significant first);
 *   kind 0: port rule w0-w1=to (TCP, UDP, UDP-Lite and SCTP ports from w0 to w1 become port `to`).
 * Returns 0, 1 without memory, 2 for a bad rule (a prefix or length out of range, net bits
 * past the prefix, a reversed range) or more than AGG_RULE_MAX of a kind.
 */
export function configureAggregation(t: u32, kind: u32, w0: u32, w1: u32, w2: u32, w3: u32, len: u32, to: u32): u32 {
  if (t >= meter.getTargetCount()) return 2;
  const tp = targetPtr(t);
  if (kind == 4) return aggregationAdd4(tp, w0, len, to);
  if (kind == 6) return aggregationAdd6(tp, w0, w1, w2, w3, len, to);
  if (kind == 0) return aggregationAddPorts(tp, w0, w1, to);
  return 2;
}

/** Per block of file data: walks classic pcap records in input[0, len). */
export function walkPcap(len: u32, swapped: u32, nanos: u32, linktype: u32, snaplen: u32): u32 {
  return meter.meterWalk(WALK_PCAP, len, swapped, nanos, linktype, snaplen);
}

/** Per block of file data: walks pcapng blocks in input[0, len). */
export function walkPcapng(len: u32, swapped: u32): u32 {
  return meter.meterWalk(WALK_PCAPNG, len, swapped, 0, 0, 0);
}

/** Per batch of live packets: walks `records` batch records from the input region. */
export function walkBatch(records: u32): u32 {
  return meter.meterWalk(WALK_BATCH, records, 0, 0, 0, 0);
}

/** Per pcapng IDB: how many interfaces the current section has described. */
export function setInterfaceCount(n: u32): void {
  interfaceCount(n);
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

/** After each walk: bytes of output units waiting in the output region. */
export function outputLength(): u32 {
  return <u32>outPos;
}

/** After the host has handed the output units on. */
export function outputReset(): void {
  resetOutput();
}

/**
 * Once per exporting target at start, after configureTarget and enableMacs: datagrams of at
 * most `mtu` bytes, observation domain `engineId`, templates again every `refresh` datagrams
 * and every `templateS` seconds. Returns 0, 1 without memory, 2 for a bad argument (an MTU too
 * small for the template block, or over 65507; a format without datagrams).
 */
export function configureExport(t: u32, mtu: u32, engineId: u32, refresh: u32, templateS: u32): u32 {
  if (t >= meter.getTargetCount() || mtu > 65507) return 2;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_ENCODER) == 0) return 2;
  const r = formatOf(tp).configure(tp, mtu);
  if (r != 0) return r;
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
  meter.setTargetCount(meter.getTargetCount()); // the output reserve grows with the MTU
  return 0;
}

/** Once per collector at start: destination d receives every datagram of target t (mirror).
 * Returns 0, or 2 for a bad argument (and when what one packet may make all collectors
 * receive would leave less than an eighth of the output region to work in: a drain per
 * 256 KiB of output at worst). */
export function addDestination(d: u32, t: u32): u32 {
  if (d >= <u32>DEST_MAX || t >= meter.getTargetCount()) return 2;
  const dp = destPtr(d);
  if (load<u32>(dp + D_TARGET) != 0) return 2;
  memory.fill(dp, 0, DEST_SIZE);
  const tp = targetPtr(t);
  destAdd(tp, t, d);
  store<u32>(dp + D_NEED_TEMPLATES, 1);
  store<u32>(tp + T_TEMPLATES_NEXT, 1);
  meter.setTargetCount(meter.getTargetCount()); // the output reserve grows with the destinations
  if (reserved() > <usize>OUTPUT_SIZE - <usize>OUTPUT_SIZE / 8) return 2;
  return 0;
}

/** Once per exporting target at start, after configureExport (before or after its
 * destinations): which of its destinations get each sealed datagram — DEST_MIRROR, every one
 * (the default), or DEST_ROUND_ROBIN, one each in turn, passing over those marked down
 * (markDestination). Returns 0, or 2 for a bad argument (a target without datagrams, an
 * unknown mode, or an output region the destinations' final statistics would not leave an
 * eighth of to work in). */
export function setDestinationMode(t: u32, mode: u32): u32 {
  if (t >= meter.getTargetCount() || (mode != DEST_MIRROR && mode != DEST_ROUND_ROBIN)) return 2;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_MTU) == 0) return 2;
  store<u32>(tp + T_DEST_MODE, mode);
  store<u32>(tp + T_DEST_CURSOR, 0);
  meter.setTargetCount(meter.getTargetCount()); // the output reserve follows the mode
  if (reserved() > <usize>OUTPUT_SIZE - <usize>OUTPUT_SIZE / 8) return 2;
  return 0;
}

/** Per change of a collector's state (host): destination d is down (`down` 1: the host cannot
 * reach it, or it refuses) or back (0). Round-robin passes a destination marked down over and
 * gives its turns to the others; one that is back gets the templates with its next datagram.
 * Mirror ignores the mark. Returns 0, or 2 for a destination that is not in use. */
export function markDestination(d: u32, down: u32): u32 {
  if (d >= <u32>DEST_MAX) return 2;
  const dp = destPtr(d);
  const t = load<u32>(dp + D_TARGET);
  if (t == 0) return 2;
  const was = load<u32>(dp + D_DOWN);
  store<u32>(dp + D_DOWN, down != 0 ? 1 : 0);
  const tp = targetPtr(t - 1);
  if (was != 0 && down == 0 && load<u32>(tp + T_DEST_MODE) == DEST_ROUND_ROBIN) {
    store<u32>(dp + D_NEED_TEMPLATES, 1);
    store<u32>(tp + T_TEMPLATES_NEXT, 1);
  }
  return 0;
}

/** After the host re-created destination d's socket: templates go with its next datagram. */
export function resendTemplates(d: u32): void {
  if (d >= <u32>DEST_MAX) return;
  const dp = destPtr(d);
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
  if (load<u32>(tp + T_ENCODER) == 0 || formatOf(tp).macs == 0) return 2;
  if (load<u32>(tp + T_MTU) != 0) return 2; // after configureExport, whose MTU check counts the MAC fields
  const r = macsInit(tp);
  if (r == 0) setKeepMacs(true);
  return r;
}

/** Once per target at start, after configureTarget (or at a reload that makes it anew): flows
 * over `pps` packets in one second of meter time, and sources creating over `newFlows` new
 * flows in one, are alerted through the alert region (layout.ts ST_ALERTS, AR_*; the host
 * drains it after each walk call). 0 leaves that kind off. Returns 0, 1 without memory, 2 for
 * a bad argument (no such target, or already configured). */
export function configureFlood(t: u32, pps: u32, newFlows: u32): u32 {
  if (t >= meter.getTargetCount()) return 2;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_ENABLED) == 0 || load<u32>(tp + T_FLOOD) != 0) return 2;
  return floodInit(tp, pps, newFlows);
}

/** Once at start, for a live source: 1 = skip and count frames addressed to another host (no --promisc). */
export function setSkipOtherhost(on: u32): void {
  skipOtherhost(on != 0);
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
  exportTime(s);
}

/** Per load of the prefix file (--as-file; at start, before the targets, and at a reload): the
 * address of a block (layout.ts PT_*) with room for `v4` and `v6` prefixes, for the host to
 * fill; lookups are off until usePrefixes. 0 for too many (over PT_PREFIX_MAX a family) or
 * without memory. A table that fits the last block reuses it. */
export function reservePrefixes(v4: u32, v6: u32): u32 {
  return <u32>prefixesReserve(v4, v6);
}

/** After the host filled the block reservePrefixes gave: exported flows get AS numbers and
 * prefix lengths from it (none when it holds no prefix). Returns 0, or 2 for counts past the block's room. */
export function usePrefixes(): u32 {
  return prefixesUse();
}

/** Per target a reload takes away or reconfigures (between two walk calls): every flow of
 * target t is exported with `reason` (END_FORCED) and its partly filled datagram sealed; the
 * other targets are not touched. 1 = done, 0 = drain the output and call again. */
export function flushTarget(t: u32, reason: u32): u32 {
  store<u64>(STATUS_BASE + ST_NOW_NS, meter.meterNow());
  return meter.flushTarget(t, reason);
}

/** After flushTarget, for a target a reload takes away or reconfigures: its collectors get
 * the templates and its final exporter statistics. 1 = done, 0 = drain the output and call again. */
export function sendTargetStats(t: u32): u32 {
  return meter.statsTarget(t);
}

/**
 * Per target a reload takes away or reconfigures, after flushTarget returned 1 and the
 * output was drained (its datagrams name its destinations): target t's slot is freed — its
 * cache, index, wheel, chunks, MAC table, field list and templates, aggregation rules,
 * selector program and staging datagram go back to the heap's free lists, its destinations
 * are unused again, its descriptor is cleared — and a later configureTarget(t, …) makes it
 * anew from those blocks. No other target's memory, flows or destinations are touched.
 * Returns 0, 2 for a slot not in use, 3 while it still holds flows or a datagram not sealed.
 */
export function unconfigureTarget(t: u32): u32 {
  if (t >= <u32>TARGET_MAX) return 2;
  const tp = targetPtr(t);
  if (load<u32>(tp + T_ENABLED) == 0) return 2;
  if (load<u32>(tp + T_COUNT) != 0 || load<u32>(tp + T_STAGE_LEN) != 0) return 3;
  const prog = <usize>load<u32>(tp + T_SELECT);
  if (prog != 0) heapFree(prog, <usize>SEL_INSNS + <usize>load<u32>(prog + SEL_COUNT) * SEL_INSN_SIZE);
  selectorSet(tp, t, 0, 0);
  heapFree(<usize>load<u32>(tp + T_AGGREGATE), AG_END);
  heapFree(<usize>load<u32>(tp + T_JSON_KEYS), JL_END);
  heapFree(<usize>load<u32>(tp + T_FLOW_TEMPLATES), FB_END);
  if (load<u32>(tp + T_MTU) != 0) heapFree(<usize>load<u32>(tp + T_STAGE), load<u32>(tp + T_MTU));
  macsRelease(tp);
  floodRelease(tp);
  tableRelease(tp);
  for (let d = destFirst(tp); d != NIL;) {
    const after = destNext(d);
    memory.fill(destPtr(d), 0, DEST_SIZE);
    d = after;
  }
  memory.fill(tp, 0, TARGET_SIZE);
  meter.targetGone();
  return 0;
}

/** Per tick (the statistics registry's reading): the meter clock into ST_NOW_NS, where the
 * host reads it (the walks keep it in a global: no store per batch). */
export function publishClock(): void {
  store<u64>(STATUS_BASE + ST_NOW_NS, meter.meterNow());
}

/** Per dump-flows request (the control socket), between two walks, with the output region
 * empty: target t's active flows from slot `from` on as JSON lines, the flows left as they
 * are. Returns the slot to go on from (read and reset the output, call again), or NIL (done). */
export function dumpFlows(t: u32, from: u32): u32 {
  return meter.dumpFlows(t, from, formatEntry(FORMAT_JSON));
}

/** At start and per reload that changes the named counters (nfacct; cache/nfacct.ts): a
 * table of `n` counters (layout.ts NC_*), zeroed, for the host to fill — each counter's
 * selector program (allocSelector) and the values it carries over — before useCounters.
 * Returns its address, or 0 for n = 0 or over COUNTER_MAX, or without memory. */
export function allocCounters(n: u32): u32 {
  return <u32>countersAlloc(n);
}

/** After the host filled the table from allocCounters (0: no counters any more), between two
 * walk calls: it is in force from the next walk; the table before it and its programs go back
 * to the heap. Returns 0, or 2 for a table or program that is not valid (the one in force stays). */
export function useCounters(table: u32): u32 {
  return countersUse(<usize>table);
}

/** Per read of the named counters (a control request), between two walk calls: every
 * counter copied into its NC_READ_* fields and those whose NC_RESET the host set zeroed, in
 * this one call, so a packet is in exactly one read. Returns the table's address (0: none). */
export function readCounters(): u32 {
  return <u32>countersRead();
}
