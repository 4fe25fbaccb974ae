// JSON lines that follow a field list (--fields, a config target's "fields" with
// "protocol": "json"; docs/export.md, "JSON lines with a field list"): each line carries the
// keys its list names, in the list's order, and no other; the key the list makes decides
// which flows meet. Proved on every shared capture with a tshark-made oracle:
//   * lists that leave key fields out: the lines, summed by the list's key, equal the oracle
//     summed by the same key (test/helpers/aggregate.mjs, written apart from the core), one
//     line per key, with exactly the listed keys — a list without counters too;
//   * a list of every key: each line is the default line's values under the listed keys;
//     the default keys in the default order give the default output byte for byte;
//   * without a list, the output is the default one: the docs' sample line, and the lines the
//     build before field lists printed (test/fixtures/json-default), byte for byte.
// Then the AS keys with a prefix file built here (a linear longest match as the reference),
// --mac with and without a MAC key, and every error: the command line's, the config file's,
// the core's refusal codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { flowprobe, parseFlows, oracleCaptures, canon, fixtures, root } from "./helpers/run.mjs";
import { aggregateOracle, sumFlows } from "./helpers/aggregate.mjs";
import * as P from "./helpers/packets.mjs";

const { resolveFields, fieldListProblems, JSON_KEYS, FIELD_ELEMENTS, layout: L } = lib;
const dir = mkdtempSync(path.join(tmpdir(), "jsf-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// long timeouts: a key is exported once, at the end of the file (a key without ports is not
// ended by TCP FIN/RST either), so each key of the list has one line
const LONG = ["--inactive-timeout", "86400", "--active-timeout", "604800"];
const run = (file, args) => {
  const r = flowprobe(["-r", file, "--seed", "1", "--no-summary", ...args]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const keysOf = (line) => Object.keys(JSON.parse(line)).join(",");

/** The default line's keys, in its order (docs/export.md's table). */
const DEFAULT_ORDER = ["time_flow_start_ns", "time_flow_end_ns", "etype", "proto", "src_addr", "dst_addr", "src_port", "dst_port",
  "in_if", "out_if", "next_hop", "bytes", "packets", "tcp_flags", "ip_tos", "ip_ttl_min", "ip_ttl_max", "vlan_id", "vlan_id_inner",
  "icmp_type", "icmp_code", "lan_direction", "src_mac", "dst_mac", "src_as", "dst_as", "src_net", "dst_net", "flow_end_reason"];

test("the catalogue: every key of the default line and flow_direction, each with its core code; every element a list may name goes to a key", () => {
  assert.deepEqual(JSON_KEYS.map((k) => k.name), [...DEFAULT_ORDER, "flow_direction"]);
  assert.deepEqual(JSON_KEYS.map((k) => k.code), JSON_KEYS.map((_, i) => i + 1));
  assert.equal(L.JK_LAST, JSON_KEYS.length);
  for (const e of FIELD_ELEMENTS) {
    assert.ok(JSON_KEYS.some((k) => k.elements.includes(e.id)), `${e.ipfix} (${e.id}) has a key of the JSON line`);
  }
  // elements and the line's own names, in the list's order, each key once
  const r = resolveFields(["octetDeltaCount", "sourceIPv4Address", "IPV6_SRC_ADDR", "icmpTypeCodeIPv4", "etype", "flowEndMilliseconds", "LAST_SWITCHED", "PROTOCOL"], "json");
  assert.deepEqual(r.jsonKeys, [L.JK_BYTES, L.JK_SRC_ADDR, L.JK_ICMP_TYPE, L.JK_ICMP_CODE, L.JK_ETYPE, L.JK_TIME_END, L.JK_PROTO]);
  assert.equal(r.keyBits, L.KEY_SRC_ADDR | L.KEY_ICMP | L.KEY_PROTO);
  // names are case-insensitive, and a key of the line wins over an element's name: ICMP_TYPE is icmp_type
  assert.deepEqual(resolveFields(["ICMP_TYPE", "proto"], "json").jsonKeys, [L.JK_ICMP_TYPE, L.JK_PROTO]);
  assert.equal(resolveFields(["src_port", "vlan_id_inner", "ip_tos", "lan_direction"], "json").keyBits, L.KEY_SRC_PORT | L.KEY_VLAN | L.KEY_TOS);
  assert.equal(resolveFields(["SRC_MAC", "bytes"], "json").macs, true);
  assert.deepEqual(resolveFields(["IPV4_SRC_ADDR", "IN_BYTES"], "ipfix").jsonKeys, []);
});

// ---- AS numbers and prefix lengths: a prefix file and a capture built here ----
const PREFIXES = [["10.0.0.0/8", 65000], ["10.1.0.0/16", 4200000001], ["10.1.2.0/24", 64500], ["192.0.2.0/24", 64496],
  ["2001:db8::/32", 64497], ["2001:db8:1::/48", 70000]];
const toBig = (a) => {
  if (!a.includes(":")) return a.split(".").reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const [h, t] = a.split("::");
  const g = (s) => (s ? s.split(":") : []);
  const groups = a.includes("::") ? [...g(h), ...Array(8 - g(h).length - g(t).length).fill("0"), ...g(t)] : g(h);
  return groups.reduce((n, x) => (n << 16n) | BigInt(parseInt(x, 16)), 0n);
};
const fromBig = (n, v6) => {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const g = [];
  for (let i = 7n; i >= 0n; i--) g.push(((n >> (i * 16n)) & 0xffffn).toString(16));
  return canon(g.join(":"));
};
const maskOf = (len, v6) => (len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt((v6 ? 128 : 32) - len));
/** The longest prefix of PREFIXES holding `a`, by a linear search: { as, net } as goflow2 writes them. */
function longest(a) {
  const v6 = a.includes(":");
  let best = { as: 0, len: 0 };
  for (const [p, as] of PREFIXES) {
    const [net, l] = p.split("/");
    if (net.includes(":") !== v6 || (toBig(a) & maskOf(Number(l), v6)) !== toBig(net) || Number(l) < best.len) continue;
    best = { as, len: Number(l) };
  }
  return { as: best.as, net: `${fromBig(toBig(a) & maskOf(best.len, v6), v6)}/${best.len}` };
}
const ADDRS4 = ["10.1.2.3", "10.1.9.9", "10.200.0.1", "192.0.2.77", "8.8.8.8"];
const ADDRS6 = ["2001:db8:1::5", "2001:db8:2::5", "2620:fe::fe"];
const asCapture = path.join(dir, "as.pcap");
const asFile = path.join(dir, "networks.lst");
writeFileSync(asFile, PREFIXES.map(([p, as], i) => (i % 2 ? `${p}\t${as}` : `${as},${p}`)).join("\n") + "\n");
const AS_FLOWS = [
  ...ADDRS4.map((s, i) => ({ src: s, dst: ADDRS4[(i + 2) % ADDRS4.length], v6: false })),
  ...ADDRS6.map((s, i) => ({ src: s, dst: ADDRS6[(i + 1) % ADDRS6.length], v6: true })),
];
writeFileSync(asCapture, P.pcapFile(1, AS_FLOWS.map((f, i) => ({
  ts: [1700000000, i * 1000],
  data: f.v6 ? P.eth(P.ETH_IPV6, P.ipv6(P.udp(2000 + i, 53), { nh: 17, src: f.src, dst: f.dst }))
    : P.eth(P.ETH_IPV4, P.ipv4(P.udp(2000 + i, 53), { proto: 17, src: f.src, dst: f.dst })),
}))));

/** Lists that leave key fields out, in mixed name styles: [what, list, the keys each line has, the key it sums by]. */
const PARTIAL = [
  ["host pair and protocol", ["IN_PKTS", "IPV4_DST_ADDR", "octetDeltaCount", "sourceIPv4Address", "PROTOCOL"],
    "packets,dst_addr,bytes,src_addr,proto", { ports: false }],
  ["the 5-tuple by the line's own names", ["bytes", "src_port", "src_addr", "dst_port", "dst_addr", "proto", "packets"],
    "bytes,src_port,src_addr,dst_port,dst_addr,proto,packets", { ports: true }],
];

for (const { file, name, oracle } of oracleCaptures()) {
  test(`a JSON list on ${name}: exactly the listed keys; values equal the oracle summed by the list's key`, () => {
    const short = Number(oracle.last_time) - Number(oracle.first_time) < 86400;
    for (const [what, list, keys, opts] of PARTIAL) {
      const out = run(file, ["--fields", list.join(","), ...LONG]);
      const lines = out.split("\n").filter(Boolean);
      for (const l of lines) assert.equal(keysOf(l), keys, `${what}: ${l}`);
      const flows = parseFlows(out).map((f) => ({ src: f.src_addr, dst: f.dst_addr, proto: f.proto, sport: f.src_port ?? 0n, dport: f.dst_port ?? 0n, packets: f.packets, bytes: f.bytes }));
      const want = aggregateOracle(oracle.flows, [], opts);
      assert.deepEqual(sumFlows(flows, opts), want, what);
      // (a capture with a day without packets between flows of a key ends them at the idle timeout's top)
      if (!opts.ports && short) assert.equal(lines.length, want.size, `${what}: one line per key`);
    }
    // no counter: one line per address pair (the IP version keys; the protocol and ports do not)
    const out = run(file, ["--fields", "sourceIPv6Address,destinationIPv6Address", ...LONG]);
    const lines = out.split("\n").filter(Boolean);
    const pairs = new Set(oracle.flows.map((f) => `${canon(f.src)}|${canon(f.dst)}`));
    assert.deepEqual(lines.map((l) => keysOf(l)), lines.map(() => "src_addr,dst_addr"));
    const got = lines.map((l) => JSON.parse(l)).map((f) => `${canon(f.src_addr)}|${canon(f.dst_addr)}`);
    if (short) assert.equal(new Set(got).size, got.length, "each pair once");
    assert.deepEqual(new Set(got), pairs);
  });

  test(`every key listed on ${name}: each line is the default line's values, in the list's order; the default order gives the default bytes`, () => {
    // the default keys in the default order (with the MACs and a prefix file, which bring
    // their keys to the default line): byte for byte the default output
    const all = ["--mac", "--as-file", asFile];
    const plain = run(file, all);
    assert.equal(run(file, [...all, "--fields", DEFAULT_ORDER.join(",")]), plain);
    // every key, shuffled (a fixed shuffle), by element names where there are some
    const shuffled = [...JSON_KEYS.map((k) => k.name)].sort((a, b) => (a.length * 7 + a.charCodeAt(1)) % 11 - (b.length * 7 + b.charCodeAt(1)) % 11 || a.localeCompare(b));
    const named = shuffled.map((k) => ({ bytes: "octetDeltaCount", packets: "IN_PKTS", src_addr: "IPV6_SRC_ADDR", proto: "protocolIdentifier", in_if: "INPUT_SNMP" })[k] ?? k);
    const listed = run(file, [...all, "--fields", named.join(",")]).split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const base = plain.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(listed.length, base.length);
    listed.forEach((f, i) => {
      const { flow_direction, ...rest } = f;
      assert.ok(flow_direction === 0 || flow_direction === 1, "flow_direction: IPFIX's 0 ingress, 1 egress");
      assert.deepEqual(Object.keys(rest), shuffled.filter((k) => k in base[i]), "the line's keys, in the list's order");
      assert.deepEqual(rest, base[i]);
    });
  });
}

test("without a list the line is the default one: the sample line of docs/export.md, byte for byte", () => {
  const docs = readFileSync(path.join(root, "docs", "export.md"), "utf8");
  const sample = /from `flowprobe -r test\/fixtures\/pcaps\/(\S+)`:\n\n```json\n(.*)\n```/.exec(docs);
  assert.ok(sample, "the docs' sample");
  const out = run(path.join(fixtures, "pcaps", sample[1]), []);
  assert.ok(out.split("\n").includes(sample[2]), "the sample line is one of the lines");
});

test("without a list the output is the one made before field lists came, byte for byte (test/fixtures/json-default)", () => {
  const golden = path.join(fixtures, "json-default");
  const files = readdirSync(golden).filter((f) => f.endsWith(".mac.jsonl"));
  assert.ok(files.length >= 6);
  for (const f of files) {
    assert.equal(run(path.join(fixtures, "pcaps", f.replace(/\.mac\.jsonl$/, "")), ["--mac"]), readFileSync(path.join(golden, f), "utf8"), f);
  }
});

test("the field-list sample of docs/export.md: both lists, by key names and by element names, print it", () => {
  const docs = readFileSync(path.join(root, "docs", "export.md"), "utf8");
  const section = docs.slice(docs.indexOf("### JSON lines with a field list"));
  const commands = [...section.matchAll(/^flowprobe -r (\S+) --fields (\S+)$/gm)].slice(0, 2);
  const sample = /```json\n(.*)\n```/.exec(section)[1];
  assert.equal(commands.length, 2);
  const outs = commands.map(([, file, list]) => run(path.join(root, file), ["--fields", list]));
  assert.equal(outs[0], outs[1]);
  assert.ok(outs[0].split("\n").includes(sample), sample);
});

test("keys a flow lacks stay out of its line, as in the default line; a list whose keys none apply gives {}", () => {
  const file = path.join(dir, "mixed.pcap");
  const ts = (i) => ({ ts: [1700000000 + i, 0] });
  writeFileSync(file, P.pcapFile(1, [
    { ...ts(0), data: P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { proto: 1, src: "10.0.0.1", dst: "10.0.0.2" })) },
    { ...ts(1), data: P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { nh: 58, src: "2001:db8::1", dst: "2001:db8::2" })) },
    { ...ts(2), data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(1000, 53), { proto: 17, src: "10.0.0.1", dst: "10.0.0.3" }), [[P.ETH_VLAN, 5], [P.ETH_VLAN, 7]]) },
  ]));
  const lines = run(file, ["--fields", "icmpTypeCodeIPv6,dot1qCustomerVlanId,next_hop,lan_direction,src_port,PROTOCOL"]).split("\n").filter(Boolean).sort();
  assert.deepEqual(lines, [
    '{"icmp_type":128,"icmp_code":0,"src_port":0,"proto":58}',
    '{"icmp_type":8,"icmp_code":0,"src_port":0,"proto":1}',
    '{"vlan_id_inner":7,"src_port":1000,"proto":17}',
  ]);
  assert.deepEqual(run(file, ["--fields", "lan_direction,next_hop"]).split("\n").filter(Boolean), ["{}", "{}"], "one flow per IP version (the only key), no key that applies");
});

