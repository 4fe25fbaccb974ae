// Room encode/: flows into bytes — one module per wire format (json.ts, v5.ts, v9.ts,
// ipfix.ts; sFlow and NEL to come), each behind one entry of the format table below; what
// IPFIX and v9 share (message.ts: staging, template schedule, fan-out to the destinations),
// their field-driven templates and records (records.ts), the uptime epoch of v5 and v9
// (uptime.ts) and the interface names they send (ifnames.ts). Imports cache/ (the flow slot's
// layout is the memory map's; the Format entry and the side of a flow are the cache's),
// output/ and base/. An encoder writes bytes into the output region and never sends.
//
// This file: the format table (softflowd's `nf[]` of senders): one row per format, each with
// the same functions (cache/encoder.ts), written once at init into FORMATS_BASE. A target
// names its row by its FORMAT_* number (configureTarget); the meter calls through it.

import { FORMATS_BASE, FORMAT_MAX, FORMAT_ENTRY_SIZE, FORMAT_JSON, FORMAT_V5, FORMAT_V9, FORMAT_IPFIX } from "../layout";
import { Format, ConfigureFn, ExportMaxFn, RecordFn, FlushFn } from "../cache/encoder";
import { jsonInit, jsonConfigure, jsonExportMax, jsonRecord } from "./json";
import { datagramsMax } from "./message";
import { v5Configure, v5Record, v5Seal } from "./v5";
import { v9Init, v9Configure, v9Record, v9Seal, v9Stats } from "./v9";
import { ipfixInit, ipfixConfigure, ipfixRecord, ipfixSeal, ipfixStats } from "./ipfix";

// @ts-ignore: a compile-time check
if (offsetof<Format>() > FORMAT_ENTRY_SIZE) ERROR("a format table entry outgrew FORMAT_ENTRY_SIZE");

let rows: u32 = 0;

/** A format that holds nothing back: nothing to seal (JSON), no final statistics (JSON, v5). */
function nothing(t: u32, tp: usize, pos: usize): usize {
  return pos;
}

function row(id: u32, macs: bool, counterMax: u64, configure: ConfigureFn, exportMax: ExportMaxFn, record: RecordFn, seal: FlushFn, stats: FlushFn): void {
  const f = changetype<Format>(FORMATS_BASE + <usize>rows * FORMAT_ENTRY_SIZE);
  f.id = id;
  f.macs = macs ? 1 : 0;
  f.counterMax = counterMax;
  f.configure = configure;
  f.exportMax = exportMax;
  f.record = record;
  f.seal = seal;
  f.stats = stats;
  rows++;
}

/** Once at start: the table. */
export function formatsInit(): void {
  jsonInit();
  v9Init();
  ipfixInit();
  rows = 0;
  //  format        MACs   counter limit  configure       most output    record        seal        final statistics
  row(FORMAT_JSON,  true,  0,             jsonConfigure,  jsonExportMax, jsonRecord,   nothing,    nothing);
  row(FORMAT_V5,    false, 0xffffffff,    v5Configure,    datagramsMax,  v5Record,     v5Seal,     nothing);
  row(FORMAT_V9,    true,  0,             v9Configure,    datagramsMax,  v9Record,     v9Seal,     v9Stats);
  row(FORMAT_IPFIX, true,  0,             ipfixConfigure, datagramsMax,  ipfixRecord,  ipfixSeal,  ipfixStats);
}

/** The address of format `id`'s row, 0 when there is none. */
export function formatEntry(id: u32): usize {
  for (let i: u32 = 0; i < rows && i < FORMAT_MAX; i++) {
    const f = FORMATS_BASE + <usize>i * FORMAT_ENTRY_SIZE;
    if (changetype<Format>(f).id == id) return f;
  }
  return 0;
}
