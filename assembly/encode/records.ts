// The field-driven flow records of IPFIX and NetFlow v9: a target has one field list —
// [element id, length] pairs (IANA "IPFIX Information Elements"; the v9 field types of RFC
// 3954 §8 carry the same numbers) — and its flow templates are made from that list once, at
// configuration (makeTemplates). The template writer (writeFlowTemplates) and the record
// writer (writeRecord) both walk the templates so made: a new field list is data, not code.
//
// The templates: one per address family for every protocol but ICMP, and one per family for
// ICMP (protocol 1 on IPv4, 58 on IPv6), with the type/code element (icmpTypeCodeIPv4 32,
// icmpTypeCodeIPv6 139) in place of the ports (sourceTransportPort 7,
// destinationTransportPort 11); every other field of the list is in all four, those of one
// address family in its own only. One template with both would be valid IPFIX, but nfdump
// 1.7's IPFIX decoder copies elements 32 and 139 into the destination-port slot of element 11,
// in template order, and puts the port back afterwards for TCP and UDP only (nfdump 1.7.1
// src/netflow/ipfix.c: the element table, lines 143 and 160-161; the fix-up by protocol,
// lines 1345-1374; the same in 1.7.8): an SCTP flow read back with destination port 0. The
// ICMP templates carry no source port at all: nfdump moves a non-zero ICMP source port,
// byte-swapped, over the type/code (lines 1352-1358). A list without 139 (NetFlow v9, whose
// collectors read ICMP_TYPE 32 for both families) takes 32 into the ICMPv6 template too.
// With a prefix table (--as-file) at configuration, the default list gets the AS
// numbers and prefix lengths appended (AS_FIELDS) — bgpSourceAsNumber (16),
// bgpDestinationAsNumber (17), both 4 bytes (RFC 6793 ASNs; v9's SRC_AS/DST_AS are the same ids,
// "N" bytes, RFC 3954 §8), and the prefix lengths of the family's template: 9/13 on IPv4, 29/30
// on IPv6 — in the ICMP templates too. With MACs, sourceMacAddress (56) and
// destinationMacAddress (80) end every template.

import {
  FB_FIELDS, FB_FIELD, FB_TEMPLATES, FB_TEMPLATES_LEN, FB_TEMPLATE, FB_GIVEN, FB_END, FT_ID, FT_COUNT, FT_LENGTH, FT_WIRE, FT_CODE, FT_SIZE,
  FIELD_MAX, T_FLOW_TEMPLATES, T_BOOT_MS,
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VLAN, FS_VLAN_INNER, FS_FIRST, FS_LAST, FS_BYTES, FS_PACKETS,
  FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX, VLAN_PRESENT, X_IN_IF, X_OUT_IF, X_NEXT_HOP, X_DIRECTION, X_MACS, X_REASON,
  X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK,
  IPFIX_TEMPLATE_V4, IPFIX_TEMPLATE_V6, IPFIX_TEMPLATE_V4_ICMP, IPFIX_TEMPLATE_V6_ICMP,
} from "../layout";
import { be16, be32, be64 } from "../base/bytes";
import { heapAlloc } from "../base/heap";
import { prefixesOn } from "../cache/prefixes";

