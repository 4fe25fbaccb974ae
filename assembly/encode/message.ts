// Message formats with templates, IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) alike: what the
// two share is here, what differs is each one's Dialect (ipfix.ts, v9.ts).
//
// A target's flows are laid into a staging datagram (its data sets only, records by the
// field-driven writer of records.ts). When the next record would not fit the MTU — or at the
// end — the staging datagram is sealed: for every destination that receives it
// (output/dests.ts) one whole message goes to the output region, with that destination's own
// sequence number and, when due, the template block in front. A collector gets the templates
// before its first data, every T_REFRESH datagrams, every T_TEMPLATE_S seconds, and after its
// socket was re-created. A datagram keeps room for the template block only when some
// collector wants them with it, so most datagrams carry a full load of records. Where the MTU
// is too small for the template block and a record (576: T_TEMPLATES_ALONE, set by configure),
// no room is kept: the block goes in a message of its own just before the data.
//
// The template block: the template set of the target's flow templates, then the dialect's
// options part — options templates and one options record each of exporter statistics and
// sampling with this collector's own figures, and, when the host knows interface names, the
// names (ifnames.ts).

import {
  D_DATAGRAMS, D_RECORDS, D_OCTETS, D_SINCE_TEMPLATES, D_TEMPLATES_AT, D_NEED_TEMPLATES, T_MTU, T_REFRESH, T_TEMPLATE_S, T_TEMPLATES_NEXT,
  T_TEMPLATES_ALONE, T_NAMES_MAX, T_STAGE, T_STAGE_LEN, T_STAGE_RECS, T_SET_AT, T_SET_ID, T_DATAGRAMS, FS_VERSION, FS_PROTO,
  FT_ID, FT_LENGTH, IFNAMES_PER_BLOCK, NIL, D_TEMPLATE_BLOCKS,
} from "../layout";
import { be16, be64 } from "../base/bytes";
import { destPtr, destFirst, destNext, receiverFirst, receiverNext, receivers, roundRobin, destCount, destDown, countMessage } from "../output/dests";
import { unitStart, datagramAt, datagramDone, datagramUnitMax } from "../output/units";
import { ifNamesInBlock } from "./ifnames";
import { makeTemplates, flowTemplate, flowTemplatesLength, longestRecord, writeFlowTemplates, writeRecord } from "./records";

/** The export time for message headers (s since the epoch), set by the host: its clock, not the packets'. */
export let exportTime: u32 = 0;

export function setExportTime(s: u32): void {
  exportTime = s;
}

const SET_HEADER: u32 = 4;

/** What IPFIX and NetFlow v9 messages differ in. */
@unmanaged export class Dialect {
  /** Message header bytes. */
  header: u32;
  /** Data sets are padded to a multiple of this (v9: 4, RFC 3954 §5.3; IPFIX: 1, none). */
  pad: u32;
  /** Set id of the template set (IPFIX 2, v9 0). */
  templateSet: u32;
  /** The format's own seal (a full staging datagram is sealed through it: v9 works out its
   * header time first). */
  seal: (t: u32, tp: usize, pos: usize) => usize;
  /** Bytes of the options part of the template block with `names` interface names. */
  optionsLength: (names: u32) => u32;
  /** Writes the options part for the collector at dp at o; returns the end. */
  writeOptions: (o: usize, tp: usize, dp: usize) => usize;
  /** Writes the header of a message of `len` bytes at m, holding `recs` flow records and the
   * template block when `block`, with header time words a and b, and moves the collector's
   * sequence number on. */
  writeHeader: (m: usize, tp: usize, dp: usize, len: u32, recs: u32, block: bool, a: u32, b: u32) => void;
}

/** Fills a format's dialect (kept in its module's static data). Once at start. */
export function makeDialect(dl: Dialect, header: u32, pad: u32, templateSet: u32, seal: (t: u32, tp: usize, pos: usize) => usize,
  optionsLength: (names: u32) => u32, writeOptions: (o: usize, tp: usize, dp: usize) => usize,
  writeHeader: (m: usize, tp: usize, dp: usize, len: u32, recs: u32, block: bool, a: u32, b: u32) => void): void {
  dl.header = header;
  dl.pad = pad;
  dl.templateSet = templateSet;
  dl.seal = seal;
  dl.optionsLength = optionsLength;
  dl.writeOptions = writeOptions;
  dl.writeHeader = writeHeader;
}

