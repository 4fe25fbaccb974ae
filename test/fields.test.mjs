// Field lists by name (src/config/fields.ts): IPFIX and NetFlow v9 names, case-insensitive,
// resolved to the [element id, length] pairs the core's record writer fills; the other
// family's counterparts; the key the list makes; every error, with its suggestion; the
// core's own refusals (configureField); and the command line's --fields.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { fixtures, flowprobe, root } from "./helpers/run.mjs";

const { resolveFields, fieldListProblems, fieldError, fieldNamed, FIELD_ELEMENTS, layout: L } = lib;

test("names: IPFIX and NetFlow v9 (RFC 3954 §8) alike, case-insensitive, each to its element id", () => {
  const pairs = [
    ["IPV4_SRC_ADDR", 8], ["sourceIPv4Address", 8], ["ipv4_src_addr", 8], ["SOURCEIPV4ADDRESS", 8], ["IN_BYTES", 1], ["octetDeltaCount", 1],
    ["IN_PKTS", 2], ["L4_SRC_PORT", 7], ["L4_DST_PORT", 11], ["PROTOCOL", 4], ["SRC_TOS", 5], ["TCP_FLAGS", 6], ["INPUT_SNMP", 10],
    ["OUTPUT_SNMP", 14], ["IPV4_NEXT_HOP", 15], ["LAST_SWITCHED", 21], ["FIRST_SWITCHED", 22], ["IPV6_SRC_ADDR", 27], ["IPV6_DST_ADDR", 28],
    ["ICMP_TYPE", 32], ["MIN_TTL", 52], ["MAX_TTL", 53], ["IN_SRC_MAC", 56], ["SRC_VLAN", 58], ["DIRECTION", 61], ["IPV6_NEXT_HOP", 62],
    ["IN_DST_MAC", 80], ["flowEndReason", 136], ["icmpTypeCodeIPv6", 139], ["flowStartMilliseconds", 152], ["flowEndMilliseconds", 153],
    ["dot1qCustomerVlanId", 245],
    // names only, for the AS and prefix-length elements the prefix table brings
    ["SRC_AS", 16], ["bgpSourceAsNumber", 16], ["DST_AS", 17], ["bgpDestinationAsNumber", 17], ["SRC_MASK", 9], ["sourceIPv4PrefixLength", 9],
    ["DST_MASK", 13], ["destinationIPv4PrefixLength", 13], ["IPV6_SRC_MASK", 29], ["sourceIPv6PrefixLength", 29],
    ["IPV6_DST_MASK", 30], ["destinationIPv6PrefixLength", 30],
  ];
  for (const [name, id] of pairs) assert.equal(fieldNamed(name)?.id, id, name);
});

test("the catalogue is exactly what the record writer fills, plus the six AS and prefix-length elements", () => {
  // assembly/encode/records.ts ELEMENTS, read from its text: the ids it knows
  const text = readFileSync(path.join(root, "assembly/encode/records.ts"), "utf8");
  const block = /const ELEMENTS: u16\[\] = \[([\s\S]*?)\];/.exec(text)[1];
  const writer = [...block.matchAll(/^\s*(\d+), W_/gm)].map((m) => Number(m[1]));
  const ids = FIELD_ELEMENTS.map((e) => e.id);
  // (the writer gains the six with the prefix table: the same set either way)
  assert.deepEqual([...ids].sort((a, b) => a - b), [...new Set([...writer, 9, 13, 16, 17, 29, 30])].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length);
  const AS = { 16: 4, 17: 4, 9: 1, 13: 1, 29: 1, 30: 1 };
  for (const [id, len] of Object.entries(AS)) assert.equal(FIELD_ELEMENTS.find((e) => e.id === Number(id)).length, len);
});

test("lengths: the formats' default ones (TCP flags: 2 bytes in IPFIX, RFC 7125; 1 in NetFlow v9)", () => {
  assert.deepEqual(resolveFields(["TCP_FLAGS", "IN_BYTES", "PROTOCOL"], "ipfix").fields, [[6, 2], [1, 8], [4, 1]]);
  assert.deepEqual(resolveFields(["tcpControlBits", "octetDeltaCount", "protocolIdentifier"], "v9").fields, [[6, 1], [1, 8], [4, 1]]);
});

test("counterparts: a field of one family brings the other's right after it, unless the list names it", () => {
  assert.deepEqual(resolveFields(["IPV4_SRC_ADDR", "IN_BYTES"], "v9").fields, [[8, 4], [27, 16], [1, 8]]);
  assert.deepEqual(resolveFields(["destinationIPv6Address", "ipNextHopIPv6Address"], "ipfix").fields, [[28, 16], [12, 4], [62, 16], [15, 4]]);
  assert.deepEqual(resolveFields(["IPV4_SRC_ADDR", "IN_BYTES", "IPV6_SRC_ADDR"], "v9").fields, [[8, 4], [1, 8], [27, 16]]);
  assert.deepEqual(resolveFields(["SRC_MASK", "IPV6_DST_MASK"], "ipfix").fields, [[9, 1], [29, 1], [30, 1], [13, 1]]);
  // ICMP type/code: IPFIX has one per family; NetFlow v9's ICMP_TYPE serves both (its collectors know no 139)
  assert.deepEqual(resolveFields(["ICMP_TYPE"], "ipfix").fields, [[32, 2], [139, 2]]);
  assert.deepEqual(resolveFields(["ICMP_TYPE"], "v9").fields, [[32, 2]]);
});