// What the record writer writes for a field (FT_CODE), whatever its element id is called.
const W_SRC_V4: u8 = 1;
const W_DST_V4: u8 = 2;
const W_SRC_V6: u8 = 3;
const W_DST_V6: u8 = 4;
const W_NEXT_HOP_V4: u8 = 5;
const W_NEXT_HOP_V6: u8 = 6;
const W_SRC_MAC: u8 = 7;
const W_DST_MAC: u8 = 8;
// the rest are integers in network order: in their own length by a store of that width, or,
// flagged W_REDUCED by makeTemplates, in fewer bytes (reduced-size encoding, RFC 7011 §6.2)
const W_SRC_PORT: u8 = 9;
const W_DST_PORT: u8 = 10;
const W_ICMP: u8 = 11; //        type × 256 + code, which an ICMP flow's key holds in its destination port
const W_PROTO: u8 = 12;
const W_TOS: u8 = 13;
const W_TCP_FLAGS: u8 = 14;
const W_BYTES: u8 = 15;
const W_PACKETS: u8 = 16;
const W_START_MS: u8 = 17; //    ms since the epoch (ns truncated)
const W_END_MS: u8 = 18;
const W_START_UPTIME: u8 = 19; // ms of exporter uptime (uptime.ts)
const W_END_UPTIME: u8 = 20;
const W_IN_IF: u8 = 21;
const W_OUT_IF: u8 = 22;
const W_VLAN: u8 = 23;
const W_VLAN_INNER: u8 = 24;
const W_END_REASON: u8 = 25;
const W_DIRECTION: u8 = 26;
const W_TTL_MIN: u8 = 27;
const W_TTL_MAX: u8 = 28;
const W_SRC_AS: u8 = 29; //      the prefix table's AS number of the source (0: not in it)
const W_DST_AS: u8 = 30;
const W_SRC_MASK: u8 = 31; //    the prefix length of the source's longest match (0: none)
const W_DST_MASK: u8 = 32;
const W_REDUCED: u8 = 0x80;

// Which templates a field goes in
const IN_V4: u16 = 1; //          IPv4 templates
const IN_V6: u16 = 2; //          IPv6 templates
const IN_BOTH: u16 = 3;
const NOT_ICMP: u16 = 4; //       not in the ICMP templates
const ICMP_ONLY: u16 = 8; //      in the ICMP templates only
const V6_UNLESS_139: u16 = 16; // in the IPv6 ones as well unless the list has 139

// The elements a field list may name: [id, what is written, which templates, largest length]
// (an address or MAC takes exactly its length; an integer may be sent in fewer bytes, RFC 7011 §6.2)
const ELEMENTS: u16[] = [
  1, W_BYTES, IN_BOTH, 8,                        // octetDeltaCount / IN_BYTES
  2, W_PACKETS, IN_BOTH, 8,                      // packetDeltaCount / IN_PKTS
  4, W_PROTO, IN_BOTH, 1,                        // protocolIdentifier / PROTOCOL
  5, W_TOS, IN_BOTH, 1,                          // ipClassOfService / SRC_TOS
  6, W_TCP_FLAGS, IN_BOTH, 2,                    // tcpControlBits / TCP_FLAGS
  7, W_SRC_PORT, IN_BOTH | NOT_ICMP, 2,          // sourceTransportPort / L4_SRC_PORT
  8, W_SRC_V4, IN_V4, 4,                         // sourceIPv4Address / IPV4_SRC_ADDR
  9, W_SRC_MASK, IN_V4, 1,                       // sourceIPv4PrefixLength / SRC_MASK
  10, W_IN_IF, IN_BOTH, 4,                       // ingressInterface / INPUT_SNMP
  11, W_DST_PORT, IN_BOTH | NOT_ICMP, 2,         // destinationTransportPort / L4_DST_PORT
  12, W_DST_V4, IN_V4, 4,                        // destinationIPv4Address / IPV4_DST_ADDR
  13, W_DST_MASK, IN_V4, 1,                      // destinationIPv4PrefixLength / DST_MASK
  14, W_OUT_IF, IN_BOTH, 4,                      // egressInterface / OUTPUT_SNMP
  15, W_NEXT_HOP_V4, IN_V4, 4,                   // ipNextHopIPv4Address / IPV4_NEXT_HOP
  16, W_SRC_AS, IN_BOTH, 4,                      // bgpSourceAsNumber / SRC_AS
  17, W_DST_AS, IN_BOTH, 4,                      // bgpDestinationAsNumber / DST_AS
  21, W_END_UPTIME, IN_BOTH, 4,                  // flowEndSysUpTime / LAST_SWITCHED
  22, W_START_UPTIME, IN_BOTH, 4,                // flowStartSysUpTime / FIRST_SWITCHED
  27, W_SRC_V6, IN_V6, 16,                       // sourceIPv6Address / IPV6_SRC_ADDR
  28, W_DST_V6, IN_V6, 16,                       // destinationIPv6Address / IPV6_DST_ADDR
  29, W_SRC_MASK, IN_V6, 1,                      // sourceIPv6PrefixLength / IPV6_SRC_MASK
  30, W_DST_MASK, IN_V6, 1,                      // destinationIPv6PrefixLength / IPV6_DST_MASK
  32, W_ICMP, IN_V4 | ICMP_ONLY | V6_UNLESS_139, 2, // icmpTypeCodeIPv4 / ICMP_TYPE
  52, W_TTL_MIN, IN_BOTH, 1,                     // minimumTTL / MIN_TTL
  53, W_TTL_MAX, IN_BOTH, 1,                     // maximumTTL / MAX_TTL
  56, W_SRC_MAC, IN_BOTH, 6,                     // sourceMacAddress / SRC_MAC
  58, W_VLAN, IN_BOTH, 2,                        // vlanId / SRC_VLAN
  61, W_DIRECTION, IN_BOTH, 1,                   // flowDirection / DIRECTION
  62, W_NEXT_HOP_V6, IN_V6, 16,                  // ipNextHopIPv6Address / IPV6_NEXT_HOP
  80, W_DST_MAC, IN_BOTH, 6,                     // destinationMacAddress / IN_DST_MAC
  136, W_END_REASON, IN_BOTH, 1,                 // flowEndReason
  139, W_ICMP, IN_V6 | ICMP_ONLY, 2,             // icmpTypeCodeIPv6
  152, W_START_MS, IN_BOTH, 8,                   // flowStartMilliseconds
  153, W_END_MS, IN_BOTH, 8,                     // flowEndMilliseconds
  245, W_VLAN_INNER, IN_BOTH, 2,                 // dot1qCustomerVlanId (the inner tag of QinQ)
];

