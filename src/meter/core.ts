// Room meter/: the Wasm core as the host sees it — loaded and typed (this file), configured
// per target and drained by sink (meter.ts), its counters' names (counters.ts).
//
// Loads the Wasm core and gives the host typed access to its exports and memory regions.
// The module has no imports; every export takes and returns numbers (assembly/index.ts).

import * as fs from "node:fs";
import * as path from "node:path";
import * as L from "../../assembly/layout";
import { CoreError } from "../errors";

export interface CoreExports {
  memory: WebAssembly.Memory;
  init(seedLo: number, seedHi: number): number;
  configureTarget(t: number, maxflows: number, indexMax: number, inactiveS: number, activeS: number, format: number, tcpEndS: number): number;
  configureKey(t: number, fields: number): number;
  configureField(t: number, id: number, len: number): number;
  configureJsonKey(t: number, key: number): number;
  configureAggregation(t: number, kind: number, w0: number, w1: number, w2: number, w3: number, len: number, to: number): number;
  walkPcap(len: number, swapped: number, nanos: number, linktype: number, snaplen: number): number;
  walkPcapng(len: number, swapped: number): number;
  walkBatch(records: number): number;
  setInterfaceCount(n: number): void;
  advance(nsLo: number, nsHi: number): number;
  flushAll(reason: number): number;
  sendStats(): number;
  setSkipOtherhost(on: number): void;
  sealStaged(): number;
  setRoutes(n: number): number;
  setInterfaceNames(n: number): number;
  enableMacs(t: number): number;
  resetClock(nsLo: number, nsHi: number): number;
  outputLength(): number;
  outputReset(): void;
  configureExport(t: number, mtu: number, engineId: number, refresh: number, templateS: number): number;
  addDestination(d: number, t: number): number;
  resendTemplates(d: number): void;
  setDestinationMode(t: number, mode: number): number;
  markDestination(d: number, down: number): number;
  setExportTime(s: number): void;
  allocSelector(bytes: number): number;
  setSelector(t: number, prog: number, bytes: number): number;
  reservePrefixes(v4: number, v6: number): number;
  usePrefixes(): number;
  flushTarget(t: number, reason: number): number;
  sendTargetStats(t: number): number;
  unconfigureTarget(t: number): number;
  publishClock(): void;
  dumpFlows(t: number, from: number): number;
  allocCounters(n: number): number;
  useCounters(table: number): number;
  readCounters(): number;
  configureFlood(t: number, pps: number, newFlows: number): number;
}

const WASM_NAME = "flowprobe.wasm";

/** The module's bytes: the single executable's asset, else the file beside this bundle. */
function wasmBytes(): Uint8Array {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require("node:sea") as { isSea(): boolean; getAsset(key: string): ArrayBuffer };
    if (sea.isSea()) return new Uint8Array(sea.getAsset(WASM_NAME));
  } catch {
    // node:sea is missing before Node 20.12: not a single executable then
  }
  const candidates = [
    path.join(__dirname, WASM_NAME), // dist/flowprobe.cjs beside dist/flowprobe.wasm
    path.join(__dirname, "..", "build", WASM_NAME), // dist/lib.cjs in a checkout
  ];
  for (const p of candidates) {
    if (fs.existsSync(p)) return fs.readFileSync(p);
  }
  throw new CoreError(`cannot find ${WASM_NAME}; looked in ${candidates.join(", ")} (run npm run build)`);
}

let compiled: WebAssembly.Module | undefined;

