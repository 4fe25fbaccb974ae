// The registry's reading as a Prometheus page (the text exposition format 0.0.4,
// prometheus.io/docs/instrumenting/exposition_formats), served by scrape-server.ts.
//
// A small writer rather than prom-client: prom-client costs 12.5 MB of RSS and about 45 ms
// of startup when loaded (docs/benchmarks.md, "Prometheus metrics"), a sixth of the 80 MB
// budget, for what is here a table of rows, each a name, a type, a help line and where its
// value is in the `Stats` object. The registry already holds every figure, read once per
// tick; this only writes a reading out, never reads a counter itself.
//
// Conventions (node_exporter's and goflow2's, and Prometheus' naming guide): the namespace
// `flowprobe_`, the unit in the name and `_total` on counters, base units (bytes, seconds);
// counters and gauges only (rates are PromQL's: rate(flowprobe_packets_read_total[1m]));
// one label name per kind of dimension — target, collector, interface, reason — and a
// breakdown never in the same metric as its sum (the process totals and each target's have
// names of their own: a target removed at a reload keeps counting in the totals).
// `flowprobe_build_info{version="…"} 1` as node_exporter's `node_exporter_build_info`.
//
// A new figure is one row: `one(…)` for a figure of the run, `perTarget(…)`, `perCollector(…)`,
// `perInterface(…)`, `byReason(…)` for the labelled ones.

import type { RingCounters } from "../sources/rings";
import type { DestinationFigures, Stats, TargetFigures } from "./registry";

type Value = number | bigint;
type Labels = ReadonlyArray<readonly [string, string]>;
type Sample = readonly [Labels, Value];

/** One metric family: its name, kind, help, and its samples in a reading. */
export interface MetricRow {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly samples: (s: Stats, build: BuildInfo) => Iterable<Sample>;
}

export interface BuildInfo {
  version: string;
}

const NONE: Labels = [];
const one = (name: string, type: MetricRow["type"], help: string, of: (s: Stats) => Value | undefined): MetricRow => ({
  name, type, help, samples: (s) => {
    const v = of(s);
    return v === undefined ? [] : [[NONE, v]];
  },
});
const perTarget = (name: string, type: MetricRow["type"], help: string, of: (t: TargetFigures) => Value): MetricRow => ({
  name, type, help, samples: (s) => s.targets.map((t) => [[["target", t.name]], of(t)] as const),
});
/** Each collector of each target (one collector may serve two targets of different formats). */
const collectorsOf = (s: Stats) => s.targets.flatMap((t) => t.destinations.map((d) => [t, d] as const));
const perCollector = (name: string, type: MetricRow["type"], help: string, of: (d: DestinationFigures) => Value): MetricRow => ({
  name, type, help, samples: (s) => collectorsOf(s).map(([t, d]) => [[["target", t.name], ["collector", d.label]], of(d)] as const),
});
/** A collector's figure by reason: reason → where its value is. */
const perCollectorBy = (name: string, help: string, reasons: ReadonlyArray<readonly [string, (d: DestinationFigures) => Value]>): MetricRow => ({
  name, type: "counter", help, samples: (s) => collectorsOf(s).flatMap(([t, d]) => reasons.map(([r, of]) => [[["target", t.name], ["collector", d.label], ["reason", r]], of(d)] as const)),
});
/** Every reason of a list of the core's (skip or end reasons), zeros included, so a series exists before its first count. */
const byReason = (reasons: (s: Stats) => ReadonlyArray<{ key: string }>, counts: (s: Stats) => ReadonlyMap<string, bigint>) =>
  (s: Stats) => reasons(s).map((r) => [[["reason", r.key]], counts(s).get(r.key) ?? 0n] as const);

const live = (s: Stats) => (s.input.kind === "live" ? s.input : undefined);
/** A counter of each interface's ring, by name (its row over the run; rings.ts), for the shim — and for cap too when `cap` (libpcap gives no drop or freeze counts through cap). */
const perInterface = (name: string, help: string, of: (r: RingCounters) => Value, cap = false): MetricRow => ({
  name, type: "counter", help, samples: (s) => {
    const l = live(s);
    return l && (cap || l.backend !== "cap") ? l.rings.map((r) => [[["interface", r.name]], of(r)] as const) : [];
  },
});
const file = (s: Stats) => (s.input.kind === "file" ? s.input : undefined);