test("--mac: both MACs end a list without a MAC key; a list with one has it where it says, and only it", () => {
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  for (const l of run(file, ["--mac", "--fields", "bytes,IPV4_SRC_ADDR"]).split("\n").filter(Boolean)) assert.equal(keysOf(l), "bytes,src_addr,src_mac,dst_mac");
  for (const l of run(file, ["--mac", "--fields", "IN_DST_MAC,bytes"]).split("\n").filter(Boolean)) assert.equal(keysOf(l), "dst_mac,bytes");
  // a MAC key without --mac takes the MAC table all the same
  const lines = run(file, ["--fields", "src_mac,bytes"]).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(lines.every((f) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(f.src_mac)));
});

test("a JSON list with AS fields and --as-file: src_as, dst_as, src_net, dst_net where the list puts them, equal to a linear longest match", () => {
  const list = "SRC_AS,destinationIPv4PrefixLength,src_addr,bgpDestinationAsNumber,IPV6_SRC_MASK,dst_addr";
  const lines = run(asCapture, ["--as-file", asFile, "--fields", list]).split("\n").filter(Boolean);
  assert.equal(lines.length, AS_FLOWS.length);
  for (const l of lines) {
    assert.equal(keysOf(l), "src_as,dst_net,src_addr,dst_as,src_net,dst_addr");
    const f = JSON.parse(l);
    const s = longest(f.src_addr), d = longest(f.dst_addr);
    assert.deepEqual([f.src_as, f.dst_as, f.src_net, f.dst_net], [s.as, d.as, s.net, d.net], `${f.src_addr} → ${f.dst_addr}`);
  }
  assert.ok(lines.some((l) => JSON.parse(l).src_as > 65535), "a 4-byte ASN");
  assert.ok(lines.some((l) => JSON.parse(l).src_net === "0.0.0.0/0") && lines.some((l) => JSON.parse(l).dst_net === "::/0"), "an address in no prefix");
  // the AS keys come only where the list names them (the default line alone gains them with the file)
  for (const l of run(asCapture, ["--as-file", asFile, "--fields", "src_addr,bytes"]).split("\n").filter(Boolean)) assert.equal(keysOf(l), "src_addr,bytes");
  // without the file a listed AS key reads 0, the net 0.0.0.0/0 (or ::/0): nothing is known
  for (const l of run(asCapture, ["--fields", "src_addr,src_as,src_net"]).split("\n").filter(Boolean)) {
    const f = JSON.parse(l);
    assert.deepEqual([f.src_as, f.src_net], [0, f.src_addr.includes(":") ? "::/0" : "0.0.0.0/0"]);
  }
});

