// Deterministic synthetic capture for the benchmark: classic pcap, Ethernet, µs timestamps,
// little-endian, snap length 96 (wire length = 14 + IP total length, as a gateway sees it).
//
//   node bench/gen.mjs --out FILE [--packets N] [--flows N] [--variant uniform|open40k]
//                      [--open N] [--seed N]
//
// Variants (both 60 s of capture time):
//   uniform  every flow lives the whole minute; each packet belongs to a flow drawn uniformly,
//            so nearly all flows are in a meter's cache at once (the memory case).
//   open40k  flows arrive steadily, each sends a packet every g seconds for L seconds, and
//            L and g are chosen so that about --open flows (default 40,000) are in the cache at
//            once under a 15 s inactive timeout; flows keep arriving and expiring (churn).
//
// Flows are one-directional and never send FIN or RST, so the number of flow records a meter
// reports follows from the timeouts alone: the generator counts them for a 15 s inactive
// timeout (flowprobe's default) and prints them with the distinct 5-tuples, as one JSON line on
// stdout; the same goes to FILE.json, which bench/run.mjs uses as its cache key.
//
// Same arguments, same bytes: everything comes from one seeded PRNG.

import * as fs from "node:fs";
import { pathToFileURL } from "node:url";

/** Bumped whenever the output for the same arguments changes, so cached files are remade. */
export const GENERATOR_VERSION = 1;

export const DEFAULTS = Object.freeze({ packets: 2_000_000, flows: 100_000, variant: "uniform", open: 40_000, seed: 1 });

const SNAPLEN = 96;
const DURATION_US = 60_000_000;
const START_S = 1_700_000_000; // 2023-11-14, any fixed time works
const INACTIVE_US = 15_000_000; // flowprobe's default, for the expected record count
const MTU = 1500;
const ETH = 14;
const PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58;

/** mulberry32: tiny, fast, and good enough to pick sizes and ports. Returns [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A bijection on 24 bits: unique source addresses per flow that are not sequential, so a
 *  meter's hash is not flattered by consecutive keys. */
function scramble24(x) {
  x = Math.imul(x, 0x9e3779) & 0xffffff; // odd multiplier: invertible mod 2^24
  x ^= x >>> 12;
  x = Math.imul(x, 0x2c1b3d) & 0xffffff;
  return x ^ (x >>> 11);
}

const DST_PORTS = [443, 443, 443, 443, 80, 80, 53, 123, 22, 8080, 993, 5222];

/**
 * Per-flow packet templates (Ethernet + IP + L4 header, SNAPLEN bytes each) and the little
 * per-flow state the writer patches per packet. The flow's index fixes its source address, so
 * every flow is a distinct 5-tuple.
 */