test("the key: the key fields the list names, and only those", () => {
  const bits = (list) => resolveFields(list, "ipfix").keyBits;
  assert.equal(bits(["IPV4_SRC_ADDR", "IPV4_DST_ADDR", "PROTOCOL", "IN_BYTES", "IN_PKTS"]), L.KEY_SRC_ADDR | L.KEY_DST_ADDR | L.KEY_PROTO);
  assert.equal(bits(["L4_SRC_PORT", "L4_DST_PORT", "SRC_TOS", "INPUT_SNMP", "SRC_VLAN"]), L.KEY_SRC_PORT | L.KEY_DST_PORT | L.KEY_TOS | L.KEY_IN_IF | L.KEY_VLAN);
  assert.equal(bits(["icmpTypeCodeIPv4"]), L.KEY_ICMP, "ICMP type and code: a key of their own (kept in the destination port field, but a list with them and no ports does not split the other flows by port)");
  assert.equal(bits(["dot1qCustomerVlanId"]), L.KEY_VLAN);
  // never keys: MACs, output interface, next hop, AS, counters, times, TCP flags, TTL, end reason, direction
  assert.equal(resolveFields(["IN_SRC_MAC", "IN_DST_MAC", "OUTPUT_SNMP", "IPV4_NEXT_HOP", "SRC_AS", "DST_AS", "SRC_MASK", "IN_BYTES", "IN_PKTS",
    "FIRST_SWITCHED", "flowEndMilliseconds", "TCP_FLAGS", "MIN_TTL", "MAX_TTL", "flowEndReason", "DIRECTION"], "v9").keyBits, 0);
  assert.equal(resolveFields(["IN_SRC_MAC"], "v9").macs, true);
  assert.equal(resolveFields(["IN_BYTES"], "v9").macs, false);
});

test("errors: an unknown name gets the closest known ones", () => {
  assert.equal(fieldError("octetDeltaCont"), 'unknown field "octetDeltaCont" (did you mean octetDeltaCount?)');
  assert.equal(fieldError("IN_BYTE"), 'unknown field "IN_BYTE" (did you mean IN_BYTES?)');
  assert.equal(fieldError("IPV4_SCR_ADDR"), 'unknown field "IPV4_SCR_ADDR" (did you mean IPV4_SRC_ADDR or IPV6_SRC_ADDR?)');
  assert.equal(fieldError("sourceipv4adress"), 'unknown field "sourceipv4adress" (did you mean sourceIPv4Address or sourceIPv6Address?)');
  assert.equal(fieldError("banana"), 'unknown field "banana": not an IPFIX or NetFlow v9 element flowprobe can export (the names: docs/options.md, "Field lists")');
  assert.equal(fieldError(""), "empty field name: expected an IPFIX element name (octetDeltaCount) or a NetFlow v9 one (IN_BYTES)");
  assert.equal(fieldError(8), "expected a field name (a string), not 8");
  assert.equal(fieldError("IN_BYTES"), undefined);
});

test("errors of a whole list, each with the index of its element (what a config file's validator puts after targets[i].fields)", () => {
  assert.deepEqual(fieldListProblems(["IPV4_SRC_ADDR", "IN_BYTES", "octetDeltaCount", "octetDeltaCont"], "ipfix"), [
    { index: 2, message: 'field "octetDeltaCount" is named twice (first at 1: "IN_BYTES", element 1)' },
    { index: 3, message: 'unknown field "octetDeltaCont" (did you mean octetDeltaCount?)' },
  ]);
  assert.deepEqual(fieldListProblems(["FIRST_SWITCHED", "flowEndSysUpTime"], "ipfix"), [
    { index: 0, message: 'field "FIRST_SWITCHED" (uptime ms) is for NetFlow v9, whose header gives the uptime\'s start: IPFIX sends none (use flowStartMilliseconds)' },
    { index: 1, message: 'field "flowEndSysUpTime" (uptime ms) is for NetFlow v9, whose header gives the uptime\'s start: IPFIX sends none (use flowEndMilliseconds)' },
  ]);
  assert.deepEqual(fieldListProblems(["FIRST_SWITCHED", "flowEndSysUpTime"], "v9"), []);
  assert.deepEqual(fieldListProblems([], "v9"), [{ message: "empty field list: name at least one field, or leave the list out for the default template" }]);
  assert.deepEqual(fieldListProblems(["IN_BYTES"], "v5"), [{ message: "a field list is for IPFIX (10), NetFlow v9 (9) and JSON lines: NetFlow v5 has a fixed record" }]);
  assert.deepEqual(fieldListProblems(["IN_BYTES", "FIRST_SWITCHED"], "json"), []);
  assert.deepEqual(fieldListProblems("IN_BYTES", "ipfix"), [{ message: 'expected a list of field names, not "IN_BYTES"' }]);
  assert.throws(() => resolveFields(["IN_BYTE", "IN_PKT"], "ipfix"), (e) => e.code === "E_USAGE" && e.exitCode === 2 &&
    e.message === '--fields: unknown field "IN_BYTE" (did you mean IN_BYTES?)\n--fields: unknown field "IN_PKT" (did you mean IN_PKTS?)');
});

