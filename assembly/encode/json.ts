// JSON-lines encoder: one object per exported flow, goflow2's field names (vlan_id_inner
// only on QinQ flows, icmp_type/icmp_code only on ICMP flows; src_as, dst_as, src_net and
// dst_net only with a prefix table, --as-file: the net as goflow2's NetworkRenderer writes it,
// the address cut to the prefix length of its longest match, "0.0.0.0/0" or "::/0" for none). Every value but
// the addresses is a JSON integer written from its full 64-bit value (nanosecond times pass
// 2^53, which is why this is not left to JavaScript's Number).
// A target with a field list (src/config/fields.ts maps its names to keys) has a key list
// instead (jsonKeyAdd): its lines carry those keys in that order, each written as the
// default line writes it (jsonListed); docs/export.md, "JSON lines with a field list".
// IPv6 text follows RFC 5952 (§4: lowercase, no leading zeros, the longest run of two or
// more zero groups as "::", the first such run on a tie; §5: IPv4-mapped in dotted form).

import {
  TABLES_BASE, FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION,
  FS_VLAN, FS_VLAN_INNER, FS_FIRST, FS_LAST, FS_BYTES, FS_PACKETS, FS_TCP_FLAGS,
  FS_TTL_MIN, FS_TTL_MAX, VLAN_PRESENT, X_IN_IF, X_OUT_IF, X_NEXT_HOP, X_MACS, X_REASON,
  X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK, X_DIRECTION, T_JSON_KEYS, JL_COUNT, JL_KEYS, JL_END, JSON_KEY_MAX,
  JK_TIME_START, JK_TIME_END, JK_ETYPE, JK_PROTO, JK_SRC_ADDR, JK_DST_ADDR, JK_SRC_PORT, JK_DST_PORT, JK_IN_IF, JK_OUT_IF,
  JK_NEXT_HOP, JK_BYTES, JK_PACKETS, JK_TCP_FLAGS, JK_TOS, JK_TTL_MIN, JK_TTL_MAX, JK_VLAN, JK_VLAN_INNER, JK_ICMP_TYPE,
  JK_ICMP_CODE, JK_LAN_DIRECTION, JK_SRC_MAC, JK_DST_MAC, JK_SRC_AS, JK_DST_AS, JK_SRC_NET, JK_DST_NET, JK_END_REASON,
  JK_FLOW_DIRECTION, JK_LAST,
} from "../layout";
import { heapAlloc } from "../base/heap";
import { prefixesOn } from "../cache/prefixes";
import { flowSide, SIDE_UPLOAD, SIDE_DOWNLOAD } from "../cache/routes";
import { jsonLineAt, jsonLineDone, JSON_UNIT_MAX } from "../output/units";

// The fixed text between values, as ASCII in TABLES_BASE. The table is built once by
// jsonInit from the strings below: [u16 offset, u16 length] per piece, then the bytes.
const PIECES: string[] = [
  '{"time_flow_start_ns":',
  ',"time_flow_end_ns":',
  ',"etype":',
  ',"proto":',
  ',"src_addr":"',
  '","dst_addr":"',
  '","src_port":',
  ',"dst_port":',
  ',"in_if":',
  ',"out_if":',
  ',"next_hop":"',
  '","bytes":',
  ',"bytes":',
  ',"packets":',
  ',"tcp_flags":',
  ',"ip_tos":',
  ',"ip_ttl_min":',
  ',"ip_ttl_max":',
  ',"vlan_id":',
  ',"vlan_id_inner":',
  ',"icmp_type":',
  ',"icmp_code":',
  ',"lan_direction":"upload"',
  ',"lan_direction":"download"',
  ',"flow_end_reason":',
  "}\n",
  ',"src_mac":"',
  ',"dst_mac":"',
  '"',
  ',"src_as":',
  ',"dst_as":',
  ',"src_net":"',
  '","dst_net":"',
  ',"flow_direction":',
];
const DIGITS = TABLES_BASE; //          200 bytes: "00".."99"
const HEX = TABLES_BASE + 200; //       16 bytes
const PIECE_DIR = TABLES_BASE + 256; // [u16 offset, u16 len] × pieces
const PIECE_BYTES = TABLES_BASE + 512; // up to 512 bytes of field names
const OCTETS = TABLES_BASE + 1024; //    256 × u32: an IPv4 octet's digits (their count in the high byte)

