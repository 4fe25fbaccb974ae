// NetFlow v9 (RFC 3954): templates for IPv4 and IPv6 flows, flows in data flowsets.
//
// Laid out like IPFIX (ipfix.ts: a staging datagram per target, sealed into one message per
// collector with that collector's own sequence number and template schedule), with v9's
// differences: a 20-byte header whose count is the number of records (templates included)
// and whose sequence counts export packets; FIRST/LAST_SWITCHED as uptime milliseconds, the
// uptime epoch being the first exported flow's start (a flow beyond the 32-bit uptime
// starts a new epoch in a new datagram, with the templates again); flowsets padded to 4.

import {
  OUTPUT_BASE, OD_HEADER, DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SEQUENCE,
  D_SINCE_TEMPLATES, D_TEMPLATES_AT, D_NEED_TEMPLATES, D_DATAGRAMS, T_MTU, T_ENGINE_ID, T_REFRESH,
  T_TEMPLATE_S, T_STAGE, T_STAGE_LEN, T_SET_AT, T_SET_ID, T_STAGE_RECS, T_DATAGRAMS, T_BOOT_MS,
  T_STAGE_LAST, NIL, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_IN_IF,
  FS_VLAN, FS_FIRST, FS_LAST, FS_BYTES, FS_PACKETS, FS_TCP_FLAGS, FS_TTL_MIN, FS_TTL_MAX,
  VLAN_PRESENT, V9_HEADER, IPFIX_TEMPLATE_V4, IPFIX_TEMPLATE_V6, C_TIME_UNSENDABLE,
  C_UPTIME_RESTARTS,
  T_TEMPLATES_NEXT,
} from "./layout";
import { templatesDue, templatesSent, planTemplateRoom } from "./templates";
import { be16, be32, be64, bump } from "./bytes";

// [field type, length] (RFC 3954 §8)
const FIELDS_V4: u16[] = [
  8, 4, //    IPV4_SRC_ADDR
  12, 4, //   IPV4_DST_ADDR
  7, 2, //    L4_SRC_PORT
  11, 2, //   L4_DST_PORT
  4, 1, //    PROTOCOL
  5, 1, //    SRC_TOS
  6, 1, //    TCP_FLAGS
  1, 8, //    IN_BYTES
  2, 8, //    IN_PKTS
  22, 4, //   FIRST_SWITCHED
  21, 4, //   LAST_SWITCHED
  10, 4, //   INPUT_SNMP
  14, 4, //   OUTPUT_SNMP
  32, 2, //   ICMP_TYPE (type × 256 + code)
  58, 2, //   SRC_VLAN
  52, 1, //   MIN_TTL
  53, 1, //   MAX_TTL
];
const FIELDS_V6: u16[] = [
  27, 16, //  IPV6_SRC_ADDR
  28, 16, //  IPV6_DST_ADDR
  7, 2, 11, 2, 4, 1, 5, 1, 6, 1, 1, 8, 2, 8, 22, 4, 21, 4, 10, 4, 14, 4,
  139, 2, //  ICMPv6 type and code (the IPFIX element, which v9 collectors read too)
  58, 2, 52, 1, 53, 1,
];
export const V9_RECORD_V4: u32 = 53;
export const V9_RECORD_V6: u32 = 77;
const SET_HEADER: u32 = 4;
const UPTIME_SPAN_MS: u64 = 0xffffffff;
/** The epoch starts this long before the flow that opens it, as a real exporter boots before
 * its first flow: nfdump reads a FIRST_SWITCHED of 0 as no time at all. */
const BOOT_LEAD_MS: u64 = 1000;

export function v9TemplateLength(): u32 {
  return SET_HEADER + 4 + <u32>FIELDS_V4.length * 2 + 4 + <u32>FIELDS_V6.length * 2;
}

function writeTemplate(o: usize, id: u32, fields: u16[]): usize {
  be16(o, id);
  be16(o + 2, fields.length >> 1);
  o += 4;
  for (let i = 0; i < fields.length; i++) {
    be16(o, fields[i]);
    o += 2;
  }
  return o;
}