/** Bytes of target tp's template block with `names` interface names. */
@inline function blockLengthWith(dl: Dialect, tp: usize, names: u32): u32 {
  return SET_HEADER + flowTemplatesLength(tp) + dl.optionsLength(names);
}

/** Bytes of target tp's template block now. */
@inline function blockLength(dl: Dialect, tp: usize): u32 {
  return blockLengthWith(dl, tp, ifNamesInBlock(tp));
}

/** Whether a message of `mtu` bytes holds the template block with `names` interface names,
 * and with `record` also a data set of one record of the longest kind (with the padding a
 * set before it may need). */
function fits(dl: Dialect, tp: usize, mtu: u32, names: u32, record: bool): bool {
  return mtu >= dl.header + blockLengthWith(dl, tp, names) + (record ? SET_HEADER + dl.pad - 1 + longestRecord(tp) : 0);
}

/**
 * A format's configure: target tp's flow templates made from the field list `fields`, and
 * its template block planned for the MTU. The block goes with data when the MTU holds it, at
 * least one interface name and one record of the largest kind (names: as many as then fit);
 * a smaller MTU (576 holds IPFIX's four flow templates and options, but not a record beside
 * them) sends it in a message of its own, just before the data (names: as many as fit in
 * that), so that interface names still get out. Returns 0, 1 without memory, 2 for an MTU
 * too small for the block.
 */
export function configureMessages(dl: Dialect, tp: usize, mtu: u32, fields: u16[], macs: bool): u32 {
  if (makeTemplates(tp, fields, macs) != 0) return 1;
  const alone = !fits(dl, tp, mtu, 1, true);
  if (alone && !fits(dl, tp, mtu, 0, false)) return 2;
  let names = IFNAMES_PER_BLOCK;
  while (names > 0 && !fits(dl, tp, mtu, names, !alone)) names--;
  store<u32>(tp + T_NAMES_MAX, names);
  store<u32>(tp + T_TEMPLATES_ALONE, alone ? 1 : 0);
  return 0;
}

/** Bytes a sealed datagram of target tp adds to the output region at most, for all its
 * receivers: one message each, or two where the template block goes in a message of its own
 * (the format table's exportMax of v5, v9 and IPFIX). Round-robin: its one receiver's two at
 * most (blockPlan), and at least one per destination, which the final statistics take
 * (statsMessages: the meter checks room for one exportMax before them). */
export function datagramsMax(tp: usize): usize {
  const unit = datagramUnitMax(load<u32>(tp + T_MTU));
  if (roundRobin(tp)) {
    const n = <usize>destCount(tp);
    return unit * (n > 2 ? n : 2);
  }
  return (unit << load<u32>(tp + T_TEMPLATES_ALONE)) * <usize>receivers(tp);
}

/** Whether the collector at dp is due the templates now. */
function templatesDue(tp: usize, dp: usize): bool {
  return load<u32>(dp + D_NEED_TEMPLATES) != 0 ||
    load<u32>(dp + D_SINCE_TEMPLATES) >= load<u32>(tp + T_REFRESH) ||
    exportTime - load<u32>(dp + D_TEMPLATES_AT) >= load<u32>(tp + T_TEMPLATE_S);
}

/** Whether datagrams of target tp keep room for the template block when one is due (see the head of this file). */
@inline function keepTemplateRoom(tp: usize): bool {
  return load<u32>(tp + T_TEMPLATES_NEXT) != 0 && load<u32>(tp + T_TEMPLATES_ALONE) == 0;
}

/** How a message of `body` bytes to the collector at dp goes: without the template block, */
const BLOCK_NONE: u32 = 0;
/** with it in front of the data, */
const BLOCK_WITH: u32 = 1;
/** or after a message of its own holding the block (a small MTU). */
const BLOCK_BEFORE: u32 = 2;

/** Which of those; `force`: the block goes whatever the schedule. */
function blockPlan(dl: Dialect, tp: usize, dp: usize, force: bool, body: u32): u32 {
  if (!force && !templatesDue(tp, dp)) return BLOCK_NONE;
  if (dl.header + blockLength(dl, tp) + body <= load<u32>(tp + T_MTU)) return BLOCK_WITH;
  if (load<u32>(tp + T_TEMPLATES_ALONE) != 0) return BLOCK_BEFORE;
  // a time-based refresh that finds no room waits for the next datagram (it stays due). A
  // round-robin collector that must have them (its first datagram, or back after it was
  // down) gets them in a message of their own first: its turn came while the staging
  // datagram was already full — a mirror keeps room from the moment one is wanted, but the
  // turn a mark changes is not known until the seal — and data it cannot decode is lost
  return roundRobin(tp) && load<u32>(dp + D_NEED_TEMPLATES) != 0 ? BLOCK_BEFORE : BLOCK_NONE;
}