export function jsonInit(): void {
  for (let i = 0; i < 100; i++) {
    store<u8>(DIGITS + (i << 1), <u8>(48 + i / 10));
    store<u8>(DIGITS + (i << 1) + 1, <u8>(48 + i % 10));
  }
  for (let i = 0; i < 16; i++) store<u8>(HEX + i, <u8>(i < 10 ? 48 + i : 87 + i));
  for (let i: u32 = 0; i < 256; i++) {
    // up to three digits packed little-endian, the digit count in the high byte
    const w = i >= 100 ? (48 + i / 100) | ((48 + (i / 10) % 10) << 8) | ((48 + i % 10) << 16) | (3 << 24)
      : i >= 10 ? (48 + i / 10) | ((48 + i % 10) << 8) | (2 << 24)
      : (48 + i) | (1 << 24);
    store<u32>(OCTETS + (i << 2), w);
  }
  let at: usize = PIECE_BYTES;
  for (let i = 0; i < PIECES.length; i++) {
    const s = PIECES[i];
    store<u16>(PIECE_DIR + (i << 2), <u16>(at - PIECE_BYTES));
    store<u16>(PIECE_DIR + (i << 2) + 2, <u16>s.length);
    for (let c = 0; c < s.length; c++) store<u8>(at + c, <u8>s.charCodeAt(c));
    at += s.length;
  }
}

/** Appends fixed piece i. Copies whole u64 words, up to 7 bytes past the piece's end: the
 * next value overwrites them, and OUTPUT_RECORD_MAX leaves room at the region's end. (A
 * memory.copy of a few bytes is a call out of the compiled code; this is three stores.) */
@inline function piece(o: usize, i: u32): usize {
  const d = load<u32>(PIECE_DIR + (<usize>i << 2));
  const len = <usize>(d >> 16);
  const src = PIECE_BYTES + <usize>(d & 0xffff);
  for (let k: usize = 0; k < len; k += 8) store<u64>(o + k, load<u64>(src + k));
  return o + len;
}

/** Appends fixed piece i without its first byte (`","dst_addr":"` as `,"dst_addr":"`: the
 * default line's pieces close the string before them; a listed key opens on its own). */
@inline function pieceTail(o: usize, i: u32): usize {
  const d = load<u32>(PIECE_DIR + (<usize>i << 2));
  const len = <usize>(d >> 16) - 1;
  const src = PIECE_BYTES + <usize>(d & 0xffff) + 1;
  for (let k: usize = 0; k < len; k += 8) store<u64>(o + k, load<u64>(src + k));
  return o + len;
}

/** Writes v in decimal at o; returns the end. */
function dec32(o: usize, v: u32): usize {
  let n: usize = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 :
    v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  let e = o + n;
  while (v >= 100) {
    const r = v % 100;
    v /= 100;
    e -= 2;
    store<u16>(e, load<u16>(DIGITS + (<usize>r << 1)));
  }
  if (v >= 10) {
    store<u16>(o, load<u16>(DIGITS + (<usize>v << 1)));
  } else {
    store<u8>(o, <u8>(48 + v));
  }
  return o + n;
}

/** Exactly nine digits, zero-padded (the low part of a nanosecond time). */
function dec9(o: usize, v: u32): usize {
  let e = o + 9;
  for (let i = 0; i < 4; i++) {
    const r = v % 100;
    v /= 100;
    e -= 2;
    store<u16>(e, load<u16>(DIGITS + (<usize>r << 1)));
  }
  store<u8>(o, <u8>(48 + v));
  return o + 9;
}

function dec64(o: usize, v: u64): usize {
  if (v <= 0xffffffff) return dec32(o, <u32>v);
  const hi = v / 1000000000;
  const lo = <u32>(v % 1000000000);
  o = dec64(o, hi);
  return dec9(o, lo);
}

