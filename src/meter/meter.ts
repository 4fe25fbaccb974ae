// The meter as the host sees it: a configured core, plus the drain loop that hands encoded
// output to a sink after every walk call.

import * as L from "../../assembly/layout";
import { Core } from "./core";
import { CoreError } from "../errors";
import { END_REASONS, SKIP_REASONS } from "./counters";
import { forEachUnitOf, UNIT_JSON } from "../sinks/units";
import { DEFAULT_TCP_END_TIMEOUT_S } from "../config/defaults";
import { formatNamed, type FormatName } from "../config/formats";
import { compileSelector, resolveInterfaces, type Selector } from "../config/select";
import type { DestinationMode } from "../config/collectors";
import { writePrefixes, NO_PREFIXES, type PrefixArrays } from "./prefixes";
import { resolveFields, FIELD_ELEMENTS } from "../config/fields";
import { parseAggregation } from "../config/aggregation";
import { UsageError } from "../errors";

/** A named counter (nfacct): packets and IP bytes of the packets its selector chooses
 * (src/config/select.ts; "" or undefined: every IP packet), whatever the targets choose. */
export interface CounterConfig {
  name: string;
  select?: string;
}

/** A named counter as readCounters found it: exact counts since its last reset. */
export interface CounterReading {
  name: string;
  /** The selector text ("" = every packet). */
  select: string;
  packets: bigint;
  bytes: bigint;
}
import { takeAlerts, type CoreAlert } from "./flood-alerts";

export type { CoreAlert, FloodKind } from "./flood-alerts";

export interface TargetConfig {
  /** Most flows held at once; the least recently used leaves early past it. */
  maxflows: number;
  /** Largest hash index (entries, power of two); kept at most 3/4 full. */
  hashsize: number;
  /** Seconds without a packet before a flow is exported. */
  inactiveTimeoutS: number;
  /** Seconds after its first packet before a long flow is exported (and continues as a new one). */
  activeTimeoutS: number;
  /** Seconds a TCP flow that saw FIN or RST waits for its last packets (the final ACK, the
   * other side's FIN) before it ends; 0: it ends with the FIN/RST packet. Default
   * DEFAULT_TCP_END_TIMEOUT_S, as on the command line. */
  tcpEndTimeoutS?: number;
  format: FormatName;
  /** The fields its flows are keyed on (default: all of them); a field left out is not told
   * apart — its flows meet in one (the IP version always keys). */
  keyFields?: ReadonlyArray<KeyField>;
  /** Each flow's first source and destination MAC as fields (not v5). */
  mac?: boolean;
  /** Which packets it meters: a selector (src/config/select.ts: `src net 192.168.5.0/24 and
   * dst port 25`, `inif br-lan`, …). Default (or empty): every packet. A bad one throws a
   * SelectorError (a UsageError) naming the column. */
  select?: string;
  /** IPFIX and NetFlow v9: the fields of its templates, by IPFIX or NetFlow v9 name
   * (config/fields.ts; case-insensitive), in template order; an address field of one family
   * brings the other family's counterpart. The key fields it names are its key (with
   * keyFields, those named in both). JSON lines: the keys each line carries, in list order
   * (elements go to the line's keys; the line's own key names, etype and lan_direction
   * among them, are names too; with `mac` and no MAC key, src_mac and dst_mac end the line).
   * Not NetFlow v5. Default: the format's default template set, the default JSON line. */
  fields?: ReadonlyArray<string>;
  /** Aggregation rules in ipt_NETFLOW's syntax (config/aggregation.ts: "10.0.0.0/8=16",
   * "80-89=80"), applied to the key before the cache. Default none. */
  aggregation?: ReadonlyArray<string>;
  /** For export formats: how datagrams are laid out, how many collectors get them, and how (mode). */
  export?: ExportConfig;
  /** Flood detection (assembly/cache/flood.ts): alert a flow over `pps` packets in one second
   * of meter time, a source creating over `newFlows` new flows in one (0: that kind off).
   * Default none: the target pays one branch per packet. Alerts go to Meter.onAlerts. */
  flood?: { pps: number; newFlows: number };
}

/** Fields of a flow key (assembly/layout.ts KEY_*). */
export type KeyField = "src_addr" | "dst_addr" | "src_port" | "dst_port" | "icmp_type" | "proto" | "tos" | "in_if" | "vlan";
const KEY_BITS: Record<KeyField, number> = {
  src_addr: L.KEY_SRC_ADDR, dst_addr: L.KEY_DST_ADDR, src_port: L.KEY_SRC_PORT, dst_port: L.KEY_DST_PORT, icmp_type: L.KEY_ICMP,
  proto: L.KEY_PROTO, tos: L.KEY_TOS, in_if: L.KEY_IN_IF, vlan: L.KEY_VLAN,
};