// The templates made from a list, in template-set order: [id, IPv6, ICMP]; a flow goes by
// template (ICMP ? 2 : 0) + (IPv6 ? 1 : 0)
const TEMPLATES: u16[] = [
  <u16>IPFIX_TEMPLATE_V4, 0, 0,
  <u16>IPFIX_TEMPLATE_V6, 1, 0,
  <u16>IPFIX_TEMPLATE_V4_ICMP, 0, 1,
  <u16>IPFIX_TEMPLATE_V6_ICMP, 1, 1,
];

/** The MAC fields, appended to every template of a target that carries MACs. */
const MAC_FIELDS: u16[] = [56, 6, 80, 6];

/** The AS numbers and prefix lengths, appended with a prefix table to a list without them. */
const AS_FIELDS: u16[] = [16, 4, 17, 4, 9, 1, 13, 1, 29, 1, 30, 1];

/** The ELEMENTS row of element `id`, or -1 when the writer does not know it. */
function elementRow(id: u32): i32 {
  for (let i = 0; i < ELEMENTS.length; i += 4) if (<u32>ELEMENTS[i] == id) return i;
  return -1;
}

/** Whether element row r can be sent in `len` bytes. */
function lengthFits(r: i32, len: u32): bool {
  const size = <u32>ELEMENTS[r + 3];
  return ELEMENTS[r + 1] < W_SRC_PORT ? len == size : len > 0 && len <= size;
}

/** Whether the list of `n` fields at `list` names element `id`. */
function listHas(list: usize, n: u32, id: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u16>(list + (<usize>i << 2)) == id) return true;
  return false;
}

/** Whether element row r goes in the template for `v6`, `icmp` flows of a list that has 139 or not. */
function inTemplate(r: i32, v6: bool, icmp: bool, has139: bool): bool {
  const where = ELEMENTS[r + 2];
  const family = v6 ? (where & IN_V6) != 0 || ((where & V6_UNLESS_139) != 0 && !has139) : (where & IN_V4) != 0;
  if (!family) return false;
  if (icmp) return (where & NOT_ICMP) == 0;
  return (where & ICMP_ONLY) == 0;
}