function ipv4(o: usize, a: usize): usize {
  for (let i: usize = 0; i < 4; i++) {
    const w = load<u32>(OCTETS + (<usize>load<u8>(a + i) << 2));
    store<u32>(o, w); // the digits, and one byte the next write covers
    o += <usize>(w >> 24);
    if (i < 3) store<u8>(o++, 46);
  }
  return o;
}

function hex16(o: usize, v: u32): usize {
  if (v >= 0x1000) store<u8>(o++, load<u8>(HEX + (v >> 12)));
  if (v >= 0x100) store<u8>(o++, load<u8>(HEX + ((v >> 8) & 15)));
  if (v >= 0x10) store<u8>(o++, load<u8>(HEX + ((v >> 4) & 15)));
  store<u8>(o++, load<u8>(HEX + (v & 15)));
  return o;
}

function ipv6(o: usize, a: usize): usize {
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5)
  if (load<u64>(a) == 0 && load<u32>(a + 8) == 0xffff0000) {
    store<u64>(o, 0x3a666666663a3a); // "::ffff:" (7 bytes; the 8th is overwritten)
    return ipv4(o + 7, a + 12);
  }
  // longest run of zero groups (length ≥ 2), first on a tie
  let bestAt = -1, bestLen = 0, runAt = -1, runLen = 0;
  for (let g = 0; g < 8; g++) {
    if (load<u16>(a + (g << 1)) == 0) {
      if (runAt < 0) { runAt = g; runLen = 0; }
      runLen++;
      if (runLen > bestLen) { bestLen = runLen; bestAt = runAt; }
    } else {
      runAt = -1;
    }
  }
  if (bestLen < 2) { bestAt = -1; bestLen = 0; }
  let g = 0;
  while (g < 8) {
    if (g == bestAt) {
      store<u16>(o, 0x3a3a); // "::"
      o += 2;
      g += bestLen;
      continue;
    }
    if (g > 0 && g != bestAt + bestLen) store<u8>(o++, 58);
    o = hex16(o, <u32>bswap<u16>(load<u16>(a + (g << 1))));
    g++;
  }
  return o;
}

/** A MAC address as six lowercase hex pairs joined by colons. */
function mac(o: usize, a: usize): usize {
  for (let i = 0; i < 6; i++) {
    const b = <u32>load<u8>(a + i);
    store<u8>(o, load<u8>(HEX + (b >> 4)));
    store<u8>(o + 1, load<u8>(HEX + (b & 15)));
    store<u8>(o + 2, 58); // ':'
    o += 3;
  }
  return o - 1;
}

/** A network address cut to its prefix (16 bytes of static data: the scratch key is in use
 * while a packet's metering exports a flow). */
const NET = memory.data(16);

/** Address a (16 bytes, network order; IPv4 in the first 4) cut to `len` bits, then "/len". */
function net(o: usize, a: usize, v6: bool, len: u32): usize {
  if (v6) {
    const l = <u64>len;
    const mh: u64 = l == 0 ? 0 : l >= 64 ? <u64>-1 : ~(<u64>-1 >> l);
    const ml: u64 = l <= 64 ? 0 : l >= 128 ? <u64>-1 : ~(<u64>-1 >> (l - 64));
    store<u64>(NET, bswap<u64>(bswap<u64>(load<u64>(a)) & mh));
    store<u64>(NET + 8, bswap<u64>(bswap<u64>(load<u64>(a + 8)) & ml));
    o = ipv6(o, NET);
  } else {
    const m: u32 = len == 0 ? 0 : <u32>0xffffffff << (32 - len);
    store<u32>(NET, bswap<u32>(bswap<u32>(load<u32>(a)) & m));
    o = ipv4(o, NET);
  }
  store<u8>(o, 47); // '/'
  return dec32(o + 1, len);
}

// The format table's entry (encode/formats.ts)

/** JSON lines need no export configuration. */
export function jsonConfigure(tp: usize, mtu: u32): u32 {
  return 2;
}

/** The most one flow adds: a line (in a unit of its own at worst). */
export function jsonExportMax(tp: usize): usize {
  return JSON_UNIT_MAX;
}