export interface ExportConfig {
  /** Largest datagram payload, bytes. */
  mtu: number;
  /** IPFIX observation domain id. */
  engineId: number;
  /** Templates again after this many datagrams to a collector. */
  refreshRate: number;
  /** Templates again after this many seconds. */
  templateTimeoutS: number;
  /** Collectors of this target. Numbered across targets in order. */
  destinations: number;
  /** The core's numbers of those collectors (default: the next ones, across targets in order).
   * Given, a target removed later leaves the others' numbers, and so their sequences, alone. */
  destinationIds?: readonly number[];
  /** Which collectors get each datagram: mirror = every one (the default); round-robin = one
   * each in turn, passing over those marked down (markDestination), every one getting the
   * templates and options records with its own sequence numbers. */
  mode?: DestinationMode;
}

/** How a target's datagrams go to its collectors, by the core's number (assembly/layout.ts DEST_*). */
export const DESTINATION_MODES: Record<DestinationMode, number> = { mirror: L.DEST_MIRROR, "round-robin": L.DEST_ROUND_ROBIN };

/**
 * Receives encoded output. The bytes are a view into Wasm memory, valid until the sink
 * returns (or its promise settles); a promise holds the meter back (pacing).
 */
export type OutputSink = (bytes: Uint8Array) => void | Promise<void>;

/** Where each kind of output goes: `json` gets the JSON lines of target `target` (each run
 * of them the core wrote in one piece), `datagrams` the whole drained output region, whose
 * datagrams forEachDatagram (sinks/units.ts) reads. One function instead of the pair serves a
 * meter whose targets all make the same kind. */
export interface OutputSinks {
  json?: (lines: Uint8Array, target: number) => void | Promise<void>;
  datagrams?: OutputSink;
  /** The sinks have copied the bytes by the time they return (a promise they return is only
   * backpressure): a reload's own drains then give the output region back at once, so a
   * source that walks while they wait cannot have its output reset under it. Default false
   * (the region is held until the promise settles: drive the meter from one place only). */
  copies?: boolean;
}

export { forEachDatagram, forEachUnitOf } from "../sinks/units";

export interface MeterSnapshot {
  read: bigint;
  metered: bigint;
  nonIp: bigint;
  bytes: bigint;
  ipv6: bigint;
  skipped: Map<string, bigint>;
  skippedTotal: bigint;
  timeBack: bigint;
  exported: Map<string, bigint>;
  exportedTotal: bigint;
  created: bigint;
  active: number;
  peak: number;
  heapBytes: number;
  memoryBytes: number;
  /** Flows the export format could not carry: IPv6 in v5, times past 2106. */
  notExportable: { ipv6InV5: bigint; timeUnsendable: bigint };
  uptimeRestarts: bigint;
  counterSplits: bigint;
  /** Each target's own figures, in target order (the totals above are their sums). */
  targets: TargetSnapshot[];
  /** IP packets no target's selector chose (read = metered + unselected + non-IP + skipped). */
  unselected: bigint;
  /** Round-robin targets: datagrams (and their flow records) no collector got, every one being down. */
  lost: { datagrams: bigint; records: bigint };
  /** Flow records the core laid out for each destination (numbered across targets). */
  destinationRecords: bigint[];
  /** Template blocks (a template set of every flow template, with the options) the core laid
   * out for each destination, in the same order: IPFIX and v9 only, 0 for the others. */
  destinationTemplates: bigint[];
  /** The flow table's search metric: lookups made, and the index entries they read (probes / lookups ≥ 1). */
  lookups: bigint;
  probes: bigint;
  /** The meter clock: the greatest packet time seen (live: moved on by the tick), ns since the epoch. */
  clockNs: bigint;
}

export interface TargetSnapshot {
  /** Which configuration of its slot this is: a number the meter gives each configuring of a
   * slot (at start, and when a reload makes the target anew), never the same twice in a run
   * (0: a slot never configured). A new one means the core's counters of the slot began again. */
  generation: number;
  /** Packets metered into it (its selector chose them). */
  packets: bigint;
  /** Their IP bytes (as MeterSnapshot.bytes counts them). */
  bytes: bigint;
  /** Its share of the search metric: its flow table's lookups (one per packet it chose) and the index entries they read. */
  lookups: bigint;
  probes: bigint;
  /** Flows exported, by end reason key (END_REASONS). */
  exported: Map<string, bigint>;
  exportedTotal: bigint;
  created: bigint;
  active: number;
  peak: number;
  /** Its cache limit (--maxflows; 0 for a slot a reload left empty). */
  maxflows: number;
  /** Its hash index now (entries; it doubles as flows arrive) and at most (--hashsize). */
  indexSize: number;
  indexMax: number;
  /** Bytes its cache holds now: the flow slots carved so far (in use or on its free list) and its hash index. */
  cacheBytes: number;
}


