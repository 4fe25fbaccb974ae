// NetFlow v9 (RFC 3954): templates for IPv4 and IPv6 flows, each for ICMP and for every other
// protocol (templates.ts), flows in data flowsets.
//
// Laid out like IPFIX (ipfix.ts: a staging datagram per target, sealed into one message per
// collector with that collector's own sequence number and template schedule), with v9's
// differences: a 20-byte header whose count is the number of records (templates included)
// and whose sequence counts export packets; FIRST/LAST_SWITCHED as uptime milliseconds, the
// uptime epoch being the first exported flow's start (a flow beyond the 32-bit uptime
// starts a new epoch in a new datagram, with the templates again); flowsets padded to 4.
// With the templates go two options templates (RFC 3954 §6.1, scope System) and their data:
// the exporter's statistics for this collector and the sampling interval; and, when the host
// knows interface names, a third (scope Interface) with the names (ifnames.ts).

import {
  OUTPUT_BASE, OD_HEADER, DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SEQUENCE,
  D_NEED_TEMPLATES, D_SINCE_TEMPLATES, D_DATAGRAMS, D_RECORDS, D_OCTETS, T_MTU, T_ENGINE_ID,
  T_SAMPLING, T_SEALED_LAST, TEMPLATE_OPTIONS_STATS, TEMPLATE_OPTIONS_SAMPLING, T_STAGE, T_STAGE_LEN, T_SET_AT, T_SET_ID, T_STAGE_RECS, T_DATAGRAMS, T_BOOT_MS,
  T_STAGE_LAST, NIL, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_IN_IF,
  FS_VLAN, FS_FIRST, FS_LAST, FS_BYTES, FS_PACKETS, FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX,
  VLAN_PRESENT, V9_HEADER, C_TIME_UNSENDABLE,
  C_UPTIME_RESTARTS,
  TEMPLATE_OPTIONS_IFNAMES, IFNAME_LEN, MAC_SIZE,
} from "../layout";
import { macsOn, writeMacs } from "../cache/macs";
import { ifNamesInBlock, writeIfNamesSet, ifNamesSetLength } from "./ifnames";
import {
  writeAddressesPorts, templatesSent, planTemplateRoom, countMessage, writeFlowTemplates, flowTemplatesLength, flowRecordLength,
  flowTemplateId, icmpFlow, FLOW_TEMPLATES, keepTemplateRoom, blockPlan, BLOCK_BEFORE, BLOCK_WITH,
} from "./templates";
import { be16, be32, be64, bump } from "../base/bytes";
import { flowRoute, routeIn, routeOut, flowDirection, writeNextHop } from "../cache/routes";

// [field type, length] (RFC 3954 §8), one list per address family; an ICMP template leaves out
// the ports (7, 11), the other one the ICMP type/code field (32, 139) — templates.ts.
const FIELDS_V4: u16[] = [
  8, 4, //    IPV4_SRC_ADDR
  12, 4, //   IPV4_DST_ADDR
  7, 2, //    L4_SRC_PORT (not in the ICMP template)
  11, 2, //   L4_DST_PORT (not in the ICMP template)
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
  32, 2, //   ICMP_TYPE (type × 256 + code; in the ICMP template only)
  58, 2, //   SRC_VLAN
  61, 1, //   DIRECTION: 0 ingress, 1 egress (a packet seen leaving, --direction both)
  52, 1, //   MIN_TTL
  53, 1, //   MAX_TTL
];
const FIELDS_V6: u16[] = [
  27, 16, //  IPV6_SRC_ADDR
  28, 16, //  IPV6_DST_ADDR
  7, 2, 11, 2, 4, 1, 5, 1, 6, 1, 1, 8, 2, 8, 22, 4, 21, 4, 10, 4, 14, 4,
  62, 16, //  IPV6_NEXT_HOP
  32, 2, //   ICMP_TYPE, type × 256 + code (ICMPv6 template only): RFC 3954 §8 defines it for ICMP
  //          without a family, and it is what v9 collectors read — nfdump 1.7's v9 decoder does
  //          not know IPFIX's 139 (src/netflow/netflow_v9.c 1.7.1, lines 150-153 and 169)
  58, 2, 61, 1, 52, 1, 53, 1,
];
// Record bytes by template (+ MAC_SIZE with MACs)
const V9_RECORD_V4: u32 = flowRecordLength(FIELDS_V4, false); //      56
const V9_RECORD_V4_ICMP: u32 = flowRecordLength(FIELDS_V4, true); //  54
/** The largest record (the MTU check of configureExport). */
export const V9_RECORD_V6: u32 = flowRecordLength(FIELDS_V6, false); // 92
const V9_RECORD_V6_ICMP: u32 = flowRecordLength(FIELDS_V6, true); //  90
const SET_HEADER: u32 = 4;
const UPTIME_SPAN_MS: u64 = 0xffffffff;
/** The epoch starts this long before the flow that opens it, as a real exporter boots before
 * its first flow: nfdump reads a FIRST_SWITCHED of 0 as no time at all. */