/** Records that the collector at dp got the templates (and counts it: the registry's "templates sent"). */
function templatesSent(dp: usize): void {
  store<u64>(dp + D_TEMPLATE_BLOCKS, load<u64>(dp + D_TEMPLATE_BLOCKS) + 1);
  store<u32>(dp + D_NEED_TEMPLATES, 0);
  store<u32>(dp + D_SINCE_TEMPLATES, 0);
  store<u32>(dp + D_TEMPLATES_AT, exportTime);
}

/** After a seal: whether the next datagram of target tp must keep room for the templates
 * (round-robin: for a collector that may get it — not one marked down, which gets no turn). */
function planTemplateRoom(tp: usize): void {
  let want: u32 = 0;
  const rr = roundRobin(tp);
  for (let d = destFirst(tp); d != NIL; d = destNext(d)) if (templatesDue(tp, destPtr(d)) && !(rr && destDown(d))) want = 1;
  store<u32>(tp + T_TEMPLATES_NEXT, want);
}

/** Every collector of target tp gets the templates with its next datagram (v9: a new uptime epoch). */
export function templatesAgain(tp: usize): void {
  for (let d = destFirst(tp); d != NIL; d = destNext(d)) store<u32>(destPtr(d) + D_NEED_TEMPLATES, 1);
}

/** Writes the [type, length] pairs of an (options) template record at o; returns the end. */
export function writeFieldPairs(o: usize, fields: u16[]): usize {
  for (let i = 0; i < fields.length; i++) be16(o + (<usize>i << 1), fields[i]);
  return o + (<usize>fields.length << 1);
}

/** The exporter statistics of the collector at dp, IPFIX (IEs 41, 42, 40) and v9 (TOTAL_PKTS_EXP,
 * TOTAL_FLOWS_EXP, TOTAL_BYTES_EXP) alike: messages, flow records, bytes sent to it before
 * this message. Returns the end. */
export function writeExporterCounts(o: usize, dp: usize): usize {
  be64(o, load<u64>(dp + D_DATAGRAMS));
  be64(o + 8, load<u64>(dp + D_RECORDS));
  be64(o + 16, load<u64>(dp + D_OCTETS));
  return o + 24;
}

/** Writes the template block for the collector at dp at p; returns its length. */
function writeBlock(dl: Dialect, p: usize, tp: usize, dp: usize): u32 {
  const o = writeFlowTemplates(p + SET_HEADER, tp); // (a multiple of 4 bytes: no padding in v9 either)
  be16(p, dl.templateSet);
  be16(p + 2, <u32>(o - p));
  return <u32>(dl.writeOptions(o, tp, dp) - p);
}

/** One message to the collector d (at dp) at output position pos: the header, the template
 * block when `block`, then the first `body` bytes of the staging datagram, holding `recs` flow
 * records. Returns the output position after it. */
function writeMessage(dl: Dialect, tp: usize, d: u32, dp: usize, pos: usize, body: u32, recs: u32, a: u32, b: u32, block: bool): usize {
  pos = unitStart(pos);
  const m = datagramAt(pos);
  let len = dl.header;
  if (block) {
    len += writeBlock(dl, m + len, tp, dp);
    templatesSent(dp);
  }
  memory.copy(m + len, <usize>load<u32>(tp + T_STAGE), body);
  len += body;
  dl.writeHeader(m, tp, dp, len, recs, block, a, b);
  store<u32>(dp + D_SINCE_TEMPLATES, load<u32>(dp + D_SINCE_TEMPLATES) + 1);
  countMessage(dp, len, recs);
  return datagramDone(pos, d, len);
}

/** The message(s) for the collector d: the template block when due (or `force`) and there is
 * room (blockPlan), and `body` bytes of data sets holding `recs` flow records. */
