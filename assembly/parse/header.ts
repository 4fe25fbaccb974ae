// Room parse/: bytes in, parsed packets out — the record walkers of pcap and pcapng files and
// of live batches (walk.ts), this header parser, and the pending queue they fill for the
// cache (queue.ts). Imports only the memory map and base/: nothing here knows of flows.
//
// Packet header parser: link layer → outermost IP header → transport ports/flags.
// Called once per packet by the walkers; writes the packet's full flow key at `key` (slot layout)
// and the per-packet values into the globals below. Never reads past `caplen`: every load
// is preceded by one bounds check against it, so damaged packets are counted, not trapped.
//
// What counts as a metered packet, its bytes and its 5-tuple follows shared/pcaps/README.md:
// the outermost IPv4/IPv6 header below Ethernet, 802.1Q/802.1ad, MPLS, PPPoE, PPP, SLL,
// SLL2, NULL/LOOP or raw framing; tunnels are metered by the outer header.

import {
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION,
  FS_IN_IF, FS_VLAN, FS_VLAN_INNER, VLAN_PRESENT,
  C_NON_IP, C_TRUNC_LINK, C_UNKNOWN_LINKTYPE, C_TRUNC_IP, C_BAD_VERSION, C_BAD_HDRLEN,
  C_BAD_TOTLEN, C_TRUNC_L4, C_TRUNC_EXT,
} from "../layout";

/** Parse result: the packet is metered. Other results are counter indexes (C_*). */
export const PARSE_OK: u32 = 0xffff;

/** Where the parser writes the flow key (slot layout): the pending entry being filled. */
export let key: usize = 0;

export function setKeyPtr(p: usize): void {
  key = p;
}

// Per-packet values besides the key (valid after PARSE_OK).
export let pBytes: u32 = 0; //    IPv4 total length / IPv6 payload length + 40
export let pTtl: u32 = 0;
export let pTcpFlags: u32 = 0;
export let pPkttype: u32 = 0; //  may be replaced by SLL/SLL2's own packet type
export let pIfindex: u32 = 0; //  may be replaced by SLL2's ifindex
export let pVersion: u32 = 0;
export let pMacDst: usize = 0; // the frame's destination MAC (Ethernet), 0 = none
export let pMacSrc: usize = 0; // its source MAC (Ethernet; SLL/SLL2 with a 6-byte address), 0 = none

// LINKTYPE_* numbers (tcpdump.org/linktypes.html)
const LT_NULL: u32 = 0;
const LT_ETHERNET: u32 = 1;
const LT_PPP: u32 = 9;
const LT_RAW_12: u32 = 12;
const LT_RAW_14: u32 = 14;
const LT_RAW: u32 = 101;
const LT_LOOP: u32 = 108;
const LT_SLL: u32 = 113;
const LT_IPV4: u32 = 228;
const LT_IPV6: u32 = 229;
const LT_SLL2: u32 = 276;

// EtherTypes
const ET_IPV4: u32 = 0x0800;
const ET_IPV6: u32 = 0x86dd;
const ET_VLAN: u32 = 0x8100;
const ET_QINQ: u32 = 0x88a8;
const ET_QINQ_OLD: u32 = 0x9100;
const ET_MPLS_UC: u32 = 0x8847;
const ET_MPLS_MC: u32 = 0x8848;
const ET_PPPOE_SESSION: u32 = 0x8864;
// Internal pseudo-types for the dispatch below
const ET_PPP_PAYLOAD: u32 = 0x10000; // a PPP protocol field follows at `off`
const ET_RAW_GUESS: u32 = 0x10001; //  IP of either version at `off` (raw, MPLS payload)

// PPP protocol numbers (RFC 1661, assigned numbers)
const PPP_IPV4: u32 = 0x0021;
const PPP_IPV6: u32 = 0x0057;
const PPP_MPLS_UC: u32 = 0x0281;
const PPP_MPLS_MC: u32 = 0x0283;

