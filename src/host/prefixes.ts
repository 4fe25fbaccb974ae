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
import { PrefixFileError, UsageError } from "../errors";
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
  const lines = text.split("\n");
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!.trim();
    if (line === "" || line[0] === "!" || line[0] === "#") continue;
    const p = parseLine(line, file, ln + 1);
    if (!p.v6) {
      if (n4 === v4First.length) {
        v4First = grow32(v4First, n4 * 2);
        v4As = grow32(v4As, n4 * 2);
        const l = new Uint8Array(n4 * 2);
        l.set(v4Len);
        v4Len = l;
      }
      v4First[n4] = p.words[0]!;
      v4Len[n4] = p.len;
      v4As[n4] = p.as;
      n4++;
      if (n4 > L.PT_PREFIX_MAX) throw new PrefixFileError(file, ln + 1, `more than ${L.PT_PREFIX_MAX} IPv4 prefixes: the table holds no more`);
    } else {
      if (n6 === v6Len.length) {
        v6Words = grow32(v6Words, n6 * 8);
        v6As = grow32(v6As, n6 * 2);
        const l = new Uint8Array(n6 * 2);
        l.set(v6Len);
        v6Len = l;
      }
      v6Words.set(p.words, n6 * 4);
      v6Len[n6] = p.len;
      v6As[n6] = p.as;
      n6++;
      if (n6 > L.PT_PREFIX_MAX) throw new PrefixFileError(file, ln + 1, `more than ${L.PT_PREFIX_MAX} IPv6 prefixes: the table holds no more`);
    }
  }
  return { v4: buildV4(v4First, v4Len, v4As, n4), v6: buildV6(v6Words, v6Len, v6As, n6) };
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
    if (f.length !== 2) throw bad(`${JSON.stringify(line)}: expected PREFIX<TAB>AS (e.g. 192.0.2.0/24<TAB>64496), found ${f.length} fields`);
    prefixText = f[0]!;
    asText = f[1]!;
  } else {
    const f = line.split(",").map((s) => s.trim());
    if (f.length > 4) throw bad(`${JSON.stringify(line)}: expected [LABEL,][NEXTHOP,][[PEER_AS_]AS,]PREFIX (pmacct's networks_file), found ${f.length} comma-separated fields`);
    prefixText = f[f.length - 1]!;
    asText = f.length >= 2 ? f[f.length - 2]! : "";
    if (f.length >= 3 && f[f.length - 3] !== "" && parseAddress(f[f.length - 3]!) === undefined) {
      throw bad(`next hop ${JSON.stringify(f[f.length - 3])} is not an IPv4 or IPv6 address`);
    }
    if (f.length === 4 && f[0]!.length > 15) throw bad(`label ${JSON.stringify(f[0])} is longer than pmacct's 15 characters`);
    // [PEER_AS_]ORIGIN_AS: the origin
    const us = asText.indexOf("_");
    if (us >= 0) {
      const peer = asText.slice(0, us);
      if (parseAs(peer) === undefined) throw bad(`peer AS ${JSON.stringify(peer)}: expected an AS number from 0 to ${AS_MAX}`);
      asText = asText.slice(us + 1);
    }
  }
  const as = asText === "" ? 0 : parseAs(asText);
  if (as === undefined) throw bad(`AS ${JSON.stringify(asText)}: expected an AS number from 0 to ${AS_MAX} (plain decimal, e.g. 64496 or 4200000000)`);
  const slash = prefixText.indexOf("/");
  if (slash < 0) throw bad(`prefix ${JSON.stringify(prefixText)}: expected ADDRESS/LENGTH, e.g. 192.0.2.0/24 or 2001:db8::/32`);
  const addrText = prefixText.slice(0, slash);
  const lenText = prefixText.slice(slash + 1);
  const words = parseAddress(addrText);
  if (words === undefined) throw bad(`prefix ${JSON.stringify(prefixText)}: ${JSON.stringify(addrText)} is not an IPv4 or IPv6 address`);
  const v6 = words.length === 4;
  const bits = v6 ? 128 : 32;
  if (!/^\d{1,3}$/.test(lenText)) throw bad(`prefix ${JSON.stringify(prefixText)}: length ${JSON.stringify(lenText)} is not a number from 0 to ${bits}`);
  const len = Number(lenText);
  if (len > bits) throw bad(`prefix ${JSON.stringify(prefixText)}: length ${len} is over ${bits}`);
  const masked = words.map((w, i) => (w & maskWord(len, i)) >>> 0);
  if (masked.some((w, i) => w !== words[i])) {
    throw bad(`prefix ${JSON.stringify(prefixText)} has bits set past its length (the network is ${formatAddress(masked)}/${len})`);
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

/** The IPv4 arrays: sorted by first address then length (a prefix given twice: the later
 * line), each linked to the nearest enclosing prefix (layout.ts PT_*). */
function buildV4(first: Uint32Array, len: Uint8Array, as: Uint32Array, n: number): PrefixArrays["v4"] {
  // one 64-bit key per prefix sorts them: first address, length, then file order
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (BigInt(first[i]!) << 32n) | (BigInt(len[i]!) << 24n) | BigInt(i);
  keys.sort();
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = Number(keys[k]! & 0xffffffn);
    const prev = order.length > 0 ? order[order.length - 1]! : -1;
    // the same prefix again: the later line replaces the earlier
    if (prev >= 0 && first[prev] === first[i] && len[prev] === len[i]) order[order.length - 1] = i;
    else order.push(i);
  }
  const m = order.length;
  const out = { first: new Uint32Array(m), link: new Uint32Array(m), as: new Uint32Array(m) };
  // the enclosing prefixes of the one at hand, innermost last
  const open: number[] = [];
  for (let k = 0; k < m; k++) {
    const i = order[k]!;
    const f = first[i]!;
    while (open.length > 0) {
      const top = open[open.length - 1]!;
      const tl = out.link[top]! & 0xff;
      if (((f ^ out.first[top]!) & maskWord(tl, 0)) === 0) break;
      open.pop();
    }
    const parent = open.length > 0 ? open[open.length - 1]! : L.PT_NO_PARENT;
    out.first[k] = f;
    out.link[k] = ((parent << L.PT_LINK_SHIFT) | len[i]!) >>> 0;
    out.as[k] = as[i]!;
    open.push(k);
  }
  return out;
}