/**
 * Appends key `key` (JK_*) to the key list of JSON target tp: from the first one on, its
 * lines carry the listed keys only, in list order. Returns 0, 1 without memory, 2 for a code
 * that names no key, 3 when the list is full (JSON_KEY_MAX) or already names it. Once per key
 * at start (configureJsonKey).
 */
export function jsonKeyAdd(tp: usize, key: u32): u32 {
  if (key == 0 || key > JK_LAST) return 2;
  let b = <usize>load<u32>(tp + T_JSON_KEYS);
  if (b == 0) {
    b = heapAlloc(JL_END);
    if (b == 0) return 1;
    memory.fill(b, 0, JL_END);
    store<u32>(tp + T_JSON_KEYS, <u32>b);
  }
  const n = load<u32>(b + JL_COUNT);
  if (n >= JSON_KEY_MAX) return 3;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(b + JL_KEYS + i) == key) return 3;
  store<u8>(b + JL_KEYS + n, <u8>key);
  store<u32>(b + JL_COUNT, n + 1);
  return 0;
}

/** The flow at sp of target t as a line of the keys its list names (the block at keys), each
 * written as the default line writes it and under the same condition (icmp_type only on ICMP
 * flows, next_hop only where a route gives one, …): the record writer's walk over its codes
 * (encode/records.ts), one switch per key. Once per exported flow of a target with a list. */