@inline function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}
@inline function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline function setVlan(tag: u32): void {
  const id = (tag & 0xfff) | VLAN_PRESENT;
  if (load<u16>(key + FS_VLAN) == 0) store<u16>(key + FS_VLAN, <u16>id);
  else if (load<u16>(key + FS_VLAN_INNER) == 0) store<u16>(key + FS_VLAN_INNER, <u16>id);
  // a third tag (QinQinQ) is walked past but not kept: NetFlow has fields for two
}

/**
 * Parses one packet. `p` points at the captured bytes; SLL/SLL2 framing may replace the
 * given ifindex and packet type; `vlanTpid`/`vlanTci` carry a tag the
 * kernel moved out of the frame (0 = none). Returns PARSE_OK, C_NON_IP, or a skip reason.
 */
export function parsePacket(p: usize, caplen: u32, wirelen: u32, linktype: u32, ifindex: u32,
  pkttype: u32, vlanTci: u32, vlanTpid: u32): u32 {
  pIfindex = ifindex;
  pPkttype = pkttype;
  // clear the key: 48 bytes
  store<u64>(key, 0);
  store<u64>(key + 8, 0);
  store<u64>(key + 16, 0);
  store<u64>(key + 24, 0);
  store<u64>(key + 32, 0);
  store<u64>(key + 40, 0);
  pTcpFlags = 0;
  pMacDst = 0;
  pMacSrc = 0;
  if (vlanTpid != 0) setVlan(vlanTci);

  let off: u32 = 0;
  let et: u32;
  if (linktype == LT_ETHERNET) {
    if (caplen < 14) return C_TRUNC_LINK;
    et = be16(p + 12);
    off = 14;
    pMacDst = p;
    pMacSrc = p + 6;
  } else if (linktype == LT_SLL) {
    // Linux cooked v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
    if (caplen < 16) return C_TRUNC_LINK;
    pPkttype = be16(p);
    et = be16(p + 14);
    off = 16;
    if (be16(p + 4) == 6) pMacSrc = p + 6;
  } else if (linktype == LT_SLL2) {
    // Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8)
    if (caplen < 20) return C_TRUNC_LINK;
    et = be16(p);
    pIfindex = be32(p + 4);
    pPkttype = <u32>load<u8>(p + 10);
    off = 20;
    if (load<u8>(p + 11) == 6) pMacSrc = p + 12;
  } else if (linktype == LT_RAW || linktype == LT_RAW_12 || linktype == LT_RAW_14) {
    et = ET_RAW_GUESS;
  } else if (linktype == LT_IPV4) {
    et = ET_IPV4;
  } else if (linktype == LT_IPV6) {
    et = ET_IPV6;
  } else if (linktype == LT_PPP) {
    et = ET_PPP_PAYLOAD;
  } else if (linktype == LT_NULL || linktype == LT_LOOP) {
    // 4-byte address family: host byte order of the capturing machine for NULL, network
    // order for LOOP. A value above 0xFFFF read one way is the other byte order.
    if (caplen < 4) return C_TRUNC_LINK;
    let fam = linktype == LT_LOOP ? be32(p) : load<u32>(p);
    if (fam > 0xffff) fam = bswap<u32>(fam);
    off = 4;
    if (fam == 2) et = ET_IPV4;
    else if (fam == 10 || fam == 24 || fam == 28 || fam == 30) et = ET_IPV6; // Linux, NetBSD/OpenBSD, FreeBSD, macOS
    else return C_NON_IP;
  } else {
    return C_UNKNOWN_LINKTYPE;
  }

  // Walk tags, labels and encapsulations until an IP header (or something else) is found.
  for (let guard = 0; guard < 64; guard++) {
    if (et == ET_IPV4 || et == ET_IPV6) break;
    if (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD) {
      if (off + 4 > caplen) return C_TRUNC_LINK;
      setVlan(be16(p + off));
      et = be16(p + off + 2);
      off += 4;
    } else if (et == ET_MPLS_UC || et == ET_MPLS_MC) {
      // label stack entries until bottom-of-stack; IP follows (version nibble says which)
      let bos: u32 = 0;
      while (bos == 0) {
        if (off + 4 > caplen) return C_TRUNC_LINK;
        bos = be32(p + off) & 0x100;
        off += 4;
      }
      et = ET_RAW_GUESS;
    } else if (et == ET_PPPOE_SESSION) {
      // RFC 2516: ver/type(1) code(1) session(2) length(2), then the PPP protocol
      if (off + 6 > caplen) return C_TRUNC_LINK;
      off += 6;
      et = ET_PPP_PAYLOAD;
    } else if (et == ET_PPP_PAYLOAD) {
      // optional address/control ff 03; protocol field of 1 byte when compressed (odd)
      if (off + 2 > caplen) return C_TRUNC_LINK;
      if (load<u8>(p + off) == 0xff && load<u8>(p + off + 1) == 0x03) off += 2;
      if (off + 1 > caplen) return C_TRUNC_LINK;
      let proto = <u32>load<u8>(p + off);
      if (proto & 1) {
        off += 1;
      } else {
        if (off + 2 > caplen) return C_TRUNC_LINK;
        proto = be16(p + off);
        off += 2;
      }
      if (proto == PPP_IPV4) et = ET_IPV4;
      else if (proto == PPP_IPV6) et = ET_IPV6;
      else if (proto == PPP_MPLS_UC || proto == PPP_MPLS_MC) et = ET_MPLS_UC;
      else return C_NON_IP;
    } else if (et == ET_RAW_GUESS) {
      if (off + 1 > caplen) return C_TRUNC_IP;
      const v = <u32>load<u8>(p + off) >> 4;
      if (v == 4) et = ET_IPV4;
      else if (v == 6) et = ET_IPV6;
      else if (linktype == LT_ETHERNET || linktype == LT_SLL || linktype == LT_SLL2) return C_NON_IP; // e.g. MPLS pseudowire
      else return C_BAD_VERSION;
    } else if (et < 0x0600) {
      // IEEE 802.3 length field: LLC follows; only SNAP with an EtherType can carry IP
      if (off + 8 > caplen) return C_NON_IP;
      if (load<u8>(p + off) != 0xaa || load<u8>(p + off + 1) != 0xaa || load<u8>(p + off + 2) != 0x03) return C_NON_IP;
      et = be16(p + off + 6);
      off += 8;
    } else {
      return C_NON_IP;
    }
  }
  if (et == ET_IPV4) return parseIPv4(p, off, caplen, wirelen);
  if (et == ET_IPV6) return parseIPv6(p, off, caplen, wirelen);
  return C_NON_IP; // tag loop guard exhausted
}

