// NetFlow v9 (RFC 3954): flow records in data flowsets by the target's templates, laid out as
// message.ts says; what is v9's own is here — a 20-byte header whose count is the number of
// records (templates included) and whose sequence counts export packets; FIRST/LAST_SWITCHED
// as uptime milliseconds (uptime.ts: a flow beyond the 32-bit uptime starts a new epoch in a
// new datagram, with the templates again); flowsets padded to 4. With the templates go two
// options templates (RFC 3954 §6.1, scope System) and their data: the exporter's statistics
// for this collector and the sampling interval; and, when the host knows interface names, a
// third (scope Interface) with the names (ifnames.ts).

import {
  D_SEQUENCE, T_ENGINE_ID, T_SAMPLING, T_SEALED_LAST, T_BOOT_MS, T_STAGE_LAST, T_STAGE_RECS,
  FS_FIRST, FS_LAST, V9_HEADER, TEMPLATE_OPTIONS_STATS, TEMPLATE_OPTIONS_SAMPLING, TEMPLATE_OPTIONS_IFNAMES, IFNAME_LEN,
} from "../layout";
import { be16, be32 } from "../base/bytes";
import { macsOn } from "../cache/macs";
import { ifNamesInBlock, writeIfNamesSet, ifNamesSetLength } from "./ifnames";
import { Dialect, makeDialect, writeFieldPairs, writeExporterCounts, configureMessages, sealMessages, statsMessages, appendRecord, templatesAgain, exportTime } from "./message";
import { flowTemplateCount } from "./records";
import { timeUnsendable, epochMustMove, epochStart, stageLast } from "./uptime";

// The default field list: [field type, length] (RFC 3954 §8). The templates made from it
// (records.ts) hold the IPv4 or the IPv6 fields, and the ports or ICMP_TYPE.
const FIELDS: u16[] = [
  8, 4, //    IPV4_SRC_ADDR
  12, 4, //   IPV4_DST_ADDR
  27, 16, //  IPV6_SRC_ADDR
  28, 16, //  IPV6_DST_ADDR
  7, 2, //    L4_SRC_PORT (not in the ICMP templates)
  11, 2, //   L4_DST_PORT (not in the ICMP templates)
  4, 1, //    PROTOCOL
  5, 1, //    SRC_TOS
  6, 1, //    TCP_FLAGS
  1, 8, //    IN_BYTES
  2, 8, //    IN_PKTS
  22, 4, //   FIRST_SWITCHED
  21, 4, //   LAST_SWITCHED
  10, 4, //   INPUT_SNMP
  14, 4, //   OUTPUT_SNMP
  15, 4, //   IPV4_NEXT_HOP
  62, 16, //  IPV6_NEXT_HOP
  32, 2, //   ICMP_TYPE, type × 256 + code (ICMP templates only), for ICMPv6 too: RFC 3954 §8
  //          defines it without a family, and it is what v9 collectors read — nfdump 1.7's v9
  //          decoder does not know IPFIX's 139 (src/netflow/netflow_v9.c 1.7.1, lines 150-153 and 169)
  58, 2, //   SRC_VLAN
  61, 1, //   DIRECTION: 0 ingress, 1 egress (a packet seen leaving, --direction both)
  52, 1, //   MIN_TTL
  53, 1, //   MAX_TTL
];

const SET_HEADER: u32 = 4;

// Options templates: [scope type, scope length], then [field type, length] (RFC 3954 §6.1)
const OPTIONS_STATS: u16[] = [
  1, 4, //    scope System (its value: the source id)
  41, 8, //   TOTAL_PKTS_EXP: export packets to this collector before this one
  42, 8, //   TOTAL_FLOWS_EXP: flow records to it before this packet
  40, 8, //   TOTAL_BYTES_EXP: export packet bytes to it before this packet
];
// SAMPLING_INTERVAL alone: nfdump 1.7 takes an options template for a sampler only when it
// has field 34 without SAMPLING_ALGORITHM (35); goflow2 reads 34 too.
const OPTIONS_SAMPLING: u16[] = [
  1, 4, //    scope System
  34, 4, //   SAMPLING_INTERVAL: 1 of every N packets
];
// Interface names (ifnames.ts), when the host gave any: one record per interface.
const OPTIONS_IFNAMES: u16[] = [
  2, 4, //    scope Interface (its value: the number flows carry in INPUT_SNMP/OUTPUT_SNMP)
  82, <u16>IFNAME_LEN, // IF_NAME, NUL-padded
];
const STATS_DATA: u32 = 4 + 4 + 24; //    flowset header, scope, three counters (a multiple of 4)
const SAMPLING_DATA: u32 = 4 + 4 + 4; //   flowset header, scope, interval
/** Records in a template block besides the flow templates: two options templates and two
 * options data records (with interface names one more options template and a record per name). */
const OPTIONS_RECORDS: u32 = 4;

@inline function pad4(n: u32): u32 {
  return (n + 3) & ~3;
}

/** Bytes of the options part of the template block with `names` interface names: one options template flowset each, their data. */
function optionsLength(names: u32): u32 {
  return pad4(SET_HEADER + 6 + <u32>OPTIONS_STATS.length * 2) + pad4(SET_HEADER + 6 + <u32>OPTIONS_SAMPLING.length * 2) +
    STATS_DATA + SAMPLING_DATA +
    (names > 0 ? pad4(SET_HEADER + 6 + <u32>OPTIONS_IFNAMES.length * 2) + ifNamesSetLength(names) : 0);
}

