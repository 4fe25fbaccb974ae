// NetFlow v5 (Cisco's published format): a 24-byte header and up to 30 fixed 48-byte
// records, IPv4 only. Times are milliseconds of exporter uptime (uptime.ts), so a collector
// reconstructs every packet time. Counters are 32-bit: the format table entry gives the
// cache a counter limit (Format.counterMax), and the cache exports a flow early rather than
// let them overflow.
//
// A target's flows are laid into its staging datagram; when the next record would not fit
// (or at the end) it is sealed: one whole message per receiving destination (output/dests.ts:
// every one, or the one whose turn it is) into the output region, with that destination's own
// flow sequence.

import {
  T_MTU, T_ENGINE_ID, T_STAGE, T_STAGE_LEN, T_STAGE_RECS, T_DATAGRAMS, T_BOOT_MS, T_STAGE_LAST, D_SEQUENCE,
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_FIRST, FS_LAST,
  FS_BYTES, FS_PACKETS, FS_TCP_FLAGS, V5_HEADER, V5_RECORD, V5_MAX_RECORDS, X_IN_IF, X_OUT_IF, X_NEXT_HOP, X_SRC_AS, X_DST_AS, X_SRC_MASK, X_DST_MASK, C_V5_IPV6, NIL,
} from "../layout";
import { be16, be32, count } from "../base/bytes";
import { destPtr, receiverFirst, receiverNext, countMessage } from "../output/dests";
import { unitStart, datagramAt, datagramDone } from "../output/units";
import { timeUnsendable, epochMustMove, epochStart, stageLast } from "./uptime";

/** AS_TRANS (RFC 6793 §9): what a 2-byte AS field carries for an AS number past 65535. */
const AS_TRANS: u32 = 23456;

/** An AS number for v5's 16-bit fields: itself, or AS_TRANS for a 4-byte one (RFC 6793 §4.2.2). */
@inline function v5As(as: u32): u32 {
  return as > 0xffff ? AS_TRANS : as;
}

/** The format's configure: the MTU must hold the header and one record. */
export function v5Configure(tp: usize, mtu: u32): u32 {
  return mtu < V5_HEADER + V5_RECORD ? 2 : 0;
}

/**
 * Seals target t's staging datagram: one message per destination into the output region
 * at position pos. Returns the new position. The header's time is the latest flow end in
 * the datagram: inside the uptime epoch of every record by construction, and the same for
 * every run over the same file.
 */
export function v5Seal(t: u32, tp: usize, pos: usize): usize {
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const stage = <usize>load<u32>(tp + T_STAGE);
  const body = load<u32>(tp + T_STAGE_LEN);
  const nowNs = load<u64>(tp + T_STAGE_LAST);
  const nowMs = nowNs / 1000000;
  const boot = load<u64>(tp + T_BOOT_MS);
  for (let d = receiverFirst(tp, recs); d != NIL; d = receiverNext(tp, d)) {
    const dp = destPtr(d);
    pos = unitStart(pos);
    const m = datagramAt(pos);
    const seq = load<u32>(dp + D_SEQUENCE);
    be16(m, 5);
    be16(m + 2, recs);
    be32(m + 4, <u32>(nowMs - boot)); // sysUptime
    be32(m + 8, <u32>(nowNs / 1000000000)); // unix_secs
    be32(m + 12, <u32>(nowNs % 1000000000)); // unix_nsecs
    be32(m + 16, seq); // flow_sequence: flows sent before
    store<u8>(m + 20, 0); // engine_type
    store<u8>(m + 21, <u8>load<u32>(tp + T_ENGINE_ID)); // engine_id
    be16(m + 22, 1); // sampling: mode 0, interval 1 (every packet)
    memory.copy(m + V5_HEADER, stage, body);
    const len = V5_HEADER + body;
    store<u32>(dp + D_SEQUENCE, seq + recs);
    countMessage(dp, len, recs);
    pos = datagramDone(pos, d, len);
  }
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_STAGE_LAST, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
  return pos;
}

/**
 * Appends the flow at sp (export context x) to target t's staging datagram, sealing it first
 * when full or when the uptime epoch must move. IPv6 flows and times v5 cannot carry are
 * counted, not sent. Returns the new output position.
 */
export function v5Record(t: u32, tp: usize, sp: usize, x: usize, pos: usize): usize {
  if (load<u8>(sp + FS_VERSION) == 6) {
    count(C_V5_IPV6);
    return pos;
  }
  const lastNs = load<u64>(sp + FS_LAST);
  if (timeUnsendable(lastNs, 0xffffffff)) return pos;
  const firstMs = load<u64>(sp + FS_FIRST) / 1000000;
  const lastMs = lastNs / 1000000;
  if (epochMustMove(tp, firstMs, lastMs)) {
    pos = v5Seal(t, tp, pos); // (what is staged keeps the old epoch)
    epochStart(tp, firstMs);
  }
  const boot = load<u64>(tp + T_BOOT_MS);
  if (load<u32>(tp + T_STAGE_RECS) >= V5_MAX_RECORDS ||
    load<u32>(tp + T_STAGE_LEN) + V5_RECORD > load<u32>(tp + T_MTU) - V5_HEADER) {
    pos = v5Seal(t, tp, pos);
  }
  stageLast(tp, lastNs);
  const r = <usize>load<u32>(tp + T_STAGE) + load<u32>(tp + T_STAGE_LEN);
  const proto = <u32>load<u8>(sp + FS_PROTO);
  const nextHop = <usize>load<u32>(x + X_NEXT_HOP);
  store<u32>(r, load<u32>(sp + FS_SRC));
  store<u32>(r + 4, load<u32>(sp + FS_DST));
  store<u32>(r + 8, nextHop != 0 ? load<u32>(nextHop) : 0); // (0: none known, or on-link)
  be16(r + 12, load<u32>(x + X_IN_IF) & 0xffff); // v5's interface indexes are 16 bits
  be16(r + 14, load<u32>(x + X_OUT_IF) & 0xffff);
  be32(r + 16, <u32>load<u64>(sp + FS_PACKETS)); // the meter keeps v5 flows under 2^32
  be32(r + 20, <u32>load<u64>(sp + FS_BYTES));
  be32(r + 24, <u32>(firstMs - boot));
  be32(r + 28, <u32>(lastMs - boot));
  be16(r + 32, <u32>load<u16>(sp + FS_SPORT));
  // ICMP: type × 256 + code in the destination port, as v5 collectors expect (already so in the key)
  be16(r + 34, <u32>load<u16>(sp + FS_DPORT));
  store<u8>(r + 36, 0);
  store<u8>(r + 37, load<u8>(sp + FS_TCP_FLAGS));
  store<u8>(r + 38, <u8>proto);
  store<u8>(r + 39, load<u8>(sp + FS_TOS));
  // src_as, dst_as (the prefix table's; 0 without one), src_mask, dst_mask, 2 bytes of pad
  be16(r + 40, v5As(load<u32>(x + X_SRC_AS)));
  be16(r + 42, v5As(load<u32>(x + X_DST_AS)));
  store<u8>(r + 44, <u8>load<u32>(x + X_SRC_MASK));
  store<u8>(r + 45, <u8>load<u32>(x + X_DST_MASK));
  store<u16>(r + 46, 0);
  store<u32>(tp + T_STAGE_LEN, load<u32>(tp + T_STAGE_LEN) + V5_RECORD);
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  return pos;
}
