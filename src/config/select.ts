// Selectors: which packets a target meters, in a small pcap-filter-like language, compiled
// here into the program of tests the Wasm core runs over each packet's parsed fields
// (assembly/cache/select.ts; its format is layout.ts SEL_*, SI_*). Only config and the error
// classes are imported, so the config file's validation can call compileSelector as it is.
//
// The language (pcap-filter(7)'s words, over the parsed header fields):
//   [src|dst] host ADDR            IPv4 or IPv6 address; without src/dst either one
//   [src|dst] net CIDR             10.0.0.0/8, 2001:db8::/32; 10/8 and 192.168.1 (a /24) as
//                                  tcpdump reads them; net 10.0.0.0 mask 255.0.0.0
//   [src|dst] port N[-M]           TCP, UDP and SCTP ports (portrange N-M too)
//   proto tcp|udp|icmp|icmp6|sctp|N   the transport protocol, after IPv6 extension headers
//   tcp, udp, sctp, icmp, icmp6    the same (and `tcp port 80` = `tcp and port 80`)
//   ip, ip6                        the IP version (`ip host …`, `ip6 net …` qualify as `tcp` does)
//   vlan [N]                       a VLAN tag (outermost: the first on the wire, or the one
//                                  the kernel took off), N its id
//   inif NAME|N, outif NAME|N      the input / output interface, by name or number
//   not !  and &&  or ||  ( )      empty text: every packet
//   port 80 or 443                 a bare value after and/or repeats the last test's words
//
// Precedence follows tcpdump, so one expression means the same in --filter and --select:
// `not` binds tightest, `and` and `or` have EQUAL precedence and associate left to right
// (pcap-filter(7): "a or b and c" is "(a or b) and c"). Parenthesize to mean otherwise.
//
// Where this differs from tcpdump, on purpose (the fields are parsed once, under any framing):
//   * `host 10.0.0.1` matches a VLAN-tagged or PPPoE packet too; tcpdump needs `vlan and …`
//     or `pppoes and …` first. `vlan 10` tests the outer tag only and does not shift what
//     follows.
//   * `proto N`, `tcp`, … test the protocol after IPv6 extension headers (tcpdump: the first
//     next header); ports are read there too (a first IPv6 fragment's, after its fragment
//     header, which tcpdump's `port` does not look past).
//   * a later IPv4/IPv6 fragment has no ports: `port N` never matches it (as in tcpdump), but
//     `port 0` does (its ports are 0, as its flow's are).
//   * `outif` is the output interface flows carry (assembly/cache/routes.ts): the route to the
//     destination in the routing table the host loaded (live capture only; a capture file has
//     none, so `outif` matches nothing there), or the capturing interface for a packet seen
//     leaving. It is looked up per packet when the test is reached (one compare when the
//     destination is the last one looked up), not once per flow: a verdict must be made for
//     packets no flow of the target holds, and a 96-byte slot has no room to keep one.
//
// Interface names resolve to the numbers flows carry through resolveInterfaces, called again
// whenever the host's interface names change (live: every few ticks; a pcapng file: its
// IDB names) — an interface that came back with a new ifindex is found by its name again.

import * as L from "../../assembly/layout";
import { UsageError, clipped, quoted } from "../errors";
import { distance } from "./argv";

/** A selector that does not parse: the message names the text, what is wrong and where. */
export class SelectorError extends UsageError {
  /** 1-based column of the offending word (text length + 1: the end). */
  readonly column: number;
  /** What would have been right there. */
  readonly expected: string;
  /** The selector text. */
  readonly text: string;
  /** The message after `select: "TEXT": ` (what is wrong, and the column), for a caller that
   * names the place itself (`flowprobe.json: targets[1].select "TEXT": …`). */
  readonly detail: string;
  constructor(text: string, what: string, column: number, expected = "") {
    // (a long selector quoted around the column only: a 10,000-term one gives a line, not 200 KB)
    super(`select: ${quoted(text, column - 1)}: ${what} at column ${column}`);
    this.column = column;
    this.expected = expected;
    this.text = text;
    this.detail = `${what} at column ${column}`;
  }
}