function makeFlows(n, rand) {
  const tmpl = Buffer.alloc(n * SNAPLEN);
  const proto = new Uint8Array(n);
  const v6 = new Uint8Array(n);
  const l4At = new Uint8Array(n); // offset of the L4 header in the frame
  const minTotal = new Uint16Array(n); // smallest IP total length: headers only
  const ipSum = new Uint32Array(n); // IPv4 header words except total length, id and checksum
  const l4Sum = new Uint32Array(n); // pseudo-header addresses and protocol + L4 header words that never change
  const seq = new Uint32Array(n); // TCP sequence number, ICMP echo sequence number
  const ipId = new Uint16Array(n);

  for (let f = 0; f < n; f++) {
    const o = f * SNAPLEN;
    const isV6 = rand() < 0.1;
    const r = rand();
    const p = r < 0.7 ? PROTO_TCP : r < 0.97 ? PROTO_UDP : isV6 ? PROTO_ICMPV6 : PROTO_ICMP;
    v6[f] = isV6 ? 1 : 0;
    proto[f] = p;

    // Ethernet: locally administered MACs, a handful of "hosts" on each side
    tmpl.writeUInt32BE(0x02000000 | (f & 0xff), o);
    tmpl.writeUInt16BE(0x0001, o + 4);
    tmpl.writeUInt32BE(0x02000001, o + 6);
    tmpl.writeUInt16BE((f >>> 8) & 0xff, o + 10);
    tmpl.writeUInt16BE(isV6 ? 0x86dd : 0x0800, o + 12);

    const src = scramble24(f);
    let l4;
    if (isV6) {
      const ip = o + ETH;
      tmpl.writeUInt32BE(0x60000000 | (Math.floor(rand() * 0x100000)), ip); // version 6, flow label
      tmpl[ip + 6] = p;
      tmpl[ip + 7] = 64;
      tmpl.writeUInt32BE(0xfd000000, ip + 8); // fd00::/8 ULA, the flow's number in the low bits
      tmpl.writeUInt32BE(src, ip + 20);
      tmpl.writeUInt32BE(0x20010db8, ip + 24); // 2001:db8::/32, random host
      for (let k = 28; k < 40; k += 4) tmpl.writeUInt32BE(Math.floor(rand() * 4294967296), ip + k);
      l4 = ETH + 40;
    } else {
      const ip = o + ETH;
      let first;
      do first = 1 + Math.floor(rand() * 223); while (first === 10 || first === 127); // unicast, not ours, not loopback
      const dst = ((first << 24) | Math.floor(rand() * 0x1000000)) >>> 0;
      tmpl[ip] = 0x45;
      tmpl.writeUInt16BE(0x4000, ip + 6); // DF
      tmpl[ip + 8] = 64;
      tmpl[ip + 9] = p;
      tmpl.writeUInt32BE((0x0a000000 | src) >>> 0, ip + 12); // 10.0.0.0/8
      tmpl.writeUInt32BE(dst, ip + 16);
      let sum = 0;
      for (let k = 0; k < 20; k += 2) sum += tmpl.readUInt16BE(ip + k);
      ipSum[f] = sum;
      l4 = ETH + 20;
    }
    l4At[f] = l4;

    const t = o + l4;
    if (p === PROTO_TCP || p === PROTO_UDP) {
      tmpl.writeUInt16BE(32768 + Math.floor(rand() * 28232), t);
      tmpl.writeUInt16BE(DST_PORTS[Math.floor(rand() * DST_PORTS.length)], t + 2);
    }
    if (p === PROTO_TCP) {
      seq[f] = Math.floor(rand() * 4294967296);
      tmpl.writeUInt32BE(Math.floor(rand() * 4294967296), t + 8); // ack
      tmpl[t + 12] = 0x50; // data offset 5 words
      tmpl.writeUInt16BE(65535, t + 14); // window
      minTotal[f] = l4 - ETH + 20;
    } else if (p === PROTO_UDP) {
      minTotal[f] = l4 - ETH + 8;
    } else {
      tmpl[t] = p === PROTO_ICMP ? 8 : 128; // echo request
      tmpl.writeUInt16BE(Math.floor(rand() * 65536), t + 4); // identifier
      minTotal[f] = l4 - ETH + 8;
    }

    // L4 checksums are made for a payload of zeros, so fully captured packets check out
    let sum = 0;
    if (p !== PROTO_ICMP) {
      for (let k = isV6 ? 8 : 12; k < l4 - ETH; k += 2) sum += tmpl.readUInt16BE(o + ETH + k);
      sum += p;
    }
    for (let k = 0; k < minTotal[f] - (l4 - ETH); k += 2) sum += tmpl.readUInt16BE(t + k);
    l4Sum[f] = sum;
  }
  return { tmpl, proto, v6, l4At, minTotal, ipSum, l4Sum, seq, ipId };
}

/** IP total length: mostly header-sized (ACKs, DNS) or full-MTU packets, some in between. */
function totalLength(min, rand) {
  const r = rand();
  if (r < 0.45) return min + Math.floor(rand() * 13);
  if (r < 0.85) return MTU;
  return min + Math.floor(rand() * (MTU - min + 1));
}