function parseIPv4(p: usize, off: u32, caplen: u32, wirelen: u32): u32 {
  if (off + 20 > caplen) return C_TRUNC_IP;
  const ip = p + off;
  const b0 = <u32>load<u8>(ip);
  if (b0 >> 4 != 4) return C_BAD_VERSION;
  const ihl = (b0 & 15) << 2;
  if (ihl < 20) return C_BAD_HDRLEN;
  const total = be16(ip + 2);
  if (total < ihl || total > wirelen - off) return C_BAD_TOTLEN;
  if (off + ihl > caplen) return C_TRUNC_IP;
  pVersion = 4;
  pBytes = total;
  pTtl = <u32>load<u8>(ip + 8);
  const proto = <u32>load<u8>(ip + 9);
  store<u8>(key + FS_PROTO, <u8>proto);
  store<u8>(key + FS_TOS, load<u8>(ip + 1));
  store<u8>(key + FS_VERSION, 4);
  store<u32>(key + FS_SRC, load<u32>(ip + 12));
  store<u32>(key + FS_DST, load<u32>(ip + 16));
  const laterFragment = (be16(ip + 6) & 0x1fff) != 0;
  if (laterFragment) return PARSE_OK; // ports 0: only the first fragment carries them
  return parseTransport(p, off + ihl, caplen, proto, 1);
}

