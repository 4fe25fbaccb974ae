// The statistics registry: every figure of a run — the core's counters (through the meter's
// snapshot), each collector's counters, the source's — read into one object once per tick,
// and again when asked for (SIGUSR1, the stat file, the control socket, the end of the run).
// The summary, SIGUSR1's statistics and the stat text, JSON, metrics and MQTT to come read
// that object; none of them reads a counter itself, so no figure is computed twice. Rates
// follow the meter clock (rates.ts).
//
// Only the tick (tick(): once a second) feeds the rates' windows and the search metric's
// averages; a reading on demand (read()) reads every counter now but gives the rates and the
// metric as the last tick left them. Fed by every reading, a 1-s rate spanned from the
// oldest reading within its second — a `stat` request 20 ms before the tick made it a 20-ms
// rate (2000 packets/s read as 5000 when 60 came in those 20 ms), and how often a script
// asked changed what it read.

import type { CounterReading, MeterSnapshot, TargetSnapshot } from "../meter/meter";
import type { SourceStatistics } from "../sources/source";
import type { DestinationCounters } from "../targets/udp";
import { MovingAverage, TrafficRates, type Rates } from "./rates";

/** ipt_NETFLOW's search metric: hash index entries read per flow lookup (1 is the best). */
export interface SearchFigures {
  lookups: bigint;
  probes: bigint;
  /** Per lookup since the tick before that had lookups (0 before any). */
  metric: number;
  /** Its damped averages over 1, 5 and 15 minutes (rates.ts MovingAverage, on the rates' clock). */
  averages: number[];
}

/** The search metric of a run of ticks: the lookups and probes since the last tick that had
 * lookups, per lookup, and its damped averages (the process's, and each target's own). */
class SearchMetric {
  private readonly average = new MovingAverage();
  private last = { lookups: 0n, probes: 0n };

  /** A reading at t (seconds) of the lookups and probes so far; `tick`: a tick's, which feeds
   * the metric (else the metric as the last tick left it, with the counts of now). */
  add(t: number, lookups: bigint, probes: bigint, tick: boolean): SearchFigures {
    if (tick) {
      const dl = lookups - this.last.lookups;
      const dp = probes - this.last.probes;
      // (a tick with no lookups since the one before leaves the metric as it was)
      if (dl > 0n) this.average.add(t, Number(dp) / Number(dl));
      this.last = { lookups, probes };
    }
    return { lookups, probes, metric: this.average.value, averages: this.average.averages() };
  }
}

/** A collector's socket now (src/targets/udp.ts socketFigures says what each measures). */
export interface SocketFigures {
  sndbuf: number;
  nodeQueueBytes: number;
  nodeQueueCount: number;
}

/** A target's own send queue (src/targets/queue.ts): datagrams waiting for its pacer now, and the most that waited. */
export interface QueueFigures {
  waiting: number;
  waitingBytes: number;
  peak: number;
}

/** A target's cache, from the core's counters. */
export interface CacheFigures {
  active: number;
  peak: number;
  /** Seconds since start (the registry's uptime) at the reading that first saw the peak. */
  peakAtS: number;
  maxflows: number;
  /** Hash index entries now, at most, and its fill (active flows / entries now). */
  indexSize: number;
  indexMax: number;
  indexFill: number;
  /** Bytes held now: the slots carved so far and the index (index memory it doubled away from is on the heap's free lists). */
  memoryInUse: number;
  /** Bytes it may take at most (config/cache.ts cacheBytesAtMost). */
  memoryReserved: number;
}
import type { FloodFigures } from "../flood/watch";

/** A counter's key and the words a person reads for it. */
export interface Label {
  key: string;
  text: string;
}

export interface DestinationFigures {
  /** "host:port", "[v6]:port". */
  label: string;
  /** The address the name resolved to ("" before that). */
  address: string;
  host: string;
  counters: DestinationCounters;
  /** Flow records the meter laid out for it (in its datagrams, sent or not). */
  records: bigint;
  /** Template blocks the meter laid out for it — each a template set of every flow template
   * with the options templates and records (IPFIX, v9; 0 for v5), in its datagrams, sent or not. */
  templates: bigint;
  socket: SocketFigures;
}

/** A target: its name and shape, what the core counted for it, and its collectors' figures. */
export interface TargetFigures {
  name: string;
  /** "IPFIX", "NetFlow v5", "JSON lines". */
  title: string;
  mode: "mirror" | "round-robin";
  meter: TargetSnapshot;
  /** Its collectors, in the core's destination numbering. */
  destinations: DestinationFigures[];
  cache: CacheFigures;
  /** Its send queue (none for JSON lines). */
  queue: QueueFigures | undefined;
  /** Its packets per second over 1 s, 1 min, 5 min (the meter clock). */
  packetRates: number[];
  /** Its bits per second (its IP bytes × 8) over the same windows. */
  bitRates: number[];
  /** Its flow table's search metric (its lookups and probes: TargetSnapshot.lookups, probes). */
  search: SearchFigures;
}

