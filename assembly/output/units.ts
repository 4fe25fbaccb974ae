// The output region as a run of units, each tagged with its sink (layout.ts UNIT_*): one
// export datagram for one destination, or a run of JSON lines of one target — the lines a
// target writes one after another share one unit, so JSON pays no header per line. Each unit
// is [u16 kind, u16 sink, u32 length] and its bytes, padded to 4. The host hands each unit to
// its sink (src/meter/units.ts): JSON lines and datagrams share the region.
//
// Room: whatever can export flows asks roomFor first and stops (for the host to drain the
// region) when the answer is no. One packet may make each target export up to three flows
// (its flow timed out, the cache was full, FIN/RST), each of which may seal a datagram for
// every destination of the target: packetReserve is that worst case over all targets, and
// flowReserve the most one exported flow may add. The walkers queue only as many packets
// as the room holds the worst case of (packetRoom), so the reserve grows with collectors
// per packet, not per queue of packets: with an eighth of the region left to work in
// (addDestination), 64 collectors (DEST_MAX) fit at MTU 1400, 50 at 9000, 7 at 65507. (A
// reserve with no collectors in it would need a seal that can stop halfway through its
// collectors, with a second staging datagram for the records that keep coming meanwhile,
// and that would make what a collector receives depend on where the region ran full.)

import { OUTPUT_BASE, OUTPUT_SIZE, OUTPUT_RECORD_MAX, UNIT_HEADER, UH_KIND, UH_SINK, UH_LENGTH, UNIT_DATAGRAM, UNIT_JSON, PEND_MAX, NIL } from "../layout";

/** Bytes of encoded output waiting in the region. */
export let outPos: usize = 0;

/** The most one JSON line adds: the line, a unit header, and the padding before it. */
export const JSON_UNIT_MAX: usize = OUTPUT_RECORD_MAX + UNIT_HEADER + 3;

/** The open JSON unit: where its header is (NIL: none), where it ends, whose lines it holds. */
let jsonUnit: usize = NIL;
let jsonEnd: usize = 0;
let jsonSink: u32 = 0;

/** After the host has handed the output on. */
export function outputReset(): void {
  outPos = 0;
  jsonUnit = NIL;
}

/** Sets the output position (after an encoder wrote at it). */
@inline export function setOutPos(pos: usize): void {
  outPos = pos;
}

/** Where a unit that follows output position pos starts. */
@inline export function unitStart(pos: usize): usize {
  return (pos + 3) & ~(<usize>3);
}

/** The address of the message bytes of a datagram unit starting at pos (unitStart). */
@inline export function datagramAt(pos: usize): usize {
  return OUTPUT_BASE + pos + UNIT_HEADER;
}

/** Closes the datagram unit at pos: `len` message bytes for destination d. Returns the output position after it. */
@inline export function datagramDone(pos: usize, d: u32, len: u32): usize {
  const u = OUTPUT_BASE + pos;
  store<u16>(u + UH_KIND, <u16>UNIT_DATAGRAM);
  store<u16>(u + UH_SINK, <u16>d);
  store<u32>(u + UH_LENGTH, len);
  return unitStart(pos + UNIT_HEADER + len);
}

/** Bytes a datagram of at most `mtu` bytes takes in the region, at most. */
@inline export function datagramUnitMax(mtu: u32): usize {
  return (<usize>mtu + UNIT_HEADER + 3) & ~(<usize>3);
}

/** The address to write target t's next JSON line at (output position pos): the end of its
 * open unit when that ends at pos, else the start of a new one. */
@inline export function jsonLineAt(t: u32, pos: usize): usize {
  if (jsonUnit != NIL && jsonEnd == pos && jsonSink == t) return OUTPUT_BASE + pos;
  const u = unitStart(pos);
  store<u16>(OUTPUT_BASE + u + UH_KIND, <u16>UNIT_JSON);
  store<u16>(OUTPUT_BASE + u + UH_SINK, <u16>t);
  jsonUnit = u;
  jsonSink = t;
  return OUTPUT_BASE + u + UNIT_HEADER;
}

/** A JSON line ended at address `end`: its unit's length covers it. Returns the output position. */
@inline export function jsonLineDone(end: usize): usize {
  const pos = end - OUTPUT_BASE;
  store<u32>(OUTPUT_BASE + jsonUnit + UH_LENGTH, <u32>(pos - jsonUnit - UNIT_HEADER));
  jsonEnd = pos;
  return pos;
}

let packetReserve: usize = 0;
let flowReserve: usize = JSON_UNIT_MAX;

/** Sets the reserves (see the head of this file) when targets or destinations changed. */
export function setReserves(packet: usize, flow: usize): void {
  packetReserve = packet;
  flowReserve = flow;
}

/** The bytes the reserves keep free: the room one packet and one more flow need. */
export function reserved(): usize {
  return packetReserve + flowReserve;
}

/** Whether the region has room for `packets` more packets' worst case and one more flow. */
@inline export function roomFor(packets: u32): bool {
  return outPos + <usize>packets * packetReserve + flowReserve <= <usize>OUTPUT_SIZE;
}

/** How many packets may be queued for metering now (0: drain first), at most PEND_MAX. */
export function packetRoom(): u32 {
  if (outPos + flowReserve > <usize>OUTPUT_SIZE) return 0;
  if (packetReserve == 0) return PEND_MAX;
  const n = (<usize>OUTPUT_SIZE - flowReserve - outPos) / packetReserve;
  return n < <usize>PEND_MAX ? <u32>n : PEND_MAX;
}
