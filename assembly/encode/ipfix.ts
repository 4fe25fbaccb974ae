// IPFIX (RFC 7011, information elements RFC 7012 / IANA): flow records into datagrams.
//
// A target's flows are laid into a staging datagram (its data sets only). When the next
// record would not fit the MTU — or at the end — the staging datagram is sealed: for every
// destination of the target one whole message goes to the output region, with that
// destination's own sequence number and, when due, the template block in front (templates at
// the start, every T_REFRESH datagrams, every T_TEMPLATE_S seconds, and after the host
// re-created the socket). Room for the template block is kept free in a datagram that will
// carry it, so a message with templates still fits the MTU; an MTU too small for the block and
// a record (576) sends the block in a message of its own instead, just before the data.
//
// The template block: the template set (four flow templates, templates.ts: IPv4 and IPv6, each
// for ICMP and for every other protocol), two options template sets
// (RFC 7011 §4: exporter statistics, §4.1-4.2; sampling, RFC 5477 / RFC 7270) and one
// options data record of each, with this collector's own figures; then, when the host knows
// interface names, a third options template and the names (ifnames.ts).

import {
  OUTPUT_BASE, OD_HEADER, DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SEQUENCE,
  D_SINCE_TEMPLATES, D_RECORDS, D_OCTETS, D_DATAGRAMS, T_MTU, T_ENGINE_ID,
  T_STAGE, T_STAGE_LEN, T_SET_AT, T_SET_ID, T_STAGE_RECS, T_DATAGRAMS, NIL, T_SAMPLING,
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_IN_IF, FS_VLAN,
  FS_VLAN_INNER, FS_FIRST, FS_LAST, FS_BYTES, FS_PACKETS, FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX,
  VLAN_PRESENT, IPFIX_VERSION, IPFIX_HEADER,
  T_TEMPLATES_ALONE, TEMPLATE_OPTIONS_STATS, TEMPLATE_OPTIONS_SAMPLING, TEMPLATE_OPTIONS_IFNAMES, IFNAME_LEN, MAC_SIZE,
} from "../layout";
import { macsOn, writeMacs } from "../cache/macs";
import { ifNamesInBlock, writeIfNamesSet, ifNamesSetLength } from "./ifnames";
import {
  writeAddressesPorts, templatesSent, planTemplateRoom, countMessage, ignoredPackets, writeFlowTemplates, flowTemplatesLength,
  flowRecordLength, flowTemplateId, icmpFlow, keepTemplateRoom, blockPlan, BLOCK_BEFORE, BLOCK_WITH,
} from "./templates";
import { be16, be32, be64 } from "../base/bytes";
import { flowRoute, routeIn, routeOut, flowDirection, writeNextHop } from "../cache/routes";

// Template fields: [information element id, length] (IANA "IPFIX Information Elements"), one
// list per address family; an ICMP template leaves out the ports (7, 11), the other one the
// ICMP type/code element (32, 139) — templates.ts. IPv4 and IPv6 differ only in the addresses,
// the next hop and the ICMP type/code element.
const FIELDS_V4: u16[] = [
  8, 4, //    sourceIPv4Address
  12, 4, //   destinationIPv4Address
  7, 2, //    sourceTransportPort (not in the ICMP template)
  11, 2, //   destinationTransportPort (not in the ICMP template)
  4, 1, //    protocolIdentifier
  5, 1, //    ipClassOfService
  6, 2, //    tcpControlBits (RFC 7125: 2 bytes)
  1, 8, //    octetDeltaCount
  2, 8, //    packetDeltaCount
  152, 8, //  flowStartMilliseconds
  153, 8, //  flowEndMilliseconds
  10, 4, //   ingressInterface
  14, 4, //   egressInterface
  15, 4, //   ipNextHopIPv4Address
  32, 2, //   icmpTypeCodeIPv4 (in the ICMP template only)
  58, 2, //   vlanId
  245, 2, //  dot1qCustomerVlanId (the inner tag of QinQ)
  136, 1, //  flowEndReason
  61, 1, //   flowDirection: 0 ingress, 1 egress (a packet seen leaving, --direction both)
  52, 1, //   minimumTTL
  53, 1, //   maximumTTL
];
const FIELDS_V6: u16[] = [
  27, 16, //  sourceIPv6Address
  28, 16, //  destinationIPv6Address
  7, 2, 11, 2, 4, 1, 5, 1, 6, 2, 1, 8, 2, 8, 152, 8, 153, 8, 10, 4, 14, 4,
  62, 16, //  ipNextHopIPv6Address
  139, 2, //  icmpTypeCodeIPv6 (in the ICMPv6 template only)
  58, 2, 245, 2, 136, 1, 61, 1, 52, 1, 53, 1,
];
// Record bytes by template (+ MAC_SIZE with MACs: sourceMacAddress 56, destinationMacAddress 80)
const RECORD_V4: u32 = flowRecordLength(FIELDS_V4, false); //      68
const RECORD_V4_ICMP: u32 = flowRecordLength(FIELDS_V4, true); //  66
/** The largest record (the MTU check of configureExport). */
export const RECORD_V6: u32 = flowRecordLength(FIELDS_V6, false); // 104
const RECORD_V6_ICMP: u32 = flowRecordLength(FIELDS_V6, true); //  102
const SET_HEADER: u32 = 4;