/** An options template flowset (id 1) holding one options template whose first pair is the scope; padded to 4. */
function writeOptionsTemplate(p: usize, id: u32, fields: u16[]): usize {
  be16(p, 1);
  be16(p + 4, id);
  be16(p + 6, 4); //                       option scope length, bytes (one scope field, 4 bytes)
  be16(p + 8, (fields.length - 2) * 2); // option length, bytes
  let o = writeFieldPairs(p + 10, fields);
  while (((o - p) & 3) != 0) store<u8>(o++, 0);
  be16(p + 2, <u32>(o - p));
  return o;
}

/** The options part of the template block for the collector at dp, at o; returns the end (a multiple of 4 from the block's start). */
function writeOptions(o: usize, tp: usize, dp: usize): usize {
  o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_STATS, OPTIONS_STATS);
  o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_SAMPLING, OPTIONS_SAMPLING);
  const names = ifNamesInBlock(tp);
  if (names > 0) o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_IFNAMES, OPTIONS_IFNAMES);
  const source = load<u32>(tp + T_ENGINE_ID);
  be16(o, TEMPLATE_OPTIONS_STATS);
  be16(o + 2, STATS_DATA);
  be32(o + 4, source);
  writeExporterCounts(o + 8, dp);
  o += STATS_DATA;
  be16(o, TEMPLATE_OPTIONS_SAMPLING);
  be16(o + 2, SAMPLING_DATA);
  be32(o + 4, source);
  be32(o + 8, load<u32>(tp + T_SAMPLING));
  o += SAMPLING_DATA;
  if (names > 0) o = writeIfNamesSet(o, TEMPLATE_OPTIONS_IFNAMES, tp, dp); // (20-byte records: no padding)
  return o;
}

/** The packet header (RFC 3954 §5.1): version, the count of every record in it (templates,
 * options templates, data), sysUptime (a), unix_secs (b), the sequence number — export
 * packets sent before — and the source id. */
function writeHeader(m: usize, tp: usize, dp: usize, len: u32, recs: u32, block: bool, a: u32, b: u32): void {
  let count = recs;
  if (block) {
    const names = ifNamesInBlock(tp);
    count += flowTemplateCount(tp) + OPTIONS_RECORDS + (names > 0 ? 1 + names : 0);
  }
  const seq = load<u32>(dp + D_SEQUENCE);
  be16(m, 9);
  be16(m + 2, count);
  be32(m + 4, a);
  be32(m + 8, b);
  be32(m + 12, seq);
  be32(m + 16, load<u32>(tp + T_ENGINE_ID));
  store<u32>(dp + D_SEQUENCE, seq + 1);
}

const V9 = changetype<Dialect>(memory.data(offsetof<Dialect>()));

/** Once at start (encode/formats.ts). */
export function v9Init(): void {
  makeDialect(V9, V9_HEADER, 4, 0, v9Seal, optionsLength, writeOptions, writeHeader); // (flowsets padded to 4; template flowset 0)
}

// The format table's entry (encode/formats.ts)

export function v9Configure(tp: usize, mtu: u32): u32 {
  return configureMessages(V9, tp, mtu, FIELDS, macsOn(tp));
}

/** Seals target t's staging datagram into one message per collector. The header time: the
 * latest flow end in the datagram, rounded up to a whole second — v9's header has no
 * sub-second field, and collectors add FIRST/LAST_SWITCHED to unix_secs × 1000 − sysUptime,
 * so sysUptime must be counted from that same whole second. */
export function v9Seal(t: u32, tp: usize, pos: usize): usize {
  if (load<u32>(tp + T_STAGE_RECS) == 0) return pos;
  const last = load<u64>(tp + T_STAGE_LAST);
  const unixSecs = (last + 999999999) / 1000000000;
  pos = sealMessages(V9, tp, pos, <u32>(unixSecs * 1000 - load<u64>(tp + T_BOOT_MS)), <u32>unixSecs);
  store<u64>(tp + T_SEALED_LAST, last);
  store<u64>(tp + T_STAGE_LAST, 0);
  return pos;
}

/** At the end: the final statistics to every collector. The header time is the last exported
 * flow's epoch and second (or the export time when nothing was exported). */
export function v9Stats(t: u32, tp: usize, pos: usize): usize {
  const lastNs = load<u64>(tp + T_SEALED_LAST);
  let unixSecs = <u64>exportTime;
  let uptime: u32 = 0;
  const boot = load<u64>(tp + T_BOOT_MS);
  if (boot != 0 && lastNs != 0) {
    unixSecs = (lastNs + 999999999) / 1000000000;
    uptime = <u32>(unixSecs * 1000 - boot);
  }
  return statsMessages(V9, tp, pos, uptime, <u32>unixSecs);
}

/** Appends the flow at sp (export context x) to target t's staging datagram. Returns the new output position. */
export function v9Record(t: u32, tp: usize, sp: usize, x: usize, pos: usize): usize {
  const lastNs = load<u64>(sp + FS_LAST);
  if (timeUnsendable(lastNs, 0xfffffffe)) return pos; // (the header's second is rounded up)
  const firstMs = load<u64>(sp + FS_FIRST) / 1000000;
  // the header's second may be up to a second later than the flow's end
  if (epochMustMove(tp, firstMs, lastNs / 1000000 + 1000)) {
    pos = v9Seal(t, tp, pos);
    if (epochStart(tp, firstMs)) templatesAgain(tp);
  }
  pos = appendRecord(V9, t, tp, sp, x, pos);
  stageLast(tp, lastNs);
  return pos;
}