/** The IPv6 arrays, as buildV4 makes the IPv4 ones; first addresses as four words each, most significant first. */
function buildV6(words: Uint32Array, len: Uint8Array, as: Uint32Array, n: number): PrefixArrays["v6"] {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => {
    for (let w = 0; w < 4; w++) {
      const d = words[a * 4 + w]! - words[b * 4 + w]!;
      if (d !== 0) return d;
    }
    return len[a]! - len[b]! || a - b;
  });
  const same = (a: number, b: number) => len[a] === len[b] && words[a * 4] === words[b * 4] && words[a * 4 + 1] === words[b * 4 + 1] &&
    words[a * 4 + 2] === words[b * 4 + 2] && words[a * 4 + 3] === words[b * 4 + 3];
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (order.length > 0 && same(order[order.length - 1]!, i)) order[order.length - 1] = i;
    else order.push(i);
  }
  const m = order.length;
  const out = { first: new Uint32Array(m * 4), link: new Uint32Array(m), as: new Uint32Array(m) };
  const open: number[] = [];
  const holds = (top: number, i: number) => {
    const tl = out.link[top]! & 0xff;
    for (let w = 0; w < 4; w++) if (((words[i * 4 + w]! ^ out.first[top * 4 + w]!) & maskWord(tl, w)) !== 0) return false;
    return true;
  };
  for (let k = 0; k < m; k++) {
    const i = order[k]!;
    while (open.length > 0 && !holds(open[open.length - 1]!, i)) open.pop();
    const parent = open.length > 0 ? open[open.length - 1]! : L.PT_NO_PARENT;
    out.first.set(words.subarray(i * 4, i * 4 + 4), k * 4);
    out.link[k] = ((parent << L.PT_LINK_SHIFT) | len[i]!) >>> 0;
    out.as[k] = as[i]!;
    open.push(k);
  }
  return out;
}
