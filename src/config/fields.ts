// Field lists of IPFIX and NetFlow v9 targets: the names a person writes, mapped to the
// [element id, length] pairs the core's record writer fills (assembly/encode/records.ts,
// ELEMENTS). Each element goes by its IPFIX name (IANA "IPFIX Information Elements", RFC
// 7012) and, where RFC 3954 §8 names it, its NetFlow v9 name too (as ipt_NETFLOW writes
// them); either style, case-insensitive, in a list of either protocol. The length is the
// one the format's default list sends (v9's TCP_FLAGS in 1 byte, IPFIX's tcpControlBits in 2,
// RFC 7125).
//
// Address fields are per family. A list that names one family's field gets the other
// family's counterpart right after it, so one list serves the IPv4 and the IPv6 templates
// (the core puts each in its own family's templates only). From the list comes the target's
// key: the key fields it names define a flow, and those it leaves out do not split flows.
//
// JSON lines: a list gives the keys each line carries, in the list's order (JSON_KEYS below:
// each element goes to the key of the line that holds its value, both families' addresses to
// the one src_addr), and a JSON target's list may name the line's keys themselves as well
// (src_addr, bytes, and etype and lan_direction, which no element names).

import * as L from "../../assembly/layout";
import { UsageError, quoted } from "../errors";
import type { FormatName } from "./formats";
import { distance } from "./argv";

export interface FieldElement {
  /** IANA element id (the same number is the v9 field type). */
  readonly id: number;
  readonly ipfix: string;
  /** RFC 3954 §8's name (or the one collectors use for it), when it has one. */
  readonly v9?: string;
  /** Other names read the same (older or collector spellings). */
  readonly aliases?: readonly string[];
  /** Bytes it is sent in (IPFIX; NetFlow v9 when v9Length is not given). */
  readonly length: number;
  readonly v9Length?: number;
  /** The other address family's element, added to a list that names only this one. */
  readonly counterpart?: number;
  /** The KEY_* bit it keys on, for key fields. */
  readonly key?: number;
  /** The MAC fields need the target's MAC table (--mac). */
  readonly mac?: boolean;
  /** Only for NetFlow v9, and what IPFIX takes instead (uptimes need the v9 header's boot epoch, which IPFIX messages do not carry). */
  readonly v9Only?: string;
}

/** Every element a field list may name. The last six (AS numbers and prefix lengths) come
 * from the prefix table another part of the core adds; until it is there the core refuses them. */