function messages(dl: Dialect, tp: usize, d: u32, pos: usize, body: u32, recs: u32, a: u32, b: u32, force: bool): usize {
  const dp = destPtr(d);
  const plan = blockPlan(dl, tp, dp, force, body);
  if (plan == BLOCK_BEFORE) pos = writeMessage(dl, tp, d, dp, pos, 0, 0, a, b, true);
  return writeMessage(dl, tp, d, dp, pos, body, recs, a, b, plan == BLOCK_WITH);
}

/** Closes the open data set of target tp's staging datagram: padded (dl.pad) and its length written. */
function closeSet(dl: Dialect, tp: usize): void {
  const at = load<u32>(tp + T_SET_AT);
  if (at == NIL) return;
  const stage = <usize>load<u32>(tp + T_STAGE);
  let len = load<u32>(tp + T_STAGE_LEN);
  while ((len - at) % dl.pad != 0) store<u8>(stage + len++, 0);
  store<u32>(tp + T_STAGE_LEN, len);
  be16(stage + at + 2, len - at);
  store<u32>(tp + T_SET_AT, NIL);
}

/**
 * Seals target t's staging datagram: one message per receiving destination into the output
 * region at position pos, with header time words a and b. Returns the new position.
 */
export function sealMessages(dl: Dialect, tp: usize, pos: usize, a: u32, b: u32): usize {
  closeSet(dl, tp);
  const recs = load<u32>(tp + T_STAGE_RECS);
  if (recs == 0) return pos;
  const body = load<u32>(tp + T_STAGE_LEN);
  for (let d = receiverFirst(tp, recs); d != NIL; d = receiverNext(tp, d)) pos = messages(dl, tp, d, pos, body, recs, a, b, false);
  store<u32>(tp + T_STAGE_LEN, 0);
  store<u32>(tp + T_STAGE_RECS, 0);
  store<u64>(tp + T_DATAGRAMS, load<u64>(tp + T_DATAGRAMS) + 1);
  planTemplateRoom(tp);
  return pos;
}

/**
 * At the end (after the last flows were sealed): one message per destination with the
 * template block only, so each collector gets the final statistics. Returns the new position.
 */
export function statsMessages(dl: Dialect, tp: usize, pos: usize, a: u32, b: u32): usize {
  for (let d = destFirst(tp); d != NIL; d = destNext(d)) pos = messages(dl, tp, d, pos, 0, 0, a, b, true);
  planTemplateRoom(tp);
  return pos;
}

/**
 * Appends the flow at sp (export context x) to target t's staging datagram, sealing it first
 * (through the dialect's seal) when the record would not fit. Returns the new output position.
 */
export function appendRecord(dl: Dialect, t: u32, tp: usize, sp: usize, x: usize, pos: usize): usize {
  const tm = flowTemplate(tp, load<u8>(sp + FS_VERSION) == 6, <u32>load<u8>(sp + FS_PROTO));
  const tid = load<u32>(tm + FT_ID);
  const size = load<u32>(tm + FT_LENGTH);
  // (v9: a multiple of 4, the open set being padded to 4 when the datagram is sealed)
  const room = (load<u32>(tp + T_MTU) - dl.header - (keepTemplateRoom(tp) ? blockLength(dl, tp) : 0)) & ~(dl.pad - 1);
  const open = load<u32>(tp + T_SET_AT) != NIL && load<u32>(tp + T_SET_ID) == tid;
  // a new set costs its header, and closing the open one its padding
  if (load<u32>(tp + T_STAGE_LEN) + size + (open ? 0 : SET_HEADER + dl.pad - 1) > room) pos = dl.seal(t, tp, pos);
  const stage = <usize>load<u32>(tp + T_STAGE);
  if (load<u32>(tp + T_SET_AT) == NIL || load<u32>(tp + T_SET_ID) != tid) {
    closeSet(dl, tp);
    const at = load<u32>(tp + T_STAGE_LEN);
    be16(stage + at, tid);
    store<u32>(tp + T_SET_AT, at);
    store<u32>(tp + T_SET_ID, tid);
    store<u32>(tp + T_STAGE_LEN, at + SET_HEADER);
  }
  const o = writeRecord(stage + load<u32>(tp + T_STAGE_LEN), tm, tp, sp, x);
  store<u32>(tp + T_STAGE_LEN, <u32>(o - stage));
  store<u32>(tp + T_STAGE_RECS, load<u32>(tp + T_STAGE_RECS) + 1);
  return pos;
}
