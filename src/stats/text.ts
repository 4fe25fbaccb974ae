// The stat text (flowprobe stat, --stat-file) and its JSON (flowprobe stat --json), both from
// one registry reading. The text follows ipt_NETFLOW's /proc/net/stat/ipt_netflow in shape —
// a few dense lines, a line per target and per collector — documented line by line in
// docs/control.md. The JSON carries every 64-bit counter exactly: jsonOf writes a bigint as
// its digits, never through a float.

import type { Stats } from "./registry";

const fmt = (n: bigint | number) => n.toString();
const r2 = (n: number) => n.toFixed(2);
const r0 = (n: number) => Math.round(n).toString();

/** "2d3h4m5s" of seconds (ipt_NETFLOW's "reached 0d0h1m ago" shape). */
export function duration(s: number): string {
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${d}d${h}h${m}m${s % 60}s`;
}

const k = (bytes: number) => `${Math.round(bytes / 1024)}K`;

export interface StatContext {
  /** flowprobe's version. */
  version: string;
}

/** The stat text of a reading. */
export function statText(s: Stats, c: StatContext): string {
  const m = s.meter;
  const L: string[] = [];
  L.push(`flowprobe ${c.version}, uptime ${duration(s.seconds)}; source ${s.source}; rates by ${s.rates.clock}`);
  L.push(`Packets: read ${fmt(m.read)}, metered ${fmt(m.metered)} (${fmt(m.bytes)} bytes, IPv6 ${fmt(m.ipv6)}), not selected ${fmt(m.unselected)}, non-IP ${fmt(m.nonIp)}, skipped ${fmt(m.skippedTotal)}, older than the clock ${fmt(m.timeBack)}`);
  const p = s.rates.packets;
  const b = s.rates.bits;
  L.push(`Rate: ${r0(b[0]!)} bits/sec, ${r0(p[0]!)} packets/sec; Avg 1 min: ${r0(b[1]!)} bps, ${r0(p[1]!)} pps; 5 min: ${r0(b[2]!)} bps, ${r0(p[2]!)} pps`);
  L.push(`Skipped: ${s.labels.skipped.map((r) => `${r.key} ${fmt(m.skipped.get(r.key) ?? 0n)}`).join(", ")}`);
  L.push(`Flows: active ${m.active} (peak ${m.peak}), created ${fmt(m.created)}; exported ${fmt(m.exportedTotal)}: ${s.labels.ended.map((r) => `${r.key} ${fmt(m.exported.get(r.key) ?? 0n)}`).join(", ")}`);
  const q = s.search;
  L.push(`Hash: metric ${r2(q.metric)} [${q.averages.map(r2).join(", ")}] (index entries read per lookup, now [1, 5, 15 min]); lookups ${fmt(q.lookups)}, probes ${fmt(q.probes)}`);
  if (s.counters.length > 0) L.push(`Counters: ${s.counters.map((c) => `${c.name} ${fmt(c.packets)}/${fmt(c.bytes)}`).join(", ")} (packets/bytes since the last counters --reset)`);
  L.push(`Memory: Wasm ${k(m.memoryBytes)}, heap in use ${k(m.heapBytes)}`);
  if (s.input.kind === "live") {
    const i = s.input;
    const cap = i.backend === "cap";
    const drops = (r: { drops: bigint; freezes: bigint }) => (cap ? "drops not reported" : `ring drops ${fmt(r.drops)}, freezes ${fmt(r.freezes)}`);
    // with a row per interface below, the interfaces need no list of their own here
    const ifs = i.rings.length > 0 ? "" : `; interfaces ${[...i.interfaces].map(([n, name]) => `${name}(${n})`).join(" ") || "none"}`;
    L.push(`Capture: ${i.backend}, ${cap ? "packets" : "kernel packets"} ${fmt(i.kernel.packets)}, ${drops(i.kernel)} (all interfaces together)${ifs}; restarts ${i.restarts}; clock steps ${s.clockSteps}`);
    for (const r of i.rings) L.push(`  iface ${r.name}(${r.ifindex}${r.open ? "" : ", awaited"}): packets ${fmt(r.packets)}, ${drops(r)}`);
  } else {
    L.push(`Input: file, ${fmt(s.input.bytes)} bytes read${s.input.size >= 0 ? ` of ${fmt(s.input.size)}` : ""}`);
  }
  for (const t of s.targets) {
    const x = t.cache;
    const tm = t.meter;
    const tp = t.packetRates;
    const tb = t.bitRates;
    L.push(`Target ${t.name} (${t.title}${t.destinations.length > 1 ? `, ${t.mode}` : ""}): packets ${fmt(tm.packets)}, bytes ${fmt(tm.bytes)}; Rate: ${r0(tb[0]!)} bits/sec, ${r0(tp[0]!)} pps; Avg 1 min: ${r0(tb[1]!)} bps, ${r0(tp[1]!)} pps; 5 min: ${r0(tb[2]!)} bps, ${r0(tp[2]!)} pps`);
    L.push(`  Flows: active ${x.active} (peak ${x.peak} reached ${duration(s.seconds - x.peakAtS)} ago, maxflows ${x.maxflows}), mem ${k(x.memoryInUse)} of ${k(x.memoryReserved)} reserved`);
    const ts = t.search;
    L.push(`  Hash: size ${x.indexSize} (at most ${x.indexMax}, mem ${k(x.indexSize * 4)}), fill ${r2(x.indexFill)}; metric ${r2(ts.metric)} [${ts.averages.map(r2).join(", ")}], lookups ${fmt(ts.lookups)}, probes ${fmt(ts.probes)}`);
    L.push(`  Export: ${fmt(tm.exportedTotal)} flows: ${s.labels.ended.map((r) => `${r.key} ${fmt(tm.exported.get(r.key) ?? 0n)}`).join(", ")}${t.queue ? `; send queue ${t.queue.waiting} datagrams (${t.queue.waitingBytes} bytes), peak ${t.queue.peak}` : ""}`);
    for (const d of t.destinations) {
      const n = d.counters;
      L.push(`  sock ${d.label}${d.address && d.address !== d.host ? ` (${d.address})` : ""}: sent ${n.sent} pkts, ${n.bytes} bytes, ${fmt(d.records)} flows, ${fmt(d.templates)} templates; sndbuf ${d.socket.sndbuf}, node queue ${d.socket.nodeQueueCount} (${d.socket.nodeQueueBytes} bytes); err: refused ${n.refused}, unreachable ${n.unreachable}, sndbuf full ${n.bufferFull}, queue full ${n.queueFull}, other ${n.other}; icmp port ${n.portUnreachable}, host ${n.hostUnreachable}; down ${n.downs}`);
    }
  }
  return L.join("\n") + "\n";
}

/** JSON text of a value, bigints written as their digits (exact past 2^53). */
export function jsonOf(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Map) return jsonOf(Object.fromEntries(v));
  if (Array.isArray(v)) return `[${v.map(jsonOf).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== "function").map(([key, x]) => `${JSON.stringify(key)}:${jsonOf(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The JSON object of a reading (stat --json): the registry's object as it is, labels aside. */
export function statObject(s: Stats): Record<string, unknown> {
  const { labels: _labels, input, ...rest } = s;
  return { ...rest, uptimeS: s.seconds, input: input.kind === "live" ? { ...input, interfaces: Object.fromEntries([...input.interfaces].map(([i, n]) => [String(i), n])) } : input };
}