/** A target as the registry is told of it. */
export interface TargetInput {
  readonly name: string;
  readonly title: string;
  readonly mode: "mirror" | "round-robin";
  /** Its collectors: indexes into StatsInputs.destinations. */
  readonly destinations: readonly number[];
  /** Its slot in the meter (MeterSnapshot.targets; default: its place in the list). A reload keeps a target's slot. */
  readonly slot?: number;
  /** Its cache's most memory, bytes (default 0: not known). */
  readonly memoryReserved?: number;
  /** Its send queue. */
  readonly queue?: { readonly waiting: number; readonly waitingBytes: number; readonly peakWaiting: number };
}

export interface Stats {
  /** Seconds since the run started, at this reading. */
  seconds: number;
  /** The source's name: the file, "<stdin>", "live IF,IF". */
  source: string;
  meter: MeterSnapshot;
  input: SourceStatistics;
  /** Collectors, in the core's destination numbering. */
  destinations: DestinationFigures[];
  /** Each target (the config's order), its collectors among `destinations`. */
  targets: TargetFigures[];
  /** Steps of the system clock seen (live: each exported every active flow and restarted aging). */
  clockSteps: number;
  /** Flood detection: alerts by kind, logged, held off, lost; the action's runs. */
  flood: FloodFigures;
  /** The names of the core's skip and end reasons, in the core's order. */
  labels: { skipped: readonly Label[]; ended: readonly Label[] };
  /** Packets and bits metered per second over 1 s, 1 min, 5 min (every target's packets: MeterSnapshot.metered and bytes). */
  rates: Rates;
  search: SearchFigures;
  /** The named counters (nfacct), as the `counters` verb reads them without a reset, at this reading. */
  counters: CounterReading[];
}

/** Where the registry reads from: only the shapes of the counting modules, never the modules. */
export interface StatsInputs {
  meter: { snapshot(): MeterSnapshot };
  source: { readonly label: string; statistics(): SourceStatistics };
  destinations: ReadonlyArray<{ readonly label: string; readonly address: string; readonly collector: { host: string }; readonly counters: DestinationCounters; socketFigures?(): SocketFigures }>;
  /** The targets, in the meter's order (default: none named). */
  targets?: readonly TargetInput[];
  /** Steps of the system clock seen so far. */
  clockSteps: () => number;
  /** The flood watch (default: none, every figure 0). */
  flood?: { figures(): FloodFigures };
  labels: Stats["labels"];
  /** Seconds since the run started (injected for tests). */
  seconds: () => number;
  /** The named counters, read without zeroing (Meter.readCounters; default: none). */
  counters?: () => CounterReading[];
  /** What the rates' clock is called: "packet time" (a file) or "wall time" (live: the newest
   * packet's kernel time, idle the tick's time less the rings' lag). Either way it is the meter
   * clock, MeterSnapshot.clockNs — there is no other clock to give (a test scripts clockNs):
   * the reading's own wall time was off by a ring block's lag. Default packet time. */
  rateClock?: { kind: Rates["clock"] };
}

/** Where `packets` packets counted since the tick before, up to the newest at `t` (s), can first
 * have begun, knowing the first came at `first`: one mean packet gap before it (for evenly
 * spaced packets the window then holds exactly their count's gaps). Undefined: not known
 * (a file, no first time, fewer than two packets). The rates' window from the tick before
 * starts there when that is later (after an idle spell: rates.ts). */
function since(first: number | undefined, t: number, packets: bigint): number | undefined {
  if (first === undefined || packets < 2n || !(t > first)) return undefined;
  return first - (t - first) / Number(packets - 1n);
}

const NO_SOCKET: SocketFigures = { sndbuf: 0, nodeQueueBytes: 0, nodeQueueCount: 0 };

export class StatsRegistry {
  private last: Stats | undefined;
  private readonly total: TrafficRates;
  private readonly search = new SearchMetric();
  /** Per target name: which configuration of its slot (TargetSnapshot.generation), its rates, its search metric and when its peak was first seen. */
  private readonly perTarget = new Map<string, { generation: number; rates: TrafficRates; packets: bigint; search: SearchMetric; peak: number; peakAtS: number }>();
  /** Packets metered at the last tick (for `since`). */
  private metered = 0n;

