// NetFlow's uptime epoch, v5 and v9 alike: flow times travel as milliseconds of exporter
// uptime (v5 First/Last, v9 FIRST_SWITCHED/LAST_SWITCHED, RFC 3954 §8), against a boot time
// the header implies (unix time − sysUptime). The epoch (T_BOOT_MS) starts with the first
// exported flow; a flow the 32-bit uptime cannot reach (a capture longer than 49.7 days), or
// one that started before the epoch, moves it — in a new datagram, since what is staged keeps
// the old one.

import { T_BOOT_MS, T_STAGE_LAST, C_UPTIME_RESTARTS, C_TIME_UNSENDABLE } from "../layout";
import { count } from "../base/bytes";

const UPTIME_SPAN_MS: u64 = 0xffffffff;
/** The epoch starts this long before the flow that opens it, as a real exporter boots before
 * its first flow: nfdump reads a FIRST_SWITCHED of 0 as no time at all. */
const BOOT_LEAD_MS: u64 = 1000;

/** Whether a flow that ends at lastNs is past what a header's 32-bit unix_secs can say when
 * the header's second may be at most `lastSecond` after the flow's (counted: the flow is not
 * sent). unix_secs is 32 bits: past 2106 no time can be sent. */
export function timeUnsendable(lastNs: u64, lastSecond: u64): bool {
  if (lastNs / 1000000000 <= lastSecond) return false;
  count(C_TIME_UNSENDABLE);
  return true;
}

/** Whether a flow from firstMs to lastMs lies outside target tp's epoch (or none has started):
 * the caller seals what is staged, then calls epochStart. */
@inline export function epochMustMove(tp: usize, firstMs: u64, lastMs: u64): bool {
  const boot = load<u64>(tp + T_BOOT_MS);
  return boot == 0 || firstMs < boot || lastMs - boot > UPTIME_SPAN_MS;
}

/**
 * Starts target tp's epoch anew for a flow that starts at firstMs. Returns true when a
 * collector sees that as an exporter restart (its sysUptime goes down), which is counted:
 * only an epoch that starts later does that. A flow that started before the epoch (a long
 * flow cut by its active timeout, exported after shorter ones) only moves the epoch back:
 * uptime keeps growing, nothing restarts.
 */
export function epochStart(tp: usize, firstMs: u64): bool {
  const boot = load<u64>(tp + T_BOOT_MS);
  const restart = boot != 0 && firstMs - BOOT_LEAD_MS > boot;
  if (restart) count(C_UPTIME_RESTARTS);
  store<u64>(tp + T_BOOT_MS, firstMs - BOOT_LEAD_MS);
  return restart;
}

/** A flow ending at lastNs went into target tp's staging datagram: the header time (the
 * latest flow end in it) covers it. */
@inline export function stageLast(tp: usize, lastNs: u64): void {
  if (lastNs > load<u64>(tp + T_STAGE_LAST)) store<u64>(tp + T_STAGE_LAST, lastNs);
}