export class Meter {
  readonly core = new Core();
  private readonly sinks: OutputSinks;
  /** The targets by core slot (a reload may leave a slot empty: undefined). */
  readonly targets: Array<TargetConfig | undefined>;
  /** What the targets a reload took away or reconfigured had counted (the run's totals keep it). */
  private readonly retired = { exported: new Map<string, bigint>(), created: 0n, lostDatagrams: 0n, lostRecords: 0n };
  /** Per core slot, its configuration's number (TargetSnapshot.generation); the last number given. */
  private readonly generations: number[] = [];
  private configurations = 0;
  /** The drain whose output the sinks still hold (the output region may not be written until it settles). */
  private inFlight: Promise<void> | undefined;
  /** Each target's compiled selector and where its program is in the core (undefined: every packet). */
  private readonly selectors: Array<{ sel: Selector; at: number } | undefined> = [];
  /** Receives the flood alerts the core made, after each walk call that made some (src/flood/). */
  onAlerts: ((alerts: CoreAlert[], lost: number) => void) | undefined;

  /** The named counters in force, in the core's table order, with their compiled selectors. */
  private counterList: Array<{ name: string; select: string; sel: Selector | undefined }> = [];
  /** The core's table of them (0: none). */
  private counterTable = 0;

  /** `prefixes`: the prefix table (--as-file), loaded before the targets are configured, so
   * that their default IPFIX/v9 templates carry the AS numbers and prefix lengths. */
  constructor(targets: TargetConfig[], seed: bigint, sink: OutputSink | OutputSinks, prefixes?: PrefixArrays) {
    this.targets = [...targets];
    const json = targets.some((t) => t.format === "json");
    const exporting = targets.some((t) => t.format !== "json");
    if (typeof sink === "function") {
      if (json && exporting) throw new CoreError("JSON lines and export datagrams from one meter need a sink each ({ json, datagrams })");
      this.sinks = json ? { json: sink } : { datagrams: sink };
    } else {
      this.sinks = sink;
    }
    if (json && !this.sinks.json) throw new CoreError("a JSON target needs a sink for its lines");
    if (exporting && !this.sinks.datagrams) throw new CoreError("an export target needs a sink for its datagrams");
    const x = this.core.x;
    if (x.init(Number(seed & 0xffffffffn), Number((seed >> 32n) & 0xffffffffn)) !== 0) {
      throw new CoreError("the Wasm core could not reserve its fixed memory regions");
    }
    if (prefixes) writePrefixes(this.core, prefixes);
    let dest = 0;
    targets.forEach((t, i) => {
      this.configureSlot(i, t, dest);
      dest += t.export?.destinations ?? 0;
    });
  }