function jsonListed(t: u32, keys: usize, sp: usize, x: usize, pos: usize): usize {
  let o = jsonLineAt(t, pos);
  const start = o;
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const icmp = (!v6 && proto == 1) || (v6 && proto == 58);
  const dport = <u32>load<u16>(sp + FS_DPORT);
  const n = load<u32>(keys + JL_COUNT);
  // every key is written with the comma before it; the first one's becomes the "{"
  for (let i: u32 = 0; i < n; i++) {
    switch (<u32>load<u8>(keys + JL_KEYS + i)) {
      case JK_TIME_START: { const k = o; o = piece(o, 0); store<u8>(k, 44); o = dec64(o, load<u64>(sp + FS_FIRST)); break; }
      case JK_TIME_END: o = piece(o, 1); o = dec64(o, load<u64>(sp + FS_LAST)); break;
      case JK_ETYPE: o = piece(o, 2); o = dec32(o, v6 ? 0x86dd : 0x0800); break;
      case JK_PROTO: o = piece(o, 3); o = dec32(o, proto); break;
      case JK_SRC_ADDR: o = piece(o, 4); o = v6 ? ipv6(o, sp + FS_SRC) : ipv4(o, sp + FS_SRC); o = piece(o, 28); break;
      case JK_DST_ADDR: o = pieceTail(o, 5); o = v6 ? ipv6(o, sp + FS_DST) : ipv4(o, sp + FS_DST); o = piece(o, 28); break;
      case JK_SRC_PORT: o = pieceTail(o, 6); o = dec32(o, icmp ? 0 : <u32>load<u16>(sp + FS_SPORT)); break;
      case JK_DST_PORT: o = piece(o, 7); o = dec32(o, icmp ? 0 : dport); break;
      case JK_IN_IF: o = piece(o, 8); o = dec32(o, load<u32>(x + X_IN_IF)); break;
      case JK_OUT_IF: o = piece(o, 9); o = dec32(o, load<u32>(x + X_OUT_IF)); break;
      case JK_NEXT_HOP: {
        const nextHop = <usize>load<u32>(x + X_NEXT_HOP);
        if (nextHop != 0 && (load<u64>(nextHop) | load<u64>(nextHop + 8)) != 0) {
          o = piece(o, 10);
          o = v6 ? ipv6(o, nextHop) : ipv4(o, nextHop);
          o = piece(o, 28);
        }
        break;
      }
      case JK_BYTES: o = piece(o, 12); o = dec64(o, load<u64>(sp + FS_BYTES)); break;
      case JK_PACKETS: o = piece(o, 13); o = dec64(o, load<u64>(sp + FS_PACKETS)); break;
      case JK_TCP_FLAGS: o = piece(o, 14); o = dec32(o, load<u8>(sp + FS_TCP_FLAGS)); break;
      case JK_TOS: o = piece(o, 15); o = dec32(o, load<u8>(sp + FS_TOS)); break;
      case JK_TTL_MIN: o = piece(o, 16); o = dec32(o, load<u8>(sp + FS_TTL_MIN)); break;
      case JK_TTL_MAX: o = piece(o, 17); o = dec32(o, load<u8>(sp + FS_TTL_MAX)); break;
      case JK_VLAN: o = piece(o, 18); o = dec32(o, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT); break;
      case JK_VLAN_INNER: {
        const inner = <u32>load<u16>(sp + FS_VLAN_INNER);
        if (inner != 0) { o = piece(o, 19); o = dec32(o, inner & ~VLAN_PRESENT); }
        break;
      }
      case JK_ICMP_TYPE: if (icmp) { o = piece(o, 20); o = dec32(o, dport >> 8); } break;
      case JK_ICMP_CODE: if (icmp) { o = piece(o, 21); o = dec32(o, dport & 0xff); } break;
      case JK_LAN_DIRECTION: {
        const side = flowSide(x);
        if (side == SIDE_UPLOAD) o = piece(o, 22);
        else if (side == SIDE_DOWNLOAD) o = piece(o, 23);
        break;
      }
      case JK_SRC_MAC: {
        const m = <usize>load<u32>(x + X_MACS);
        if (m != 0 && (<u64>load<u16>(m + 6) | <u64>load<u32>(m + 8)) != 0) { o = piece(o, 26); o = mac(o, m + 6); o = piece(o, 28); }
        break;
      }
      case JK_DST_MAC: {
        const m = <usize>load<u32>(x + X_MACS);
        if (m != 0 && (<u64>load<u32>(m) | <u64>load<u16>(m + 4)) != 0) { o = piece(o, 27); o = mac(o, m); o = piece(o, 28); }
        break;
      }
      // (without a prefix table the export context holds zeros: AS 0, 0.0.0.0/0)
      case JK_SRC_AS: o = piece(o, 29); o = dec32(o, load<u32>(x + X_SRC_AS)); break;
      case JK_DST_AS: o = piece(o, 30); o = dec32(o, load<u32>(x + X_DST_AS)); break;
      case JK_SRC_NET: o = piece(o, 31); o = net(o, sp + FS_SRC, v6, load<u32>(x + X_SRC_MASK)); o = piece(o, 28); break;
      case JK_DST_NET: o = pieceTail(o, 32); o = net(o, sp + FS_DST, v6, load<u32>(x + X_DST_MASK)); o = piece(o, 28); break;
      case JK_END_REASON: o = piece(o, 24); o = dec32(o, load<u32>(x + X_REASON)); break;
      case JK_FLOW_DIRECTION: o = piece(o, 33); o = dec32(o, load<u32>(x + X_DIRECTION)); break;
    }
  }
  if (o == start) store<u8>(o++, 123); // "{": no key of the list applies to this flow
  else store<u8>(start, 123);
  o = piece(o, 25);
  return jsonLineDone(o);
}

/** Writes the flow in the slot at sp of target t (export context x) as a JSON line in the
 * target's unit at output position pos; returns the new position. A target with a key list
 * (jsonKeyAdd) writes the listed keys (jsonListed); the default line costs it this one branch. */
