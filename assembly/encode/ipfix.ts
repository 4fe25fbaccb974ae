// IPFIX (RFC 7011, information elements RFC 7012 / IANA): flow records in data sets by the
// target's templates, laid out as message.ts says; what is IPFIX's own is here — the 16-byte
// header with the export time and a sequence number counting data records (RFC 7011 §3.1),
// and the options part of the template block: two options template sets (RFC 7011 §4:
// exporter statistics, §4.1-4.2; sampling, RFC 5477 / RFC 7270) and one options data record
// of each, with this collector's own figures; then, when the host knows interface names, a
// third options template and the names (ifnames.ts).

import {
  D_SEQUENCE, T_ENGINE_ID, T_SAMPLING, IPFIX_VERSION, IPFIX_HEADER,
  TEMPLATE_OPTIONS_STATS, TEMPLATE_OPTIONS_SAMPLING, TEMPLATE_OPTIONS_IFNAMES, IFNAME_LEN, C_SKIP_FIRST, C_SKIP_LAST,
} from "../layout";
import { be16, be32, be64, counter } from "../base/bytes";
import { macsOn } from "../cache/macs";
import { ifNamesInBlock, writeIfNamesSet, ifNamesSetLength } from "./ifnames";
import { Dialect, makeDialect, writeFieldPairs, writeExporterCounts, configureMessages, sealMessages, statsMessages, appendRecord, exportTime } from "./message";

// The default field list: [information element id, length] (IANA "IPFIX Information
// Elements"). The templates made from it (records.ts) hold the IPv4 or the IPv6 elements, and
// the ports or the ICMP type/code.
const FIELDS: u16[] = [
  8, 4, //    sourceIPv4Address
  12, 4, //   destinationIPv4Address
  27, 16, //  sourceIPv6Address
  28, 16, //  destinationIPv6Address
  7, 2, //    sourceTransportPort (not in the ICMP templates)
  11, 2, //   destinationTransportPort (not in the ICMP templates)
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
  62, 16, //  ipNextHopIPv6Address
  32, 2, //   icmpTypeCodeIPv4 (in the IPv4 ICMP template only)
  139, 2, //  icmpTypeCodeIPv6 (in the IPv6 ICMP template only)
  58, 2, //   vlanId
  245, 2, //  dot1qCustomerVlanId (the inner tag of QinQ)
  136, 1, //  flowEndReason
  61, 1, //   flowDirection: 0 ingress, 1 egress (a packet seen leaving, --direction both)
  52, 1, //   minimumTTL
  53, 1, //   maximumTTL
];

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

/** Packets the meter did not meter though they were read (every skip reason): IPFIX's
 * ignoredPacketTotalCount (RFC 7011 §4.2). Non-IP frames are not IP packets, so not counted. */
function ignoredPackets(): u64 {
  let n: u64 = 0;
  for (let c = C_SKIP_FIRST; c <= C_SKIP_LAST; c++) n += counter(c);
  return n;
}

/** Bytes of the options part of the template block with `names` interface names. */
function optionsLength(names: u32): u32 {
  return SET_HEADER + 6 + <u32>OPTIONS_STATS.length * 2 + SET_HEADER + 6 + <u32>OPTIONS_SAMPLING.length * 2 +
    SET_HEADER + STATS_RECORD + SET_HEADER + SAMPLING_RECORD +
    (names > 0 ? SET_HEADER + 6 + <u32>OPTIONS_IFNAMES.length * 2 + ifNamesSetLength(names) : 0);
}

/** An options template set (id 3) holding one options template record whose first field
 * is its one scope field (RFC 7011 §3.4.2.2). */
function writeOptionsSet(p: usize, id: u32, fields: u16[]): usize {
  let o = p + SET_HEADER;
  be16(o, id);
  be16(o + 2, fields.length >> 1);
  be16(o + 4, 1); // scope field count
  o = writeFieldPairs(o + 6, fields);
  be16(p, 3);
  be16(p + 2, <u32>(o - p));
  return o;
}

/** The options part of the template block for the collector at dp, at o; returns the end. */
function writeOptions(o: usize, tp: usize, dp: usize): usize {
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
  be64(writeExporterCounts(o + 8, dp), ignoredPackets());
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
  return o;
}

/** The message header (RFC 7011 §3.1): version, length, export time (a), the sequence number
 * — data records (options records too) sent before, modulo 2^32 — and the observation domain. */
function writeHeader(m: usize, tp: usize, dp: usize, len: u32, recs: u32, block: bool, a: u32, b: u32): void {
  const seq = load<u32>(dp + D_SEQUENCE);
  be16(m, IPFIX_VERSION);
  be16(m + 2, len);
  be32(m + 4, a);
  be32(m + 8, seq);
  be32(m + 12, load<u32>(tp + T_ENGINE_ID));
  // the options records of the block: statistics, sampling, the names
  store<u32>(dp + D_SEQUENCE, seq + recs + (block ? 2 + ifNamesInBlock(tp) : 0));
}

const IPFIX = changetype<Dialect>(memory.data(offsetof<Dialect>()));

/** Once at start (encode/formats.ts). */
export function ipfixInit(): void {
  makeDialect(IPFIX, IPFIX_HEADER, 1, 2, ipfixSeal, optionsLength, writeOptions, writeHeader); // (no padding; template set 2)
}

// The format table's entry (encode/formats.ts)

export function ipfixConfigure(tp: usize, mtu: u32): u32 {
  return configureMessages(IPFIX, tp, mtu, FIELDS, macsOn(tp));
}

export function ipfixRecord(t: u32, tp: usize, sp: usize, x: usize, pos: usize): usize {
  return appendRecord(IPFIX, t, tp, sp, x, pos);
}

export function ipfixSeal(t: u32, tp: usize, pos: usize): usize {
  return sealMessages(IPFIX, tp, pos, exportTime, 0);
}

export function ipfixStats(t: u32, tp: usize, pos: usize): usize {
  return statsMessages(IPFIX, tp, pos, exportTime, 0);
}
