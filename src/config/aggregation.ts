// Room config/: the option schema and what parses its values (argv.ts says the rest); this
// file sorts first in it. Imports nothing of the meter, the targets or the sources.
//
// Aggregation rules in ipt_NETFLOW's syntax (its README, "aggregation="): netmask rules
// NET/LEN=LEN (`192.0.0.0/8=16`: an address in 192.0.0.0/8 is keyed by its first 16 bits;
// IPv6 too, `2001:db8::/32=48`) and port rules PORT[-PORT]=PORT (`80-89=80`). The core tries
// each kind in the order given and the first match wins (netmask rules and port rules on
// their own), for source and destination alike, on the key before the cache lookup
// (assembly/cache/key.ts). Port rules act on TCP, UDP, UDP-Lite and SCTP ports only, never on
// ICMP's type and code.

import { isIPv4, isIPv6 } from "node:net";
import * as L from "../../assembly/layout";
import { UsageError, quoted } from "../errors";

export interface NetRule {
  readonly family: 4 | 6;
  /** The net's address as 32-bit words, most significant first (one for IPv4, four for IPv6). */
  readonly words: readonly number[];
  readonly prefix: number;
  /** The prefix length an address of the net is cut to. */
  readonly to: number;
}

export interface PortRule {
  readonly first: number;
  readonly last: number;
  readonly to: number;
}

export interface Aggregation {
  readonly nets4: readonly NetRule[];
  readonly nets6: readonly NetRule[];
  readonly ports: readonly PortRule[];
}

const SYNTAX = "expected NET/LEN=LEN (192.0.0.0/8=16, 2001:db8::/32=48) or PORT[-PORT]=PORT (80-89=80)";