  /** Configures the core's target slot i (free) for `t`, its collectors numbered from `dest`
   * unless it names its own (ExportConfig.destinationIds). */
  private configureSlot(i: number, t: TargetConfig, dest: number): void {
    const x = this.core.x;
    this.generations[i] = ++this.configurations;
    const r = x.configureTarget(i, t.maxflows, t.hashsize, t.inactiveTimeoutS, t.activeTimeoutS, formatNamed(t.format).code, t.tcpEndTimeoutS ?? DEFAULT_TCP_END_TIMEOUT_S);
    if (r === 1) throw new CoreError(`target ${i}: no memory for its flow cache`);
    if (r !== 0) throw new CoreError(`target ${i}: the core refused maxflows ${t.maxflows} / hashsize ${t.hashsize}`);
    const list = t.fields ? resolveFields(t.fields, t.format, `target ${i}: fields`) : undefined;
    if (t.keyFields || list) {
      let bits = t.keyFields ? t.keyFields.reduce((n, f) => {
        if (!(f in KEY_BITS)) throw new CoreError(`target ${i}: no key field ${f} (the fields: ${Object.keys(KEY_BITS).join(", ")})`);
        return n | KEY_BITS[f];
      }, 0) : L.KEY_ALL;
      if (list) bits &= list.keyBits;
      if (x.configureKey(i, bits) !== 0) throw new CoreError(`target ${i}: the core refused its key fields`);
    }
    this.setSelector(i, t.select);
    if (t.aggregation) this.aggregate(i, t.aggregation);
    if (list && t.format === "json") {
      // (--mac adds both MACs only to a list without a MAC key, as on IPFIX and v9)
      const macKeys = t.mac && !list.macs ? [L.JK_SRC_MAC, L.JK_DST_MAC] : [];
      for (const key of [...list.jsonKeys, ...macKeys]) {
        const r = x.configureJsonKey(i, key);
        if (r === 1) throw new CoreError(`target ${i}: no memory for its JSON key list`);
        if (r !== 0) throw new CoreError(`target ${i}: the core refused JSON key ${key} of its field list (code ${r})`);
      }
    }
    if (list && t.format !== "json") {
      list.fields.forEach(([id, len]) => {
        const r = x.configureField(i, id, len);
        const name = FIELD_ELEMENTS.find((e) => e.id === id)?.ipfix;
        if (r === 1) throw new CoreError(`target ${i}: no memory for its field list`);
        if (r === 2) throw new CoreError(`target ${i}: fields: this build's record writer cannot fill ${name} (element ${id}) in ${len} bytes`);
        if (r !== 0) throw new CoreError(`target ${i}: the core refused element ${id} of its field list (code ${r})`);
      });
    }
    if (t.mac || list?.macs) {
      const m = x.enableMacs(i);
      if (m === 1) throw new CoreError(`target ${i}: no memory for the MAC table`);
      if (m !== 0) throw new CoreError(`target ${i}: NetFlow v5 has no MAC fields`);
    }
    if (t.flood && (t.flood.pps > 0 || t.flood.newFlows > 0)) {
      const r = x.configureFlood(i, t.flood.pps >>> 0, t.flood.newFlows >>> 0);
      if (r === 1) throw new CoreError(`target ${i}: no memory for its flood detection`);
      if (r !== 0) throw new CoreError(`target ${i}: the core refused its flood detection (code ${r})`);
    }
    if (t.format === "json") return;
    const e = t.export;
    if (!e) throw new CoreError(`target ${i}: format ${t.format} needs an export configuration`);
    const c = x.configureExport(i, e.mtu, e.engineId, e.refreshRate, e.templateTimeoutS);
    if (c === 1) throw new CoreError(`target ${i}: no memory for its export datagram`);
    if (c !== 0) throw new CoreError(`target ${i}: MTU ${e.mtu} is too small for the templates and one record (or over 65507)`);
    const mode = e.mode ?? "mirror";
    if (!(mode in DESTINATION_MODES)) throw new CoreError(`target ${i}: no destination mode ${String(mode)} (the modes: ${Object.keys(DESTINATION_MODES).join(", ")})`);
    if (mode !== "mirror" && x.setDestinationMode(i, DESTINATION_MODES[mode]) !== 0) throw new CoreError(`target ${i}: the core refused destination mode ${mode}`);
    for (let k = 0; k < e.destinations; k++, dest++) {
      const id = e.destinationIds?.[k] ?? dest;
      if (x.addDestination(id, i) !== 0) throw new CoreError(`target ${i}: too many collectors (${dest + 1}) for the output region`);
    }
  }

  /**
   * Target i meters only the packets `text` selects (undefined or empty: every packet), from
   * the next walk call on: at start, and when a reload changes a target's selector (each
   * call takes a new heap block for the program; a selector that does not parse throws a
   * SelectorError and leaves the old one in force).
   */
  setSelector(i: number, text: string | undefined): void {
    const sel = text === undefined ? undefined : compileSelector(text);
    const x = this.core.x;
    if (!sel) {
      if (x.setSelector(i, 0, 0) !== 0) throw new CoreError(`target ${i}: the core refused to select every packet`);
      this.selectors[i] = undefined;
      return;
    }
    const at = this.placeSelector(sel, `target ${i}`);
    if (x.setSelector(i, at, sel.program.length) !== 0) throw new CoreError(`target ${i}: the core refused its selector program (${JSON.stringify(sel.text)})`);
    this.selectors[i] = { sel, at };
  }

  /** A compiled selector's program in a core block of its own, its interface names resolved
   * (and resolved again when they change); returns the block. `who` names it in an error. */
  private placeSelector(sel: Selector, who: string): number {
    const at = this.core.x.allocSelector(sel.program.length);
    if (at === 0) throw new CoreError(`${who}: no memory for its selector`);
    if (sel.interfaceTests.length > 0) {
      resolveInterfaces(sel, this.core.interfaceNames);
      this.core.onInterfaceNames ??= (names) => this.resolveNames(names);
    }
    this.core.u8.set(sel.program, at);
    return at;
  }