test("a Meter target with a field list on NetFlow v5 is refused", () => {
  const target = (format) => ({ maxflows: 100, hashsize: 256, inactiveTimeoutS: 15, activeTimeoutS: 1800, format, fields: ["IN_BYTES"],
    export: format === "json" ? undefined : { mtu: 1400, engineId: 0, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 } });
  assert.throws(() => new lib.Meter([target("v5")], 1n, () => {}), /target 0: fields: a field list is for IPFIX \(10\), NetFlow v9 \(9\) and JSON lines: NetFlow v5 has a fixed record/);
});

test("JSON lines with a field list: the list gives the key (one line per host pair and protocol without ports) and the line's keys, no others", () => {
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const r = flowprobe(["-r", file, "--seed", "1", "--no-summary", "--fields", "IPV4_SRC_ADDR,IPV4_DST_ADDR,PROTOCOL,IN_BYTES", "--inactive-timeout", "86400"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const pairs = new Map();
  for (const f of oracle.flows) {
    const k = `${f.src}|${f.dst}|${f.proto}`;
    pairs.set(k, (pairs.get(k) ?? 0) + f.bytes);
  }
  assert.deepEqual(new Map(lines.map((f) => [`${f.src_addr}|${f.dst_addr}|${f.proto}`, f.bytes])), pairs);
  assert.equal(lines.length, pairs.size);
  // (the lines followed the list since JSON field lists name the line's keys: test/json-fields.test.mjs)
  assert.ok(lines.every((f) => Object.keys(f).join() === "src_addr,dst_addr,proto,bytes"), "each line carries the listed keys, in list order, and no other");
});

test("the core's configureField: what it refuses, with which code", () => {
  const core = new lib.Core();
  const x = core.x;
  assert.equal(x.init(1, 0), 0);
  assert.equal(x.configureTarget(0, 100, 256, 15, 1800, L.FORMAT_IPFIX, 2), 0);
  assert.equal(x.configureField(0, 999, 4), 2, "an element the writer does not know");
  assert.equal(x.configureField(0, 8, 16), 2, "an IPv4 address is 4 bytes");
  assert.equal(x.configureField(0, 1, 9), 2, "a counter is at most 8 bytes");
  assert.equal(x.configureField(0, 1, 4), 0, "reduced-size encoding (RFC 7011 §6.2)");
  assert.equal(x.configureField(0, 1, 8), 3, "named twice");
  assert.equal(x.configureField(5, 1, 8), 4, "no such target");
  assert.equal(x.configureTarget(1, 100, 256, 15, 1800, L.FORMAT_V5, 2), 0);
  assert.equal(x.configureField(1, 1, 8), 4, "NetFlow v5 has no templates");
  assert.equal(x.configureExport(0, 1400, 0, 20, 1800), 0);
  assert.equal(x.configureField(0, 2, 8), 4, "after configureExport: the templates are made");
  assert.equal(x.configureTarget(2, 100, 256, 15, 1800, L.FORMAT_V9, 2), 0);
  // every element the catalogue has a writer for, in its length
  const known = FIELD_ELEMENTS.filter((e) => ![9, 13, 16, 17, 29, 30].includes(e.id));
  for (const e of known) assert.equal(x.configureField(2, e.id, e.length), 0, e.ipfix);
});

test("--fields on the command line: errors exit 2 with their message; a good list runs", () => {
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  let r = flowprobe(["-r", file, "-d", "127.0.0.1:9", "--fields", "IPV4_SRC_ADDR,octetDeltaCont"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--fields: unknown field "octetDeltaCont" \(did you mean octetDeltaCount\?\)/);
  r = flowprobe(["-r", file, "-d", "127.0.0.1:9", "--protocol", "5", "--fields", "IPV4_SRC_ADDR"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--fields: a field list is for IPFIX \(10\), NetFlow v9 \(9\) and JSON lines: NetFlow v5 has a fixed record/);
  r = flowprobe(["-r", file, "-d", "127.0.0.1:9", "--protocol", "9", "--fields", "ipv4_src_addr, IPV4_DST_ADDR,PROTOCOL,IN_BYTES,IN_PKTS", "--export-rate", "0"]);
  assert.equal(r.status, 0, r.stderr);
});