export function jsonRecord(t: u32, tp: usize, sp: usize, x: usize, pos: usize): usize {
  const keys = <usize>load<u32>(tp + T_JSON_KEYS);
  if (keys != 0) return jsonListed(t, keys, sp, x, pos);
  let o = jsonLineAt(t, pos);
  const v6 = load<u8>(sp + FS_VERSION) == 6;
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const icmp = (!v6 && proto == 1) || (v6 && proto == 58);
  o = piece(o, 0);
  o = dec64(o, load<u64>(sp + FS_FIRST));
  o = piece(o, 1);
  o = dec64(o, load<u64>(sp + FS_LAST));
  o = piece(o, 2);
  o = dec32(o, v6 ? 0x86dd : 0x0800);
  o = piece(o, 3);
  o = dec32(o, proto);
  o = piece(o, 4);
  o = v6 ? ipv6(o, sp + FS_SRC) : ipv4(o, sp + FS_SRC);
  o = piece(o, 5);
  o = v6 ? ipv6(o, sp + FS_DST) : ipv4(o, sp + FS_DST);
  o = piece(o, 6);
  const dport = <u32>load<u16>(sp + FS_DPORT);
  o = dec32(o, icmp ? 0 : <u32>load<u16>(sp + FS_SPORT));
  o = piece(o, 7);
  o = dec32(o, icmp ? 0 : dport);
  o = piece(o, 8);
  o = dec32(o, load<u32>(x + X_IN_IF));
  o = piece(o, 9);
  o = dec32(o, load<u32>(x + X_OUT_IF));
  const nextHop = <usize>load<u32>(x + X_NEXT_HOP);
  // the next hop only where a route gives one (not on-link, not without a routing table)
  if (nextHop != 0 && (load<u64>(nextHop) | load<u64>(nextHop + 8)) != 0) {
    o = piece(o, 10);
    o = v6 ? ipv6(o, nextHop) : ipv4(o, nextHop);
    o = piece(o, 11);
  } else {
    o = piece(o, 12);
  }
  o = dec64(o, load<u64>(sp + FS_BYTES));
  o = piece(o, 13);
  o = dec64(o, load<u64>(sp + FS_PACKETS));
  o = piece(o, 14);
  o = dec32(o, load<u8>(sp + FS_TCP_FLAGS));
  o = piece(o, 15);
  o = dec32(o, load<u8>(sp + FS_TOS));
  o = piece(o, 16);
  o = dec32(o, load<u8>(sp + FS_TTL_MIN));
  o = piece(o, 17);
  o = dec32(o, load<u8>(sp + FS_TTL_MAX));
  o = piece(o, 18);
  o = dec32(o, <u32>load<u16>(sp + FS_VLAN) & ~VLAN_PRESENT);
  // fields that only some flows have are left out of the others' lines
  const inner = <u32>load<u16>(sp + FS_VLAN_INNER);
  if (inner != 0) {
    o = piece(o, 19);
    o = dec32(o, inner & ~VLAN_PRESENT);
  }
  if (icmp) {
    o = piece(o, 20);
    o = dec32(o, dport >> 8);
    o = piece(o, 21);
    o = dec32(o, dport & 0xff);
  }
  const side = flowSide(x);
  if (side == SIDE_UPLOAD) o = piece(o, 22);
  else if (side == SIDE_DOWNLOAD) o = piece(o, 23);
  // MACs when the target asks for them, each where the link had it (none on raw IP links;
  // the sender's only on Linux cooked ones)
  const exportMacs = <usize>load<u32>(x + X_MACS);
  if (exportMacs != 0) {
    if ((<u64>load<u16>(exportMacs + 6) | <u64>load<u32>(exportMacs + 8)) != 0) {
      o = piece(o, 26);
      o = mac(o, exportMacs + 6);
      o = piece(o, 28);
    }
    if ((<u64>load<u32>(exportMacs) | <u64>load<u16>(exportMacs + 4)) != 0) {
      o = piece(o, 27);
      o = mac(o, exportMacs);
      o = piece(o, 28);
    }
  }
  if (prefixesOn()) {
    o = piece(o, 29);
    o = dec32(o, load<u32>(x + X_SRC_AS));
    o = piece(o, 30);
    o = dec32(o, load<u32>(x + X_DST_AS));
    o = piece(o, 31);
    o = net(o, sp + FS_SRC, v6, load<u32>(x + X_SRC_MASK));
    o = piece(o, 32);
    o = net(o, sp + FS_DST, v6, load<u32>(x + X_DST_MASK));
    o = piece(o, 28);
  }
  o = piece(o, 24);
  o = dec32(o, load<u32>(x + X_REASON));
  o = piece(o, 25);
  return jsonLineDone(o);
}