function parseIPv6(p: usize, off: u32, caplen: u32, wirelen: u32): u32 {
  if (off + 40 > caplen) return C_TRUNC_IP;
  const ip = p + off;
  const w0 = be32(ip);
  if (w0 >> 28 != 6) return C_BAD_VERSION;
  const plen = be16(ip + 4);
  // payload length 0 is a jumbogram (RFC 2675) or a lie: not countable as NetFlow counts
  if (plen == 0 || plen + 40 > wirelen - off) return C_BAD_TOTLEN;
  pVersion = 6;
  pBytes = plen + 40;
  pTtl = <u32>load<u8>(ip + 7);
  store<u8>(key + FS_TOS, <u8>(w0 >> 20));
  store<u8>(key + FS_VERSION, 6);
  // src and dst are adjacent in both layouts: four u64 moves
  store<u64>(key + FS_SRC, load<u64>(ip + 8));
  store<u64>(key + FS_SRC + 8, load<u64>(ip + 16));
  store<u64>(key + FS_SRC + 16, load<u64>(ip + 24));
  store<u64>(key + FS_SRC + 24, load<u64>(ip + 32));
  let nh = <u32>load<u8>(ip + 6);
  let cur = off + 40;
  // Extension headers (RFC 8200 §4): hop-by-hop 0, routing 43, fragment 44, destination
  // options 60, AH 51 (RFC 4302: length in 4-byte units minus 2). Each step advances ≥ 8 bytes.
  while (true) {
    if (nh == 0 || nh == 43 || nh == 60) {
      if (cur + 2 > caplen) return C_TRUNC_EXT;
      const next = <u32>load<u8>(p + cur);
      cur += (<u32>load<u8>(p + cur + 1) + 1) << 3;
      nh = next;
    } else if (nh == 51) {
      if (cur + 2 > caplen) return C_TRUNC_EXT;
      const next = <u32>load<u8>(p + cur);
      cur += (<u32>load<u8>(p + cur + 1) + 2) << 2;
      nh = next;
    } else if (nh == 44) {
      if (cur + 4 > caplen) return C_TRUNC_EXT;
      const next = <u32>load<u8>(p + cur);
      const later = (be16(p + cur + 2) & 0xfff8) != 0;
      cur += 8;
      nh = next;
      if (later) {
        store<u8>(key + FS_PROTO, <u8>nh);
        return PARSE_OK;
      }
    } else {
      break;
    }
  }
  store<u8>(key + FS_PROTO, <u8>nh);
  return parseTransport(p, cur, caplen, nh, 58);
}

/** Ports (TCP, UDP, UDP-Lite, SCTP), TCP flags, ICMP type and code. */
@inline function parseTransport(p: usize, cur: u32, caplen: u32, proto: u32, icmpProto: u32): u32 {
  if (proto == 6 || proto == 17 || proto == 136 || proto == 132) {
    if (cur + 4 > caplen) return C_TRUNC_L4;
    store<u32>(key + FS_SPORT, load<u32>(p + cur)); // both ports, kept in network order…
    const ports = load<u32>(key + FS_SPORT);
    // …then stored as host-order u16s
    store<u16>(key + FS_SPORT, bswap<u16>(<u16>ports));
    store<u16>(key + FS_DPORT, bswap<u16>(<u16>(ports >> 16)));
    if (proto == 6 && cur + 14 <= caplen) pTcpFlags = <u32>load<u8>(p + cur + 13);
  } else if (proto == icmpProto) {
    // type and code travel in the destination port, as NetFlow v5 does (type << 8 | code)
    if (cur + 2 <= caplen) store<u16>(key + FS_DPORT, <u16>be16(p + cur));
  }
  return PARSE_OK;
}

/** The host-side fields that are part of the key. */
@inline export function keySetIf(ifindex: u32): void {
  store<u32>(key + FS_IN_IF, ifindex);
}