// Options templates (RFC 7011 §3.4.2.2): the first field is the scope.
// Exporter statistics, RFC 7011 §4.1 (Metering Process Statistics) and §4.2 (ignored packets).
const OPTIONS_STATS: u16[] = [
  149, 4, //  observationDomainId (scope)
  41, 8, //   exportedMessageTotalCount: messages to this collector before this one
  42, 8, //   exportedFlowRecordTotalCount: flow records to it before this message
  40, 8, //   exportedOctetTotalCount: message bytes to it before this message
  164, 8, //  ignoredPacketTotalCount: packets read but not metered (malformed, …)
];
const STATS_RECORD: u32 = 36;
// Sampling (RFC 5477 / RFC 7270): systematic count-based, N-1 of every N packets skipped.
// samplingInterval (34) is the older element that goflow2 and nfdump read as well.
const OPTIONS_SAMPLING: u16[] = [
  149, 4, //  observationDomainId (scope)
  34, 4, //   samplingInterval
  304, 2, //  selectorAlgorithm: 1 = systematic count-based sampling
  305, 4, //  samplingPacketInterval: packets selected in a row (1)
  306, 4, //  samplingPacketSpace: packets not selected after them (N - 1)
];
const SAMPLING_RECORD: u32 = 18;
// Interface names (ifnames.ts), when the host gave any: one record per interface.
const OPTIONS_IFNAMES: u16[] = [
  10, 4, //   ingressInterface (scope): the number flows carry for the interface
  82, <u16>IFNAME_LEN, // interfaceName, NUL-padded
];

/** Bytes of the template block with `names` interface names: templates, options templates, options data. */
export function templateSetLengthWith(names: u32, macs: bool): u32 {
  return SET_HEADER + flowTemplatesLength(FIELDS_V4, FIELDS_V6, macs) +
    SET_HEADER + 6 + <u32>OPTIONS_STATS.length * 2 + SET_HEADER + 6 + <u32>OPTIONS_SAMPLING.length * 2 +
    SET_HEADER + STATS_RECORD + SET_HEADER + SAMPLING_RECORD +
    (names > 0 ? SET_HEADER + 6 + <u32>OPTIONS_IFNAMES.length * 2 + ifNamesSetLength(names) : 0);
}

/** Bytes of the template block now. */
export function templateSetLength(tp: usize): u32 {
  return templateSetLengthWith(ifNamesInBlock(tp), macsOn(tp));
}