  /**
   * The named counters from now on (nfacct; at start, and at a reload), in order: a counter
   * whose name and selector text are unchanged keeps counting from its value, one whose
   * selector changed or that is new starts at zero, one left out is gone. Synchronous, so
   * call it between two walk calls (any host code is): no packet is counted by the old table
   * after its values are carried over. A selector that does not parse throws a SelectorError
   * and the counters in force stay. Costs each packet one run of each counter's program.
   */
  setCounters(list: readonly CounterConfig[]): void {
    const x = this.core.x;
    if (list.length > L.COUNTER_MAX) throw new UsageError(`${list.length} counters: flowprobe keeps ${L.COUNTER_MAX} at most`);
    const names = new Set<string>();
    for (const c of list) {
      if (names.has(c.name)) throw new UsageError(`counter ${c.name} is given twice`);
      names.add(c.name);
    }
    const compiled = list.map((c) => ({ name: c.name, select: c.select ?? "", sel: compileSelector(c.select ?? "") }));
    if (compiled.length === 0) {
      if (x.useCounters(0) !== 0) throw new CoreError("the core refused to drop the counters");
      this.counterList = [];
      this.counterTable = 0;
      return;
    }
    const table = x.allocCounters(compiled.length);
    if (table === 0) throw new CoreError(`no memory for ${compiled.length} counters`);
    const old = new Map(this.counterList.map((c, k) => [c.name, { c, at: this.counterEntry(k) }]));
    compiled.forEach((c, k) => {
      const prog = c.sel ? this.placeSelector(c.sel, `counter ${c.name}`) : 0;
      const dv = this.core.dv;
      const at = table + L.NC_ENTRIES + k * L.NC_SIZE;
      dv.setUint32(at + L.NC_PROGRAM, prog, true);
      dv.setUint32(at + L.NC_PROGRAM_BYTES, c.sel?.program.length ?? 0, true);
      const was = old.get(c.name);
      if (was && was.c.select === c.select) {
        // unchanged: its counts go on from where they are (read now, between walks)
        dv.setBigUint64(at + L.NC_PACKETS, dv.getBigUint64(was.at + L.NC_PACKETS, true), true);
        dv.setBigUint64(at + L.NC_BYTES, dv.getBigUint64(was.at + L.NC_BYTES, true), true);
      }
    });
    if (x.useCounters(table) !== 0) throw new CoreError("the core refused the counters' table");
    this.counterList = compiled;
    this.counterTable = table;
  }

  /** The names of the counters in force, in order. */
  counterNames(): string[] {
    return this.counterList.map((c) => c.name);
  }

  private counterEntry(k: number): number {
    return this.counterTable + L.NC_ENTRIES + k * L.NC_SIZE;
  }

  /**
   * The named counters (`names`, in that order; undefined or empty: every one, in order),
   * exact; with `reset` those read are zeroed in the same core call, so a packet is in
   * exactly one reading that reset it. An unknown name throws a UsageError naming the
   * counters there are, and nothing is read or reset.
   */
  readCounters(names?: readonly string[], reset = false): CounterReading[] {
    const index = new Map(this.counterList.map((c, k) => [c.name, k]));
    const wanted = names && names.length > 0 ? names.map((n) => {
      const k = index.get(n);
      if (k === undefined) throw new UsageError(`no counter ${JSON.stringify(n)} (${this.counterList.length > 0 ? `the counters: ${this.counterNames().join(", ")}` : "no counters are configured: --counter NAME=SELECTOR, or \"counters\" in the config file"})`);
      return k;
    }) : this.counterList.map((_, k) => k);
    if (this.counterTable === 0) return [];
    if (reset) for (const k of wanted) this.core.dv.setUint32(this.counterEntry(k) + L.NC_RESET, 1, true);
    this.core.x.readCounters();
    const dv = this.core.dv;
    return wanted.map((k) => {
      const at = this.counterEntry(k);
      const c = this.counterList[k]!;
      return { name: c.name, select: c.select, packets: dv.getBigUint64(at + L.NC_READ_PACKETS, true), bytes: dv.getBigUint64(at + L.NC_READ_BYTES, true) };
    });
  }

  /** The host's interface names changed (an interface came back with a new number, a pcapng
   * file described its interfaces): each selector's inif/outif names are looked up again. */
  private resolveNames(names: ReadonlyArray<readonly [number, string]>): void {
    for (const s of this.selectors) {
      if (s && resolveInterfaces(s.sel, names)) this.core.u8.set(s.sel.program, s.at);
    }
    this.counterList.forEach((c, k) => {
      if (c.sel && resolveInterfaces(c.sel, names)) this.core.u8.set(c.sel.program, this.core.dv.getUint32(this.counterEntry(k) + L.NC_PROGRAM, true));
    });
  }

