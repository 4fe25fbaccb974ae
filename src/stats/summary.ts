// What a user sees: the end-of-run summary (also SIGUSR1's statistics), read from the
// registry's object, and the progress line for long files.

import type { DestinationFigures, Stats, TargetFigures } from "./registry";
import type { LiveStatistics } from "../sources/source";

const fmt = (n: bigint | number) => n.toLocaleString("en-US");
/** "1 packet", "2 packets". */
const count = (n: bigint | number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 || n === 1n ? one : many}`;

function rate(n: bigint, seconds: number): string {
  if (seconds <= 0) return "-";
  const r = Number(n) / seconds;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k` : r.toFixed(0);
}

export interface SummaryContext {
  /** Bytes of the capture file to say were read; -1 for none (live capture, statistics mid-run). */
  fileBytes: number;
  maxflows: number;
  /** What the cache costs at most (describeCache; written only when a summary is). */
  cacheAtMost: string;
}

export function summaryText(stats: Stats, ctx: SummaryContext): string {
  const s = stats.meter;
  const { skipped: skipReasons, ended: endReasons } = stats.labels;
  const lines: string[] = [];
  const bytes = ctx.fileBytes >= 0 ? ` (${fmt(ctx.fileBytes)} bytes)` : "";
  lines.push(`flowprobe: ${stats.source}: read ${count(s.read, "packet")}${bytes} in ${stats.seconds.toFixed(3)} s, ${rate(s.read, stats.seconds)} packets/s`);
  const unselected = s.unselected > 0n ? `, not selected by any target ${fmt(s.unselected)}` : "";
  lines.push(`  metered ${count(s.metered, "packet")} (${count(s.bytes, "IP byte")}; ${fmt(s.ipv6)} of the packets IPv6)${unselected}, non-IP ${fmt(s.nonIp)}, skipped ${fmt(s.skippedTotal)}`);
  if (s.skippedTotal > 0n) {
    const parts = skipReasons.filter((r) => s.skipped.has(r.key)).map((r) => `${r.text}: ${fmt(s.skipped.get(r.key)!)}`);
    lines.push(`  skipped by reason: ${parts.join("; ")}`);
  }
  if (s.timeBack > 0n) lines.push(`  packets older than the meter clock (reordered): ${fmt(s.timeBack)}`);
  const ends = endReasons.map((r) => `${r.text} ${fmt(s.exported.get(r.key) ?? 0n)}`).join(", ");
  lines.push(`  flows exported ${fmt(s.exportedTotal)}: ${ends}`);
  const ne = s.notExportable;
  if (ne.ipv6InV5 + ne.timeUnsendable > 0n) {
    lines.push(`  flows the export format cannot carry (not sent): IPv6 in NetFlow v5 ${fmt(ne.ipv6InV5)}, time past 2106 ${fmt(ne.timeUnsendable)}`);
  }
  if (s.lost.datagrams > 0n) {
    lines.push(`  round-robin with every collector down: ${count(s.lost.datagrams, "datagram")} not sent to any, holding ${count(s.lost.records, "flow record")} (lost)`);
  }
  if (s.counterSplits > 0n) lines.push(`  flows exported early before a 32-bit counter of the format overflowed: ${fmt(s.counterSplits)}`);
  const f = stats.flood;
  if (f.alerts.pps + f.alerts.newFlows + f.lost > 0n) {
    const a = f.actions;
    const actions = a.run + a.skipped > 0n ? `; --flood-action run ${fmt(a.run)} (failed ${fmt(a.failed)}), not run over the rate limit ${fmt(a.skipped)}` : "";
    lines.push(`  flood alerts ${fmt(f.alerts.pps + f.alerts.newFlows)} (pps ${fmt(f.alerts.pps)}, new-flows ${fmt(f.alerts.newFlows)}): logged ${fmt(f.logged)}, held off ${fmt(f.heldOff)}, lost ${fmt(f.lost)}${actions}`);
  }
  if (s.uptimeRestarts > 0n) lines.push(`  NetFlow uptime epoch restarted (capture longer than 49.7 days): ${fmt(s.uptimeRestarts)}`);
  lines.push(`  peak active flows ${fmt(s.peak)} of ${fmt(ctx.maxflows)}; cache memory in use ${(s.heapBytes / 1048576).toFixed(1)} MiB, at most ${ctx.cacheAtMost}`);
  return lines.join("\n") + "\n";
}

/** A one-line progress display, rewritten in place at most every `intervalMs`. */
export class ProgressLine {
  private last: number;
  private shown = false;
  constructor(
    private readonly write: (s: string) => void,
    private readonly totalBytes: number,
    private readonly start: number,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {
    this.last = start; // a run shorter than one interval shows no progress line at all
  }

  update(bytes: number, packets: bigint): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) return;
    this.last = t;
    const secs = (t - this.start) / 1000;
    const of = this.totalBytes > 0 ? ` of ${(this.totalBytes / 1048576).toFixed(1)} MiB (${((100 * bytes) / this.totalBytes).toFixed(0)}%)` : "";
    this.write(`\r\x1b[K  ${(bytes / 1048576).toFixed(1)} MiB${of}, ${fmt(packets)} packets, ${rate(packets, secs)} packets/s`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.write("\r\x1b[K");
    this.shown = false;
  }
}