/** Appends field [id, len] (element row r) to the template at tm. */
function addField(tm: usize, r: i32, id: u32, len: u32): void {
  const n = load<u32>(tm + FT_COUNT);
  if (n >= FIELD_MAX) return;
  be16(tm + FT_WIRE + (<usize>n << 2), id);
  be16(tm + FT_WIRE + (<usize>n << 2) + 2, len);
  const code = <u8>ELEMENTS[r + 1];
  store<u8>(tm + FT_CODE + (<usize>n << 1), code >= W_SRC_PORT && len < <u32>ELEMENTS[r + 3] ? code | W_REDUCED : code);
  store<u8>(tm + FT_CODE + (<usize>n << 1) + 1, <u8>len);
  store<u32>(tm + FT_COUNT, n + 1);
  store<u32>(tm + FT_LENGTH, load<u32>(tm + FT_LENGTH) + len);
}

/** Target tp's field-list block, made (empty) when it has none yet; 0 without memory. */
function fieldBlock(tp: usize): usize {
  let b = <usize>load<u32>(tp + T_FLOW_TEMPLATES);
  if (b == 0) {
    b = heapAlloc(FB_END);
    if (b == 0) return 0;
    store<u32>(tp + T_FLOW_TEMPLATES, <u32>b);
  }
  return b;
}

/**
 * Appends field [id, len] to the list the host gives target tp (before its templates are
 * made: configureExport); from the first one on, its templates follow that list instead of
 * the format's default. Returns 0, 1 without memory, 2 for an element the record writer
 * does not know or cannot send in `len` bytes, 3 when the list is full (FIELD_MAX) or
 * already names it.
 */
export function giveField(tp: usize, id: u32, len: u32): u32 {
  const r = elementRow(id);
  if (r < 0 || !lengthFits(r, len)) return 2;
  const b = fieldBlock(tp);
  if (b == 0) return 1;
  if (load<u32>(b + FB_GIVEN) == 0) {
    memory.fill(b, 0, FB_END);
    store<u32>(b + FB_GIVEN, 1);
  }
  const n = load<u32>(b + FB_FIELDS);
  if (n >= FIELD_MAX || listHas(b + FB_FIELD, n, id)) return 3;
  store<u16>(b + FB_FIELD + (<usize>n << 2), <u16>id);
  store<u16>(b + FB_FIELD + (<usize>n << 2) + 2, <u16>len);
  store<u32>(b + FB_FIELDS, n + 1);
  return 0;
}

/**
 * Gives target tp the field list `fields` ([id, length] pairs, an element the writer does
 * not know left out) — or keeps the list the host gave it (giveField) — and makes its flow
 * templates from it: the default list with the AS fields after it when a prefix table is
 * loaded; the MAC fields last when `macs` (unless the list names a MAC
 * field itself: then it has them where, and only those, it says). Returns 0, or 1 without memory. Once per target at start.
 */
