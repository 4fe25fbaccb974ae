// The pending queue: packets parsed by the walkers into the PEND region (layout.ts), waiting
// for the cache to meter them together (cache/meter.ts). Each entry holds the packet's full
// key — every field a target's key may use; the cache derives each target's own key from it.

import {
  PEND_BASE, PEND_ENTRY, PEND_MACS, PEND_MAX, PE_TS, PE_BYTES, PE_TTL, PE_TCP_FLAGS, PE_PKTTYPE, PE_VERSION, C_OTHERHOST,
} from "../layout";
import { count } from "../base/bytes";
import { parsePacket, PARSE_OK, pBytes, pTtl, pTcpFlags, pPkttype, pIfindex, pVersion, pMacDst, pMacSrc, keySetIf, setKeyPtr } from "./header";

/** Packets waiting in the queue. */
export let pendCount: u32 = 0;
/** The walkers stop once this many wait (the cache sets it from the room left for output). */
export let pendLimit: u32 = PEND_MAX;

/** After the cache metered the queue (or before a walk: `limit` packets may be queued). */
@inline export function pendReset(limit: u32): void {
  pendCount = 0;
  pendLimit = limit;
}

/** Whether any target wants MACs: each packet's are then kept beside its entry. */
let keepMacs = false;

export function setKeepMacs(on: bool): void {
  keepMacs = on;
}

/** Live capture without --promisc: frames addressed to another host (Linux PACKET_OTHERHOST,
 * which a veth or a hub delivers anyway) are counted and skipped. Files meter everything. */
let skipOtherhost = false;
const PACKET_OTHERHOST: u32 = 3;

export function setSkipOtherhost(on: bool): void {
  skipOtherhost = on;
}

/** Parses one packet into the next queue entry. Called by the walkers for every record
 * (they count it as read); a packet that is not metered is counted by its reason. */
export function processPacket(ts: u64, wirelen: u32, caplen: u32, ifindex: u32, pkttype: u32,
  linktype: u32, vlanTci: u32, vlanTpid: u32, p: usize): void {
  if (pkttype == PACKET_OTHERHOST && skipOtherhost) {
    count(C_OTHERHOST);
    return;
  }
  // the key is parsed straight into the next pending entry
  const e = PEND_BASE + <usize>pendCount * PEND_ENTRY;
  setKeyPtr(e);
  const r = parsePacket(p, caplen, wirelen, linktype, ifindex, pkttype, vlanTci, vlanTpid);
  if (r != PARSE_OK) {
    count(r);
    return;
  }
  keySetIf(pIfindex);
  store<u64>(e + PE_TS, ts);
  store<u32>(e + PE_BYTES, pBytes);
  store<u8>(e + PE_TTL, <u8>pTtl);
  store<u8>(e + PE_TCP_FLAGS, <u8>pTcpFlags);
  store<u8>(e + PE_PKTTYPE, <u8>pPkttype);
  store<u8>(e + PE_VERSION, <u8>pVersion);
  if (keepMacs) {
    const m = PEND_MACS + (<usize>pendCount << 4);
    if (pMacDst != 0) memory.copy(m, pMacDst, 6);
    else memory.fill(m, 0, 6);
    if (pMacSrc != 0) memory.copy(m + 6, pMacSrc, 6);
    else memory.fill(m + 6, 0, 6);
  }
  pendCount++;
}
