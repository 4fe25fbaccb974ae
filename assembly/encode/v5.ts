// NetFlow v5 (Cisco's published format): a 24-byte header and up to 30 fixed 48-byte
// records, IPv4 only. Times are milliseconds of exporter uptime: the uptime epoch (boot)
// is the first exported flow's start, so a collector reconstructs every packet time; a
// flow the 32-bit uptime cannot reach (a capture longer than 49.7 days) restarts the epoch
// in a new datagram rather than wrap.
// Counters are 32-bit: the meter exports a flow early before they overflow.

import {
  OUTPUT_BASE, OD_HEADER, DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SEQUENCE,
  T_MTU, T_ENGINE_ID, T_STAGE, T_STAGE_LEN, T_STAGE_RECS, T_DATAGRAMS, T_BOOT_MS, T_STAGE_LAST,
  FS_SRC, FS_DST, FS_SPORT, FS_DPORT, FS_PROTO, FS_TOS, FS_VERSION, FS_FIRST, FS_LAST,
  FS_BYTES, FS_PACKETS, FS_TCP_FLAGS, V5_HEADER, V5_RECORD, V5_MAX_RECORDS,
  C_V5_IPV6, C_TIME_UNSENDABLE, C_UPTIME_RESTARTS,
} from "../layout";
import { be16, be32, bump } from "../base/bytes";
import { flowRoute, routeIn, routeOut, writeNextHop } from "../cache/routes";
import { countMessage } from "./templates";

const UPTIME_SPAN_MS: u64 = 0xffffffff;
/** The epoch starts this long before the flow that opens it, as a real exporter boots before
 * its first flow: nfdump reads a FIRST_SWITCHED of 0 as no time at all. */
const BOOT_LEAD_MS: u64 = 1000;


/**
 * Seals target t's staging datagram: one message per destination into the output region
 * at OUTPUT_BASE + pos. Returns the new output length. The header's time is the latest
 * flow end in the datagram: inside the uptime epoch of every record by construction, and
 * the same for every run over the same file.
 */
export function v5Seal(t: u32, tp: usize, pos: usize): usize {
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const stage = <usize>load<u32>(tp + T_STAGE);
  const body = load<u32>(tp + T_STAGE_LEN);
  const nowNs = load<u64>(tp + T_STAGE_LAST);
  const nowMs = nowNs / 1000000;
  const boot = load<u64>(tp + T_BOOT_MS);
  for (let d: u32 = 0; d < DEST_MAX; d++) {
    const dp = DESTS_BASE + <usize>d * DEST_SIZE;
    if (load<u32>(dp + D_TARGET) != t + 1) continue;
    const o = OUTPUT_BASE + pos;
    const m = o + OD_HEADER;
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
    store<u16>(o, <u16>d);
    store<u16>(o + 2, <u16>len);
    pos += (OD_HEADER + len + 3) & ~3;
  }
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_STAGE_LAST, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
  return pos;
}

/**
 * Appends the flow at sp to target t's staging datagram, sealing it first when full or
 * when the uptime epoch must move. IPv6 flows and times v5 cannot carry are counted, not
 * sent. Returns the new output length.
 */
export function v5Record(t: u32, tp: usize, sp: usize, pos: usize): usize {
  if (load<u8>(sp + FS_VERSION) == 6) {
    bump(C_V5_IPV6);
    return pos;
  }
  const lastNs = load<u64>(sp + FS_LAST);
  if (lastNs / 1000000000 > 0xffffffff) {
    bump(C_TIME_UNSENDABLE); // unix_secs is 32 bits: past 2106 no time can be sent
    return pos;
  }
  const firstMs = load<u64>(sp + FS_FIRST) / 1000000;
  const lastMs = lastNs / 1000000;
  let boot = load<u64>(tp + T_BOOT_MS);
  if (boot == 0 || firstMs < boot || lastMs - boot > UPTIME_SPAN_MS) {
    // a new uptime epoch: what is staged keeps the old one
    pos = v5Seal(t, tp, pos);
    if (boot != 0 && firstMs - BOOT_LEAD_MS > boot) bump(C_UPTIME_RESTARTS); // (moved back: not a restart, see v9.ts)
    boot = firstMs - BOOT_LEAD_MS;
    store<u64>(tp + T_BOOT_MS, boot);
  }
  if (load<u32>(tp + T_STAGE_RECS) >= V5_MAX_RECORDS ||
    load<u32>(tp + T_STAGE_LEN) + V5_RECORD > load<u32>(tp + T_MTU) - V5_HEADER) {
    pos = v5Seal(t, tp, pos);
  }
  if (lastNs > load<u64>(tp + T_STAGE_LAST)) store<u64>(tp + T_STAGE_LAST, lastNs);
  const r = <usize>load<u32>(tp + T_STAGE) + load<u32>(tp + T_STAGE_LEN);
  const proto = <u32>load<u8>(sp + FS_PROTO);
  store<u32>(r, load<u32>(sp + FS_SRC));
  store<u32>(r + 4, load<u32>(sp + FS_DST));
  flowRoute(sp);
  writeNextHop(r + 8, false); // (0: none known, or on-link)
  be16(r + 12, routeIn & 0xffff); // v5's interface indexes are 16 bits
  be16(r + 14, routeOut & 0xffff);
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
  store<u64>(r + 40, 0); // src_as, dst_as, masks, pad: no AS or route table yet
  store<u32>(tp + T_STAGE_LEN, load<u32>(tp + T_STAGE_LEN) + V5_RECORD);
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  return pos;
}