/** The 32-bit words of an IPv4 or IPv6 address, most significant first. */
function words(addr: string): number[] {
  if (isIPv4(addr)) return [addr.split(".").reduce((n, b) => n * 256 + Number(b), 0)];
  // expand "::" and a trailing dotted IPv4 part into eight groups
  let text = addr;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [w] = words(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${(w! >>> 16).toString(16)}:${(w! & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const g = groups.map((x) => parseInt(x, 16));
  return [0, 1, 2, 3].map((i) => (g[2 * i]! * 65536 + g[2 * i + 1]!) >>> 0);
}

/** The address of words w, with every bit past `prefix` cleared, as text. */
function netText(w: readonly number[], prefix: number): string {
  const kept = w.map((x, i) => {
    const bits = prefix - i * 32;
    const mask = bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    return (x & mask) >>> 0;
  });
  if (kept.length === 1) return [24, 16, 8, 0].map((s) => (kept[0]! >>> s) & 255).join(".");
  const groups = kept.flatMap((x) => [x >>> 16, x & 0xffff]);
  // RFC 5952: the longest run of zero groups (two or more) as "::"
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j > i ? j : i + 1;
  }
  const hex = groups.map((x) => x.toString(16));
  return best < 0 ? hex.join(":") : `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** A whole decimal number from `lo` to `hi` in `text`, else undefined. */
function whole(text: string, lo: number, hi: number): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= lo && n <= hi ? n : undefined;
}

type Parsed = { kind: "net"; rule: NetRule } | { kind: "port"; rule: PortRule };

/** One rule parsed, or what is wrong with it (the part of a message after its key path). */
export function parseAggregationRule(text: unknown): Parsed | { error: string } {
  if (typeof text !== "string") return { error: `expected a rule (a string), not ${JSON.stringify(text)}` };
  const rule = text.trim();
  const q = quoted(text);
  if (rule === "") return { error: `empty rule: ${SYNTAX}` };
  const eq = rule.split("=");
  if (eq.length !== 2 || eq[0] === "" || eq[1] === "") return { error: `${q}: ${SYNTAX}` };
  const [left, right] = eq as [string, string];
  if (left.includes("/")) {
    const [addr, len, extra] = left.split("/");
    if (extra !== undefined) return { error: `${q}: one "/" expected in NET/LEN, ${SYNTAX}` };
    const family = isIPv4(addr!) ? 4 : isIPv6(addr!) && !addr!.includes("%") ? 6 : 0;
    if (family === 0) return { error: `${q}: ${quoted(String(addr))} is not an IPv4 or IPv6 address` };
    const max = family === 4 ? 32 : 128;
    const fam = family === 4 ? "IPv4" : "IPv6";
    if (!/^\d+$/.test(len!)) return { error: `${q}: prefix length ${quoted(String(len))} is not a number (0 to ${max})` };
    const prefix = Number(len);
    if (prefix > max) return { error: `${q}: prefix length ${prefix} is over ${max} (an ${fam} prefix is 0 to ${max})` };
    if (!/^\d+$/.test(right)) return { error: `${q}: aggregate length ${quoted(String(right))} is not a number (${prefix} to ${max})` };
    const to = Number(right);
    if (to > max) return { error: `${q}: aggregate length ${to} is over ${max} (an ${fam} address has ${max} bits)` };
    if (to < prefix) return { error: `${q}: aggregate length ${to} is shorter than the prefix /${prefix}: the net's addresses would leave it (expected ${prefix} to ${max})` };
    const w = words(addr!);
    const net = netText(w, prefix);
    if (netText(w, max) !== net) return { error: `${q}: ${addr} has bits set past /${prefix} (did you mean ${net}/${prefix}=${to}?)` };
    return { kind: "net", rule: { family: family as 4 | 6, words: w, prefix, to } };
  }
  const range = left.split("-");
  if (range.length > 2) return { error: `${q}: ${SYNTAX}` };
  const ends = range.map((p) => whole(p, 0, 65535));
  const bad = range.findIndex((_, i) => ends[i] === undefined);
  if (bad >= 0) return { error: `${q}: port ${quoted(String(range[bad]))} is not a port number (0 to 65535); ${SYNTAX}` };
  const to = whole(right, 0, 65535);
  if (to === undefined) return { error: `${q}: port ${quoted(String(right))} is not a port number (0 to 65535)` };
  const first = ends[0]!, last = ends.at(-1)!;
  if (first > last) return { error: `${q}: port range reversed (${first} is above ${last}; did you mean ${last}-${first}=${to}?)` };
  return { kind: "port", rule: { first, last, to } };
}

/** Every problem of rule list `rules`: [index or none, message]. */
export function aggregationProblems(rules: unknown): { index?: number; message: string }[] {
  if (!Array.isArray(rules)) return [{ message: `expected a list of rules, not ${JSON.stringify(rules)}` }];
  const problems: { index?: number; message: string }[] = [];
  const counts = { 4: 0, 6: 0, port: 0 };
  rules.forEach((text, index) => {
    const p = parseAggregationRule(text);
    if ("error" in p) return void problems.push({ index, message: p.error });
    const k = p.kind === "port" ? "port" : p.rule.family;
    if (++counts[k] === L.AGG_RULE_MAX + 1) {
      const what = k === "port" ? "port rules" : `IPv${k} netmask rules`;
      problems.push({ index, message: `more than ${L.AGG_RULE_MAX} ${what}` });
    }
  });
  return problems;
}

/** Parses rule list `rules`; throws a UsageError naming every problem (`what` prefixes each; a
 * config file's validator, which names the rule by its key path, takes aggregationProblems instead). */
export function parseAggregation(rules: readonly string[], what = "--aggregation"): Aggregation {
  const problems = aggregationProblems(rules);
  if (problems.length > 0) {
    throw new UsageError(problems.map((p) => `${what}: ${p.message}`).join("\n"));
  }
  const nets4: NetRule[] = [], nets6: NetRule[] = [], ports: PortRule[] = [];
  for (const text of rules) {
    const p = parseAggregationRule(text) as Parsed;
    if (p.kind === "port") ports.push(p.rule);
    else (p.rule.family === 4 ? nets4 : nets6).push(p.rule);
  }
  return { nets4, nets6, ports };
}

/** A comma-separated --aggregation value as a list of rules. */
export function splitAggregation(text: string): string[] {
  return text.split(",").map((s) => s.trim());
}