  /** Gives target i its aggregation rules, in order (at start, after configureTarget). */
  private aggregate(i: number, rules: ReadonlyArray<string>): void {
    const a = parseAggregation(rules, `target ${i}: aggregation`);
    const give = (kind: number, w: readonly number[], len: number, to: number, text: string) => {
      const r = this.core.x.configureAggregation(i, kind, w[0] ?? 0, w[1] ?? 0, w[2] ?? 0, w[3] ?? 0, len, to);
      if (r === 1) throw new CoreError(`target ${i}: no memory for its aggregation rules`);
      if (r !== 0) throw new CoreError(`target ${i}: the core refused aggregation rule ${text}`);
    };
    for (const n of [...a.nets4, ...a.nets6]) give(n.family, n.words, n.prefix, n.to, `/${n.prefix}=${n.to}`);
    for (const p of a.ports) give(0, [p.first, p.last], 0, p.to, `${p.first}-${p.last}=${p.to}`);
  }

  /** Hands whatever the core has encoded to the sink. Call after every walk call, and await
   * what it returns before the next call (the output region is reused). */
  drain(): void | Promise<void> {
    return this.handOut(false);
  }

  /** drain(); `own` (a reload's drains, which may overlap a source's walks): with sinks that
   * copy, the region is reset at once and only their backpressure awaited. */
  private handOut(own: boolean): void | Promise<void> {
    this.alerts();
    if (this.core.x.outputLength() === 0) return;
    const region = this.core.output();
    let waits: Promise<void>[] | undefined;
    const { json, datagrams } = this.sinks;
    if (json) {
      forEachUnitOf(region, UNIT_JSON, (target, lines) => {
        const r = json(lines, target);
        if (r instanceof Promise) (waits ??= []).push(r);
      });
    }
    if (datagrams) {
      const r = datagrams(region);
      if (r instanceof Promise) (waits ??= []).push(r);
    }
    if (waits && own && this.sinks.copies) {
      this.core.x.outputReset();
      return Promise.all(waits).then(() => undefined);
    }
    if (waits) {
      const p: Promise<void> = Promise.all(waits).then(() => this.core.x.outputReset()).finally(() => {
        if (this.inFlight === p) this.inFlight = undefined;
      });
      this.inFlight = p;
      return p;
    }
    this.core.x.outputReset();
  }

  /** The core's flood alerts since the last call, to onAlerts (none without flood detection: one status read). */
  alerts(): void {
    const region = this.core.status(L.ST_ALERTS);
    if (region === 0) return;
    const c = this.core;
    if (c.dv.getUint32(region + L.AR_COUNT, true) === 0 && c.dv.getUint32(region + L.AR_LOST, true) === 0) return;
    const { alerts, lost } = takeAlerts(c.u8, c.dv, region);
    this.onAlerts?.(alerts, lost);
  }

  /** Resolves when no drain is in flight: the output region is the caller's until its next
   * await (a source walks only after its drain settled, so nothing walks in between). */
  private async quiet(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
  }

  /**
   * A reload: core slot i (a target) is taken away (`next` undefined) or reconfigured as
   * `next`, between two walk calls. Its flows are exported first (end reason forced end), its
   * partly filled datagram sealed and its collectors sent the templates and its final
   * statistics; then, in the same turn of the event loop as the last of that — no packet is
   * metered in between — the slot's memory goes back to the core's free lists and `next`
   * (when given) is configured from them, empty, its collectors getting templates at once.
   * Packets metered while the flows are still being drained are the old target's and leave
   * with them. No other target's flows, counters or sequence numbers are touched. What it
   * had counted stays in the run's totals. Resolves when everything is drained.
   */
  async replaceTarget(i: number, next: TargetConfig | undefined): Promise<void> {
    const x = this.core.x;
    const old = this.targets[i];
    if (!old) throw new CoreError(`target ${i}: no such target to reconfigure`);
    for (;;) {
      await this.quiet();
      if (x.flushTarget(i, L.END_FORCED) === 1 && x.sendTargetStats(i) === 1) break;
      await this.handOut(true);
    }
    // (same turn: nothing is walked from here to the end of the configuration)
    this.retire(i);
    const r = x.unconfigureTarget(i);
    if (r !== 0) throw new CoreError(`target ${i}: the core could not free its slot (code ${r})`);
    this.targets[i] = undefined;
    this.selectors[i] = undefined;
    if (next) this.addTarget(i, next);
    await this.handOut(true);
  }

  /** A reload: core slot i (free) gets target `t`, empty; an export target's collectors get the
   * templates at once (with exporter statistics, all zero yet). Synchronous: call between
   * walk calls with no drain in flight (replaceTarget does), or drain afterwards. */
  addTarget(i: number, t: TargetConfig): void {
    if (this.targets[i]) throw new CoreError(`target ${i}: the slot is in use`);
    if (t.export && t.export.destinationIds?.length !== t.export.destinations) throw new CoreError(`target ${i}: a target added at a reload names its collectors' core numbers (export.destinationIds, one per collector), so that no other target's are taken`);
    if (t.format === "json" ? !this.sinks.json : !this.sinks.datagrams) throw new CoreError(`target ${i}: this meter has no sink for ${t.format}`);
    this.targets[i] = t;
    try {
      this.configureSlot(i, t, 0);
    } catch (e) {
      // half made: its slot is given back, the run goes on without it
      this.core.x.unconfigureTarget(i);
      this.targets[i] = undefined;
      this.selectors[i] = undefined;
      throw e;
    }
    if (t.format !== "json") this.core.x.sendTargetStats(i); // (room: a reload runs with the output region drained)
  }