/** The longest UTF-8 prefix of `text` within `max` bytes that does not split a character. */
function utf8Prefix(text: string, max: number): Buffer {
  const b = Buffer.from(text, "utf8");
  let n = Math.min(b.length, max);
  while (n > 0 && n < b.length && (b[n]! & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}

/** One instance of the core with its own memory. */
export class Core {
  readonly x: CoreExports;
  private buf: ArrayBuffer | undefined;
  private u8view = new Uint8Array(0);
  private dview = new DataView(new ArrayBuffer(0));

  constructor() {
    compiled ??= new WebAssembly.Module(wasmBytes());
    const instance = new WebAssembly.Instance(compiled, {});
    this.x = instance.exports as unknown as CoreExports;
  }

  /** A view of the whole memory; memory.grow detaches old views, so always ask again after a call. */
  get u8(): Uint8Array {
    this.refresh();
    return this.u8view;
  }

  get dv(): DataView {
    this.refresh();
    return this.dview;
  }

  private refresh(): void {
    const b = this.x.memory.buffer;
    if (b !== this.buf) {
      this.buf = b;
      this.u8view = new Uint8Array(b);
      this.dview = new DataView(b);
    }
  }

  /** The input region, where file blocks are read straight in. */
  input(): Uint8Array {
    return this.u8.subarray(L.INPUT_BASE, L.INPUT_BASE + L.INPUT_SIZE);
  }

  /** Encoded output waiting in the output region (a view: copy or write it before the next call). */
  output(): Uint8Array {
    const n = this.x.outputLength();
    return this.u8.subarray(L.OUTPUT_BASE, L.OUTPUT_BASE + n);
  }

  status(field: number): number {
    return this.dv.getUint32(L.STATUS_BASE + field, true);
  }

  counter(index: number): bigint {
    return this.dv.getBigUint64(L.STATS_BASE + index * 8, true);
  }

  targetU32(t: number, field: number): number {
    return this.dv.getUint32(L.TARGETS_BASE + t * L.TARGET_SIZE + field, true);
  }

  targetU64(t: number, field: number): bigint {
    return this.dv.getBigUint64(L.TARGETS_BASE + t * L.TARGET_SIZE + field, true);
  }

  destU64(d: number, field: number): bigint {
    return this.dv.getBigUint64(L.DESTS_BASE + d * L.DEST_SIZE + field, true);
  }

  /**
   * Interface names for the collectors (IPFIX/v9 options, interfaceName): [number flows carry,
   * name] pairs. Written into the core only when they changed (the collectors then get them
   * with the next templates); at most IFNAME_MAX, names cut to 15 bytes.
   */
  setInterfaceNames(names: ReadonlyArray<readonly [number, string]>): void {
    const all = names.filter(([n]) => n > 0).sort((a, b) => a[0] - b[0]);
    if (this.onInterfaceNames && JSON.stringify(all) !== JSON.stringify(this.interfaceNames)) this.onInterfaceNames(all);
    this.interfaceNames = all;
    const list = all.slice(0, L.IFNAME_MAX);
    const text = JSON.stringify(list);
    if (text === this.namesSeen) return;
    this.namesSeen = text;
    const u8 = this.u8;
    const dv = this.dv;
    list.forEach(([n, name], i) => {
      const at = L.IFNAMES_BASE + 8 + i * L.IFNAME_SIZE;
      dv.setUint32(at, n, true);
      u8.fill(0, at + 4, at + 4 + L.IFNAME_LEN);
      u8.set(utf8Prefix(name, L.IFNAME_LEN - 1), at + 4);
    });
    this.x.setInterfaceNames(list.length);
  }

  private namesSeen = "[]";
  /** The interface names last given ([number flows carry, name]), every one of them. */
  interfaceNames: ReadonlyArray<readonly [number, string]> = [];
  /** Called when they change (the meter's selectors look their interface names up again). */
  onInterfaceNames: ((names: ReadonlyArray<readonly [number, string]>) => void) | undefined;

  /** Bytes of linear memory in use (fixed regions + heap). */
  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Bytes of heap blocks given back (a reload's targets, outgrown indexes) and not yet taken again. */
  heapFreeBytes(): number {
    return this.status(L.ST_HEAP_FREE);
  }

  heapBytes(): number {
    return this.status(L.ST_HEAP_TOP) - L.HEAP_BASE;
  }
}
