// The tests' own reading of ipt_NETFLOW's aggregation rules (its README, "aggregation="),
// written apart from flowprobe's (src/config/aggregation.ts, assembly/cache/key.ts) so that
// one checks the other: addresses as BigInts, rules as plain text, applied to the oracle's
// flows (tshark's 5-tuples). Netmask rules NET/LEN=LEN and port rules PORT[-PORT]=PORT, each
// kind tried in order, the first match wins, to source and destination alike; port rules
// only for protocols with ports (TCP 6, UDP 17, UDP-Lite 136, SCTP 132), never ICMP.
import { isIPv6 } from "node:net";

/** An address as [family, BigInt value]. */
export function addrValue(text) {
  if (!isIPv6(text)) return [4, text.split(".").reduce((n, b) => (n << 8n) | BigInt(b), 0n)];
  const url = new URL(`http://[${text}]`).hostname.slice(1, -1); // canonical, "::" expanded below
  const [head, tail] = url.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = url.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return [6, groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n)];
}

/** A [family, value] as text (IPv6 in RFC 5952 form, through URL). */
export function addrText(family, v) {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
  const groups = [];
  for (let i = 7n; i >= 0n; i--) groups.push(((v >> (i * 16n)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
}

const bits = (family) => (family === 4 ? 32n : 128n);
const maskOf = (family, len) => ((1n << bits(family)) - 1n) ^ ((1n << (bits(family) - BigInt(len))) - 1n);

/** Rule texts → { nets: [{ family, net, mask, to }], ports: [{ first, last, to }] }. */
export function readRules(rules) {
  const nets = [], ports = [];
  for (const r of rules) {
    const [left, right] = r.split("=");
    if (left.includes("/")) {
      const [a, len] = left.split("/");
      const [family, net] = addrValue(a);
      nets.push({ family, net, mask: maskOf(family, Number(len)), to: maskOf(family, Number(right)) });
    } else {
      const [first, last = first] = left.split("-").map(Number);
      ports.push({ first, last, to: Number(right) });
    }
  }
  return { nets, ports };
}

/** An address aggregated by the first netmask rule of its family that holds it. */
export function aggregateAddr(text, rules) {
  const [family, v] = addrValue(text);
  for (const n of rules.nets) if (n.family === family && (v & n.mask) === n.net) return addrText(family, v & n.to);
  return addrText(family, v);
}

const WITH_PORTS = new Set([6, 17, 132, 136]);

/** A port aggregated by the first port rule whose range holds it (protocols with ports only). */
export function aggregatePort(port, proto, rules) {
  if (!WITH_PORTS.has(proto)) return port;
  for (const p of rules.ports) if (port >= p.first && port <= p.last) return p.to;
  return port;
}

/** The oracle's flows summed by their aggregated key `src|dst|proto|sport|dport` (ICMP and
 * other protocols without ports: `src|dst|proto`): Map key → { packets, bytes } (BigInt). */
export function aggregateOracle(flows, ruleTexts, { ports = true } = {}) {
  const rules = readRules(ruleTexts);
  const out = new Map();
  for (const f of flows) {
    const src = aggregateAddr(f.src, rules), dst = aggregateAddr(f.dst, rules);
    const k = ports && WITH_PORTS.has(f.proto)
      ? `${src}|${dst}|${f.proto}|${aggregatePort(f.sport, f.proto, rules)}|${aggregatePort(f.dport, f.proto, rules)}`
      : `${src}|${dst}|${f.proto}`;
    const g = out.get(k) ?? { packets: 0n, bytes: 0n };
    g.packets += BigInt(f.packets);
    g.bytes += BigInt(f.bytes);
    out.set(k, g);
  }
  return out;
}

/** Exported flows ({ src, dst, proto, sport, dport, packets, bytes }) summed by the same key. */
export function sumFlows(flows, { ports = true } = {}) {
  const out = new Map();
  for (const f of flows) {
    const canon = (a) => addrText(...addrValue(a));
    const k = ports && WITH_PORTS.has(Number(f.proto))
      ? `${canon(f.src)}|${canon(f.dst)}|${f.proto}|${f.sport}|${f.dport}`
      : `${canon(f.src)}|${canon(f.dst)}|${f.proto}`;
    const g = out.get(k) ?? { packets: 0n, bytes: 0n };
    g.packets += BigInt(f.packets);
    g.bytes += BigInt(f.bytes);
    out.set(k, g);
  }
  return out;
}