/** A compiled selector: the program's bytes, and which of its tests name interfaces. */
export interface Selector {
  readonly text: string;
  /** The program (layout.ts SEL_*), to copy into a heap block of the core (allocSelector, setSelector). */
  readonly program: Uint8Array;
  /** The tests that name an interface by name: resolveInterfaces fills in their numbers. */
  readonly interfaceTests: ReadonlyArray<{ readonly test: number; readonly name: string }>;
  /** Whether it can select an IPv4 packet at all (a NetFlow v5 target needs one that can). */
  readonly matchesIPv4: boolean;
  readonly matchesIPv6: boolean;
  /** Whether a test looks up the output interface (a routing-table lookup per packet). */
  readonly usesOutif: boolean;
}

// ---- the words ----

// (Maps: a word of the user's is looked up here, and an object would find "constructor")
const PROTOCOLS = new Map(Object.entries({
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, icmp6: 58, ipv6_icmp: 58, ospf: 89, pim: 103, sctp: 132, udplite: 136,
}));
/** Protocol words that are primitives on their own (and qualify a following one). */
const PROTO_WORDS = new Map<string, { version?: 4 | 6; proto?: number }>(Object.entries({
  ip: { version: 4 }, ip6: { version: 6 }, tcp: { proto: 6 }, udp: { proto: 17 }, sctp: { proto: 132 }, icmp: { proto: 1 }, icmp6: { proto: 58 },
}));
/**
 * Protocols only an IPv6 packet is metered with: ICMPv6 (58; RFC 4443, whose checksum covers
 * the IPv6 pseudo-header — an IPv4 packet of protocol 58 is no ICMPv6 message). The extension
 * headers' numbers (hop-by-hop 0, routing 43, fragment 44, destination options 60, and AH 51)
 * are not among them: the parser walks past them in IPv6 (assembly/parse/header.ts), and an
 * IPv4 packet's protocol field is reported as it is, so `proto 43` can only select IPv4.
 */
const IPV6_ONLY_PROTOCOLS: ReadonlySet<number> = new Set([58]);
const TYPES = ["host", "net", "port", "portrange"] as const;
type TypeWord = (typeof TYPES)[number];
const KEYWORDS = ["src", "dst", ...TYPES, "proto", ...PROTO_WORDS.keys(), "vlan", "inif", "outif", "not", "and", "or", "mask"];
const PRIMITIVES = "host, net, port, portrange, proto, tcp, udp, sctp, icmp, icmp6, ip, ip6, vlan, inif, outif, not or \"(\"";
/** What an interface name may be on Linux (IFNAMSIZ: 15 characters), as options.ts checks it. */
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

// ---- tokens ----

interface Token {
  readonly text: string;
  /** 1-based column of its first character. */
  readonly col: number;
}

/** Most characters of selector text, refused at once past it (a real one is a line or two;
 * the words a selector may have, WORDS_MAX, fit in far less). */
export const SELECT_TEXT_MAX = 64 << 10;
/** Most words (tokens) of a selector: four a test, at most. */
const WORDS_MAX = 4 * L.SEL_MAX;

/** The words of `text`; past WORDS_MAX it counts on without keeping them, and refuses. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s+|&&|\|\||[()!]|[^\s()!&|]+|[&|]/gy;
  let words = 0;
  let over: number | undefined;
  for (let m = re.exec(text); m !== null && m[0] !== ""; m = re.exec(text)) {
    if (/^\s/.test(m[0])) continue;
    if (m[0] === "&" || m[0] === "|") throw new SelectorError(text, `"${m[0]}" is not an operator (expected ${m[0]}${m[0]} or ${m[0] === "&" ? "and" : "or"})`, m.index + 1, `${m[0]}${m[0]}`);
    if (++words > WORDS_MAX) over ??= m.index + 1;
    else out.push({ text: m[0], col: m.index + 1 });
  }
  if (over !== undefined) throw new SelectorError(text, `${words} words, over the ${WORDS_MAX} a selector may have`, over, "a shorter selector");
  return out;
}

// ---- the tree ----

/** One test of the program, before its jumps are known. */
interface Test {
  op: number;
  field: number;
  a: number;
  b: number;
  /** 16 bytes: an address, or the interface numbers. */
  value: Uint8Array;
  mask: Uint8Array;
  /** An interface named, to resolve. */
  ifName?: string;
  /** The IP version the test implies (NET tests), or undefined. */
  version?: 4 | 6;
}