const BOOT_LEAD_MS: u64 = 1000;

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
/** Records in a template block: the four flow templates, two options templates, two options data
 * records (and with interface names one more options template and a record per name). */
const TEMPLATE_BLOCK_RECORDS: u32 = FLOW_TEMPLATES + 4;

@inline function pad4(n: u32): u32 {
  return (n + 3) & ~3;
}

/** Bytes of the template block with `names` interface names: the template flowset, one options template flowset each, their data. */
export function v9TemplateLengthWith(names: u32, macs: bool): u32 {
  return SET_HEADER + flowTemplatesLength(FIELDS_V4, FIELDS_V6, macs) +
    pad4(SET_HEADER + 6 + <u32>OPTIONS_STATS.length * 2) + pad4(SET_HEADER + 6 + <u32>OPTIONS_SAMPLING.length * 2) +
    STATS_DATA + SAMPLING_DATA +
    (names > 0 ? pad4(SET_HEADER + 6 + <u32>OPTIONS_IFNAMES.length * 2) + ifNamesSetLength(names) : 0);
}

/** Bytes of the template block now. */
export function v9TemplateLength(tp: usize): u32 {
  return v9TemplateLengthWith(ifNamesInBlock(tp), macsOn(tp));
}

/** An options template flowset (id 1) holding one options template whose first pair is the scope; padded to 4. */
function writeOptionsTemplate(p: usize, id: u32, fields: u16[]): usize {
  be16(p, 1);
  be16(p + 4, id);
  be16(p + 6, 4); //                       option scope length, bytes (one scope field, 4 bytes)
  be16(p + 8, (fields.length - 2) * 2); // option length, bytes
  let o = p + 10;
  for (let i = 0; i < fields.length; i++) {
    be16(o, fields[i]);
    o += 2;
  }
  while (((o - p) & 3) != 0) store<u8>(o++, 0);
  be16(p + 2, <u32>(o - p));
  return o;
}

/** The template block for the collector at dp; returns its length (a multiple of 4). */
function writeTemplates(p: usize, tp: usize, dp: usize): u32 {
  let o = p + SET_HEADER;
  o = writeFlowTemplates(o, FIELDS_V4, FIELDS_V6, macsOn(tp)); // (a multiple of 4 bytes: no padding)
  be16(p, 0);
  be16(p + 2, <u32>(o - p));
  o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_STATS, OPTIONS_STATS);
  o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_SAMPLING, OPTIONS_SAMPLING);
  const names = ifNamesInBlock(tp);
  if (names > 0) o = writeOptionsTemplate(o, TEMPLATE_OPTIONS_IFNAMES, OPTIONS_IFNAMES);
  const source = load<u32>(tp + T_ENGINE_ID);
  be16(o, TEMPLATE_OPTIONS_STATS);
  be16(o + 2, STATS_DATA);
  be32(o + 4, source);
  be64(o + 8, load<u64>(dp + D_DATAGRAMS));
  be64(o + 16, load<u64>(dp + D_RECORDS));
  be64(o + 24, load<u64>(dp + D_OCTETS));
  o += STATS_DATA;
  be16(o, TEMPLATE_OPTIONS_SAMPLING);
  be16(o + 2, SAMPLING_DATA);
  be32(o + 4, source);
  be32(o + 8, load<u32>(tp + T_SAMPLING));
  o += SAMPLING_DATA;
  if (names > 0) o = writeIfNamesSet(o, TEMPLATE_OPTIONS_IFNAMES, tp, dp); // (20-byte records: no padding)
  return <u32>(o - p);
}

/** Closes the open data flowset: pads it to 4 bytes (RFC 3954 §5.3) and writes its length. */
function closeSet(tp: usize): void {
  const at = load<u32>(tp + T_SET_AT);
  if (at == NIL) return;
  const stage = <usize>load<u32>(tp + T_STAGE);
  let len = load<u32>(tp + T_STAGE_LEN);
  while (((len - at) & 3) != 0) store<u8>(stage + len++, 0);
  store<u32>(tp + T_STAGE_LEN, len);
  be16(stage + at + 2, len - at);
  store<u32>(tp + T_SET_AT, NIL);
}