/** The template flowset (id 0) with both templates; returns its length (a multiple of 4). */
function writeTemplates(p: usize): u32 {
  let o = p + SET_HEADER;
  o = writeTemplate(o, IPFIX_TEMPLATE_V4, FIELDS_V4);
  o = writeTemplate(o, IPFIX_TEMPLATE_V6, FIELDS_V6);
  const len = <u32>(o - p);
  be16(p, 0);
  be16(p + 2, len);
  return len;
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

/** Seals target t's staging datagram into one message per collector. Returns the new output length. */
export function v9Seal(t: u32, tp: usize, pos: usize, exportTime: u32): usize {
  closeSet(tp);
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const stage = <usize>load<u32>(tp + T_STAGE);
  const body = load<u32>(tp + T_STAGE_LEN);
  // header time: the latest flow end in the datagram, rounded up to a whole second — v9's
  // header has no sub-second field, and collectors add FIRST/LAST_SWITCHED to
  // unix_secs × 1000 − sysUptime, so sysUptime must be counted from that same whole second
  const unixSecs = (load<u64>(tp + T_STAGE_LAST) + 999999999) / 1000000000;
  const uptime = <u32>(unixSecs * 1000 - load<u64>(tp + T_BOOT_MS));
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    const o = OUTPUT_BASE + pos;
    const m = o + OD_HEADER;
    let len = V9_HEADER;
    let count = recs;
    // a time-based refresh that finds no room waits for the next datagram (it stays due)
    if (templatesDue(tp, dp, exportTime) && V9_HEADER + v9TemplateLength() + body <= load<u32>(tp + T_MTU)) {
      len += writeTemplates(m + len);
      count += 2;
      templatesSent(dp, exportTime);
    }
    memory.copy(m + len, stage, body);
    len += body;
    const seq = load<u32>(dp + D_SEQUENCE);
    be16(m, 9);
    be16(m + 2, count);
    be32(m + 4, uptime);
    be32(m + 8, <u32>unixSecs);
    be32(m + 12, seq); // export packets sent before (RFC 3954 §5.1)
    be32(m + 16, load<u32>(tp + T_ENGINE_ID)); // source id
    store<u32>(dp + D_SEQUENCE, seq + 1);
    store<u32>(dp + D_SINCE_TEMPLATES, load<u32>(dp + D_SINCE_TEMPLATES) + 1);
    store<u64>(dp + D_DATAGRAMS, load<u64>(dp + D_DATAGRAMS) + 1);
    store<u16>(o, <u16>d);
    store<u16>(o + 2, <u16>len);
    pos += (OD_HEADER + len + 3) & ~3;
  }
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_STAGE_LAST, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
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
    if (boot != 0) {
      bump(C_UPTIME_RESTARTS);
      templatesAgain(t);
    }
    boot = firstMs - BOOT_LEAD_MS;
    store<u64>(tp + T_BOOT_MS, boot);
  }
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const tid = v6 ? IPFIX_TEMPLATE_V6 : IPFIX_TEMPLATE_V4;
  const size = v6 ? V9_RECORD_V6 : V9_RECORD_V4;
  const room = load<u32>(tp + T_MTU) - V9_HEADER - (load<u32>(tp + T_TEMPLATES_NEXT) != 0 ? v9TemplateLength() : 0);
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
  let o = stage + load<u32>(tp + T_STAGE_LEN);
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const icmp = (!v6 && proto == 1) || (v6 && proto == 58);
  if (v6) {
    memory.copy(o, sp + FS_SRC, 32);
    o += 32;
  } else {
    store<u32>(o, load<u32>(sp + FS_SRC));
    store<u32>(o + 4, load<u32>(sp + FS_DST));
    o += 8;
  }
  const dport = <u32>load<u16>(sp + FS_DPORT);
  be16(o, icmp ? 0 : <u32>load<u16>(sp + FS_SPORT));
  be16(o + 2, icmp ? 0 : dport);
  store<u8>(o + 4, <u8>proto);
  store<u8>(o + 5, load<u8>(sp + FS_TOS));
  store<u8>(o + 6, load<u8>(sp + FS_TCP_FLAGS));
  be64(o + 7, load<u64>(sp + FS_BYTES));
  be64(o + 15, load<u64>(sp + FS_PACKETS));
  be32(o + 23, <u32>(firstMs - boot));
  be32(o + 27, <u32>(lastMs - boot));
  be32(o + 31, load<u32>(sp + FS_IN_IF));
  be32(o + 35, 0); // output interface: known once routes are (live capture)
  be16(o + 39, icmp ? dport : 0);
  be16(o + 41, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT);
  store<u8>(o + 43, load<u8>(sp + FS_TTL_MIN));
  store<u8>(o + 44, load<u8>(sp + FS_TTL_MAX));
  store<u32>(tp + T_STAGE_LEN, <u32>(o + 45 - stage));
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  if (lastNs > load<u64>(tp + T_STAGE_LAST)) store<u64>(tp + T_STAGE_LAST, lastNs);
  return pos;
}