/** Internet checksum of a sum of 16-bit words (RFC 1071). */
function fold(sum) {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Buffered pcap writer with a running count of flow records at INACTIVE_US. */
class PcapWriter {
  constructor(file, flows, nflows, rand) {
    this.fd = fs.openSync(file, "w");
    this.buf = Buffer.allocUnsafe(8 << 20);
    this.flows = flows;
    this.rand = rand;
    this.packets = 0;
    this.bytes = 0;
    // per flow: time of its last packet, -1 before the first; records split where a gap
    // exceeds the inactive timeout, as flowprobe does (a packet later than last + timeout)
    this.last = new Float64Array(nflows).fill(-1);
    this.recordStarts = [];
    this.recordEnds = []; // last packet + timeout: the record leaves the cache after this
    this.distinct = 0;

    const h = this.buf;
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(0, 8); // thiszone
    h.writeUInt32LE(0, 12); // sigfigs
    h.writeUInt32LE(SNAPLEN, 16);
    h.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.pos = 24;
  }

  packet(tUs, f) {
    if (this.pos + 16 + SNAPLEN > this.buf.length) this.flush();
    const F = this.flows;
    const rand = this.rand;
    const total = totalLength(F.minTotal[f], rand);
    const wire = ETH + total;
    const cap = wire < SNAPLEN ? wire : SNAPLEN;
    const b = this.buf;
    let p = this.pos;
    b.writeUInt32LE(START_S + Math.floor(tUs / 1e6), p);
    b.writeUInt32LE(tUs % 1e6, p + 4);
    b.writeUInt32LE(cap, p + 8);
    b.writeUInt32LE(wire, p + 12);
    p += 16;
    F.tmpl.copy(b, p, f * SNAPLEN, f * SNAPLEN + cap);

    const ip = p + ETH;
    const l4 = p + F.l4At[f];
    const ipHeader = F.l4At[f] - ETH;
    if (F.v6[f]) {
      b.writeUInt16BE(total - 40, ip + 4);
    } else {
      const id = (F.ipId[f] = (F.ipId[f] + 1) & 0xffff);
      b.writeUInt16BE(total, ip + 2);
      b.writeUInt16BE(id, ip + 4);
      b.writeUInt16BE(fold(F.ipSum[f] + total + id), ip + 10);
    }
    const proto = F.proto[f];
    const l4Length = total - ipHeader;
    let sum = F.l4Sum[f];
    if (proto === PROTO_TCP) {
      const s = F.seq[f];
      const flags = l4Length > 20 ? 0x18 : 0x10; // PSH|ACK with data, else ACK
      b.writeUInt32BE(s, l4 + 4);
      b[l4 + 13] = flags;
      F.seq[f] = (s + l4Length - 20) >>> 0;
      sum += l4Length + (s >>> 16) + (s & 0xffff) + flags;
      b.writeUInt16BE(fold(sum), l4 + 16);
    } else if (proto === PROTO_UDP) {
      b.writeUInt16BE(l4Length, l4 + 4);
      sum += 2 * l4Length; // in the pseudo-header and the UDP header
      b.writeUInt16BE(fold(sum) || 0xffff, l4 + 6); // 0 would mean "no checksum"
    } else {
      const s = (F.seq[f] = (F.seq[f] + 1) & 0xffff);
      b.writeUInt16BE(s, l4 + 6);
      sum += s + (proto === PROTO_ICMPV6 ? l4Length : 0); // only ICMPv6 has a pseudo-header
      b.writeUInt16BE(fold(sum), l4 + 2);
    }
    this.pos = p + cap;
    this.packets++;
    this.bytes += total;

    const last = this.last[f];
    if (last < 0) this.distinct++;
    if (last < 0 || tUs - last > INACTIVE_US) {
      if (last >= 0) this.recordEnds.push(last + INACTIVE_US);
      this.recordStarts.push(tUs);
    }
    this.last[f] = tUs;
  }

  flush() {
    fs.writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }

  close() {
    this.flush();
    fs.closeSync(this.fd);
    for (const t of this.last) if (t >= 0) this.recordEnds.push(t + INACTIVE_US);
  }

  /** Most flow records in a cache at once: starts come in time order, ends are sorted here. */
  peakOpen() {
    const ends = Float64Array.from(this.recordEnds).sort();
    let open = 0, peak = 0, e = 0;
    for (const s of this.recordStarts) {
      while (e < ends.length && ends[e] < s) { e++; open--; }
      open++;
      if (open > peak) peak = open;
    }
    return peak;
  }
}

/** Every flow for the whole minute, packets evenly spaced in time, flows drawn uniformly. */
function scheduleUniform(w, packets, flows, rand) {
  for (let k = 0; k < packets; k++) {
    w.packet(Math.floor((k * DURATION_US) / packets), Math.floor(rand() * flows));
  }
}

/**
 * Steady arrivals at rate λ; each flow sends n packets g apart (lifetime L = n·g). A flow stays
 * in the cache from its first packet until INACTIVE_US after its last, so about λ·(L + timeout)
 * flows are open at once. Start times run from -L, so the capture begins in the steady state
 * (flows already under way) rather than with an empty cache.
 * Every flow's packets fall on its own phase s mod g; walking time slot by slot with the flows
 * sorted by phase emits packets in time order without sorting millions of them.
 */
function scheduleOpen(w, packets, flows, open, rand) {
  const T = DURATION_US, TO = INACTIVE_US;
  // open = λ(L + TO) and flows = λ(T + L)  ⇒  L = (open·T − flows·TO) / (flows − open)
  if (!(flows > open && open * T > flows * TO)) {
    throw new Error(`--variant open40k needs --open < --flows < 4·--open (60 s capture, 15 s timeout); got flows ${flows}, open ${open}`);
  }
  const L = Math.round((open * T - flows * TO) / (flows - open));
  // packets ≈ λ·T·L / g
  const g = Math.max(1, Math.round((flows * T * L) / ((T + L) * packets)));
  if (g > TO) throw new Error(`too few packets for ${flows} flows: the gap within a flow (${g / 1e6} s) would exceed the 15 s timeout`);
  const n = Math.max(1, Math.round(L / g));

  const start = new Float64Array(flows);
  const phase = new Float64Array(flows);
  for (let f = 0; f < flows; f++) {
    start[f] = Math.floor(rand() * (T + L)) - L;
    phase[f] = ((start[f] % g) + g) % g;
  }
  const order = Uint32Array.from({ length: flows }, (_, i) => i).sort((a, b) => phase[a] - phase[b]);
  for (let slot = 0; slot * g < T; slot++) {
    for (const f of order) {
      const t = slot * g + phase[f];
      if (t >= T) continue;
      const j = (t - start[f]) / g;
      if (j >= 0 && j < n) w.packet(t, f);
    }
  }
}

/** The arguments that decide the bytes: what a cached file must match. */
export function paramsOf(opts) {
  const o = { ...DEFAULTS, ...opts };
  return { variant: o.variant, packets: o.packets, flows: o.flows, open: o.variant === "open40k" ? o.open : null, seed: o.seed };
}

/** Writes the capture and FILE.json; returns what was written. */
export function generate(opts) {
  const o = { ...DEFAULTS, ...opts };
  if (!o.out) throw new Error("--out FILE is required");
  if (!(o.flows >= 1 && o.flows <= 1 << 24)) throw new Error(`--flows must be 1..${1 << 24}`);
  if (!(o.packets >= 1)) throw new Error("--packets must be at least 1");
  if (o.variant !== "uniform" && o.variant !== "open40k") throw new Error(`--variant must be uniform or open40k, not ${o.variant}`);
  const t0 = process.hrtime.bigint();
  const rand = mulberry32(o.seed);
  const flows = makeFlows(o.flows, rand);
  const tmp = `${o.out}.partial`; // a crash must not leave a file that looks finished
  const w = new PcapWriter(tmp, flows, o.flows, rand);
  try {
    if (o.variant === "uniform") scheduleUniform(w, o.packets, o.flows, rand);
    else scheduleOpen(w, o.packets, o.flows, o.open, rand);
    w.close();
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.renameSync(tmp, o.out);

  const meta = {
    generator: GENERATOR_VERSION,
    params: paramsOf(o),
    file: o.out,
    fileBytes: fs.statSync(o.out).size,
    packets: w.packets,
    ipBytes: w.bytes,
    distinctFiveTuples: w.distinct,
    ipv6Flows: countUsed(w.last, flows.v6),
    tcpFlows: countUsed(w.last, flows.proto, PROTO_TCP),
    udpFlows: countUsed(w.last, flows.proto, PROTO_UDP),
    flowRecordsAt15s: w.recordStarts.length,
    peakOpenAt15s: w.peakOpen(),
    captureSeconds: DURATION_US / 1e6,
    generateSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
  fs.writeFileSync(`${o.out}.json`, JSON.stringify(meta, null, 2) + "\n");
  return meta;
}

/** Flows that got at least one packet and whose attribute matches (nonzero, or equals `value`). */
function countUsed(last, attr, value) {
  let n = 0;
  for (let f = 0; f < last.length; f++) if (last[f] >= 0 && (value === undefined ? attr[f] !== 0 : attr[f] === value)) n++;
  return n;
}

function parseArgs(argv) {
  const o = {};
  const numeric = new Set(["packets", "flows", "open", "seed"]);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(out|packets|flows|variant|open|seed)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) throw new Error(`usage: node bench/gen.mjs --out FILE [--packets N] [--flows N] [--variant uniform|open40k] [--open N] [--seed N] (at ${argv[i]})`);
    const v = argv[++i];
    if (numeric.has(m[1])) {
      if (!/^\d+$/.test(v)) throw new Error(`--${m[1]} takes a whole number, not ${v}`);
      o[m[1]] = Number(v);
    } else {
      o[m[1]] = v;
    }
  }
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.stdout.write(JSON.stringify(generate(parseArgs(process.argv.slice(2)))) + "\n");
  } catch (e) {
    process.stderr.write(`gen: ${e.message}\n`);
    process.exit(2);
  }
}
