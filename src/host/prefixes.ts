// The prefix file (--as-file): AS numbers by prefix, for the source/destination AS and prefix
// length of each exported flow (assembly/cache/prefixes.ts looks them up). Read here, checked
// line by line, sorted and linked into the arrays the core searches (src/meter/prefixes.ts
// writes them into its memory). Two forms, told apart line by line:
//
//   * pmacct's networks_file (pmacct examples/networks.lst.example):
//       [<label>,][<(BGP) next-hop>,][[<peer AS>_]<origin AS>,]<network>/<mask>
//     — the origin AS is the one taken; a label, a next hop and a peer AS are checked and
//     left (flowprobe has no field for them); an empty or missing AS is 0 ("unknown", the
//     prefix length still counts). `!` starts a comment line.
//   * a tab-separated `<network>/<mask><TAB><AS>` (one prefix per line, as route dumps write it).
//     `#` starts a comment line too.
//
// IPv4 and IPv6 alike. A prefix with bits set past its length is an error (which prefix was
// meant is not sure), and so is anything else that is not as above, each naming the file and
// line. A prefix given twice: the later line wins.

import * as fs from "node:fs";
import * as L from "../../assembly/layout";
import { PrefixFileError, UsageError, quoted } from "../errors";
import type { PrefixArrays } from "../meter/prefixes";

/** The largest AS number (RFC 6793: 4 bytes). */
const AS_MAX = 0xffffffff;