export function makeTemplates(tp: usize, fields: u16[], macs: bool): u32 {
  const b = fieldBlock(tp);
  if (b == 0) return 1;
  const list = b + FB_FIELD;
  let n: u32 = 0;
  if (load<u32>(b + FB_GIVEN) != 0) {
    n = load<u32>(b + FB_FIELDS);
    memory.fill(b + FB_TEMPLATES, 0, FB_GIVEN - FB_TEMPLATES);
  } else {
    memory.fill(b, 0, FB_END);
    for (let i = 0; i + 1 < fields.length && n < FIELD_MAX; i += 2) {
      const r = elementRow(fields[i]);
      if (r < 0 || !lengthFits(r, fields[i + 1])) continue;
      store<u16>(list + (<usize>n << 2), fields[i]);
      store<u16>(list + (<usize>n << 2) + 2, fields[i + 1]);
      n++;
    }
    // the default list gets the AS fields when a prefix table is loaded (a list of the host's
    // own names what it wants)
    if (prefixesOn()) {
      for (let i = 0; i < AS_FIELDS.length && n < FIELD_MAX; i += 2) {
        if (listHas(list, n, AS_FIELDS[i])) continue;
        store<u16>(list + (<usize>n << 2), AS_FIELDS[i]);
        store<u16>(list + (<usize>n << 2) + 2, AS_FIELDS[i + 1]);
        n++;
      }
    }
    store<u32>(b + FB_FIELDS, n);
  }
  const has139 = listHas(list, n, 139);
  let bytes: u32 = 0;
  for (let k = 0; k < TEMPLATES.length; k += 3) {
    const tm = b + FB_TEMPLATE + <usize>(k / 3) * FT_SIZE;
    store<u32>(tm + FT_ID, TEMPLATES[k]);
    for (let i: u32 = 0; i < n; i++) {
      const id = <u32>load<u16>(list + (<usize>i << 2));
      const r = elementRow(id);
      if (inTemplate(r, TEMPLATES[k + 1] != 0, TEMPLATES[k + 2] != 0, has139)) addField(tm, r, id, <u32>load<u16>(list + (<usize>i << 2) + 2));
    }
    // (a list that names a MAC field itself has them where it says, and only those)
    if (macs && !listHas(list, n, MAC_FIELDS[0]) && !listHas(list, n, MAC_FIELDS[2])) {
      for (let i = 0; i < MAC_FIELDS.length; i += 2) addField(tm, elementRow(MAC_FIELDS[i]), MAC_FIELDS[i], MAC_FIELDS[i + 1]);
    }
    bytes += 4 + load<u32>(tm + FT_COUNT) * 4;
  }
  store<u32>(b + FB_TEMPLATES, <u32>TEMPLATES.length / 3);
  store<u32>(b + FB_TEMPLATES_LEN, bytes);
  return 0;
}

/** Target tp's flow templates (set up by makeTemplates). */
@inline export function flowTemplates(tp: usize): usize {
  return <usize>load<u32>(tp + T_FLOW_TEMPLATES);
}

/** How many flow templates target tp has. */
@inline export function flowTemplateCount(tp: usize): u32 {
  return load<u32>(flowTemplates(tp) + FB_TEMPLATES);
}

/** Bytes of target tp's flow template records (their set header not included). */
@inline export function flowTemplatesLength(tp: usize): u32 {
  return load<u32>(flowTemplates(tp) + FB_TEMPLATES_LEN);
}

/** The template a flow of target tp goes by (ICMP: protocol 1 on IPv4, 58 on IPv6). */
@inline export function flowTemplate(tp: usize, v6: bool, proto: u32): usize {
  const icmp = v6 ? proto == 58 : proto == 1;
  return flowTemplates(tp) + FB_TEMPLATE + <usize>((icmp ? 2 : 0) + (v6 ? 1 : 0)) * FT_SIZE;
}

/** Bytes of the longest data record of target tp. */
export function longestRecord(tp: usize): u32 {
  let most: u32 = 0;
  const b = flowTemplates(tp);
  for (let k: u32 = 0; k < load<u32>(b + FB_TEMPLATES); k++) {
    const len = load<u32>(b + FB_TEMPLATE + <usize>k * FT_SIZE + FT_LENGTH);
    if (len > most) most = len;
  }
  return most;
}

/** The flow template records of target tp at o, IPFIX (RFC 7011 §3.4.1) and NetFlow v9 (RFC
 * 3954 §5.2) alike: id, field count, then [type, length] pairs. Returns the end. */
export function writeFlowTemplates(o: usize, tp: usize): usize {
  const b = flowTemplates(tp);
  const n = load<u32>(b + FB_TEMPLATES);
  for (let k: u32 = 0; k < n; k++) {
    const tm = b + FB_TEMPLATE + <usize>k * FT_SIZE;
    const count = load<u32>(tm + FT_COUNT);
    be16(o, load<u32>(tm + FT_ID));
    be16(o + 2, count);
    memory.copy(o + 4, tm + FT_WIRE, <usize>count << 2);
    o += 4 + (<usize>count << 2);
  }
  return o;
}