export const FIELD_ELEMENTS: readonly FieldElement[] = [
  { id: 8, ipfix: "sourceIPv4Address", v9: "IPV4_SRC_ADDR", length: 4, counterpart: 27, key: L.KEY_SRC_ADDR },
  { id: 12, ipfix: "destinationIPv4Address", v9: "IPV4_DST_ADDR", length: 4, counterpart: 28, key: L.KEY_DST_ADDR },
  { id: 27, ipfix: "sourceIPv6Address", v9: "IPV6_SRC_ADDR", length: 16, counterpart: 8, key: L.KEY_SRC_ADDR },
  { id: 28, ipfix: "destinationIPv6Address", v9: "IPV6_DST_ADDR", length: 16, counterpart: 12, key: L.KEY_DST_ADDR },
  { id: 7, ipfix: "sourceTransportPort", v9: "L4_SRC_PORT", length: 2, key: L.KEY_SRC_PORT },
  { id: 11, ipfix: "destinationTransportPort", v9: "L4_DST_PORT", length: 2, key: L.KEY_DST_PORT },
  // an ICMP flow's type and code are kept where its destination port would be
  { id: 32, ipfix: "icmpTypeCodeIPv4", v9: "ICMP_TYPE", length: 2, counterpart: 139, key: L.KEY_ICMP },
  { id: 139, ipfix: "icmpTypeCodeIPv6", length: 2, counterpart: 32, key: L.KEY_ICMP },
  { id: 4, ipfix: "protocolIdentifier", v9: "PROTOCOL", length: 1, key: L.KEY_PROTO },
  { id: 5, ipfix: "ipClassOfService", v9: "SRC_TOS", length: 1, key: L.KEY_TOS },
  { id: 10, ipfix: "ingressInterface", v9: "INPUT_SNMP", length: 4, key: L.KEY_IN_IF },
  { id: 58, ipfix: "vlanId", v9: "SRC_VLAN", length: 2, key: L.KEY_VLAN },
  { id: 245, ipfix: "dot1qCustomerVlanId", length: 2, key: L.KEY_VLAN },
  { id: 6, ipfix: "tcpControlBits", v9: "TCP_FLAGS", length: 2, v9Length: 1 },
  { id: 1, ipfix: "octetDeltaCount", v9: "IN_BYTES", length: 8 },
  { id: 2, ipfix: "packetDeltaCount", v9: "IN_PKTS", length: 8 },
  { id: 22, ipfix: "flowStartSysUpTime", v9: "FIRST_SWITCHED", length: 4, v9Only: "flowStartMilliseconds" },
  { id: 21, ipfix: "flowEndSysUpTime", v9: "LAST_SWITCHED", length: 4, v9Only: "flowEndMilliseconds" },
  { id: 152, ipfix: "flowStartMilliseconds", length: 8 },
  { id: 153, ipfix: "flowEndMilliseconds", length: 8 },
  { id: 14, ipfix: "egressInterface", v9: "OUTPUT_SNMP", length: 4 },
  { id: 15, ipfix: "ipNextHopIPv4Address", v9: "IPV4_NEXT_HOP", length: 4, counterpart: 62 },
  { id: 62, ipfix: "ipNextHopIPv6Address", v9: "IPV6_NEXT_HOP", length: 16, counterpart: 15 },
  { id: 56, ipfix: "sourceMacAddress", v9: "IN_SRC_MAC", aliases: ["SRC_MAC"], length: 6, mac: true },
  { id: 80, ipfix: "destinationMacAddress", v9: "IN_DST_MAC", aliases: ["DST_MAC"], length: 6, mac: true },
  { id: 61, ipfix: "flowDirection", v9: "DIRECTION", length: 1 },
  { id: 52, ipfix: "minimumTTL", v9: "MIN_TTL", length: 1 },
  { id: 53, ipfix: "maximumTTL", v9: "MAX_TTL", length: 1 },
  { id: 136, ipfix: "flowEndReason", length: 1 },
  { id: 16, ipfix: "bgpSourceAsNumber", v9: "SRC_AS", length: 4 },
  { id: 17, ipfix: "bgpDestinationAsNumber", v9: "DST_AS", length: 4 },
  { id: 9, ipfix: "sourceIPv4PrefixLength", v9: "SRC_MASK", length: 1, counterpart: 29 },
  { id: 13, ipfix: "destinationIPv4PrefixLength", v9: "DST_MASK", length: 1, counterpart: 30 },
  { id: 29, ipfix: "sourceIPv6PrefixLength", v9: "IPV6_SRC_MASK", length: 1, counterpart: 9 },
  { id: 30, ipfix: "destinationIPv6PrefixLength", v9: "IPV6_DST_MASK", length: 1, counterpart: 13 },
];

/** A key of a JSON line (docs/export.md, "JSON lines"): its name, its code in the core
 * (assembly/layout.ts JK_*), and the elements whose value it writes (none: a key only JSON
 * lines have, named by its own name). */
export interface JsonKey {
  readonly name: string;
  readonly code: number;
  readonly elements: readonly number[];
}

/** Every key a JSON line may carry, in the default line's order (flow_direction, which the
 * default line lacks, last). */