type Node =
  | { k: "test"; test: Test }
  | { k: "and" | "or"; a: Node; b: Node }
  | { k: "not"; a: Node };

const and = (a: Node, b: Node): Node => ({ k: "and", a, b });
const or = (a: Node, b: Node): Node => ({ k: "or", a, b });
const leaf = (t: Partial<Test> & { op: number }): Node => ({
  k: "test",
  test: { field: 0, a: 0, b: 0, value: new Uint8Array(16), mask: new Uint8Array(16), ...t },
});

/** The words of the last primitive, for tcpdump's abbreviation `port 80 or 443`. */
interface Qualifiers {
  proto?: string;
  dir?: "src" | "dst";
  type: TypeWord | "inif" | "outif" | "vlan" | "proto";
}

// ---- addresses ----

/** An IPv4 address (also tcpdump's short forms for nets: 10, 10.1, 10.1.2), or undefined. */
function ipv4Parts(s: string): { bytes: Uint8Array; parts: number } | undefined {
  if (!/^\d{1,3}(\.\d{1,3}){0,3}$/.test(s)) return undefined;
  const parts = s.split(".").map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  const bytes = new Uint8Array(16);
  parts.forEach((p, i) => (bytes[i] = p));
  return { bytes, parts: parts.length };
}

/** An IPv6 address (RFC 4291 §2.2 text forms, a trailing IPv4 part included), or undefined. */
function ipv6Bytes(s: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return undefined;
  let tail: number[] = [];
  let head = s;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const p = ipv4Parts(v4[2]!);
    if (!p || p.parts !== 4) return undefined;
    head = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
    tail = [(p.bytes[0]! << 8) | p.bytes[1]!, (p.bytes[2]! << 8) | p.bytes[3]!];
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const left = groups(halves[0]!), right = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...left, ...right].some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  const given = left.length + right.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const words = [...left.map((g) => parseInt(g, 16)), ...Array(8 - given).fill(0), ...right.map((g) => parseInt(g, 16)), ...tail];
  const b = new Uint8Array(16);
  words.forEach((w, i) => ((b[2 * i] = w >> 8), (b[2 * i + 1] = w & 0xff)));
  return b;
}

function prefixMask(len: number): Uint8Array {
  const m = new Uint8Array(16);
  for (let i = 0; i < 16; i++) m[i] = len >= 8 * (i + 1) ? 0xff : len > 8 * i ? (0xff << (8 - (len - 8 * i))) & 0xff : 0;
  return m;
}

/** An address's 4 (IPv4) or 16 bytes as text (IPv6: RFC 5952's shortest form). */
export function addressText(b: Uint8Array, v6: boolean): string {
  if (!v6) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const w = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  // RFC 5952: the longest run of two or more zero groups becomes ::
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) (best = i), (bestLen = j - i);
    i = j === i ? i + 1 : j;
  }
  const hex = w.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

// ---- the parser ----

/** Parentheses and nots nested deeper than this are refused (the parser recurses on them). */
const NESTING_MAX = 256;

class Parser {
  private i = 0;
  private last: Qualifiers | undefined;
  private depth = 0;

  constructor(private readonly text: string, private readonly toks: Token[]) {}