  /** As addTarget, once no drain is in flight; drained after. */
  async addTargetBetweenWalks(i: number, t: TargetConfig): Promise<void> {
    await this.quiet();
    this.addTarget(i, t);
    await this.handOut(true);
  }

  /**
   * The control socket's expire-all: every flow of every target exported now (end reason
   * forced end) and the partly filled datagrams sealed, between two walk calls (each core call
   * waits until no drain is in flight, as a reload's do), while the source goes on. Resolves
   * when all of it has been handed to the sinks.
   */
  async expireAllBetweenWalks(): Promise<void> {
    const x = this.core.x;
    for (;;) {
      await this.quiet();
      if (x.flushAll(L.END_FORCED) === 1) break;
      await this.handOut(true);
    }
    await this.handOut(true);
  }

  /**
   * The control socket's dump-flows: target slot i's active flows as JSON lines (its JSON key
   * list, else the default line; any target's format), handed to `lines` run by run, the flows
   * left as they are. Between two walk calls: each core call is made with no drain in flight
   * and the output region empty, and its lines read and the region reset in the same turn.
   * Resolves with the bytes of lines written.
   */
  async dumpFlows(i: number, lines: (bytes: Uint8Array) => void): Promise<number> {
    const x = this.core.x;
    if (!this.targets[i]) throw new CoreError(`target ${i}: no such target to dump`);
    let from = 0;
    let bytes = 0;
    for (;;) {
      await this.quiet();
      if (x.outputLength() !== 0) {
        await this.handOut(true);
        continue;
      }
      from = x.dumpFlows(i, from) >>> 0; // (NIL comes back as -1: u32 through i32)
      forEachUnitOf(this.core.output(), UNIT_JSON, (_t, run) => {
        bytes += run.length;
        lines(run);
      });
      x.outputReset();
      if (from === L.NIL) return bytes;
    }
  }

  /** Target i's counts into the run's totals, before its slot is cleared. */
  private retire(i: number): void {
    const c = this.core;
    for (const r of END_REASONS) this.retired.exported.set(r.key, (this.retired.exported.get(r.key) ?? 0n) + c.targetU64(i, L.T_EXPORTED + r.value * 8));
    this.retired.created += c.targetU64(i, L.T_CREATED);
    this.retired.lostDatagrams += c.targetU64(i, L.T_DEST_LOST);
    this.retired.lostRecords += c.targetU64(i, L.T_DEST_LOST_RECORDS);
  }

  /** Replaces the prefix table (a reload of --as-file; undefined: none any more): flows
   * exported from now on get their AS numbers and prefix lengths from the new one. Templates
   * stay as they were made: a target configured without a table has no AS fields to fill, one
   * configured with a table sends zeros in them once the table is gone. */
  loadPrefixes(prefixes: PrefixArrays | undefined): void {
    writePrefixes(this.core, prefixes ?? NO_PREFIXES);
  }

  /** Destination d (numbered across targets in order) gets the templates with its next datagram: its socket was re-created. */
  resendTemplates(d: number): void {
    this.core.x.resendTemplates(d);
  }

  /** Destination d (numbered across targets in order) is down (`down`: it cannot be reached,
   * or it refuses) or back: a round-robin target passes it over while it is down; mirror
   * ignores the mark. Per change of the collector's state. */
  markDestination(d: number, down: boolean): void {
    if (this.core.x.markDestination(d, down ? 1 : 0) !== 0) throw new CoreError(`destination ${d}: not one of the core's (marked ${down ? "down" : "up"})`);
  }

  /** The clock for message headers: call before walking (seconds since the epoch). */
  setExportTime(seconds: number): void {
    this.core.x.setExportTime(seconds >>> 0);
  }

  /** Exports every flow still in the caches with the given end reason (default: forced end),
   * sends any partly filled datagram, then the templates with the final exporter statistics
   * to every IPFIX and v9 collector. */
  async flush(reason: number = L.END_FORCED): Promise<void> {
    await this.exportAll(reason);
    while (this.core.x.sendStats() === 0) await this.drain();
    await this.drain();
  }

  /** Every flow in the caches out with `reason`, partly filled datagrams sealed, all drained. */
  private async exportAll(reason: number): Promise<void> {
    while (this.core.x.flushAll(reason) === 0) await this.drain();
    await this.drain();
  }