export const JSON_KEYS: readonly JsonKey[] = [
  { name: "time_flow_start_ns", code: L.JK_TIME_START, elements: [152, 22] },
  { name: "time_flow_end_ns", code: L.JK_TIME_END, elements: [153, 21] },
  { name: "etype", code: L.JK_ETYPE, elements: [] },
  { name: "proto", code: L.JK_PROTO, elements: [4] },
  { name: "src_addr", code: L.JK_SRC_ADDR, elements: [8, 27] },
  { name: "dst_addr", code: L.JK_DST_ADDR, elements: [12, 28] },
  { name: "src_port", code: L.JK_SRC_PORT, elements: [7] },
  { name: "dst_port", code: L.JK_DST_PORT, elements: [11] },
  { name: "in_if", code: L.JK_IN_IF, elements: [10] },
  { name: "out_if", code: L.JK_OUT_IF, elements: [14] },
  { name: "next_hop", code: L.JK_NEXT_HOP, elements: [15, 62] },
  { name: "bytes", code: L.JK_BYTES, elements: [1] },
  { name: "packets", code: L.JK_PACKETS, elements: [2] },
  { name: "tcp_flags", code: L.JK_TCP_FLAGS, elements: [6] },
  { name: "ip_tos", code: L.JK_TOS, elements: [5] },
  { name: "ip_ttl_min", code: L.JK_TTL_MIN, elements: [52] },
  { name: "ip_ttl_max", code: L.JK_TTL_MAX, elements: [53] },
  { name: "vlan_id", code: L.JK_VLAN, elements: [58] },
  { name: "vlan_id_inner", code: L.JK_VLAN_INNER, elements: [245] },
  { name: "icmp_type", code: L.JK_ICMP_TYPE, elements: [32, 139] },
  { name: "icmp_code", code: L.JK_ICMP_CODE, elements: [32, 139] },
  { name: "lan_direction", code: L.JK_LAN_DIRECTION, elements: [] },
  { name: "src_mac", code: L.JK_SRC_MAC, elements: [56] },
  { name: "dst_mac", code: L.JK_DST_MAC, elements: [80] },
  { name: "src_as", code: L.JK_SRC_AS, elements: [16] },
  { name: "dst_as", code: L.JK_DST_AS, elements: [17] },
  { name: "src_net", code: L.JK_SRC_NET, elements: [9, 29] },
  { name: "dst_net", code: L.JK_DST_NET, elements: [13, 30] },
  { name: "flow_end_reason", code: L.JK_END_REASON, elements: [136] },
  { name: "flow_direction", code: L.JK_FLOW_DIRECTION, elements: [61] },
];

const BY_ID = new Map(FIELD_ELEMENTS.map((e) => [e.id, e]));
const JSON_BY_NAME = new Map(JSON_KEYS.map((k) => [k.name, k]));
/** element id → the JSON keys that write its value (ICMP type/code: two) */
const JSON_OF = new Map<number, JsonKey[]>();
for (const k of JSON_KEYS) for (const id of k.elements) JSON_OF.set(id, [...(JSON_OF.get(id) ?? []), k]);
/** lower-case name → element */
const BY_NAME = new Map<string, FieldElement>();
for (const e of FIELD_ELEMENTS) for (const n of [e.ipfix, e.v9, ...(e.aliases ?? [])]) if (n) BY_NAME.set(n.toLowerCase(), e);
/** Every name as written, for suggestions. */
const NAMES: readonly string[] = FIELD_ELEMENTS.flatMap((e) => [e.ipfix, ...(e.v9 ? [e.v9] : []), ...(e.aliases ?? [])]);
/** The names a JSON target's list may use, for suggestions: the line's keys, then the
 * elements' names that differ from them in more than case (SRC_AS is src_as). */
const JSON_NAMES: readonly string[] = [...JSON_KEYS.map((k) => k.name), ...NAMES.filter((n) => !JSON_BY_NAME.has(n.toLowerCase()))];