/**
 * The message(s) for the collector d at dp at OUTPUT_BASE + pos: the template block when due
 * (or `force`) and there is room (blockPlan), and `body` bytes of flowsets with `recs` records.
 */
function message(tp: usize, d: u32, dp: usize, pos: usize, body: u32, recs: u32, uptime: u32, unixSecs: u32, exportTime: u32, force: bool): usize {
  const plan = blockPlan(tp, dp, exportTime, force, V9_HEADER, v9TemplateLength(tp), body);
  if (plan == BLOCK_BEFORE) pos = writeMessage(tp, d, dp, pos, 0, 0, uptime, unixSecs, exportTime, true);
  return writeMessage(tp, d, dp, pos, body, recs, uptime, unixSecs, exportTime, plan == BLOCK_WITH);
}

/** One message: the header, the template block when `templates`, then the first `body` bytes
 * of the staging datagram, holding `recs` flow records. Returns the new output length. */
function writeMessage(tp: usize, d: u32, dp: usize, pos: usize, body: u32, recs: u32, uptime: u32, unixSecs: u32, exportTime: u32, templates: bool): usize {
  const o = OUTPUT_BASE + pos;
  const m = o + OD_HEADER;
  let len = V9_HEADER;
  let count = recs;
  if (templates) {
    len += writeTemplates(m + len, tp, dp);
    const names = ifNamesInBlock(tp);
    count += TEMPLATE_BLOCK_RECORDS + (names > 0 ? 1 + names : 0);
    templatesSent(dp, exportTime);
  }
  memory.copy(m + len, <usize>load<u32>(tp + T_STAGE), body);
  len += body;
  const seq = load<u32>(dp + D_SEQUENCE);
  be16(m, 9);
  be16(m + 2, count); // every record: templates, options templates, data (RFC 3954 §5.1)
  be32(m + 4, uptime);
  be32(m + 8, unixSecs);
  be32(m + 12, seq); // export packets sent before (RFC 3954 §5.1)
  be32(m + 16, load<u32>(tp + T_ENGINE_ID)); // source id
  store<u32>(dp + D_SEQUENCE, seq + 1);
  store<u32>(dp + D_SINCE_TEMPLATES, load<u32>(dp + D_SINCE_TEMPLATES) + 1);
  countMessage(dp, len, recs);
  store<u16>(o, <u16>d);
  store<u16>(o + 2, <u16>len);
  return pos + ((OD_HEADER + len + 3) & ~3);
}

/** Seals target t's staging datagram into one message per collector. Returns the new output length. */
export function v9Seal(t: u32, tp: usize, pos: usize, exportTime: u32): usize {
  closeSet(tp);
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const body = load<u32>(tp + T_STAGE_LEN);
  // header time: the latest flow end in the datagram, rounded up to a whole second — v9's
  // header has no sub-second field, and collectors add FIRST/LAST_SWITCHED to
  // unix_secs × 1000 − sysUptime, so sysUptime must be counted from that same whole second
  const unixSecs = (load<u64>(tp + T_STAGE_LAST) + 999999999) / 1000000000;
  const uptime = <u32>(unixSecs * 1000 - load<u64>(tp + T_BOOT_MS));
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    pos = message(tp, d, dp, pos, body, recs, uptime, <u32>unixSecs, exportTime, false);
  }
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_SEALED_LAST, load<u64>(tp + T_STAGE_LAST));
  store<u64>(tp + T_STAGE_LAST, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
  planTemplateRoom(t, tp, exportTime);
  return pos;
}

/**
 * At the end (after the last flows were sealed): one message per collector with the template
 * block only, so each gets the final statistics. Its header time is the last exported flow's
 * epoch and second (or the export time when nothing was exported).
 */
export function v9Stats(t: u32, tp: usize, pos: usize, exportTime: u32): usize {
  const lastNs = load<u64>(tp + T_SEALED_LAST);
  let unixSecs = <u64>exportTime;
  let uptime: u32 = 0;
  const boot = load<u64>(tp + T_BOOT_MS);
  if (boot != 0 && lastNs != 0) {
    unixSecs = (lastNs + 999999999) / 1000000000;
    uptime = <u32>(unixSecs * 1000 - boot);
  }
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    pos = message(tp, d, dp, pos, 0, 0, uptime, <u32>unixSecs, exportTime, true);
  }
  planTemplateRoom(t, tp, exportTime);
  return pos;
}

/** Every collector of target t gets the templates with its next datagram (a new uptime epoch). */
function templatesAgain(t: u32): void {
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) == t + 1) store<u32>(dp + D_NEED_TEMPLATES, 1);
  }
}