/** Reads and checks the prefix file at `file`. Throws PrefixFileError naming the line, UsageError when it cannot be read. */
export function readPrefixFile(file: string): PrefixArrays {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--as-file ${file}: cannot read it (${(e as Error).message})`);
  }
  return parsePrefixes(text, file);
}

/** What a line holds once read: the prefix's first address (IPv4: one word; IPv6: four, most significant first), its length and AS. */
interface Parsed {
  v6: boolean;
  words: number[];
  len: number;
  as: number;
}

/** The prefixes of a prefix file's text (`file` names it in errors). */
export function parsePrefixes(text: string, file: string): PrefixArrays {
  // IPv4: first address, length and AS per prefix, in file order
  let v4First: Uint32Array<ArrayBuffer> = new Uint32Array(1024), v4Len = new Uint8Array(1024), v4As: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let n4 = 0;
  // IPv6: four words per prefix
  let v6Words: Uint32Array<ArrayBuffer> = new Uint32Array(1024), v6Len = new Uint8Array(256), v6As: Uint32Array<ArrayBuffer> = new Uint32Array(256);
  let n6 = 0;
  // lines are found by scanning the text, not split from it (a million strings cost more
  // than the rest); the common IPv4 lines are read in place (fastV4), any other by parseLine
  let ln = 0;
  for (let at = 0; at < text.length;) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const next = end + 1;
    ln++;
    let s = at, e = end;
    at = next;
    while (s < e && text.charCodeAt(s) <= 32) s++;
    while (e > s && text.charCodeAt(e - 1) <= 32) e--;
    if (s === e) continue;
    const c0 = text.charCodeAt(s);
    if (c0 === 33 /* ! */ || c0 === 35 /* # */) continue;
    let v6: boolean, words: number[] | undefined, len: number, as: number;
    const family = fastLine(text, s, e);
    if (family !== 0) {
      v6 = family === 6;
      words = v6 ? fast.w : undefined;
      len = fast.len;
      as = fast.as;
    } else {
      const p = parseLine(text.slice(s, e), file, ln);
      v6 = p.v6;
      words = p.words;
      len = p.len;
      as = p.as;
    }
    if (!v6) {
      if (n4 === v4First.length) {
        v4First = grow32(v4First, n4 * 2);
        v4As = grow32(v4As, n4 * 2);
        const l = new Uint8Array(n4 * 2);
        l.set(v4Len);
        v4Len = l;
      }
      v4First[n4] = words ? words[0]! : fast.first;
      v4Len[n4] = len;
      v4As[n4] = as;
      n4++;
      if (n4 > L.PT_PREFIX_MAX) throw new PrefixFileError(file, ln, `more than ${L.PT_PREFIX_MAX} IPv4 prefixes: the table holds no more`);
    } else {
      if (n6 === v6Len.length) {
        v6Words = grow32(v6Words, n6 * 8);
        v6As = grow32(v6As, n6 * 2);
        const l = new Uint8Array(n6 * 2);
        l.set(v6Len);
        v6Len = l;
      }
      v6Words.set(words!, n6 * 4);
      v6Len[n6] = len;
      v6As[n6] = as;
      n6++;
      if (n6 > L.PT_PREFIX_MAX) throw new PrefixFileError(file, ln, `more than ${L.PT_PREFIX_MAX} IPv6 prefixes: the table holds no more`);
    }
  }
  return { v4: buildV4(v4First, v4Len, v4As, n4), v6: buildV6(v6Words, v6Len, v6As, n6) };
}

/** What fastV4 read. */
const fast = { first: 0, w: [0, 0, 0, 0], len: 0, as: 0 };

/** Reads decimal digits of text[s, e) from s; returns the position after them (s: none), the value in digitsValue. */
let digitsValue = 0;
function digits(text: string, s: number, e: number, most: number): number {
  let v = 0, i = s;
  while (i < e && i - s < most) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    i++;
  }
  digitsValue = v;
  return i;
}

/** An IPv4 ADDRESS/LENGTH at text[s, …): its end (or -1 when it is not one, or has bits past its length) with fast.first and fast.len. */
function fastPrefix4(text: string, s: number, e: number): number {
  let a = 0, i = s;
  for (let k = 0; k < 4; k++) {
    const j = digits(text, i, e, 3);
    if (j === i || digitsValue > 255) return -1;
    a = a * 256 + digitsValue;
    i = j;
    if (k < 3) {
      if (text.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
  }
  if (text.charCodeAt(i) !== 47 /* / */) return -1;
  const j = digits(text, i + 1, e, 2);
  if (j === i + 1 || digitsValue > 32) return -1;
  if (((a & maskWord(digitsValue, 0)) >>> 0) !== a) return -1;
  fast.first = a;
  fast.len = digitsValue;
  return j;
}

/** An IPv6 ADDRESS/LENGTH of hex groups and one "::" at most at text[s, …) (no IPv4 tail):
 * its end (or -1 when it is not one, or has bits past its length) with fast.w and fast.len. */
function fastPrefix6(text: string, s: number, e: number): number {
  const g = GROUPS;
  let count = 0, gap = -1, i = s;
  if (text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 58) {
    gap = 0;
    i += 2;
  }
  let need = gap < 0; // a group must follow (at the start, and after a single colon)
  while (i < e) {
    let v = 0, d = 0;
    for (; d < 4 && i < e; d++, i++) {
      const c = text.charCodeAt(i);
      const h = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (h < 0) break;
      v = v * 16 + h;
    }
    if (d === 0) {
      if (need) return -1;
      break;
    }
    if (count === 8) return -1;
    g[count++] = v;
    need = false;
    if (text.charCodeAt(i) !== 58) break;
    if (text.charCodeAt(i + 1) === 58) {
      if (gap >= 0) return -1;
      gap = count;
      i += 2;
    } else {
      i++;
      need = true;
    }
  }
  if (need || text.charCodeAt(i) !== 47 /* / */) return -1;
  if (gap < 0 ? count !== 8 : count > 7) return -1;
  const j = digits(text, i + 1, e, 3);
  if (j === i + 1 || digitsValue > 128) return -1;
  const len = digitsValue;
  // the groups after the gap move to the end
  const all = ALL_GROUPS;
  all.fill(0);
  const head = gap < 0 ? count : gap;
  for (let k = 0; k < head; k++) all[k] = g[k]!;
  for (let k = head; k < count; k++) all[8 - (count - k)] = g[k]!;
  for (let w = 0; w < 4; w++) {
    const word = ((all[2 * w]! << 16) | all[2 * w + 1]!) >>> 0;
    if ((word & MASKS[len * 4 + w]!) >>> 0 !== word) return -1;
    fast.w[w] = word;
  }
  fast.len = len;
  return j;
}
const GROUPS = new Uint32Array(8);
const ALL_GROUPS = new Uint32Array(8);

/** The common lines, read in place: ASN,PREFIX and PREFIX<TAB>ASN, IPv4 (fast.first) or
 * IPv6 (fast.w) without an IPv4 tail. 4 or 6, or 0 for anything else (parseLine then reads
 * it, and says what is wrong). */
function fastLine(text: string, s: number, e: number): number {
  const c0 = text.charCodeAt(s);
  // ASN,PREFIX
  let j = digits(text, s, e, 10);
  if (j > s && text.charCodeAt(j) === 44 /* , */) {
    const as = digitsValue;
    if (as > AS_MAX) return 0;
    fast.as = as;
    if (fastPrefix4(text, j + 1, e) === e) return 4;
    if (fastPrefix6(text, j + 1, e) === e) return 6;
    return 0;
  }
  // PREFIX<TAB>ASN
  let family = 4;
  j = c0 >= 48 && c0 <= 57 ? fastPrefix4(text, s, e) : -1;
  if (j < 0) {
    j = fastPrefix6(text, s, e);
    family = 6;
  }
  if (j < 0 || text.charCodeAt(j) !== 9) return 0;
  while (j < e && text.charCodeAt(j) === 9) j++;
  const k = digits(text, j, e, 10);
  if (k === j || k !== e || digitsValue > AS_MAX) return 0;
  fast.as = digitsValue;
  return family;
}

function grow32(a: Uint32Array, size: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

/** One line of the file (not blank, not a comment). */
function parseLine(line: string, file: string, ln: number): Parsed {
  const bad = (what: string) => new PrefixFileError(file, ln, what);
  let prefixText: string, asText: string;
  if (line.includes("\t")) {
    const f = line.split("\t").map((s) => s.trim()).filter((s) => s !== "");
    if (f.length !== 2) throw bad(`${quoted(line)}: expected PREFIX<TAB>AS (e.g. 192.0.2.0/24<TAB>64496), found ${f.length} fields`);
    prefixText = f[0]!;
    asText = f[1]!;
  } else {
    const f = line.split(",").map((s) => s.trim());
    if (f.length > 4) throw bad(`${quoted(line)}: expected [LABEL,][NEXTHOP,][[PEER_AS_]AS,]PREFIX (pmacct's networks_file), found ${f.length} comma-separated fields`);
    prefixText = f[f.length - 1]!;
    asText = f.length >= 2 ? f[f.length - 2]! : "";
    if (f.length >= 3 && f[f.length - 3] !== "" && parseAddress(f[f.length - 3]!) === undefined) {
      throw bad(`next hop ${quoted(f[f.length - 3])} is not an IPv4 or IPv6 address`);
    }
    if (f.length === 4 && f[0]!.length > 15) throw bad(`label ${quoted(f[0])} is longer than pmacct's 15 characters`);
    // [PEER_AS_]ORIGIN_AS: the origin
    const us = asText.indexOf("_");
    if (us >= 0) {
      const peer = asText.slice(0, us);
      if (parseAs(peer) === undefined) throw bad(`peer AS ${quoted(peer)}: expected an AS number from 0 to ${AS_MAX}`);
      asText = asText.slice(us + 1);
    }
  }
  const as = asText === "" ? 0 : parseAs(asText);
  if (as === undefined) throw bad(`AS ${quoted(asText)}: expected an AS number from 0 to ${AS_MAX} (plain decimal, e.g. 64496 or 4200000000)`);
  const slash = prefixText.indexOf("/");
  if (slash < 0) throw bad(`prefix ${quoted(prefixText)}: expected ADDRESS/LENGTH, e.g. 192.0.2.0/24 or 2001:db8::/32`);
  const addrText = prefixText.slice(0, slash);
  const lenText = prefixText.slice(slash + 1);
  const words = parseAddress(addrText);
  if (words === undefined) throw bad(`prefix ${quoted(prefixText)}: ${quoted(addrText)} is not an IPv4 or IPv6 address`);
  const v6 = words.length === 4;
  const bits = v6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(lenText)) throw bad(`prefix ${quoted(prefixText)}: length ${quoted(lenText)} is not a number from 0 to ${bits}`);
  const len = Number(lenText);
  if (len > bits) throw bad(`prefix ${quoted(prefixText)}: length ${len} is over ${bits}`);
  const masked = words.map((w, i) => (w & maskWord(len, i)) >>> 0);
  if (masked.some((w, i) => w !== words[i])) {
    throw bad(`prefix ${quoted(prefixText)} has bits set past its length (the network is ${formatAddress(masked)}/${len})`);
  }
  return { v6, words, len, as };
}