/** The formats a field list is for: the templates of IPFIX and NetFlow v9, the keys of JSON lines. */
const LIST_FORMATS: readonly FormatName[] = ["ipfix", "v9", "json"];

/** The element a name stands for (case-insensitive), if any. */
export function fieldNamed(name: string): FieldElement | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** The key of a JSON line named `name` (case-insensitive), if any. */
export function jsonKeyNamed(name: string): JsonKey | undefined {
  return JSON_BY_NAME.get(name.trim().toLowerCase());
}

/** What one name of a JSON target's list stands for: a key of the line by its own name
 * (first: `icmp_type` is the key, not ICMP_TYPE's pair of keys), else an element. */
function jsonNamed(name: string): { key: JsonKey } | { element: FieldElement } | undefined {
  const key = jsonKeyNamed(name);
  if (key) return { key };
  const element = fieldNamed(name);
  return element ? { element } : undefined;
}

/** The known names closest to `name`: at most three, each within a third of its length (at
 * least 2 edits) and at most one edit farther than the closest. */
export function closestFields(name: string, among: readonly string[] = NAMES): string[] {
  const want = name.trim().toLowerCase();
  if (want.length > 64) return []; // (no name is near it, and the distance would cost a row per character)
  const limit = Math.max(2, Math.floor(want.length / 3));
  const near = among.map((n) => ({ n, d: distance(want, n.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return near.filter((x) => x.d <= near[0]!.d + 1).slice(0, 3).map((x) => x.n);
}

/** "a", "a or b", "a, b or c" */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** What is wrong with one name of a field list (the part of a message after its key path,
 * e.g. `unknown field "octetDeltaCont" (did you mean octetDeltaCount?)`), or undefined. */
export function fieldError(name: unknown): string | undefined {
  if (typeof name !== "string") return `expected a field name (a string), not ${JSON.stringify(name)}`;
  if (name.trim() === "") return "empty field name: expected an IPFIX element name (octetDeltaCount) or a NetFlow v9 one (IN_BYTES)";
  if (fieldNamed(name)) return undefined;
  const key = jsonKeyNamed(name);
  if (key) {
    const named = key.elements.map((id) => BY_ID.get(id)!).map((e) => (e.v9 ? `${e.ipfix} or ${e.v9}` : e.ipfix));
    return named.length > 0
      ? `${JSON.stringify(name)} is a key of JSON lines: an IPFIX or NetFlow v9 list names its element (${named.join("; ")})`
      : `${JSON.stringify(name)} is a key of JSON lines only: no IPFIX or NetFlow v9 element flowprobe exports carries it`;
  }
  const near = closestFields(name);
  return near.length > 0
    ? `unknown field ${quoted(name)} (did you mean ${orList(near)}?)`
    : `unknown field ${quoted(name)}: not an IPFIX or NetFlow v9 element flowprobe can export (the names: docs/options.md, "Field lists")`;
}

/** What is wrong with one name of a JSON target's list, or undefined: its element and key
 * names, and the keys of the line (src_addr, bytes, lan_direction, …). */
function jsonFieldError(name: unknown): string | undefined {
  if (typeof name !== "string") return `expected a field name (a string), not ${JSON.stringify(name)}`;
  if (name.trim() === "") return "empty field name: expected a key of the JSON line (bytes), an IPFIX element name (octetDeltaCount) or a NetFlow v9 one (IN_BYTES)";
  if (jsonNamed(name)) return undefined;
  const near = closestFields(name, JSON_NAMES);
  return near.length > 0
    ? `unknown field ${JSON.stringify(name)} (did you mean ${orList(near)}?)`
    : `unknown field ${JSON.stringify(name)}: not a key of the JSON line, nor an IPFIX or NetFlow v9 element flowprobe can export (the names: docs/export.md, "JSON lines", and docs/options.md, "Field lists")`;
}

/** A field list as the core takes it. */
export interface ResolvedFields {
  /** [element id, length] in template order, counterparts included. */
  readonly fields: ReadonlyArray<readonly [number, number]>;
  /** KEY_* bits of the key fields the list names (the target keys on these only). */
  readonly keyBits: number;
  /** The list names a MAC field: the target needs its MAC table. */
  readonly macs: boolean;
  /** JSON lines: the keys of each line (assembly/layout.ts JK_*), in line order, each once
   * (the first name of a key places it); empty for the other formats. */
  readonly jsonKeys: readonly number[];
}

/** One problem of a list: the index of the name it is about (none: the whole list), and what. */
export interface FieldListProblem {
  readonly index?: number;
  readonly message: string;
}

/** Every problem of field list `names` for a target of `format` (none: it resolves). */
export function fieldListProblems(names: unknown, format: FormatName): FieldListProblem[] {
  if (!Array.isArray(names)) return [{ message: `expected a list of field names, not ${JSON.stringify(names)}` }];
  if (!LIST_FORMATS.includes(format)) {
    return [{ message: "a field list is for IPFIX (10), NetFlow v9 (9) and JSON lines: NetFlow v5 has a fixed record" }];
  }
  if (names.length === 0) return [{ message: "empty field list: name at least one field, or leave the list out for the default template" }];
  if (format === "json") return jsonListProblems(names);
  const problems: FieldListProblem[] = [];
  const seen = new Map<number, number>();
  names.forEach((name, index) => {
    const wrong = fieldError(name);
    if (wrong) return void problems.push({ index, message: wrong });
    const e = fieldNamed(name as string)!;
    if (e.v9Only && format === "ipfix") {
      return void problems.push({ index, message: `field ${quoted(name as string)} (uptime ms) is for NetFlow v9, whose header gives the uptime's start: IPFIX sends none (use ${e.v9Only})` });
    }
    const before = seen.get(e.id);
    if (before !== undefined) problems.push({ index, message: `field ${quoted(name as string)} is named twice (first at ${before}: ${quoted(names[before] as string)}, element ${e.id})` });
    else seen.set(e.id, index);
  });
  if (problems.length === 0) {
    const n = expand(names as string[], format).length;
    if (n > L.FIELD_MAX) {
      problems.push({ message: `${n} fields with the other family's counterparts: at most ${L.FIELD_MAX}` });
    }
  }
  return problems;
}

/** Every problem of a JSON target's list: a name that is neither a key of the line nor an
 * element, the same element named twice, and a key named by its own name that the list
 * names again (by its name, or by an element whose value it writes: `bytes` and IN_BYTES).
 * Elements that share a key are no problem (sourceIPv4Address and sourceIPv6Address: one
 * src_addr; flowStartMilliseconds and FIRST_SWITCHED: one time_flow_start_ns): the key comes
 * once, where the first of them is. */
function jsonListProblems(names: readonly unknown[]): FieldListProblem[] {
  const problems: FieldListProblem[] = [];
  const elementAt = new Map<number, number>(); // element id → index
  const keyAt = new Map<string, number>(); //     key named by its own name → index
  const viaElement = new Map<string, number>(); // key an element writes → the element's index
  names.forEach((name, index) => {
    const wrong = jsonFieldError(name);
    if (wrong) return void problems.push({ index, message: wrong });
    const what = jsonNamed(name as string)!;
    let before: number | undefined;
    let as = "";
    if ("key" in what) {
      before = keyAt.get(what.key.name) ?? viaElement.get(what.key.name);
      as = `key ${what.key.name}`;
      if (before === undefined) keyAt.set(what.key.name, index);
    } else {
      const keys = JSON_OF.get(what.element.id) ?? [];
      before = elementAt.get(what.element.id) ?? keys.map((k) => keyAt.get(k.name)).find((i) => i !== undefined);
      as = `element ${what.element.id}${keys.length > 0 ? `, key ${keys.map((k) => k.name).join(" and ")}` : ""}`;
      if (before === undefined) {
        elementAt.set(what.element.id, index);
        for (const k of keys) if (!viaElement.has(k.name)) viaElement.set(k.name, index);
      }
    }
    if (before !== undefined) problems.push({ index, message: `field ${JSON.stringify(name)} is named twice (first at ${before}: ${JSON.stringify(names[before])}, ${as})` });
  });
  // ICMP type and code: a flow is ICMP by its protocol, which a key without it reads as 0
  if (problems.length === 0) {
    const keys = names.map((n) => jsonResolve([n as string]).jsonKeys);
    const icmp = keys.findIndex((k) => k.includes(L.JK_ICMP_TYPE) || k.includes(L.JK_ICMP_CODE));
    if (icmp >= 0 && !keys.some((k) => k.includes(L.JK_PROTO))) {
      problems.push({ index: icmp, message: `field ${JSON.stringify(names[icmp])}: ICMP type and code are written on ICMP flows only, and a list without the protocol (proto, PROTOCOL) has none: its flows mix every protocol; add proto` });
    }
  }
  return problems;
}

/** The JSON keys of a valid JSON target's list, in line order, each once; with the key bits
 * and whether it names a MAC key. An element's keys are those that write its value (both
 * families' addresses: one src_addr; an ICMP type/code element: icmp_type and icmp_code). */
function jsonResolve(names: readonly string[]): ResolvedFields {
  const keys: JsonKey[] = [];
  const elements: FieldElement[] = [];
  for (const n of names) {
    const what = jsonNamed(n)!;
    if ("key" in what) keys.push(what.key);
    else {
      elements.push(what.element);
      keys.push(...(JSON_OF.get(what.element.id) ?? []));
    }
  }
  const unique = [...new Set(keys)];
  // a key named by its own name keys as its elements do (src_port: sourceTransportPort's bit)
  const keyBits = [...elements, ...unique.flatMap((k) => k.elements.map((id) => BY_ID.get(id)!))]
    .reduce((bits, e) => bits | (e.key ?? 0), 0);
  return {
    fields: elements.map((e) => [e.id, e.length] as const),
    keyBits,
    macs: unique.some((k) => k.code === L.JK_SRC_MAC || k.code === L.JK_DST_MAC),
    jsonKeys: unique.map((k) => k.code),
  };
}

/** The elements of a valid list, each named one followed by its counterpart when the list lacks it. */
function expand(names: readonly string[], format: FormatName): FieldElement[] {
  const named = names.map((n) => fieldNamed(n)!);
  const ids = new Set(named.map((e) => e.id));
  const out: FieldElement[] = [];
  for (const e of named) {
    out.push(e);
    const c = e.counterpart;
    // (NetFlow v9 has no element for ICMPv6's type and code: its collectors read ICMP_TYPE for both families)
    if (c !== undefined && !ids.has(c) && !(format === "v9" && c === 139)) {
      ids.add(c);
      out.push(BY_ID.get(c)!);
    }
  }
  return out;
}

/** Resolves field list `names` for a target of `format`; throws a UsageError naming every
 * problem (`what` prefixes each: "--fields", "targets[1].fields"). */
export function resolveFields(names: readonly string[], format: FormatName, what = "--fields"): ResolvedFields {
  const problems = fieldListProblems(names, format);
  if (problems.length > 0) {
    throw new UsageError(problems.map((p) => `${what}: ${p.message}`).join("\n"));
  }
  if (format === "json") return jsonResolve(names);
  const elements = expand(names, format);
  return {
    fields: elements.map((e) => [e.id, format === "v9" ? e.v9Length ?? e.length : e.length] as const),
    keyBits: elements.reduce((bits, e) => bits | (e.key ?? 0), 0),
    macs: elements.some((e) => e.mac),
    jsonKeys: [],
  };
}

/** A comma-separated --fields value as a list of names. */
export function splitFieldList(text: string): string[] {
  return text.split(",").map((s) => s.trim());
}