/**
 * One line per collector (src/targets/udp.ts says what each figure means): datagrams = sent +
 * not sent, by reason; then what the network reported, which refers to datagrams already sent.
 */
export function destinationsText(destinations: readonly DestinationFigures[]): string {
  return destinations.map((d) => {
    const c = d.counters;
    const notSent = c.refused + c.unreachable + c.bufferFull + c.queueFull + c.other;
    const addr = d.address && d.address !== d.host ? ` (${d.address})` : "";
    return `  collector ${d.label}${addr}: datagrams ${fmt(c.datagrams)} = sent ${fmt(c.sent)} + not sent ${fmt(notSent)}` +
      ` (refused ${fmt(c.refused)}, unreachable ${fmt(c.unreachable)}, send buffer full ${fmt(c.bufferFull)}, send queue full ${fmt(c.queueFull)}, other ${fmt(c.other)})` +
      `; ${count(c.bytes, "byte")} sent; the network reported port unreachable ${fmt(c.portUnreachable)}, host unreachable ${fmt(c.hostUnreachable)}` +
      `; its datagrams held ${count(d.records, "flow record")}` +
      `${c.downs > 0 ? `; down ${count(c.downs, "time")}, reached again ${count(c.reopened, "time")}` : ""}` +
      `${c.lastError ? `; last error: ${c.lastError}` : ""}\n`;
  }).join("");
}

/**
 * Per target (runs whose targets a config file gave): what its selector chose, its flows by
 * end reason, its cache, and its collectors' lines beneath it.
 */
export function targetsText(stats: Stats, cacheAtMost: (target: number) => string, maxflows: (target: number) => number): string {
  const ended = stats.labels.ended;
  return stats.targets.map((t: TargetFigures, k) => {
    const m = t.meter;
    const to = t.destinations.length === 0 ? "standard output" : `${count(t.destinations.length, "collector")}${t.destinations.length > 1 ? `, ${t.mode}` : ""}`;
    const ends = ended.map((r) => `${r.text} ${fmt(m.exported.get(r.key) ?? 0n)}`).join(", ");
    return `  target ${t.name} (${t.title} to ${to}): packets selected ${fmt(m.packets)}; flows exported ${fmt(m.exportedTotal)}: ${ends}\n` +
      `    peak active flows ${fmt(m.peak)} of ${fmt(maxflows(k))}; cache at most ${cacheAtMost(k)}\n` +
      destinationsText(t.destinations).replace(/^ {2}collector/gm, "    collector");
  }).join("");
}

/** --config: the file, and what the command line set instead of it. */
export function configText(c: { file: string; hasTargets: boolean; commandLine: readonly string[]; overridden: readonly string[] }, targets: number): string {
  const what = c.hasTargets ? count(targets, "target") : "one target of its options";
  const flags = c.commandLine.map((n) => `--${n}${c.overridden.includes(n) ? " (instead of the file's)" : ""}`);
  return `  config ${c.file}: ${what}; from the command line: ${flags.length > 0 ? flags.join(", ") : "nothing"}; the rest from the file or the defaults\n`;
}

/** Live capture: what the kernel counted for the rings, and the shim's restarts; with several interfaces, a line for each one's ring. */
export function kernelText(r: LiveStatistics & { clockSteps: number }): string {
  const ifs = [...r.interfaces].map(([i, n]) => `${n} (ifindex ${i})`).join(", ");
  // (one interface: its row is the totals)
  const rows = (of: (x: LiveStatistics["rings"][number]) => string) => (r.rings.length > 1 ? r.rings.map((x) => `    ${x.name}: ${of(x)}\n`).join("") : "");
  if (r.backend === "cap") {
    return `  capture: libpcap (--capture cap): packets ${fmt(r.kernel.packets)}, drops not reported (cap does not give libpcap's); interfaces ${ifs || "none opened"}` +
      `${r.restarts > 0 ? `; capture process restarted ${r.restarts} times` : ""}${r.clockSteps > 0 ? `; system clock steps ${r.clockSteps}` : ""}\n` +
      rows((x) => `packets ${fmt(x.packets)}`);
  }
  return `  kernel: packets ${fmt(r.kernel.packets)}, ring drops ${fmt(r.kernel.drops)}, ring freezes ${fmt(r.kernel.freezes)}` +
    `; interfaces ${ifs || "none opened"}${r.restarts > 0 ? `; capture shim restarted ${r.restarts} times` : ""}` +
    `${r.clockSteps > 0 ? `; system clock steps ${r.clockSteps}` : ""}\n` +
    rows((x) => `packets ${fmt(x.packets)}, ring drops ${fmt(x.drops)}, ring freezes ${fmt(x.freezes)}`);
}
