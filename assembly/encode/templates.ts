// When a collector gets templates (IPFIX and NetFlow v9 alike): before its first data, every
// T_REFRESH datagrams, every T_TEMPLATE_S seconds, and after its socket was re-created.
// A datagram keeps room for the template set only when some collector wants them with it,
// so most datagrams carry a full load of records. Where the MTU is too small for the template
// block and a record (T_TEMPLATES_ALONE, set by configureExport), no room is kept: the block
// goes in a message of its own just before the data.

import {
  DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SINCE_TEMPLATES, D_TEMPLATES_AT, D_NEED_TEMPLATES,
  T_REFRESH, T_TEMPLATE_S, T_TEMPLATES_NEXT, T_TEMPLATES_ALONE, T_MTU, D_DATAGRAMS, D_RECORDS, D_OCTETS, STATS_BASE,
  C_SKIP_FIRST, C_SKIP_LAST, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, IPFIX_TEMPLATE_V4, IPFIX_TEMPLATE_V6, IPFIX_TEMPLATE_V4_ICMP, IPFIX_TEMPLATE_V6_ICMP,
} from "../layout";
import { be16 } from "../base/bytes";
import { writeMacFields, MAC_FIELDS_LEN } from "../cache/macs";

// The flow templates, IPFIX and NetFlow v9 alike: four, made from one field list per address
// family. ICMP flows (protocol 1 on IPv4, 58 on IPv6) go by a template without the ports
// (sourceTransportPort 7, destinationTransportPort 11) and with the ICMP type/code element
// (icmpTypeCodeIPv4 32, icmpTypeCodeIPv6 139); every other flow by one with the ports and
// without it. Every other field is in all four. One template with both would be valid IPFIX,
// but nfdump 1.7's IPFIX decoder copies elements 32 and 139 into the destination-port slot of
// element 11, in template order, and puts the port back afterwards for TCP and UDP only
// (nfdump 1.7.1 src/netflow/ipfix.c: the element table, lines 143 and 160-161; the fix-up by
// protocol, lines 1345-1374; the same in 1.7.8): an SCTP flow read back with destination port
// 0. The ICMP templates carry no source port at all: nfdump moves a non-zero ICMP source port,
// byte-swapped, over the type/code (lines 1352-1358). The numbers are the same in v9 (RFC 3954
// §8: L4_SRC_PORT 7, L4_DST_PORT 11, ICMP_TYPE 32; 139 as in IPFIX), so one rule serves both.

/** A flow record's first fields, IPFIX and v9 alike: the addresses (IPv4 or IPv6), then the
 * ports unless the flow goes by an ICMP template. Returns the position after them. */
export function writeAddressesPorts(o: usize, sp: usize, v6: bool, icmp: bool): usize {
  if (v6) {
    memory.copy(o, sp + FS_SRC, 32);
    o += 32;
  } else {
    store<u32>(o, load<u32>(sp + FS_SRC));
    store<u32>(o + 4, load<u32>(sp + FS_DST));
    o += 8;
  }
  if (!icmp) {
    be16(o, <u32>load<u16>(sp + FS_SPORT));
    be16(o + 2, <u32>load<u16>(sp + FS_DPORT));
    o += 4;
  }
  return o;
}

/** Flow templates in a template block: IPv4 and IPv6, each for ICMP and for the rest. */
export const FLOW_TEMPLATES: u32 = 4;

/** Whether a flow of protocol `proto` goes by an ICMP template. */
@inline export function icmpFlow(v6: bool, proto: u32): bool {
  return v6 ? proto == 58 : proto == 1;
}

/** The template id a flow record goes by. */
@inline export function flowTemplateId(v6: bool, icmp: bool): u32 {
  return icmp ? (v6 ? IPFIX_TEMPLATE_V6_ICMP : IPFIX_TEMPLATE_V4_ICMP) : (v6 ? IPFIX_TEMPLATE_V6 : IPFIX_TEMPLATE_V4);
}

/** Whether the field numbered `type` is in the ICMP template (`icmp`) or the other one. */
@inline function inTemplate(type: u32, icmp: bool): bool {
  return icmp ? type != 7 && type != 11 : type != 32 && type != 139;
}

/** How many of the [type, length] pairs in `fields` the template has. */
function fieldCount(fields: u16[], icmp: bool): u32 {
  let n: u32 = 0;
  for (let i = 0; i < fields.length; i += 2) if (inTemplate(fields[i], icmp)) n++;
  return n;
}

/** Bytes of a flow record by the template made from `fields` (without the MACs). */
export function flowRecordLength(fields: u16[], icmp: bool): u32 {
  let n: u32 = 0;
  for (let i = 0; i < fields.length; i += 2) if (inTemplate(fields[i], icmp)) n += fields[i + 1];
  return n;
}