  private fail(what: string, at: Token | undefined, expected = ""): never {
    throw new SelectorError(this.text, what, at ? at.col : this.text.length + 1, expected);
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private word(t: Token | undefined): string | undefined {
    return t?.text.toLowerCase();
  }

  /** `expected X, found "Y"`, or `expected X after "W"` at the end. */
  private expect(expected: string, after?: Token): never {
    const t = this.peek();
    if (t) this.fail(`expected ${expected}, found "${clipped(t.text)}"`, t, expected);
    this.fail(`expected ${expected}${after ? ` after "${clipped(after.text)}"` : ""}, but the text ends`, undefined, expected);
  }

  parse(): Node {
    const e = this.expr();
    const t = this.peek();
    if (t) {
      if (t.text === ")") this.fail(`")" without a "(" before it`, t, "and, or or the end");
      this.fail(`expected and, or or the end, found "${clipped(t.text)}"`, t, "and, or or the end");
    }
    return e;
  }

  /** and/or: equal precedence, left to right (pcap-filter(7)). */
  private expr(): Node {
    let node = this.unary();
    for (;;) {
      const w = this.word(this.peek());
      const op = w === "and" || w === "&&" ? "and" : w === "or" || w === "||" ? "or" : undefined;
      if (!op) return node;
      const opTok = this.toks[this.i++]!;
      if (!this.peek()) this.expect(`a test (${PRIMITIVES})`, opTok);
      const rhs = this.unary();
      node = op === "and" ? and(node, rhs) : or(node, rhs);
    }
  }

  private unary(): Node {
    const t = this.peek();
    const w = this.word(t);
    if ((w === "not" || w === "!" || w === "(") && ++this.depth > NESTING_MAX) {
      this.fail(`nested deeper than ${NESTING_MAX} (parentheses and nots)`, t, "a flatter selector");
    }
    try {
      return this.unaryAt(t, w);
    } finally {
      if (w === "not" || w === "!" || w === "(") this.depth--;
    }
  }

  private unaryAt(t: Token | undefined, w: string | undefined): Node {
    if (w === "not" || w === "!") {
      this.i++;
      if (!this.peek()) this.expect(`a test (${PRIMITIVES})`, t);
      return { k: "not", a: this.unary() };
    }
    if (w === "(") {
      this.i++;
      if (!this.peek()) this.expect(`a test (${PRIMITIVES})`, t);
      const e = this.expr();
      const close = this.peek();
      if (close?.text !== ")") {
        if (close) this.fail(`expected ")" to close the "(" at column ${t!.col}, found "${clipped(close.text)}"`, close, ")");
        this.fail(`expected ")" to close the "(" at column ${t!.col}, but the text ends`, undefined, ")");
      }
      this.i++;
      return e;
    }
    return this.primitive();
  }

  private primitive(): Node {
    const t = this.peek();
    if (!t) return this.expect(`a test (${PRIMITIVES})`);
    const w = this.word(t)!;
    if (w === ")") this.fail(`expected a test (${PRIMITIVES}), found ")"`, t, "a test");
    const p = PROTO_WORDS.get(w);
    if (p) {
      this.i++;
      const self = p.version !== undefined
        ? leaf({ op: L.SEL_OP_VERSION, a: p.version })
        : leaf({ op: L.SEL_OP_PROTO, a: p.proto! });
      const next = this.word(this.peek());
      // `tcp port 80`, `udp dst port 53`, `ip host 10.0.0.1`, `ip6 net 2001:db8::/32`, `ip proto 17`
      if (next === "src" || next === "dst" || (TYPES as readonly string[]).includes(next ?? "") || next === "proto") {
        const q = this.qualified(w);
        return and(self, q);
      }
      this.last = undefined;
      return self;
    }
    if (w === "src" || w === "dst" || (TYPES as readonly string[]).includes(w) || w === "proto") return this.qualified(undefined);
    if (w === "vlan") {
      this.i++;
      this.last = { type: "vlan" };
      const v = this.peek();
      const vw = this.word(v);
      if (!v || vw === "and" || vw === "or" || vw === "&&" || vw === "||" || vw === ")") return leaf({ op: L.SEL_OP_VLAN, a: L.VLAN_PRESENT, b: L.VLAN_PRESENT });
      return this.value(this.last);
    }
    if (w === "inif" || w === "outif") {
      this.i++;
      this.last = { type: w };
      if (!this.peek()) this.expect("an interface name or number", t);
      return this.value(this.last);
    }
    if (w === "and" || w === "or" || w === "&&" || w === "||") this.fail(`expected a test (${PRIMITIVES}), found "${clipped(t.text)}"`, t, "a test");
    if (this.last && !KEYWORDS.includes(w)) return this.value(this.last, true);
    const best = Math.min(...KEYWORDS.map((k) => distance(k, w)));
    const near = best <= (w.length > 3 ? 2 : 1) ? KEYWORDS.filter((k) => distance(k, w) === best) : [];
    this.fail(`unknown word "${clipped(t.text)}"${near.length ? ` (did you mean ${near.join(" or ")}?)` : ""}: expected ${PRIMITIVES}`, t, PRIMITIVES);
  }

  /** [src|dst] host|net|port|portrange VALUE, or proto VALUE, after an optional protocol word. */
  private qualified(proto: string | undefined): Node {
    let dir: "src" | "dst" | undefined;
    let t = this.peek()!;
    let w = this.word(t)!;
    if (w === "src" || w === "dst") {
      dir = w;
      this.i++;
      const n = this.peek();
      const nw = this.word(n);
      if (!n) this.expect("host, net, port or portrange", t);
      if (!(TYPES as readonly string[]).includes(nw!)) {
        // tcpdump's `src 10.0.0.1`: a host (a net with a prefix)
        if (ipv4Parts(n.text.split("/")[0]!) || ipv6Bytes(n.text.split("/")[0]!)) {
          this.last = { proto, dir, type: n.text.includes("/") ? "net" : "host" };
          return this.value(this.last);
        }
        this.expect("host, net, port or portrange", t);
      }
      t = n;
      w = nw!;
    }
    if (w === "proto") {
      if (dir) this.fail(`"${dir}" does not go with proto`, t, "host, net, port or portrange");
      this.i++;
      this.last = { type: "proto" };
      if (!this.peek()) this.expect(`a protocol (${[...PROTOCOLS.keys()].join(", ")} or a number 0-255)`, t);
      return this.value(this.last);
    }
    this.i++;
    const type = w as TypeWord;
    if ((type === "port" || type === "portrange") && (proto === "ip" || proto === "ip6" || proto === "icmp" || proto === "icmp6")) {
      this.fail(`"${proto}" does not have ports (tcp, udp or sctp do)`, t, "tcp, udp or sctp");
    }
    if ((type === "host" || type === "net") && proto !== undefined && proto !== "ip" && proto !== "ip6") {
      this.fail(`"${proto} ${type}": a ${type} is an IP test (ip or ip6 may qualify it, ${proto} may not)`, t, "ip or ip6");
    }
    this.last = { proto, dir, type };
    if (!this.peek()) {
      this.expect(type === "host" ? "an IPv4 or IPv6 address" : type === "net" ? "a network (CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32)" : type === "port" ? "a port number 0-65535 or a range N-M" : "a port range N-M", t);
    }
    return this.value(this.last);
  }

  /** The value of the test the qualifiers name (the current token), as a tree. */
  private value(q: Qualifiers, abbreviated = false): Node {
    const t = this.toks[this.i++]!;
    const s = t.text;
    const node = ((): Node => {
      switch (q.type) {
        case "host": case "net": return this.address(q, t);
        case "port": case "portrange": return this.port(q, t);
        case "proto": {
          const name = s.replace(/^\\/, "").toLowerCase();
          const n = /^\d+$/.test(name) ? Number(name) : PROTOCOLS.get(name);
          if (n === undefined) this.fail(`unknown protocol "${clipped(s)}": expected ${[...PROTOCOLS.keys()].join(", ")} or a number 0-255`, t, "a protocol");
          if (n > 255) this.fail(`protocol ${n} is over 255`, t, "a number 0-255");
          return leaf({ op: L.SEL_OP_PROTO, a: n });
        }
        case "vlan": {
          if (!/^\d+$/.test(s)) this.fail(`expected a VLAN id 0-4095, found "${clipped(s)}"`, t, "a VLAN id 0-4095");
          const id = Number(s);
          if (id > 4095) this.fail(`VLAN id ${id} is over 4095`, t, "a VLAN id 0-4095");
          return leaf({ op: L.SEL_OP_VLAN, a: id | L.VLAN_PRESENT, b: 0xffff });
        }
        case "inif": case "outif": {
          const op = q.type === "inif" ? L.SEL_OP_IN_IF : L.SEL_OP_OUT_IF;
          if (/^\d+$/.test(s)) {
            const n = Number(s);
            if (n < 1 || n > 0xffffffff) this.fail(`interface number ${s} is out of range`, t, "1-4294967295 or a name");
            const value = new Uint8Array(16);
            new DataView(value.buffer).setUint32(0, n, true);
            return leaf({ op, a: 1, value });
          }
          if (!IFNAME.test(s)) this.fail(`"${clipped(s)}" is not an interface name (1-15 letters, digits, _ . : @ -) or number`, t, "an interface name or number");
          return leaf({ op, a: 0, ifName: s });
        }
      }
    })();
    if (abbreviated && q.proto !== undefined) {
      // an abbreviated value (`tcp port 80 or 443`) keeps the protocol word too
      const p = PROTO_WORDS.get(q.proto)!;
      return and(p.version !== undefined ? leaf({ op: L.SEL_OP_VERSION, a: p.version }) : leaf({ op: L.SEL_OP_PROTO, a: p.proto! }), node);
    }
    return node;
  }

  private address(q: Qualifiers, t: Token): Node {
    const s = t.text;
    const slash = s.indexOf("/");
    const addrText = slash < 0 ? s : s.slice(0, slash);
    const v4 = ipv4Parts(addrText);
    const v6 = v4 ? undefined : ipv6Bytes(addrText);
    if (!v4 && !v6) this.fail(`"${clipped(addrText)}" is not an IPv4 or IPv6 address`, t, "an IPv4 or IPv6 address");
    const isV6 = v6 !== undefined;
    const max = isV6 ? 128 : 32;
    const bytes = v6 ?? v4!.bytes;
    let len: number;
    if (q.type === "host") {
      if (slash >= 0) this.fail(`a host is one address: for a prefix write net ${s}`, t, "an address without /");
      if (v4 && v4.parts !== 4) this.fail(`"${clipped(s)}" is not a whole IPv4 address`, t, "an address a.b.c.d");
      len = max;
    } else if (slash >= 0) {
      const lt = s.slice(slash + 1);
      if (!/^\d+$/.test(lt)) this.fail(`prefix length "${clipped(lt)}" is not a number`, t, `a prefix length 0-${max}`);
      len = Number(lt);
      if (len > max) this.fail(`prefix length ${len} is over ${max}`, t, `a prefix length 0-${max}`);
    } else if (this.word(this.peek()) === "mask") {
      const m = this.toks[this.i + 1];
      this.i++;
      if (isV6) this.fail(`"mask" is for IPv4 nets: write ${s}/LENGTH`, this.toks[this.i - 1], "a prefix length");
      const mp = m ? ipv4Parts(m.text) : undefined;
      if (!m) this.expect("a netmask a.b.c.d", this.toks[this.i - 1]);
      if (!mp || mp.parts !== 4) this.fail(`"${clipped(m.text)}" is not a netmask a.b.c.d`, m, "a netmask a.b.c.d");
      const bits = ((mp.bytes[0]! << 24) | (mp.bytes[1]! << 16) | (mp.bytes[2]! << 8) | mp.bytes[3]!) >>> 0;
      const ones = 32 - Math.log2(((~bits) >>> 0) + 1);
      if (!Number.isInteger(ones)) this.fail(`netmask ${m.text} is not contiguous ones then zeros`, m, "a netmask like 255.255.255.0");
      this.i++;
      len = ones;
    } else {
      len = isV6 ? 128 : 8 * v4!.parts; // tcpdump: net 10 = 10/8, net 192.168.1 = 192.168.1/24
    }
    const mask = prefixMask(len);
    const masked = bytes.map((b, i) => b & mask[i]!);
    if (masked.some((b, i) => b !== bytes[i])) {
      this.fail(`${addressText(bytes, isV6)}/${len} has bits set past its prefix (did you mean ${addressText(masked, isV6)}/${len}?)`, t, "a network address");
    }
    const one = (op: number, field: number) => leaf({ op, field, a: isV6 ? 6 : 4, value: masked, mask, version: isV6 ? 6 : 4 });
    if (q.dir === "src") return one(L.SEL_OP_NET, L.FS_SRC);
    if (q.dir === "dst") return one(L.SEL_OP_NET, L.FS_DST);
    return one(L.SEL_OP_NET_EITHER, 0); // either address, in one test
  }

  private port(q: Qualifiers, t: Token): Node {
    const s = t.text;
    const m = /^(\d+)(?:-(\d+))?$/.exec(s);
    const what = q.type === "portrange" ? "a port range N-M" : "a port number 0-65535 or a range N-M";
    if (!m) this.fail(`expected ${what}, found "${clipped(s)}"`, t, what);
    if (q.type === "portrange" && m[2] === undefined) this.fail(`expected a port range N-M, found "${clipped(s)}"`, t, "a port range N-M");
    const lo = Number(m[1]), hi = m[2] !== undefined ? Number(m[2]) : lo;
    for (const p of [lo, hi]) if (p > 65535) this.fail(`port ${p} is over 65535`, t, "a port number 0-65535");
    if (hi < lo) this.fail(`port range ${s} runs backwards (expected ${hi}-${lo})`, t, `${hi}-${lo}`);
    const one = (op: number, field: number) => leaf({ op, field, a: lo, b: hi - lo });
    if (q.dir === "src") return one(L.SEL_OP_PORT, L.FS_SPORT);
    if (q.dir === "dst") return one(L.SEL_OP_PORT, L.FS_DPORT);
    return one(L.SEL_OP_PORT_EITHER, 0); // either port, in one test
  }
}


// ---- code generation ----

/**
 * The tree as tests with jumps (BPF's way): a test's jumps go to what follows it when it
 * holds and when it does not. Made from the end backwards — and(a, b): b first, then a
 * jumping to b when it holds; or(a, b): a jumping to b when it does not; not(a): a with its
 * jumps swapped — so every jump goes to a test made before it, which the program lays out
 * after it: all jumps forward, and nothing is repeated.
 */
function generate(root: Node): Array<Test & { t: number; f: number }> {
  const made: Array<Test & { t: number; f: number }> = [];
  const gen = (n: Node, t: number, f: number): number => {
    switch (n.k) {
      case "test": made.push({ ...n.test, t, f }); return made.length - 1;
      case "and": return gen(n.a, gen(n.b, t, f), f);
      case "or": return gen(n.a, t, gen(n.b, t, f));
      case "not": return gen(n.a, f, t);
    }
  };
  const ACCEPT = -1, REJECT = -2;
  gen(root, ACCEPT, REJECT);
  const last = made.length - 1;
  const at = (label: number) => (label === ACCEPT ? L.SEL_ACCEPT : label === REJECT ? L.SEL_REJECT : last - label);
  return made.reverse().map((x) => ({ ...x, t: at(x.t), f: at(x.f) }));
}

/** Whether a packet of IP version v can reach ACCEPT (tests other than the version's, a net's
 * and an IPv6-only protocol's both ways). */
function reachable(tests: ReadonlyArray<Test & { t: number; f: number }>, v: 4 | 6): boolean {
  const seen = new Set<number>();
  const walk = (i: number): boolean => {
    if (i === L.SEL_ACCEPT) return true;
    if (i === L.SEL_REJECT || seen.has(i)) return false;
    seen.add(i);
    const x = tests[i]!;
    if (x.op === L.SEL_OP_VERSION) return walk(x.a === v ? x.t : x.f);
    if ((x.op === L.SEL_OP_NET || x.op === L.SEL_OP_NET_EITHER) && x.version !== v) return walk(x.f);
    if (x.op === L.SEL_OP_PROTO && v === 4 && IPV6_ONLY_PROTOCOLS.has(x.a)) return walk(x.f);
    return walk(x.t) || walk(x.f);
  };
  return walk(0);
}

/**
 * Compiles selector text. Empty (or blank) text selects every packet: undefined. Throws a
 * SelectorError (a UsageError: exit status 2) naming the column and what was expected.
 */
export function compileSelector(text: string): Selector | undefined {
  if (text.length > SELECT_TEXT_MAX) {
    throw new SelectorError(text, `${text.length} characters, over the ${SELECT_TEXT_MAX} a selector may have`, SELECT_TEXT_MAX + 1, "a shorter selector");
  }
  const toks = tokenize(text);
  if (toks.length === 0) return undefined;
  const tree = new Parser(text, toks).parse();
  const tests = generate(tree);
  if (tests.length > L.SEL_MAX) throw new SelectorError(text, `${tests.length} tests, over the ${L.SEL_MAX} a selector may have`, 1, "a shorter selector");
  const program = new Uint8Array(L.SEL_INSNS + tests.length * L.SEL_INSN_SIZE);
  const dv = new DataView(program.buffer);
  dv.setUint32(L.SEL_COUNT, tests.length, true);
  const usesOutif = tests.some((x) => x.op === L.SEL_OP_OUT_IF);
  dv.setUint32(L.SEL_FLAGS, usesOutif ? L.SEL_USES_OUTIF : 0, true);
  const interfaceTests: Array<{ test: number; name: string }> = [];
  tests.forEach((x, i) => {
    const at = L.SEL_INSNS + i * L.SEL_INSN_SIZE;
    dv.setUint8(at + L.SI_OP, x.op);
    dv.setUint8(at + L.SI_FIELD, x.field);
    dv.setUint16(at + L.SI_TRUE, x.t, true);
    dv.setUint16(at + L.SI_FALSE, x.f, true);
    dv.setUint32(at + L.SI_A, x.a >>> 0, true);
    dv.setUint32(at + L.SI_B, x.b >>> 0, true);
    program.set(x.value, at + L.SI_VALUE);
    program.set(x.mask, at + L.SI_MASK);
    if (x.ifName !== undefined) interfaceTests.push({ test: i, name: x.ifName });
  });
  return { text, program, interfaceTests, usesOutif, matchesIPv4: reachable(tests, 4), matchesIPv6: reachable(tests, 6) };
}

/**
 * Fills in the numbers of the selector's interface names from `names` ([number flows carry,
 * name] pairs: the host's interfaces, or a pcapng file's IDB names), in its program. A name
 * not among them matches nothing until it is; one with several numbers (two sections of a
 * file) matches each, up to SEL_IF_MAX. Returns whether the program changed (then copy it
 * into the core again).
 */
export function resolveInterfaces(sel: Selector, names: ReadonlyArray<readonly [number, string]>): boolean {
  const dv = new DataView(sel.program.buffer, sel.program.byteOffset, sel.program.byteLength);
  let changed = false;
  for (const { test, name } of sel.interfaceTests) {
    const numbers = [...new Set(names.filter(([n, nm]) => nm === name && n > 0).map(([n]) => n))].slice(0, L.SEL_IF_MAX);
    const at = L.SEL_INSNS + test * L.SEL_INSN_SIZE;
    const before = sel.program.slice(at, at + L.SEL_INSN_SIZE);
    dv.setUint32(at + L.SI_A, numbers.length, true);
    for (let k = 0; k < L.SEL_IF_MAX; k++) dv.setUint32(at + L.SEL_IF_LIST + 4 * k, numbers[k] ?? 0, true);
    if (!changed && before.some((b, i) => b !== sel.program[at + i])) changed = true;
  }
  return changed;
}