/** Every metric of the page, in its order. */
export const METRICS: readonly MetricRow[] = [
  { name: "flowprobe_build_info", type: "gauge", help: "Always 1; the version of flowprobe as a label.", samples: (_s, b) => [[[["version", b.version]], 1]] },
  one("flowprobe_uptime_seconds", "gauge", "Seconds since the run started, at the registry's last reading (once a second).", (s) => s.seconds),
  // the meter: packets
  one("flowprobe_packets_read_total", "counter", "Packets read from the source (= metered + not selected + non-IP + skipped).", (s) => s.meter.read),
  one("flowprobe_packets_metered_total", "counter", "IP packets metered into at least one target's flows.", (s) => s.meter.metered),
  one("flowprobe_metered_bytes_total", "counter", "IP bytes (the IP header's length) of the packets metered.", (s) => s.meter.bytes),
  one("flowprobe_ipv6_packets_total", "counter", "Of the packets metered, the IPv6 ones.", (s) => s.meter.ipv6),
  one("flowprobe_unselected_packets_total", "counter", "IP packets no target's selector chose.", (s) => s.meter.unselected),
  one("flowprobe_non_ip_packets_total", "counter", "Packets that are not IP (ARP, LLDP, ...).", (s) => s.meter.nonIp),
  { name: "flowprobe_skipped_packets_total", type: "counter", help: "Packets skipped, by reason (the summary's \"skipped by reason\").", samples: byReason((s) => s.labels.skipped, (s) => s.meter.skipped) },
  one("flowprobe_reordered_packets_total", "counter", "Packets older than the meter clock (metered at the clock's time).", (s) => s.meter.timeBack),
  // the meter: flows (every target's, those a reload took away included)
  one("flowprobe_flows_created_total", "counter", "Flows created in the caches.", (s) => s.meter.created),
  { name: "flowprobe_flows_exported_total", type: "counter", help: "Flows exported, by end reason.", samples: byReason((s) => s.labels.ended, (s) => s.meter.exported) },
  one("flowprobe_active_flows", "gauge", "Flows in the caches now.", (s) => s.meter.active),
  one("flowprobe_peak_active_flows", "gauge", "Most flows in the caches at once so far (each target's peak, summed).", (s) => s.meter.peak),
  { name: "flowprobe_flows_not_exportable_total", type: "counter", help: "Flows the export format cannot carry (not sent), by reason.", samples: (s) => [[[["reason", "ipv6_in_v5"]], s.meter.notExportable.ipv6InV5], [[["reason", "time_past_2106"]], s.meter.notExportable.timeUnsendable]] },
  one("flowprobe_flows_split_total", "counter", "Flows exported early before a 32-bit counter of the format overflowed.", (s) => s.meter.counterSplits),
  one("flowprobe_uptime_epoch_restarts_total", "counter", "Restarts of the NetFlow uptime epoch (a capture longer than 49.7 days).", (s) => s.meter.uptimeRestarts),
  one("flowprobe_lost_datagrams_total", "counter", "Round-robin datagrams no collector got, every one being down.", (s) => s.meter.lost.datagrams),
  one("flowprobe_lost_flow_records_total", "counter", "Flow records in those datagrams.", (s) => s.meter.lost.records),
  one("flowprobe_flow_lookups_total", "counter", "Flow table lookups, every target's (one per packet per target that chose it).", (s) => s.search.lookups),
  one("flowprobe_flow_lookup_probes_total", "counter", "Hash index entries those lookups read (probes / lookups is ipt_NETFLOW's search metric, 1 at best).", (s) => s.search.probes),
  one("flowprobe_cache_heap_bytes", "gauge", "Bytes of the core's heap in use (flow tables, hash indexes, templates).", (s) => s.meter.heapBytes),
  one("flowprobe_wasm_memory_bytes", "gauge", "Bytes of the core's linear memory (it only grows).", (s) => s.meter.memoryBytes),
  // each target
  perTarget("flowprobe_target_packets_total", "counter", "Packets metered into the target (its selector chose them).", (t) => t.meter.packets),
  perTarget("flowprobe_target_bytes_total", "counter", "IP bytes of the packets metered into the target.", (t) => t.meter.bytes),
  perTarget("flowprobe_target_flow_lookups_total", "counter", "The target's flow table lookups (one per packet it chose).", (t) => t.search.lookups),
  perTarget("flowprobe_target_flow_lookup_probes_total", "counter", "Hash index entries the target's lookups read (probes / lookups is ipt_NETFLOW's search metric, 1 at best).", (t) => t.search.probes),
  perTarget("flowprobe_target_flows_created_total", "counter", "Flows created in the target's cache.", (t) => t.meter.created),
  { name: "flowprobe_target_flows_exported_total", type: "counter", help: "The target's flows exported, by end reason.", samples: (s) => s.targets.flatMap((t) => s.labels.ended.map((r) => [[["target", t.name], ["reason", r.key]], t.meter.exported.get(r.key) ?? 0n] as const)) },
  perTarget("flowprobe_target_active_flows", "gauge", "Flows in the target's cache now.", (t) => t.meter.active),
  perTarget("flowprobe_target_peak_active_flows", "gauge", "Most flows in the target's cache at once so far.", (t) => t.meter.peak),
  // each collector (docs/collectors.md says what each figure measures)
  perCollector("flowprobe_collector_datagrams_total", "counter", "Datagrams given to the collector: sent + not sent.", (d) => d.counters.datagrams),
  perCollector("flowprobe_collector_sent_datagrams_total", "counter", "Datagrams handed to the kernel for the collector.", (d) => d.counters.sent),
  perCollector("flowprobe_collector_sent_bytes_total", "counter", "UDP payload bytes handed to the kernel for the collector.", (d) => d.counters.bytes),
  perCollectorBy("flowprobe_collector_unsent_datagrams_total", "Datagrams not sent to the collector, by reason.", [
    ["refused", (d) => d.counters.refused], ["unreachable", (d) => d.counters.unreachable], ["sndbuf_full", (d) => d.counters.bufferFull],
    ["queue_full", (d) => d.counters.queueFull], ["other", (d) => d.counters.other],
  ]),
  perCollectorBy("flowprobe_collector_icmp_errors_total", "ICMP errors the kernel reported for the collector's socket, by kind.", [
    ["port_unreachable", (d) => d.counters.portUnreachable], ["host_unreachable", (d) => d.counters.hostUnreachable],
  ]),
  perCollector("flowprobe_collector_flow_records_total", "counter", "Flow records laid out in the collector's datagrams (sent or not).", (d) => d.records),
  perCollector("flowprobe_collector_templates_total", "counter", "Template blocks (the template set of every flow template, with the options) laid out for the collector (sent or not; IPFIX and v9).", (d) => d.templates),
  perCollector("flowprobe_collector_downs_total", "counter", "Times the collector could not be reached at all.", (d) => d.counters.downs),
  perCollector("flowprobe_collector_reopened_total", "counter", "Times the collector's socket was made again after it was down.", (d) => d.counters.reopened),
  perCollector("flowprobe_collector_probes_total", "counter", "Empty datagrams sent to learn whether a collector that did not receive is back.", (d) => d.counters.probes),
  // the named counters (nfacct): `flowprobe counters --reset` zeroes them, which Prometheus sees
  // as a counter reset. Named nfacct_, not counter_: promtool's lint refuses a metric name with
  // a type's name in it ("_counter_")
  { name: "flowprobe_nfacct_packets_total", type: "counter", help: "Packets the named counter's selector chose, since its last reset (counters --reset).", samples: (s) => s.counters.map((c) => [[["counter", c.name]], c.packets] as const) },
  { name: "flowprobe_nfacct_bytes_total", type: "counter", help: "IP bytes of those packets, since its last reset.", samples: (s) => s.counters.map((c) => [[["counter", c.name]], c.bytes] as const) },
  // the source
  one("flowprobe_file_read_bytes_total", "counter", "Bytes of the capture file read.", (s) => file(s)?.bytes),
  one("flowprobe_file_size_bytes", "gauge", "The capture file's size (absent for a stream).", (s) => { const f = file(s); return f && f.size >= 0 ? f.size : undefined; }),
  // (per interface only: the run's totals are their sum, sum(flowprobe_ring_packets_total))
  perInterface("flowprobe_ring_packets_total", "Live: packets the kernel took for the interface's ring (drops included); with --capture cap, packets libpcap gave.", (r) => r.packets, true),
  perInterface("flowprobe_ring_drops_total", "Live: packets the kernel dropped because the interface's ring was full (not with --capture cap).", (r) => r.drops),
  perInterface("flowprobe_ring_freezes_total", "Live: times the interface's ring was frozen full (not with --capture cap).", (r) => r.freezes),
  { name: "flowprobe_capture_interface_info", type: "gauge", help: "Live: 1 for each interface captured on, with its ifindex.", samples: (s) => [...(live(s)?.interfaces ?? [])].map(([i, n]) => [[["interface", n], ["ifindex", String(i)]], 1] as const) },
  one("flowprobe_capture_restarts_total", "counter", "Live: times the capture process was started again after it died.", (s) => live(s)?.restarts),
  one("flowprobe_clock_steps_total", "counter", "Steps of the system clock seen (each exported every active flow).", (s) => s.clockSteps),
];

/** A label value as the format writes it: backslash, double quote and newline escaped. */
const labelValue = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n");
/** A HELP text: backslash and newline escaped. */
const helpText = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function valueText(v: Value): string {
  if (typeof v === "bigint") return v.toString(); // exact: a float64 would round a counter past 2^53
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

/** The page of a reading. */
export function metricsText(stats: Stats, build: BuildInfo, rows: readonly MetricRow[] = METRICS): string {
  let out = "";
  for (const m of rows) {
    const samples = [...m.samples(stats, build)];
    if (samples.length === 0) continue; // (a file run has no ring figures: no family at all)
    out += `# HELP ${m.name} ${helpText(m.help)}\n# TYPE ${m.name} ${m.type}\n`;
    for (const [labels, v] of samples) {
      const l = labels.length === 0 ? "" : `{${labels.map(([k, x]) => `${k}="${labelValue(x)}"`).join(",")}}`;
      out += `${m.name}${l} ${valueText(v)}\n`;
    }
  }
  return out;
}