/** Writes the template block at p with the figures of the collector at dp; returns its length. */
function writeTemplates(p: usize, tp: usize, dp: usize): u32 {
  let o = p + SET_HEADER;
  o = writeFlowTemplates(o, FIELDS_V4, FIELDS_V6, macsOn(tp));
  be16(p, 2); // set id 2: template set
  be16(p + 2, <u32>(o - p));
  // one options template per set (id 3): pmacct 1.7's nfacctd misreads the length of an
  // IPFIX options template and drops the rest of a message whose set holds a second one
  o = writeOptionsSet(o, TEMPLATE_OPTIONS_STATS, OPTIONS_STATS);
  o = writeOptionsSet(o, TEMPLATE_OPTIONS_SAMPLING, OPTIONS_SAMPLING);
  const names = ifNamesInBlock(tp);
  if (names > 0) o = writeOptionsSet(o, TEMPLATE_OPTIONS_IFNAMES, OPTIONS_IFNAMES);
  const domain = load<u32>(tp + T_ENGINE_ID);
  be16(o, TEMPLATE_OPTIONS_STATS);
  be16(o + 2, SET_HEADER + STATS_RECORD);
  be32(o + 4, domain);
  be64(o + 8, load<u64>(dp + D_DATAGRAMS));
  be64(o + 16, load<u64>(dp + D_RECORDS));
  be64(o + 24, load<u64>(dp + D_OCTETS));
  be64(o + 32, ignoredPackets());
  o += SET_HEADER + STATS_RECORD;
  const n = load<u32>(tp + T_SAMPLING);
  be16(o, TEMPLATE_OPTIONS_SAMPLING);
  be16(o + 2, SET_HEADER + SAMPLING_RECORD);
  be32(o + 4, domain);
  be32(o + 8, n);
  be16(o + 12, 1);
  be32(o + 14, 1);
  be32(o + 18, n - 1);
  o += SET_HEADER + SAMPLING_RECORD;
  if (names > 0) o = writeIfNamesSet(o, TEMPLATE_OPTIONS_IFNAMES, tp, dp);
  return <u32>(o - p);
}

/** An options template set (id 3) holding one options template record whose first field
 * is its one scope field (RFC 7011 §3.4.2.2). */
function writeOptionsSet(p: usize, id: u32, fields: u16[]): usize {
  let o = p + SET_HEADER;
  be16(o, id);
  be16(o + 2, fields.length >> 1);
  be16(o + 4, 1); // scope field count
  o += 6;
  for (let i = 0; i < fields.length; i++) {
    be16(o, fields[i]);
    o += 2;
  }
  be16(p, 3);
  be16(p + 2, <u32>(o - p));
  return o;
}

/** Closes the open data set of target tp's staging datagram (writes its length). */
function closeSet(tp: usize): void {
  const at = load<u32>(tp + T_SET_AT);
  if (at == NIL) return;
  const stage = <usize>load<u32>(tp + T_STAGE);
  be16(stage + at + 2, load<u32>(tp + T_STAGE_LEN) - at);
  store<u32>(tp + T_SET_AT, NIL);
}

/** Bytes a sealed datagram adds to the output region for each destination, at most (IPFIX
 * and v9): one message, or two where the template block goes in a message of its own. */
@inline export function datagramMax(tp: usize): u32 {
  return ((load<u32>(tp + T_MTU) + OD_HEADER + 3) & ~3) << load<u32>(tp + T_TEMPLATES_ALONE);
}

/**
 * Writes the message(s) for the collector d at dp into the output region at OUTPUT_BASE + pos:
 * the template block when due (or `forceTemplates`) and there is room (blockPlan), and `body`
 * bytes of data sets holding `recs` flow records. Returns the new output length.
 */
function message(tp: usize, d: u32, dp: usize, pos: usize, body: u32, recs: u32, exportTime: u32, forceTemplates: bool): usize {
  const plan = blockPlan(tp, dp, exportTime, forceTemplates, IPFIX_HEADER, templateSetLength(tp), body);
  if (plan == BLOCK_BEFORE) pos = writeMessage(tp, d, dp, pos, 0, 0, exportTime, true);
  return writeMessage(tp, d, dp, pos, body, recs, exportTime, plan == BLOCK_WITH);
}

/** One message: the header, the template block when `templates`, then the first `body` bytes
 * of the staging datagram, holding `recs` flow records. Returns the new output length. */