/** Writes v in network order in `len` bytes at o (reduced-size encoding, RFC 7011 §6.2: the low bytes). */
function beN(o: usize, v: u64, len: u32): void {
  for (let i: u32 = 0; i < len; i++) store<u8>(o + len - 1 - i, <u8>(v >> (<u64>i << 3)));
}

/** The value of integer field `code` of the flow at sp (target tp, export context x). */
function intValue(code: u8, tp: usize, sp: usize, x: usize): u64 {
  switch (code) {
    case W_SRC_PORT: return <u64>load<u16>(sp + FS_SPORT);
    case W_DST_PORT: return <u64>load<u16>(sp + FS_DPORT);
    case W_ICMP: return <u64>load<u16>(sp + FS_DPORT);
    case W_PROTO: return <u64>load<u8>(sp + FS_PROTO);
    case W_TOS: return <u64>load<u8>(sp + FS_TOS);
    case W_TCP_FLAGS: return <u64>load<u8>(sp + FS_TCP_FLAGS);
    case W_BYTES: return load<u64>(sp + FS_BYTES);
    case W_PACKETS: return load<u64>(sp + FS_PACKETS);
    case W_START_MS: return load<u64>(sp + FS_FIRST) / 1000000;
    case W_END_MS: return load<u64>(sp + FS_LAST) / 1000000;
    case W_START_UPTIME: return load<u64>(sp + FS_FIRST) / 1000000 - load<u64>(tp + T_BOOT_MS);
    case W_END_UPTIME: return load<u64>(sp + FS_LAST) / 1000000 - load<u64>(tp + T_BOOT_MS);
    case W_IN_IF: return <u64>load<u32>(x + X_IN_IF);
    case W_OUT_IF: return <u64>load<u32>(x + X_OUT_IF);
    case W_VLAN: return <u64>(<u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT);
    case W_VLAN_INNER: return <u64>(<u32>load<u16>(sp + FS_VLAN_INNER) & ~VLAN_PRESENT);
    case W_END_REASON: return <u64>load<u32>(x + X_REASON);
    case W_DIRECTION: return <u64>load<u32>(x + X_DIRECTION);
    case W_TTL_MIN: return <u64>load<u8>(sp + FS_TTL_MIN);
    case W_TTL_MAX: return <u64>load<u8>(sp + FS_TTL_MAX);
    case W_SRC_AS: return <u64>load<u32>(x + X_SRC_AS);
    case W_DST_AS: return <u64>load<u32>(x + X_DST_AS);
    case W_SRC_MASK: return <u64>load<u32>(x + X_SRC_MASK);
    case W_DST_MASK: return <u64>load<u32>(x + X_DST_MASK);
  }
  return 0;
}

/** 16 bytes (an address) or 6 (a MAC) from a, or zeros when a is 0 (no next hop known, no
 * MACs kept), at o: word moves, not memory.copy, which is a call for so few bytes. */
@inline function copyOrZero(o: usize, a: usize, len: u32): void {
  if (len == 16) {
    store<u64>(o, a != 0 ? load<u64>(a) : 0);
    store<u64>(o, a != 0 ? load<u64>(a, 8) : 0, 8);
  } else {
    store<u32>(o, a != 0 ? load<u32>(a) : 0);
    store<u16>(o, a != 0 ? load<u16>(a, 4) : 0, 4);
  }
}

/** Writes the data record of the flow at sp (target tp, export context x) by template tm at
 * o; returns the end (o + the template's FT_LENGTH). Once per exported flow. */
