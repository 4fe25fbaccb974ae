// Room stats/: one registry of every figure, read once per tick (this file), and what reads
// it: the summary (summary.ts); later the stat text, metrics and MQTT. Types only from below.
//
// The statistics registry: every figure of a run — the core's counters (through the meter's
// snapshot), each collector's counters, the source's — read into one object once per tick,
// and again when asked for (SIGUSR1, the end of the run). The summary, SIGUSR1's statistics
// and the stat text, JSON, metrics and MQTT to come read that object; none of them reads a
// counter itself, so no figure is computed twice. (Rates will follow the meter clock.)

import type { MeterSnapshot, TargetSnapshot } from "../meter/meter";
import type { SourceStatistics } from "../sources/source";
import type { DestinationCounters } from "../targets/udp";
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
}

/** Where the registry reads from: only the shapes of the counting modules, never the modules. */
export interface StatsInputs {
  meter: { snapshot(): MeterSnapshot };
  source: { readonly label: string; statistics(): SourceStatistics };
  destinations: ReadonlyArray<{ readonly label: string; readonly address: string; readonly collector: { host: string }; readonly counters: DestinationCounters }>;
  /** The targets, in the meter's order (default: none named). */
  targets?: readonly TargetInput[];
  /** Steps of the system clock seen so far. */
  clockSteps: () => number;
  /** The flood watch (default: none, every figure 0). */
  flood?: { figures(): FloodFigures };
  labels: Stats["labels"];
  /** Seconds since the run started (injected for tests). */
  seconds: () => number;
}

export class StatsRegistry {
  private last: Stats | undefined;

  constructor(private readonly inputs: StatsInputs) {}

  /** Reads every figure now (once per tick; and when statistics are asked for). */
  read(): Stats {
    const i = this.inputs;
    const input = i.source.statistics();
    const meter = i.meter.snapshot();
    const destinations = i.destinations.map((d, k) => ({ label: d.label, address: d.address, host: d.collector.host, counters: { ...d.counters }, records: meter.destinationRecords[k] ?? 0n }));
    this.last = {
      seconds: i.seconds(),
      source: i.source.label,
      meter,
      input: input.kind === "live" ? { ...input, kernel: { ...input.kernel }, interfaces: new Map(input.interfaces) } : { ...input },
      destinations,
      targets: (i.targets ?? []).map((t, k) => ({ name: t.name, title: t.title, mode: t.mode, meter: meter.targets[t.slot ?? k]!, destinations: t.destinations.map((d) => destinations[d]!) })),
      clockSteps: i.clockSteps(),
      flood: i.flood?.figures() ?? { alerts: { pps: 0n, newFlows: 0n }, logged: 0n, heldOff: 0n, lost: 0n, actions: { run: 0n, skipped: 0n, failed: 0n } },
      labels: i.labels,
    };
    return this.last;
  }

  /** The last reading (read now if there was none yet). */
  get current(): Stats {
    return this.last ?? this.read();
  }
}