test("a JSON config target's fields: its lines follow them; the file's global fields stay the IPFIX/v9 targets' default", () => {
  const cfg = path.join(dir, "flowprobe.json");
  const file = path.join(fixtures, "pcaps", "zeek--http--methods.pcap");
  writeFileSync(cfg, JSON.stringify({ read: file, fields: "IPV4_SRC_ADDR,IN_BYTES", targets: [{ name: "lines", protocol: "json", fields: ["proto", "IN_PKTS"] }] }));
  const r = flowprobe(["--config", cfg, "--seed", "1", "--no-summary"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n").filter(Boolean);
  const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
  const byProto = new Map();
  for (const f of oracle.flows) byProto.set(f.proto, (byProto.get(f.proto) ?? 0) + f.packets);
  assert.deepEqual(lines.sort(), [...byProto].map(([p, n]) => `{"proto":${p},"packets":${n}}`).sort());
});

// ---- errors ----
const ICMP_WITHOUT_PROTO = (name) => `field ${JSON.stringify(name)}: ICMP type and code are written on ICMP flows only, and a list without the protocol (proto, PROTOCOL) has none: its flows mix every protocol; add proto`;
const capture = path.join(fixtures, "pcaps", "zeek--icmp--icmp-ping.pcap");
const CLI_ERRORS = [
  [["--fields", "src_adr"], '--fields: unknown field "src_adr" (did you mean src_addr or src_as?)'],
  [["--fields", "bytes,IN_BYTES"], '--fields: field "IN_BYTES" is named twice (first at 0: "bytes", element 1, key bytes)'],
  [["--fields", "IN_PKTS,packets"], '--fields: field "packets" is named twice (first at 0: "IN_PKTS", key packets)'],
  [["--fields", "etype,ETYPE"], '--fields: field "ETYPE" is named twice (first at 0: "etype", key etype)'],
  [["--fields", "proto,"], "--fields: empty field name: expected a key of the JSON line (bytes), an IPFIX element name (octetDeltaCount) or a NetFlow v9 one (IN_BYTES)"],
  [["--fields", "flow_directon"], '--fields: unknown field "flow_directon" (did you mean flow_direction or flowDirection?)'],
  // a JSON key on an export target: what it takes instead
  [["-d", "127.0.0.1:9", "--fields", "bytes"], '--fields: "bytes" is a key of JSON lines: an IPFIX or NetFlow v9 list names its element (octetDeltaCount or IN_BYTES)'],
  [["-d", "127.0.0.1:9", "--protocol", "9", "--fields", "src_addr"], '--fields: "src_addr" is a key of JSON lines: an IPFIX or NetFlow v9 list names its element (sourceIPv4Address or IPV4_SRC_ADDR; sourceIPv6Address or IPV6_SRC_ADDR)'],
  [["-d", "127.0.0.1:9", "--fields", "lan_direction"], '--fields: "lan_direction" is a key of JSON lines only: no IPFIX or NetFlow v9 element flowprobe exports carries it'],
];
for (const [args, message] of CLI_ERRORS) {
  test(`a bad JSON field list on the command line: exit 2: ${message}`, () => {
    const r = flowprobe(["-r", capture, ...args]);
    assert.equal(r.stderr, `flowprobe: error: ${message}\n`);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
  });
}

test("a bad JSON field list in a config file: exit 2, the key path named", () => {
  const cfg = path.join(dir, "bad.json");
  writeFileSync(cfg, JSON.stringify({ read: capture, targets: [{ name: "lines", protocol: "json", fields: ["src_addr", "bytez"] }] }));
  const r = flowprobe(["--config", cfg]);
  assert.equal(r.stderr, `flowprobe: error: ${cfg}: targets[0].fields[1]: unknown field "bytez" (did you mean bytes?)\n`);
  assert.equal(r.status, 2);
});

test("the problems of a JSON list, each with its index (what a config file's message names)", () => {
  assert.deepEqual(fieldListProblems(["sourceIPv4Address", "sourceIPv6Address", "src_as", "SRC_AS"], "json"), [
    { index: 3, message: 'field "SRC_AS" is named twice (first at 2: "src_as", key src_as)' },
  ]);
  assert.deepEqual(fieldListProblems(["FIRST_SWITCHED", "flowStartMilliseconds", "flowEndSysUpTime"], "json"), [], "elements sharing a key");
  assert.deepEqual(fieldListProblems(["src_addr", "IPV6_SRC_ADDR"], "json"), [{ index: 1, message: 'field "IPV6_SRC_ADDR" is named twice (first at 0: "src_addr", element 27, key src_addr)' }]);
  // ICMP type and code are kept on ICMP flows, which a key without the protocol cannot tell
  assert.deepEqual(fieldListProblems(["src_addr", "icmp_code"], "json"), [{ index: 1, message: ICMP_WITHOUT_PROTO("icmp_code") }]);
  assert.deepEqual(fieldListProblems(["ICMP_TYPE", "PROTOCOL"], "json"), []);
  assert.deepEqual(fieldListProblems([], "json"), [{ message: "empty field list: name at least one field, or leave the list out for the default template" }]);
  assert.deepEqual(fieldListProblems(["bytes", 3], "json"), [{ index: 1, message: "expected a field name (a string), not 3" }]);
});

test("the core's configureJsonKey: what it refuses, with which code", () => {
  const core = new lib.Core();
  const x = core.x;
  assert.equal(x.init(1, 0), 0);
  assert.equal(x.configureTarget(0, 100, 256, 15, 1800, L.FORMAT_JSON, 2), 0);
  assert.equal(x.configureJsonKey(0, 0), 2, "no key 0");
  assert.equal(x.configureJsonKey(0, L.JK_LAST + 1), 2, "past the last key");
  assert.equal(x.configureJsonKey(0, L.JK_BYTES), 0);
  assert.equal(x.configureJsonKey(0, L.JK_BYTES), 3, "named twice");
  for (let k = 1; k <= L.JK_LAST; k++) if (k !== L.JK_BYTES) assert.equal(x.configureJsonKey(0, k), 0, `key ${k}`);
  assert.equal(x.configureJsonKey(3, L.JK_BYTES), 4, "no such target");
  assert.equal(x.configureTarget(1, 100, 256, 15, 1800, L.FORMAT_IPFIX, 2), 0);
  assert.equal(x.configureJsonKey(1, L.JK_BYTES), 4, "not JSON lines");
  assert.ok(L.JK_LAST <= L.JSON_KEY_MAX, "every key fits one list");
});
