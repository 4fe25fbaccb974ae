// When a collector gets templates (IPFIX and NetFlow v9 alike): before its first data, every
// T_REFRESH datagrams, every T_TEMPLATE_S seconds, and after its socket was re-created.
// A datagram keeps room for the template set only when some collector wants them with it,
// so most datagrams carry a full load of records.

import {
  DESTS_BASE, DEST_SIZE, DEST_MAX, D_TARGET, D_SINCE_TEMPLATES, D_TEMPLATES_AT, D_NEED_TEMPLATES,
  T_REFRESH, T_TEMPLATE_S, T_TEMPLATES_NEXT, D_DATAGRAMS, D_RECORDS, D_OCTETS, STATS_BASE,
  C_SKIP_FIRST, C_SKIP_LAST,
} from "./layout";
import { be16 } from "./bytes";
import { writeMacFields } from "./macs";

/** A flow template record, IPFIX (RFC 7011 §3.4.1) and NetFlow v9 (RFC 3954 §5.2) alike: id,
 * field count, then [type, length] pairs — with the MAC fields last when `macs`. */
export function writeFlowTemplate(o: usize, id: u32, fields: u16[], macs: bool): usize {
  be16(o, id);
  be16(o + 2, (fields.length >> 1) + (macs ? 2 : 0));
  o += 4;
  for (let i = 0; i < fields.length; i++) {
    be16(o, fields[i]);
    o += 2;
  }
  return macs ? writeMacFields(o) : o;
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