function writeMessage(tp: usize, d: u32, dp: usize, pos: usize, body: u32, recs: u32, exportTime: u32, templates: bool): usize {
  const o = OUTPUT_BASE + pos;
  const m = o + OD_HEADER;
  let len = IPFIX_HEADER;
  let options: u32 = 0;
  if (templates) {
    len += writeTemplates(m + len, tp, dp);
    templatesSent(dp, exportTime);
    options = 2 + ifNamesInBlock(tp); // statistics, sampling, the names
  }
  memory.copy(m + len, <usize>load<u32>(tp + T_STAGE), body);
  len += body;
  const seq = load<u32>(dp + D_SEQUENCE);
  be16(m, IPFIX_VERSION);
  be16(m + 2, len);
  be32(m + 4, exportTime);
  be32(m + 8, seq);
  be32(m + 12, load<u32>(tp + T_ENGINE_ID));
  // RFC 7011 §3.1: data records (options records too) sent before, modulo 2^32
  store<u32>(dp + D_SEQUENCE, seq + recs + options);
  store<u32>(dp + D_SINCE_TEMPLATES, load<u32>(dp + D_SINCE_TEMPLATES) + 1);
  countMessage(dp, len, recs);
  store<u16>(o, <u16>d);
  store<u16>(o + 2, <u16>len);
  return pos + ((OD_HEADER + len + 3) & ~3);
}

/**
 * Seals target t's staging datagram: one message per destination into the output region
 * at OUTPUT_BASE + pos. Returns the new output length. The caller keeps room for
 * datagramMax × destinations.
 */
export function ipfixSeal(t: u32, tp: usize, pos: usize, exportTime: u32): usize {
  closeSet(tp);
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const body = load<u32>(tp + T_STAGE_LEN);
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    pos = message(tp, d, dp, pos, body, recs, exportTime, false);
  }
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
  planTemplateRoom(t, tp, exportTime);
  return pos;
}

/**
 * At the end (after the last flows were sealed): one message per destination with the
 * template block only, so each collector gets the final statistics. Returns the new output length.
 */
export function ipfixStats(t: u32, tp: usize, pos: usize, exportTime: u32): usize {
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    pos = message(tp, d, dp, pos, 0, 0, exportTime, true);
  }
  planTemplateRoom(t, tp, exportTime);
  return pos;
}

/** Appends the flow at sp to target t's staging datagram, sealing it first when full. Returns the new output length. */
export function ipfixRecord(t: u32, tp: usize, sp: usize, reason: u32, pos: usize, exportTime: u32): usize {
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const icmp = icmpFlow(v6, proto);
  const tid = flowTemplateId(v6, icmp);
  const size = (v6 ? (icmp ? RECORD_V6_ICMP : RECORD_V6) : (icmp ? RECORD_V4_ICMP : RECORD_V4)) + (macsOn(tp) ? MAC_SIZE : 0);
  const room = load<u32>(tp + T_MTU) - IPFIX_HEADER - (keepTemplateRoom(tp) ? templateSetLength(tp) : 0);
  let setAt = load<u32>(tp + T_SET_AT);
  const open = setAt != NIL && load<u32>(tp + T_SET_ID) == tid;
  const need = size + (open ? 0 : SET_HEADER);
  if (load<u32>(tp + T_STAGE_LEN) + need > room) {
    pos = ipfixSeal(t, tp, pos, exportTime);
    setAt = NIL;
  }
  const stage = <usize>load<u32>(tp + T_STAGE);
  if (setAt == NIL || load<u32>(tp + T_SET_ID) != tid) {
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
  be16(o + 2, <u32>load<u8>(sp + FS_TCP_FLAGS));
  be64(o + 4, load<u64>(sp + FS_BYTES));
  be64(o + 12, load<u64>(sp + FS_PACKETS));
  be64(o + 20, load<u64>(sp + FS_FIRST) / 1000000); // ns → ms, truncated
  be64(o + 28, load<u64>(sp + FS_LAST) / 1000000);
  flowRoute(sp);
  be32(o + 36, routeIn);
  be32(o + 40, routeOut);
  o += 44;
  o = writeNextHop(o, v6); // (zero: none known, or on-link)
  if (icmp) {
    be16(o, <u32>load<u16>(sp + FS_DPORT)); // an ICMP flow's key holds type × 256 + code there
    o += 2;
  }
  be16(o, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT);
  be16(o + 2, <u32>load<u16>(sp + FS_VLAN_INNER) & ~VLAN_PRESENT);
  store<u8>(o + 4, <u8>reason);
  store<u8>(o + 5, <u8>flowDirection);
  store<u8>(o + 6, load<u8>(sp + FS_TTL_MIN));
  store<u8>(o + 7, load<u8>(sp + FS_TTL_MAX));
  o += 8;
  if (macsOn(tp)) o = writeMacs(o);
  store<u32>(tp + T_STAGE_LEN, <u32>(o - stage));
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  return pos;
}