/** Appends the flow at sp to target t's staging datagram. Returns the new output length. */
export function v9Record(t: u32, tp: usize, sp: usize, pos: usize, exportTime: u32): usize {
  const lastNs = load<u64>(sp + FS_LAST);
  if (lastNs / 1000000000 >= 0xffffffff) { // (the header's second is rounded up)
    bump(C_TIME_UNSENDABLE); // unix_secs is 32 bits: past 2106 no time can be sent
    return pos;
  }
  const firstMs = load<u64>(sp + FS_FIRST) / 1000000;
  const lastMs = lastNs / 1000000;
  let boot = load<u64>(tp + T_BOOT_MS);
  if (boot == 0 || firstMs < boot || lastMs + 1000 - boot > UPTIME_SPAN_MS) {
    pos = v9Seal(t, tp, pos, exportTime);
    // Only an epoch that starts later looks like an exporter restart to a collector (its
    // sysUptime goes down): count it and send the templates again. A flow that started before
    // the epoch (a long flow cut by its active timeout, exported after shorter ones) only moves
    // the epoch back: uptime keeps growing, nothing restarts.
    if (boot != 0 && firstMs - BOOT_LEAD_MS > boot) {
      bump(C_UPTIME_RESTARTS);
      templatesAgain(t);
    }
    boot = firstMs - BOOT_LEAD_MS;
    store<u64>(tp + T_BOOT_MS, boot);
  }
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const icmp = icmpFlow(v6, proto);
  const tid = flowTemplateId(v6, icmp);
  const size = (v6 ? (icmp ? V9_RECORD_V6_ICMP : V9_RECORD_V6) : (icmp ? V9_RECORD_V4_ICMP : V9_RECORD_V4)) + (macsOn(tp) ? MAC_SIZE : 0);
  // a multiple of 4: the open flowset is padded to 4 when the datagram is sealed
  const room = (load<u32>(tp + T_MTU) - V9_HEADER - (keepTemplateRoom(tp) ? v9TemplateLength(tp) : 0)) & ~3;
  const open = load<u32>(tp + T_SET_AT) != NIL && load<u32>(tp + T_SET_ID) == tid;
  // a new flowset costs its header, and closing the open one up to 3 bytes of padding
  if (load<u32>(tp + T_STAGE_LEN) + size + (open ? 0 : SET_HEADER + 3) > room) {
    pos = v9Seal(t, tp, pos, exportTime);
  }
  const stage = <usize>load<u32>(tp + T_STAGE);
  if (load<u32>(tp + T_SET_AT) == NIL || load<u32>(tp + T_SET_ID) != tid) {
    closeSet(tp);
    const at = load<u32>(tp + T_STAGE_LEN);
    be16(stage + at, tid);
    store<u32>(tp + T_SET_AT, at);
    store<u32>(tp + T_SET_ID, tid);
    store<u32>(tp + T_STAGE_LEN, at + SET_HEADER);
  }
  // the fields of template tid, in its order (FIELDS_V4 / FIELDS_V6 less what it leaves out)
  let o = stage + load<u32>(tp + T_STAGE_LEN);
  o = writeAddressesPorts(o, sp, v6, icmp);
  store<u8>(o, <u8>proto);
  store<u8>(o + 1, load<u8>(sp + FS_TOS));
  store<u8>(o + 2, load<u8>(sp + FS_TCP_FLAGS));
  be64(o + 3, load<u64>(sp + FS_BYTES));
  be64(o + 11, load<u64>(sp + FS_PACKETS));
  be32(o + 19, <u32>(firstMs - boot));
  be32(o + 23, <u32>(lastMs - boot));
  flowRoute(sp);
  be32(o + 27, routeIn);
  be32(o + 31, routeOut);
  o += 35;
  o = writeNextHop(o, v6);
  if (icmp) {
    be16(o, <u32>load<u16>(sp + FS_DPORT)); // an ICMP flow's key holds type × 256 + code there
    o += 2;
  }
  be16(o, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT);
  store<u8>(o + 2, <u8>flowDirection);
  store<u8>(o + 3, load<u8>(sp + FS_TTL_MIN));
  store<u8>(o + 4, load<u8>(sp + FS_TTL_MAX));
  o += 5;
  if (macsOn(tp)) o = writeMacs(o);
  store<u32>(tp + T_STAGE_LEN, <u32>(o - stage));
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  if (lastNs > load<u64>(tp + T_STAGE_LAST)) store<u64>(tp + T_STAGE_LAST, lastNs);
  return pos;
}