export function writeRecord(o: usize, tm: usize, tp: usize, sp: usize, x: usize): usize {
  const n = load<u32>(tm + FT_COUNT);
  const codes = tm + FT_CODE;
  for (let i: u32 = 0; i < n; i++) {
    const code = load<u8>(codes + (<usize>i << 1));
    const len = <u32>load<u8>(codes + (<usize>i << 1) + 1);
    switch (code) {
      case W_SRC_V4: store<u32>(o, load<u32>(sp + FS_SRC)); break;
      case W_DST_V4: store<u32>(o, load<u32>(sp + FS_DST)); break;
      case W_SRC_V6: copyOrZero(o, sp + FS_SRC, 16); break;
      case W_DST_V6: copyOrZero(o, sp + FS_DST, 16); break;
      case W_NEXT_HOP_V4: { // (zero: none known, or on-link)
        const nh = <usize>load<u32>(x + X_NEXT_HOP);
        store<u32>(o, nh != 0 ? load<u32>(nh) : 0);
        break;
      }
      case W_NEXT_HOP_V6: copyOrZero(o, <usize>load<u32>(x + X_NEXT_HOP), 16); break;
      // the MACs as an Ethernet header has them: destination first, then source
      case W_SRC_MAC: { const m = <usize>load<u32>(x + X_MACS); copyOrZero(o, m != 0 ? m + 6 : 0, 6); break; }
      case W_DST_MAC: copyOrZero(o, <usize>load<u32>(x + X_MACS), 6); break;
      case W_SRC_PORT: be16(o, <u32>load<u16>(sp + FS_SPORT)); break;
      case W_DST_PORT: be16(o, <u32>load<u16>(sp + FS_DPORT)); break;
      case W_ICMP: be16(o, <u32>load<u16>(sp + FS_DPORT)); break; // an ICMP flow's key holds type × 256 + code there
      case W_PROTO: store<u8>(o, load<u8>(sp + FS_PROTO)); break;
      case W_TOS: store<u8>(o, load<u8>(sp + FS_TOS)); break;
      case W_TCP_FLAGS: be16(o, <u32>load<u8>(sp + FS_TCP_FLAGS)); break;
      case W_BYTES: be64(o, load<u64>(sp + FS_BYTES)); break;
      case W_PACKETS: be64(o, load<u64>(sp + FS_PACKETS)); break;
      case W_START_MS: be64(o, load<u64>(sp + FS_FIRST) / 1000000); break; // ns → ms, truncated
      case W_END_MS: be64(o, load<u64>(sp + FS_LAST) / 1000000); break;
      case W_START_UPTIME: be32(o, <u32>(load<u64>(sp + FS_FIRST) / 1000000 - load<u64>(tp + T_BOOT_MS))); break;
      case W_END_UPTIME: be32(o, <u32>(load<u64>(sp + FS_LAST) / 1000000 - load<u64>(tp + T_BOOT_MS))); break;
      case W_IN_IF: be32(o, load<u32>(x + X_IN_IF)); break;
      case W_OUT_IF: be32(o, load<u32>(x + X_OUT_IF)); break;
      case W_VLAN: be16(o, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT); break;
      case W_VLAN_INNER: be16(o, <u32>load<u16>(sp + FS_VLAN_INNER) & ~VLAN_PRESENT); break;
      case W_END_REASON: store<u8>(o, <u8>load<u32>(x + X_REASON)); break;
      case W_DIRECTION: store<u8>(o, <u8>load<u32>(x + X_DIRECTION)); break;
      case W_TTL_MIN: store<u8>(o, load<u8>(sp + FS_TTL_MIN)); break;
      case W_TTL_MAX: store<u8>(o, load<u8>(sp + FS_TTL_MAX)); break;
      case W_SRC_AS: be32(o, load<u32>(x + X_SRC_AS)); break;
      case W_DST_AS: be32(o, load<u32>(x + X_DST_AS)); break;
      case W_SRC_MASK: store<u8>(o, <u8>load<u32>(x + X_SRC_MASK)); break;
      case W_DST_MASK: store<u8>(o, <u8>load<u32>(x + X_DST_MASK)); break;
      default: beN(o, intValue(code & ~W_REDUCED, tp, sp, x), len); // a shorter encoding (v9's 1-byte TCP_FLAGS)
    }
    o += len;
  }
  return o;
}