/** Bytes of the four flow template records (their set header not included). */
export function flowTemplatesLength(v4: u16[], v6: u16[], macs: bool): u32 {
  const fields = fieldCount(v4, false) + fieldCount(v6, false) + fieldCount(v4, true) + fieldCount(v6, true);
  return FLOW_TEMPLATES * (4 + (macs ? MAC_FIELDS_LEN : 0)) + fields * 4;
}

/** A flow template record, IPFIX (RFC 7011 §3.4.1) and NetFlow v9 (RFC 3954 §5.2) alike: id,
 * field count, then [type, length] pairs — with the MAC fields last when `macs`. */
function writeFlowTemplate(o: usize, id: u32, fields: u16[], icmp: bool, macs: bool): usize {
  be16(o, id);
  be16(o + 2, fieldCount(fields, icmp) + (macs ? 2 : 0));
  o += 4;
  for (let i = 0; i < fields.length; i += 2) {
    if (!inTemplate(fields[i], icmp)) continue;
    be16(o, fields[i]);
    be16(o + 2, fields[i + 1]);
    o += 4;
  }
  return macs ? writeMacFields(o) : o;
}

/** The four flow template records at o, from the field lists of each family; returns the end. */
export function writeFlowTemplates(o: usize, v4: u16[], v6: u16[], macs: bool): usize {
  o = writeFlowTemplate(o, IPFIX_TEMPLATE_V4, v4, false, macs);
  o = writeFlowTemplate(o, IPFIX_TEMPLATE_V6, v6, false, macs);
  o = writeFlowTemplate(o, IPFIX_TEMPLATE_V4_ICMP, v4, true, macs);
  return writeFlowTemplate(o, IPFIX_TEMPLATE_V6_ICMP, v6, true, macs);
}

/** Counts one message of `len` bytes carrying `flows` flow records as laid out for the collector at dp. */
export function countMessage(dp: usize, len: u32, flows: u32): void {
  store<u64>(dp + D_DATAGRAMS, load<u64>(dp + D_DATAGRAMS) + 1);
  store<u64>(dp + D_RECORDS, load<u64>(dp + D_RECORDS) + flows);
  store<u64>(dp + D_OCTETS, load<u64>(dp + D_OCTETS) + len);
}

/** Packets the meter did not meter though they were read (every skip reason): IPFIX's
 * ignoredPacketTotalCount (RFC 7011 §4.2). Non-IP frames are not IP packets, so not counted. */
export function ignoredPackets(): u64 {
  let n: u64 = 0;
  for (let c = C_SKIP_FIRST; c <= C_SKIP_LAST; c++) n += load<u64>(STATS_BASE + (<usize>c << 3));
  return n;
}

/** Whether the collector at dp is due the templates now. */
export function templatesDue(tp: usize, dp: usize, exportTime: u32): bool {
  return load<u32>(dp + D_NEED_TEMPLATES) != 0 ||
    load<u32>(dp + D_SINCE_TEMPLATES) >= load<u32>(tp + T_REFRESH) ||
    exportTime - load<u32>(dp + D_TEMPLATES_AT) >= load<u32>(tp + T_TEMPLATE_S);
}

/** Whether datagrams of target tp keep room for the template block when one is due (see the head of this file). */
@inline export function keepTemplateRoom(tp: usize): bool {
  return load<u32>(tp + T_TEMPLATES_NEXT) != 0 && load<u32>(tp + T_TEMPLATES_ALONE) == 0;
}

/** How a message of `body` bytes to the collector at dp goes: without the template block, */
export const BLOCK_NONE: u32 = 0;
/** with it in front of the data, */
export const BLOCK_WITH: u32 = 1;
/** or after a message of its own holding the block (a small MTU). */
export const BLOCK_BEFORE: u32 = 2;

/** Which of those, for a message of `header` bytes plus a template block of `block` bytes; `force`: the block goes whatever the schedule. */
export function blockPlan(tp: usize, dp: usize, exportTime: u32, force: bool, header: u32, block: u32, body: u32): u32 {
  if (!force && !templatesDue(tp, dp, exportTime)) return BLOCK_NONE;
  if (header + block + body <= load<u32>(tp + T_MTU)) return BLOCK_WITH;
  // a time-based refresh that finds no room waits for the next datagram (it stays due)
  return load<u32>(tp + T_TEMPLATES_ALONE) != 0 ? BLOCK_BEFORE : BLOCK_NONE;
}

/** Records that the collector at dp got the templates. */
export function templatesSent(dp: usize, exportTime: u32): void {
  store<u32>(dp + D_NEED_TEMPLATES, 0);
  store<u32>(dp + D_SINCE_TEMPLATES, 0);
  store<u32>(dp + D_TEMPLATES_AT, exportTime);
}

/** After a seal: whether the next datagram of target t must keep room for the templates. */
export function planTemplateRoom(t: u32, tp: usize, exportTime: u32): void {
  let want: u32 = 0;
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) == t + 1 && templatesDue(tp, dp, exportTime)) want = 1;
  }
  store<u32>(tp + T_TEMPLATES_NEXT, want);
}