  /** After a step of the system clock (live): every flow is exported (forced end), then the
   * meter clock is set to `ns`, earlier or later, and aging goes on from there. */
  async restartClock(ns: bigint): Promise<void> {
    await this.exportAll(L.END_FORCED);
    if (this.core.x.resetClock(Number(ns & 0xffffffffn), Number(ns >> 32n)) !== 1) throw new CoreError("the meter clock could not be reset: flows were left in a cache");
  }

  snapshot(): MeterSnapshot {
    const c = this.core;
    c.x.publishClock();
    const skipped = new Map<string, bigint>();
    let skippedTotal = 0n;
    for (const r of SKIP_REASONS) {
      const v = c.counter(r.index);
      skippedTotal += v;
      if (v > 0n) skipped.set(r.key, v);
    }
    const exported = new Map<string, bigint>();
    let exportedTotal = 0n;
    let created = 0n;
    let active = 0;
    let peak = 0;
    let lostDatagrams = 0n;
    let lostRecords = 0n;
    /** Flow records laid out per destination, in the order of the targets' destinations (as the registry lists them). */
    const destinationRecords: bigint[] = [];
    const destinationTemplates: bigint[] = [];
    let next = 0;
    for (const t of this.targets) {
      for (let k = 0; k < (t?.export?.destinations ?? 0); k++, next++) {
        const d = t!.export!.destinationIds?.[k] ?? next;
        destinationRecords.push(c.destU64(d, L.D_RECORDS));
        destinationTemplates.push(c.destU64(d, L.D_TEMPLATE_BLOCKS));
      }
    }
    for (const [key, v] of this.retired.exported) {
      exported.set(key, v);
      exportedTotal += v;
    }
    created += this.retired.created;
    lostDatagrams += this.retired.lostDatagrams;
    lostRecords += this.retired.lostRecords;
    const targets = this.targets.map((_, t) => {
      const own: TargetSnapshot = { generation: this.generations[t] ?? 0, packets: c.targetU64(t, L.T_PACKETS), bytes: c.targetU64(t, L.T_BYTES), lookups: c.targetU64(t, L.T_LOOKUPS), probes: c.targetU64(t, L.T_PROBES), exported: new Map(), exportedTotal: 0n, created: c.targetU64(t, L.T_CREATED), active: c.targetU32(t, L.T_COUNT), peak: c.targetU32(t, L.T_PEAK),
        maxflows: c.targetU32(t, L.T_MAXFLOWS), indexSize: c.targetU32(t, L.T_ENABLED) ? c.targetU32(t, L.T_IDX_MASK) + 1 : 0, indexMax: c.targetU32(t, L.T_IDX_MAX), cacheBytes: c.targetU32(t, L.T_ENABLED) ? c.targetU32(t, L.T_BUMP) * L.SLOT_SIZE + (c.targetU32(t, L.T_IDX_MASK) + 1) * 4 : 0 };
      for (const r of END_REASONS) {
        const v = c.targetU64(t, L.T_EXPORTED + r.value * 8);
        own.exported.set(r.key, v);
        own.exportedTotal += v;
        exported.set(r.key, (exported.get(r.key) ?? 0n) + v);
        exportedTotal += v;
      }
      created += own.created;
      lostDatagrams += c.targetU64(t, L.T_DEST_LOST);
      lostRecords += c.targetU64(t, L.T_DEST_LOST_RECORDS);
      active += own.active;
      peak += own.peak;
      return own;
    });
    return {
      read: c.counter(L.C_READ),
      metered: c.counter(L.C_METERED),
      nonIp: c.counter(L.C_NON_IP),
      bytes: c.counter(L.C_BYTES),
      ipv6: c.counter(L.C_IPV6),
      skipped,
      skippedTotal,
      timeBack: c.counter(L.C_TIME_BACK),
      exported,
      exportedTotal,
      created,
      active,
      peak,
      heapBytes: c.heapBytes(),
      memoryBytes: c.memoryBytes(),
      notExportable: { ipv6InV5: c.counter(L.C_V5_IPV6), timeUnsendable: c.counter(L.C_TIME_UNSENDABLE) },
      uptimeRestarts: c.counter(L.C_UPTIME_RESTARTS),
      counterSplits: c.counter(L.C_COUNTER_SPLITS),
      targets,
      unselected: c.counter(L.C_UNSELECTED),
      lost: { datagrams: lostDatagrams, records: lostRecords },
      destinationRecords,
      destinationTemplates,
      clockNs: c.dv.getBigUint64(L.STATUS_BASE + L.ST_NOW_NS, true),
      lookups: c.counter(L.C_LOOKUPS),
      probes: c.counter(L.C_PROBES),
    };
  }
}