function parseAs(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= AS_MAX ? n : undefined;
}

/** Word i's mask (32 bits each, most significant first) of a prefix of length len. */
function maskWord(len: number, i: number): number {
  const b = Math.min(32, Math.max(0, len - 32 * i));
  return b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An address as one word (IPv4) or four (IPv6), most significant first; undefined when it is not one. */
function parseAddress(text: string): number[] | undefined {
  const m = IPV4.exec(text);
  if (m) {
    const o = [m[1], m[2], m[3], m[4]].map(Number);
    if (o.some((x) => x > 255)) return undefined;
    return [((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0];
  }
  if (!text.includes(":")) return undefined;
  return parseIPv6(text);
}

/** RFC 4291 §2.2 text: eight groups, one "::" at most, an IPv4 tail allowed. */
function parseIPv6(text: string): number[] | undefined {
  let t = text;
  if (t.includes(".")) {
    // the IPv4 tail as the two groups it stands for
    const lastColon = t.lastIndexOf(":");
    const v4 = parseAddress(t.slice(lastColon + 1));
    if (v4 === undefined || v4.length !== 1) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v4[0]! >>> 16).toString(16)}:${(v4[0]! & 0xffff).toString(16)}`;
  }
  const halves = t.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const given = head.length + rest.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const all = [...head, ...new Array<string>(8 - given).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const n = all.map((g) => parseInt(g, 16));
  const w: number[] = [];
  for (let i = 0; i < 4; i++) w.push(((n[2 * i]! << 16) | n[2 * i + 1]!) >>> 0);
  return w;
}

/** Text of an address of one or four words (for messages; IPv6 with its longest zero run as "::", RFC 5952). */
function formatAddress(words: number[]): string {
  if (words.length === 1) return [24, 16, 8, 0].map((s) => (words[0]! >>> s) & 255).join(".");
  const g: number[] = [];
  for (const w of words) g.push(w >>> 16, w & 0xffff);
  let bestAt = -1, bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  return bestAt < 0 ? hex(g) : `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** The numbers 0 … n-1 sorted by the digits `passes` give, the last pass the most
 * significant ([digit of i, digits there are]): an LSD radix sort, stable, so equal keys stay
 * in file order. A pass per 16 bits: a few milliseconds for a million prefixes. */
function radixOrder(n: number, passes: ReadonlyArray<readonly [(i: number) => number, number]>): Uint32Array {
  let order = new Uint32Array(n), tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const digit = new Uint32Array(n);
  for (const [of, buckets] of passes) {
    const count = new Uint32Array(buckets + 1);
    for (let k = 0; k < n; k++) {
      const d = of(order[k]!);
      digit[k] = d;
      count[d + 1]!++;
    }
    for (let b = 0; b < buckets; b++) count[b + 1]! += count[b]!;
    for (let k = 0; k < n; k++) tmp[count[digit[k]!]!++] = order[k]!;
    [order, tmp] = [tmp, order];
  }
  return order;
}

/** The IPv4 arrays: sorted by first address then length (a prefix given twice: the later
 * line), each linked to the nearest enclosing prefix (layout.ts PT_*). */
function buildV4(first: Uint32Array, len: Uint8Array, as: Uint32Array, n: number): PrefixArrays["v4"] {
  // sorted by first address, then length, then file order (a stable radix sort)
  const sorted = radixOrder(n, [[(i) => len[i]!, 256], [(i) => first[i]! & 0xffff, 65536], [(i) => first[i]! >>> 16, 65536]]);
  const order = new Uint32Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = sorted[k]!;
    // the same prefix again: the later line replaces the earlier
    if (m > 0 && first[order[m - 1]!] === first[i] && len[order[m - 1]!] === len[i]) order[m - 1] = i;
    else order[m++] = i;
  }
  const out = { first: new Uint32Array(m), link: new Uint32Array(m), as: new Uint32Array(m) };
  // the enclosing prefixes of the one at hand, innermost last (33 levels at most)
  const open = new Uint32Array(33);
  let depth = 0;
  for (let k = 0; k < m; k++) {
    const i = order[k]!;
    const f = first[i]!;
    while (depth > 0) {
      const top = open[depth - 1]!;
      if (((f ^ out.first[top]!) & MASKS[(out.link[top]! & 0xff) * 4]!) === 0) break;
      depth--;
    }
    const parent = depth > 0 ? open[depth - 1]! : L.PT_NO_PARENT;
    out.first[k] = f;
    out.link[k] = ((parent << L.PT_LINK_SHIFT) | len[i]!) >>> 0;
    out.as[k] = as[i]!;
    open[depth++] = k;
  }
  return out;
}

/** The masks of each prefix length 0-128: four words each, most significant first. */
const MASKS = new Int32Array(129 * 4);
for (let l = 0; l <= 128; l++) for (let w = 0; w < 4; w++) MASKS[l * 4 + w] = maskWord(l, w);

/** The IPv6 arrays, as buildV4 makes the IPv4 ones; first addresses as four words each, most significant first. */
function buildV6(words: Uint32Array, len: Uint8Array, as: Uint32Array, n: number): PrefixArrays["v6"] {
  const passes: Array<[(i: number) => number, number]> = [[(i) => len[i]!, 256]];
  for (let w = 3; w >= 0; w--) passes.push([(i) => words[i * 4 + w]! & 0xffff, 65536], [(i) => words[i * 4 + w]! >>> 16, 65536]);
  const idx = radixOrder(n, passes);
  const same = (a: number, b: number) => len[a] === len[b] && words[a * 4] === words[b * 4] && words[a * 4 + 1] === words[b * 4 + 1] &&
    words[a * 4 + 2] === words[b * 4 + 2] && words[a * 4 + 3] === words[b * 4 + 3];
  const order = new Uint32Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (m > 0 && same(order[m - 1]!, i)) order[m - 1] = i;
    else order[m++] = i;
  }
  const out = { first: new Uint32Array(m * 4), link: new Uint32Array(m), as: new Uint32Array(m) };
  const open = new Uint32Array(129);
  let depth = 0;
  const f = out.first;
  for (let k = 0; k < m; k++) {
    const i = order[k]!;
    const w0 = words[i * 4]!, w1 = words[i * 4 + 1]!, w2 = words[i * 4 + 2]!, w3 = words[i * 4 + 3]!;
    while (depth > 0) {
      const t = open[depth - 1]!;
      const mk = (out.link[t]! & 0xff) * 4;
      if ((((w0 ^ f[t * 4]!) & MASKS[mk]!) | ((w1 ^ f[t * 4 + 1]!) & MASKS[mk + 1]!) |
        ((w2 ^ f[t * 4 + 2]!) & MASKS[mk + 2]!) | ((w3 ^ f[t * 4 + 3]!) & MASKS[mk + 3]!)) === 0) break;
      depth--;
    }
    const parent = depth > 0 ? open[depth - 1]! : L.PT_NO_PARENT;
    f[k * 4] = w0;
    f[k * 4 + 1] = w1;
    f[k * 4 + 2] = w2;
    f[k * 4 + 3] = w3;
    out.link[k] = ((parent << L.PT_LINK_SHIFT) | len[i]!) >>> 0;
    out.as[k] = as[i]!;
    open[depth++] = k;
  }
  return out;
}