  constructor(private readonly inputs: StatsInputs) {
    this.total = new TrafficRates(inputs.rateClock?.kind ?? "packet time");
  }

  /** The rates' clock now, seconds: the meter clock. */
  private clockS(meter: MeterSnapshot): number {
    return Number(meter.clockNs / 1000n) / 1e6;
  }

  /** Reads every figure now, when statistics are asked for (SIGUSR1, the stat file, the
   * control socket, the end of a live run): the rates and the search metric as the last tick
   * left them. */
  read(): Stats {
    return this.reading(false);
  }

  /** The once-a-second tick's reading (src/tick.ts: the live tick, a file's host tick; and the
   * end of a file run, at its last packet's time): read() that also feeds the rates' windows
   * and the search metric. */
  tick(): Stats {
    return this.reading(true);
  }

  private reading(tick: boolean): Stats {
    const i = this.inputs;
    const input = i.source.statistics();
    const meter = i.meter.snapshot();
    const destinations = i.destinations.map((d, k) => ({ label: d.label, address: d.address, host: d.collector.host, counters: { ...d.counters }, records: meter.destinationRecords[k] ?? 0n, templates: meter.destinationTemplates[k] ?? 0n, socket: d.socketFigures?.() ?? NO_SOCKET }));
    const seconds = i.seconds();
    const t = this.clockS(meter);
    // live: the first packet handed over since the tick before, seconds (the meter clock's kind)
    const first = input.kind === "live" && input.firstPacketNs > 0n ? Number(input.firstPacketNs / 1000n) / 1e6 : undefined;
    const seen = new Set<string>();
    const targets = (i.targets ?? []).map((x, k): TargetFigures => {
      const m = meter.targets[x.slot ?? k]!;
      seen.add(x.name);
      let own = this.perTarget.get(x.name);
      // a target new to the registry, or its slot configured anew since (a reload that changed
      // it: the core made its counters, flows and peak anew — its new counts may already
      // exceed the old, so a drop would not tell): its rates, metric and peak start again
      if (!own || own.generation !== m.generation) this.perTarget.set(x.name, (own = { generation: m.generation, rates: new TrafficRates(this.total.clock), packets: 0n, search: new SearchMetric(), peak: 0, peakAtS: seconds }));
      if (m.peak > own.peak) {
        own.peak = m.peak;
        own.peakAtS = seconds;
      }
      const cache: CacheFigures = {
        active: m.active, peak: m.peak, peakAtS: own.peakAtS, maxflows: m.maxflows, indexSize: m.indexSize, indexMax: m.indexMax,
        indexFill: m.indexSize > 0 ? m.active / m.indexSize : 0, memoryInUse: m.cacheBytes, memoryReserved: x.memoryReserved ?? 0,
      };
      const q = x.queue;
      const fed = tick && t > 0;
      const rates = own.rates.add(fed ? t : undefined, m.packets, m.bytes, fed ? since(first, t, m.packets - own.packets) : undefined);
      if (fed) own.packets = m.packets;
      return {
        name: x.name, title: x.title, mode: x.mode, meter: m, destinations: x.destinations.map((d) => destinations[d]!), cache,
        queue: q ? { waiting: q.waiting, waitingBytes: q.waitingBytes, peak: q.peakWaiting } : undefined,
        packetRates: rates.packets,
        bitRates: rates.bits,
        search: own.search.add(t, m.lookups, m.probes, tick),
      };
    });
    for (const name of this.perTarget.keys()) if (!seen.has(name)) this.perTarget.delete(name); // (a target a reload took away)
    this.last = {
      seconds,
      source: i.source.label,
      meter,
      input: input.kind === "live" ? { ...input, kernel: { ...input.kernel }, rings: input.rings.map((r) => ({ ...r })), interfaces: new Map(input.interfaces) } : { ...input },
      destinations,
      targets,
      clockSteps: i.clockSteps(),
      flood: i.flood?.figures() ?? { alerts: { pps: 0n, newFlows: 0n }, logged: 0n, heldOff: 0n, lost: 0n, actions: { run: 0n, skipped: 0n, failed: 0n } },
      labels: i.labels,
      // (before the first packet the meter clock is 0: no reading for the rates yet)
      rates: this.total.add(tick && t > 0 ? t : undefined, meter.metered, meter.bytes, since(first, t, meter.metered - this.metered)),
      search: this.search.add(t, meter.lookups, meter.probes, tick),
      counters: i.counters?.() ?? [],
    };
    if (tick && t > 0) this.metered = meter.metered;
    return this.last;
  }

  /** The last reading (read now if there was none yet). */
  get current(): Stats {
    return this.last ?? this.read();
  }
}
