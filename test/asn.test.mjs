// AS numbers and prefix lengths from a prefix file (--as-file). The test builds the file —
// nested IPv4 and IPv6 prefixes, 4-byte ASNs, a prefix given twice, every line form of pmacct's
// networks_file and the tab-separated one, comments, CRLF — and a capture whose flows start
// and end at the edges of those prefixes and outside all of them. What third parties read
// back equals a lookup done here: a plain linear longest match over the file's entries
// (written apart from the core's binary search and links):
//   * nfdump (nfcapd on loopback) reads the IPFIX and NetFlow v9 AS numbers and masks, and
//     NetFlow v5's AS numbers, a 4-byte one as AS_TRANS 23456 (RFC 6793);
//   * pmacct's nfacctd (nfacctd_as and nfacctd_net: netflow) reads the IPFIX and v9 ones too;
//   * tshark decodes the IPFIX, v9 and v5 datagrams with no warning, and v5's masks;
//   * the JSON lines carry src_as/dst_as and goflow2's src_net/dst_net.
// Then: the default templates gain the fields (in the ICMP templates too); a 600,000-prefix
// table agrees with a match by mask and hash; a reload replaces the table (in the same block
// when it fits), and so does SIGHUP; an IPv6 prefix costs 24 bytes; each bad line gives exit
// status 2 and names the file and line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { lib } from "./helpers/meter.mjs";
import { flowprobe, parseFlows, canon } from "./helpers/run.mjs";
import { startNfcapd } from "./helpers/collector.mjs";
import * as P from "./helpers/packets.mjs";

const AS_TRANS = 23456;
const dir = mkdtempSync(path.join(tmpdir(), "fp-asn-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// ---- addresses as BigInt, text both ways (the test's own, not flowprobe's) ----
const bitsOf = (v6) => (v6 ? 128 : 32);
function toBig(text) {
  if (!text.includes(":")) return text.split(".").reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const [h, t] = text.split("::");
  const g = (s) => (s ? s.split(":") : []);
  const groups = text.includes("::") ? [...g(h), ...Array(8 - g(h).length - g(t).length).fill("0"), ...g(t)] : g(h);
  return groups.reduce((n, x) => (n << 16n) | BigInt(parseInt(x, 16)), 0n);
}
function toText(n, v6) {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
  const g = [];
  for (let i = 7n; i >= 0n; i--) g.push(((n >> (i * 16n)) & 0xffffn).toString(16));
  return g.join(":");
}
const maskOf = (len, v6) => (len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bitsOf(v6) - len));

// ---- the prefix file ----
// [prefix, AS] in file order; the same prefix twice: the later line wins
const V4 = [
  ["10.0.0.0/8", 65000], ["10.1.0.0/16", 4200000001], ["10.1.2.0/24", 64500], ["10.1.2.128/25", 4294967295],
  ["10.1.2.130/32", 1], ["10.1.3.0/24", 0], ["10.255.255.0/24", 64501],
  ["192.0.2.0/24", 64496], ["198.51.100.0/22", 65535], ["198.51.100.0/24", 65536], ["203.0.113.0/25", 4200000002],
  ["172.16.0.0/12", 64502], ["172.16.0.0/12", 64503], ["100.64.0.0/10", 4259840000], ["100.127.255.254/31", 2],
];
const V6 = [
  ["2001:db8::/32", 64497], ["2001:db8:1::/48", 70000], ["2001:db8:1:2::/64", 4200000003], ["2001:db8:1:2::1/128", 12],
  ["2001:db8:8000::/33", 5], ["2001:db8:ffff:ffff::/64", 64510], ["fd00::/8", 4200000004], ["fd12:3456::/32", 64511],
  ["fd12:3456::/32", 64512],
];
// random nested ones besides, deterministic (a small LCG)
let seed = 12345;
const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
for (let i = 0; i < 60; i++) {
  const len = 8 + rand(20);
  const base = (BigInt(rand(256)) << 24n) | (BigInt(rand(65536)) << 8n);
  const net = base & maskOf(len, false);
  V4.push([`${toText(net, false)}/${len}`, rand(3) === 0 ? 4200000000 + rand(1000) : 1 + rand(65000)]);
  const sub = len + 1 + rand(32 - len);
  V4.push([`${toText(net | ((BigInt(rand(1 << 30)) << 2n) & maskOf(sub, false) & ~maskOf(len, false)), false)}/${sub}`, 65000 + rand(100000)]);
}
for (let i = 0; i < 30; i++) {
  const len = 16 + rand(50);
  const base = (0x2a00n << 112n) | (BigInt(rand(1 << 30)) << 80n) | (BigInt(rand(1 << 30)) << 50n);
  const net = base & maskOf(len, true);
  V6.push([`${toText(net, true)}/${len}`, rand(2) === 0 ? 4200000000 + rand(1000) : 1 + rand(65000)]);
  const sub = len + 1 + rand(128 - len);
  V6.push([`${toText(net | ((BigInt(rand(1 << 30)) << 40n) & maskOf(sub, true) & ~maskOf(len, true)), true)}/${sub}`, 70000 + rand(100000)]);
}

/** The file's text: each entry in one of the line forms, comments and a CRLF between. */
function fileText(entries) {
  const lines = ["! a prefix file for flowprobe's AS test", "# both forms", ""];
  entries.forEach(([prefix, as], i) => {
    switch (i % 6) {
      case 0: lines.push(`${as},${prefix}`); break; //                       AS,PREFIX
      case 1: lines.push(`${prefix}\t${as}`); break; //                      PREFIX<TAB>AS
      case 2: lines.push(`192.0.2.254,${as},${prefix}`); break; //          NEXTHOP,AS,PREFIX
      case 3: lines.push(`64999_${as},${prefix}`); break; //                 PEER_AS_AS,PREFIX
      case 4: lines.push(`cust${i},2001:db8::fe,${as},${prefix}\r`); break; // LABEL,NEXTHOP,AS,PREFIX (and CRLF)
      case 5: lines.push(`  ${prefix}\t\t${as}  `); lines.push("!"); break;
    }
  });
  return lines.join("\n") + "\n";
}

/** The linear longest match: [AS, prefix length, network text] of address `a`, or [0, 0] for none. */
function reference(entries, a) {
  const v6 = a.includes(":");
  const n = toBig(a);
  let best;
  for (const [prefix, as] of entries) {
    const [net, l] = prefix.split("/");
    if (net.includes(":") !== v6) continue;
    const len = Number(l);
    if ((n & maskOf(len, v6)) !== toBig(net)) continue;
    if (best === undefined || len >= best.len) best = { as, len };
  }
  if (!best) return { as: 0, len: 0, net: v6 ? "::/0" : "0.0.0.0/0" };
  return { ...best, net: `${canon(toText(n & maskOf(best.len, v6), v6))}/${best.len}` };
}

// ---- the capture: flows between the first and last address of each prefix, one past its end, and outside ----
function edges(entries, v6) {
  const out = [];
  for (const [prefix] of entries) {
    const [net, l] = prefix.split("/");
    if (net.includes(":") !== v6) continue;
    const first = toBig(net);
    const top = (1n << BigInt(bitsOf(v6))) - 1n;
    const last = first | (top & ~maskOf(Number(l), v6));
    out.push(first, last);
    if (last < top) out.push(last + 1n);
    if (first > 0n) out.push(first - 1n);
  }
  return out.map((n) => toText(n, v6));
}
const ADDR4 = [...edges(V4, false), "8.8.8.8", "0.0.0.1", "255.255.255.255"];
const ADDR6 = [...edges(V6, true), "2620:fe::fe", "::1"];
/** [{ src, dst, sport, dport }]: each address as a source and as a destination, ports unique per flow. */
function flowsOf(addrs) {
  return addrs.map((a, i) => ({ src: a, dst: addrs[(i * 7 + 3) % addrs.length], sport: 1024 + i, dport: 53 }));
}
const FLOWS4 = flowsOf(ADDR4);
const FLOWS6 = flowsOf(ADDR6).map((f) => ({ ...f, sport: 30000 + f.sport }));

const capture = path.join(dir, "asn.pcap");
const packets = [
  ...FLOWS4.map((f) => P.eth(P.ETH_IPV4, P.ipv4(P.udp(f.sport, f.dport), { proto: 17, src: f.src, dst: f.dst }))),
  ...FLOWS6.map((f) => P.eth(P.ETH_IPV6, P.ipv6(P.udp(f.sport, f.dport), { nh: 17, src: f.src, dst: f.dst }))),
  P.eth(P.ETH_IPV4, P.ipv4(P.icmp(8, 0), { proto: 1, src: "10.1.2.130", dst: "192.0.2.9" })),
  P.eth(P.ETH_IPV6, P.ipv6(P.icmp(128, 0), { nh: 58, src: "2001:db8:1:2::1", dst: "fd12:3456::9" })),
];
writeFileSync(capture, P.pcapFile(1, packets.map((data, i) => ({ ts: [1700000000 + (i >> 4), (i & 15) * 1000], data }))));
const ENTRIES = [...V4, ...V6];
const asFile = path.join(dir, "networks.lst");
writeFileSync(asFile, fileText(ENTRIES));

const byPorts = (sport, dport) => `${sport}|${dport}`;
const EXPECT = new Map([...FLOWS4, ...FLOWS6].map((f) => [byPorts(f.sport, f.dport), { ...f, s: reference(ENTRIES, f.src), d: reference(ENTRIES, f.dst) }]));

test("the reference itself: nested prefixes, a prefix given twice, and addresses outside every prefix are all in the capture", () => {
  const all = [...EXPECT.values()];
  assert.ok(all.some((f) => f.s.len === 32 && f.s.as === 1), "a host route");
  assert.ok(all.some((f) => f.s.as === 4294967295 || f.d.as === 4294967295), "the largest ASN");
  assert.ok(all.some((f) => f.s.as === 64503 || f.d.as === 64503), "the later of a prefix given twice");
  assert.ok(!all.some((f) => f.s.as === 64502 || f.d.as === 64502));
  assert.ok(all.some((f) => f.s.len === 0) && all.some((f) => f.s.len === 128), "no prefix, and a /128");
  assert.ok(all.filter((f) => f.s.as > 65535).length > 20, "4-byte ASNs");
});

/** Exports the capture to nfcapd with `args`; returns nfdump's flows. */
async function viaNfcapd(protocol, args = ["--as-file", asFile]) {
  const nf = await startNfcapd();
  const r = flowprobe(["-r", capture, "--seed", "1", "-d", `127.0.0.1:${nf.port}`, "--protocol", protocol, ...args]);
  const { flows } = await nf.stop();
  assert.equal(r.status, 0, r.stderr);
  return flows;
}

for (const [protocol, label] of [["10", "IPFIX"], ["9", "NetFlow v9"]]) {
  test(`${label} → nfcapd: nfdump's src_as, dst_as, src_mask and dst_mask equal the linear longest match`, async () => {
    const flows = await viaNfcapd(protocol);
    const udp = flows.filter((f) => f.proto === 17);
    assert.equal(udp.length, EXPECT.size);
    for (const f of udp) {
      const e = EXPECT.get(byPorts(f.src_port, f.dst_port));
      assert.ok(e, `flow ${f.src_port} → ${f.dst_port}`);
      assert.equal(canon(f.src4_addr ?? f.src6_addr), canon(e.src));
      const what = `${e.src} → ${e.dst}`;
      assert.deepEqual([f.src_as, f.dst_as, f.src_mask, f.dst_mask], [e.s.as, e.d.as, e.s.len, e.d.len], what);
    }
    // ICMP flows go by their own templates, which carry the fields as well
    const icmp = flows.filter((f) => f.proto === 1 || f.proto === 58);
    assert.equal(icmp.length, 2);
    for (const f of icmp) {
      const s = reference(ENTRIES, f.src4_addr ?? f.src6_addr), d = reference(ENTRIES, f.dst4_addr ?? f.dst6_addr);
      assert.deepEqual([f.src_as, f.dst_as, f.src_mask, f.dst_mask], [s.as, d.as, s.len, d.len]);
    }
  });
}

test("NetFlow v5 → nfcapd: 16-bit src_as and dst_as, a 4-byte ASN as AS_TRANS 23456 (RFC 6793)", async () => {
  const flows = await viaNfcapd("5");
  const udp = flows.filter((f) => f.proto === 17);
  assert.equal(udp.length, FLOWS4.length);
  const v5 = (as) => (as > 65535 ? AS_TRANS : as);
  let trans = 0;
  for (const f of udp) {
    const e = EXPECT.get(byPorts(f.src_port, f.dst_port));
    assert.deepEqual([f.src_as ?? 0, f.dst_as ?? 0], [v5(e.s.as), v5(e.d.as)], `${e.src} → ${e.dst}`);
    if (f.src_as === AS_TRANS) trans++;
  }
  assert.ok(trans > 5, "4-byte ASNs went out as AS_TRANS");
});

test("JSON lines: src_as, dst_as and goflow2's src_net/dst_net (the address cut to the matching prefix) equal the linear longest match", () => {
  const r = flowprobe(["-r", capture, "--seed", "1", "--as-file", asFile, "--no-summary"]);
  assert.equal(r.status, 0, r.stderr);
  const flows = parseFlows(r.stdout).filter((f) => f.proto === 17n);
  assert.equal(flows.length, EXPECT.size);
  for (const f of flows) {
    const e = EXPECT.get(byPorts(Number(f.src_port), Number(f.dst_port)));
    assert.deepEqual([Number(f.src_as), Number(f.dst_as), f.src_net, f.dst_net], [e.s.as, e.d.as, e.s.net, e.d.net], `${e.src} → ${e.dst}`);
  }
  // without the file: not one AS field
  const plain = flowprobe(["-r", capture, "--seed", "1", "--no-summary"]);
  assert.doesNotMatch(plain.stdout, /src_as|src_net/);
});

// ---- in the library: datagrams straight from the meter ----
async function exportOf(format, prefixes, { file = capture } = {}) {
  const got = [];
  const meter = new lib.Meter([{
    maxflows: 10000, hashsize: 16384, inactiveTimeoutS: 15, activeTimeoutS: 1800, format,
    export: { mtu: 1400, engineId: 7, refreshRate: 20, templateTimeoutS: 1800, destinations: 1 },
  }], 1n, (bytes) => lib.forEachDatagram(bytes, (d, dg) => got.push(Buffer.from(dg))), prefixes);
  meter.setExportTime(1700000000);
  await lib.meterFile(meter, file);
  await meter.flush();
  return { datagrams: got, meter };
}

function tsharkOf(datagrams, fields = []) {
  const pcap = path.join(dir, `export-${process.hrtime.bigint()}.pcap`);
  writeFileSync(pcap, P.pcapFile(1, datagrams.map((dg, i) => ({
    ts: [1700000000, i], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(40000, 2055, dg), { proto: 17, src: "127.0.0.1", dst: "127.0.0.1" })),
  }))));
  const args = ["-n", "-r", pcap, "-d", "udp.port==2055,cflow"];
  const verbose = spawnSync("tshark", [...args, "-V"], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  const expert = spawnSync("tshark", [...args, "-q", "-z", "expert,warn"], { encoding: "utf8" });
  const values = fields.length === 0 ? "" : spawnSync("tshark", [...args, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
    ...fields.flatMap((f) => ["-e", f])], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  rmSync(pcap);
  return { verbose, expert: expert.stdout + expert.stderr, values };
}

/** [id, [element ids]] of each template record in the template sets of an IPFIX or v9 message. */
function templatesOf(dg) {
  const ipfix = dg.readUInt16BE(0) === 10;
  const out = [];
  for (let o = ipfix ? 16 : 20; o + 4 <= dg.length;) {
    const id = dg.readUInt16BE(o), len = dg.readUInt16BE(o + 2);
    if (id === (ipfix ? 2 : 0)) {
      for (let p = o + 4; p + 4 <= o + len;) {
        const tid = dg.readUInt16BE(p), n = dg.readUInt16BE(p + 2);
        const ids = [];
        for (let k = 0; k < n; k++) ids.push(dg.readUInt16BE(p + 4 + k * 4));
        out.push([tid, ids]);
        p += 4 + n * 4;
      }
    }
    o += len;
  }
  return out;
}

for (const [format, label] of [["ipfix", "IPFIX"], ["v9", "NetFlow v9"]]) {
  test(`${label}: the default templates end with the AS numbers and the family's prefix lengths (ICMP templates too); tshark decodes every datagram with no warning`, async () => {
    const prefixes = lib.readPrefixFile(asFile);
    const { datagrams } = await exportOf(format, prefixes);
    const templates = new Map(templatesOf(datagrams[0]));
    assert.deepEqual([...templates.keys()], [256, 257, 261, 262]);
    for (const [id, ids] of templates) {
      const v6 = id === 257 || id === 262;
      assert.deepEqual(ids.slice(-4), v6 ? [16, 17, 29, 30] : [16, 17, 9, 13], `template ${id}`);
    }
    // without the file the templates are as before: no AS field
    const plain = await exportOf(format, undefined);
    for (const [, ids] of templatesOf(plain.datagrams[0])) assert.ok(!ids.some((i) => [9, 13, 16, 17, 29, 30].includes(i)));
    const t = tsharkOf(datagrams);
    assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
    assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
    assert.match(t.verbose, /SrcAS: 4294967295/);
    assert.match(t.verbose, /SrcMask: 25/);
    assert.match(t.verbose, /SrcMask: 128/); // (an IPv6 one: tshark names IPV6_SRC_MASK so too)
  });
}

test("NetFlow v5, as tshark reads it: src_as/dst_as (AS_TRANS for a 4-byte ASN) and src_mask/dst_mask equal the linear longest match", async () => {
  const { datagrams } = await exportOf("v5", lib.readPrefixFile(asFile));
  const t = tsharkOf(datagrams, ["cflow.srcport", "cflow.dstport", "cflow.srcas", "cflow.dstas", "cflow.srcmask", "cflow.dstmask"]);
  assert.doesNotMatch(t.verbose, /Malformed|Expert Info \((Warning|Error)/);
  assert.doesNotMatch(t.expert, /\b(Warns|Errors)\b/, t.expert);
  const v5 = (as) => (as > 65535 ? AS_TRANS : as);
  let seen = 0;
  for (const line of t.values.trim().split("\n")) {
    const cols = line.split("\t").map((c) => c.split(",").map(Number));
    cols[0].forEach((sport, i) => {
      const e = EXPECT.get(byPorts(sport, cols[1][i]));
      if (!e) return; // the ICMP flow
      assert.deepEqual([cols[2][i], cols[3][i], cols[4][i], cols[5][i]], [v5(e.s.as), v5(e.d.as), e.s.len, e.d.len], `${e.src} → ${e.dst}`);
      seen++;
    });
  }
  assert.equal(seen, FLOWS4.length);
});

test("reload: a new table replaces the old, in the same heap block when it fits; an empty one turns the fields off", async () => {
  const file = path.join(dir, "one.pcap");
  const flow = (src, dst, sport) => P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53), { proto: 17, src, dst }));
  const json = [];
  const meter = new lib.Meter([{ maxflows: 100, hashsize: 256, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" }], 1n,
    (b) => json.push(Buffer.from(b).toString()), lib.parsePrefixes("65001,10.0.0.0/8\n65002,192.0.2.0/24\n", "a.lst"));
  const run = async (sport) => {
    writeFileSync(file, P.pcapFile(1, [{ ts: [1700000000, 0], data: flow("10.9.9.9", "192.0.2.1", sport) }]));
    json.length = 0;
    await lib.meterFile(meter, file);
    await meter.flush();
    return parseFlows(json.join(""))[0];
  };
  let f = await run(1);
  assert.deepEqual([f.src_as, f.dst_as, f.src_net, f.dst_net], [65001n, 65002n, "10.0.0.0/8", "192.0.2.0/24"]);
  const heap = meter.snapshot().heapBytes;
  // as many prefixes: the same block
  meter.loadPrefixes(lib.parsePrefixes("10.9.0.0/16\t4200000000\n198.51.100.0/24\t7\n", "b.lst"));
  f = await run(2);
  assert.deepEqual([f.src_as, f.dst_as, f.src_net, f.dst_net], [4200000000n, 0n, "10.9.0.0/16", "0.0.0.0/0"]);
  assert.equal(meter.snapshot().heapBytes, heap, "the table fitted the block it had");
  // more: a new block, 12 bytes a prefix (and an eighth to spare), with its index of 2^7 + 1 entries
  const many = Array.from({ length: 1000 }, (_, i) => `${i + 1},10.${i >> 8}.${i & 255}.0/24`).join("\n");
  meter.loadPrefixes(lib.parsePrefixes(many, "c.lst"));
  f = await run(3);
  assert.deepEqual([f.src_as, f.src_net], [0n, "0.0.0.0/0"]);
  assert.ok(meter.snapshot().heapBytes - heap <= 64 + 64 + 1125 * 12 + 129 * 4, `${meter.snapshot().heapBytes - heap} bytes for 1000 prefixes`);
  meter.loadPrefixes(lib.parsePrefixes("! nothing\n", "d.lst"));
  f = await run(4);
  assert.equal(f.src_as, undefined, "no table: no AS fields");
  meter.loadPrefixes(lib.parsePrefixes("65009,10.0.0.0/8\n", "e.lst"));
  assert.equal((await run(5)).src_as, 65009n);
  meter.loadPrefixes(undefined);
  assert.equal((await run(6)).src_as, undefined, "none any more");
});

const BAD = [
  ["65000,10.0.0.0/33", /line 2: prefix "10\.0\.0\.0\/33": length 33 is over 32/],
  ["65000,2001:db8::/129", /line 2: prefix "2001:db8::\/129": length 129 is over 128/],
  ["65000,10.0.0.1/8", /line 2: prefix "10\.0\.0\.1\/8" has bits set past its length \(the network is 10\.0\.0\.0\/8\)/],
  ["65000,2001:db8::1/32", /line 2: .*the network is 2001:db8::\/32/],
  ["AS65000,10.0.0.0/8", /line 2: AS "AS65000": expected an AS number from 0 to 4294967295/],
  ["4294967296,10.0.0.0/8", /line 2: AS "4294967296": expected an AS number/],
  ["65000,10.0.0.0", /line 2: prefix "10\.0\.0\.0": expected ADDRESS\/LENGTH/],
  ["65000,10.0.0.256/24", /line 2: prefix "10\.0\.0\.256\/24": "10\.0\.0\.256" is not an IPv4 or IPv6 address/],
  ["65000,2001:db8:::/48", /line 2: .*is not an IPv4 or IPv6 address/],
  ["10.0.0.0/8\t65000\textra", /line 2: .*expected PREFIX<TAB>AS .*found 3 fields/],
  ["a,b,c,d,10.0.0.0/8", /line 2: .*found 5 comma-separated fields/],
  ["not-an-address,65000,10.0.0.0/8", /line 2: next hop "not-an-address" is not an IPv4 or IPv6 address/],
  ["x_65000,10.0.0.0/8", /line 2: peer AS "x"/],
  ["10.0.0.0/x\t1", /line 2: prefix "10\.0\.0\.0\/x": length "x" is not a number from 0 to 32/],
];
for (const [line, message] of BAD) {
  test(`a bad prefix file: exit 2, naming the file and line: ${JSON.stringify(line)}`, () => {
    const f = path.join(dir, "bad.lst");
    writeFileSync(f, `65001,192.0.2.0/24\n${line}\n65002,198.51.100.0/24\n`);
    const r = flowprobe(["-r", capture, "--as-file", f]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`flowprobe: error: ${f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: ${message.source}`));
    assert.equal(r.stdout, "", "nothing metered");
  });
}

test("a prefix file that cannot be read: exit 2, naming it", () => {
  const r = flowprobe(["-r", capture, "--as-file", path.join(dir, "missing.lst")]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--as-file .*missing\.lst: cannot read it \(ENOENT/);
});

test("a table of 600,000 IPv4 and 20,000 IPv6 prefixes (the IPv4 search behind a 16-bit index): every lookup equals a longest match by mask and hash", async () => {
  // random prefixes /8-/32, many nested by chance; then for each address the longest match
  // found length by length in a map of the prefixes (not the core's sorted search)
  let s = 99;
  const r = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), Math.floor((s / 4294967296) * n));
  const mask32 = (len) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
  const v4 = new Map(); // "first/len" → AS, the later wins
  const lines = [];
  while (v4.size < 600000) {
    const len = 8 + r(25);
    const first = ((r(65536) * 65536 + r(65536)) & mask32(len)) >>> 0;
    const as = r(3) === 0 ? 4200000000 + r(1000000) : 1 + r(65000);
    v4.set(`${first}/${len}`, as);
    lines.push(`${as},${toText(BigInt(first), false)}/${len}`);
  }
  const v6 = new Map();
  while (v6.size < 20000) {
    const len = 16 + r(49);
    const first = ((0x2001n << 112n) | (BigInt(r(65536)) << 96n) | (BigInt(r(65536)) << 80n) | (BigInt(r(65536)) << 64n)) & maskOf(len, true);
    const as = 70000 + r(1000000);
    v6.set(`${first}/${len}`, as);
    lines.push(`${toText(first, true)}/${len}\t${as}`);
  }
  const longest4 = (a) => {
    for (let len = 32; len >= 0; len--) {
      const as = v4.get(`${(a & mask32(len)) >>> 0}/${len}`);
      if (as !== undefined) return [as, len];
    }
    return [0, 0];
  };
  const longest6 = (a) => {
    for (let len = 128; len >= 0; len--) {
      const as = v6.get(`${a & maskOf(len, true)}/${len}`);
      if (as !== undefined) return [as, len];
    }
    return [0, 0];
  };
  const prefixes = lib.parsePrefixes(lines.join("\n"), "big.lst");
  assert.equal(prefixes.v4.as.length, 600000);
  // addresses: random ones, and the first and last of random prefixes and their neighbours
  const keys4 = [...v4.keys()];
  const addrs4 = [];
  for (let i = 0; i < 4000; i++) addrs4.push((r(65536) * 65536 + r(65536)) >>> 0);
  for (let i = 0; i < 4000; i++) {
    const [f, l] = keys4[r(keys4.length)].split("/").map(Number);
    const last = (f | ~mask32(l)) >>> 0;
    addrs4.push(f, last, (last + 1) >>> 0, (f - 1) >>> 0);
  }
  const keys6 = [...v6.keys()];
  const addrs6 = [];
  for (let i = 0; i < 1000; i++) {
    const [f, l] = keys6[r(keys6.length)].split("/");
    const first = BigInt(f);
    addrs6.push(first, first | (((1n << 128n) - 1n) & ~maskOf(Number(l), true)), first - 1n);
  }
  const file = path.join(dir, "big.pcap");
  const packets = [
    ...addrs4.map((a, i) => P.eth(P.ETH_IPV4, P.ipv4(P.udp(i & 0xffff, 1 + (i >> 16)), { proto: 17, src: toText(BigInt(a), false), dst: "0.0.0.0" }))),
    ...addrs6.map((a, i) => P.eth(P.ETH_IPV6, P.ipv6(P.udp(i, 7), { nh: 17, src: toText(a, true), dst: "::" }))),
  ];
  writeFileSync(file, P.pcapFile(1, packets.map((data, i) => ({ ts: [1700000000, i], data }))));
  const out = [];
  const meter = new lib.Meter([{ maxflows: 100000, hashsize: 262144, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" }], 1n,
    (b) => out.push(Buffer.from(b).toString()), prefixes);
  await lib.meterFile(meter, file);
  await meter.flush();
  const flows = parseFlows(out.join(""));
  let checked = 0;
  for (const f of flows) {
    const v6 = f.src_addr.includes(":");
    const [as, len] = v6 ? longest6(toBig(f.src_addr)) : longest4(Number(toBig(f.src_addr)));
    assert.deepEqual([Number(f.src_as), Number(f.src_net.split("/")[1])], [as, len], f.src_addr);
    checked++;
  }
  assert.ok(checked > 15000, `${checked} distinct addresses looked up`);
});

test("SIGHUP reads the prefix file again while standard input streams: flows exported after it get the new AS numbers; a bad file is logged and the old table stays", async () => {
  const { spawn } = await import("node:child_process");
  const { cli } = await import("./helpers/run.mjs");
  const { T0, pcapHeader, records } = await import("./helpers/stream.mjs");
  const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
  const until = async (cond, what) => {
    for (const end = Date.now() + 10000; !cond();) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  const f = path.join(dir, "reload.lst");
  writeFileSync(f, "1,10.0.0.0/8\n");
  // one flow a phase (source port = the phase); each phase's packet ends the one before (idle)
  const at = (t, port) => records([{ ts: [T0 + t, 0], data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(port, 53), { proto: 17, src: "10.0.0.1", dst: "192.0.2.1" })) }]);
  const child = spawn(process.execPath, [cli, "-r", "-", "--no-summary", "--as-file", f], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const exit = new Promise((res) => child.on("close", res));
  const lines = () => parseFlows(out);
  child.stdin.write(Buffer.concat([pcapHeader(), at(0, 1), at(100, 2)]));
  await until(() => lines().length >= 1, "the first flow");
  writeFileSync(f, "2\t10.0.0.0/8\n"); // wrong way round: a bad file
  child.kill("SIGHUP");
  await until(() => /SIGHUP: .*reload\.lst: line 1: .*the prefix table read before stays in use/.test(err), "the bad file logged");
  child.stdin.write(at(200, 3));
  await until(() => lines().length >= 2, "the second flow");
  writeFileSync(f, "10.0.0.0/8\t2\n10.0.0.0/24\t4200000000\n");
  child.kill("SIGHUP");
  await until(() => /SIGHUP: read .*reload\.lst again \(2 IPv4 and 0 IPv6 prefixes\)/.test(err), "the reload");
  child.stdin.write(at(300, 4));
  await until(() => lines().length >= 3, "the third flow");
  child.stdin.end();
  assert.equal(await exit, 0, err);
  const got = lines().map((l) => [Number(l.src_port), Number(l.src_as), l.src_net]);
  assert.deepEqual(got, [[1, 1, "10.0.0.0/8"], [2, 1, "10.0.0.0/8"], [3, 4200000000, "10.0.0.0/24"], [4, 4200000000, "10.0.0.0/24"]]);
});

test("Wasm memory: a table's first block holds it exactly — 24 bytes an IPv6 prefix, 12 an IPv4 one and its index", () => {
  const heapFor = (text) => {
    const meter = new lib.Meter([{ maxflows: 100, hashsize: 256, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json" }], 1n, () => {});
    const before = meter.snapshot().heapBytes;
    meter.loadPrefixes(lib.parsePrefixes(text, "m.lst"));
    return meter.snapshot().heapBytes - before;
  };
  const n = 10000;
  const v6 = Array.from({ length: n }, (_, i) => `2001:db8:${i.toString(16)}::/48\t${i}`).join("\n");
  // the 64-byte header, the IPv4 index of 2 entries, and up to 63 bytes of alignment
  assert.ok(heapFor(v6) <= 24 * n + 64 + 8 + 63, `${heapFor(v6)} bytes for ${n} IPv6 prefixes`);
  const v4 = Array.from({ length: n }, (_, i) => `${i},10.${i >> 8}.${i & 255}.0/24`).join("\n");
  // index bits for 10,000: 13 - 3 = 10
  assert.ok(heapFor(v4) <= 12 * n + 64 + 4 * 1025 + 63, `${heapFor(v4)} bytes for ${n} IPv4 prefixes`);
});

for (const [protocol, label] of [["10", "IPFIX"], ["9", "NetFlow v9"]]) {
  test(`${label} → pmacct nfacctd (nfacctd_as and nfacctd_net: netflow): as_src, as_dst, mask_src and mask_dst equal the linear longest match`, async () => {
    const { spawn } = await import("node:child_process");
    const { existsSync, readFileSync } = await import("node:fs");
    const { freePort, udpBound } = await import("./helpers/collector.mjs");
    const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
    const work = mkdtempSync(path.join(dir, "nfacctd-"));
    const port = freePort(27000 + (process.pid % 5000));
    const out = path.join(work, "flows.json");
    writeFileSync(path.join(work, "nfacctd.conf"), [
      "daemonize: false", "nfacctd_ip: 127.0.0.1", `nfacctd_port: ${port}`,
      // the AS numbers and masks as the records carry them (not from a BGP feed or a file of its own)
      "nfacctd_as: netflow", "nfacctd_net: netflow",
      "plugins: print[out]", "aggregate[out]: src_host, dst_host, src_port, dst_port, src_as, dst_as, src_mask, dst_mask",
      "print_output[out]: json", `print_output_file[out]: ${out}`, "print_output_file_append[out]: true", "print_refresh_time[out]: 3600", "",
    ].join("\n"));
    const exe = existsSync("/usr/sbin/nfacctd") ? "/usr/sbin/nfacctd" : "nfacctd";
    const child = spawn(exe, ["-f", path.join(work, "nfacctd.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const closed = new Promise((res) => child.on("close", res));
    for (let i = 0; !udpBound(port); i++) {
      if (i > 300 || child.exitCode !== null) throw new Error(`nfacctd did not bind port ${port}: ${log}`);
      await sleep(10);
    }
    const r = flowprobe(["-r", capture, "--seed", "1", "-d", `127.0.0.1:${port}`, "--protocol", protocol, "--as-file", asFile]);
    await sleep(500);
    child.kill("SIGINT");
    await closed;
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(out, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const udp = lines.filter((l) => EXPECT.has(byPorts(l.port_src, l.port_dst)));
    assert.equal(udp.length, EXPECT.size, log);
    for (const l of udp) {
      const e = EXPECT.get(byPorts(l.port_src, l.port_dst));
      assert.equal(canon(l.ip_src), canon(e.src));
      assert.deepEqual([l.as_src, l.as_dst, l.mask_src, l.mask_dst], [e.s.as, e.d.as, e.s.len, e.d.len], `${e.src} → ${e.dst}`);
    }
  });
}

// A review found these: the AS and prefix length of a flow are those of as much of each
// address as its target's key keeps — an aggregate's, or none for an address left out.
test("aggregated and left-out addresses: the AS of the longest prefix holding the whole aggregate; none for an address the key leaves out", async () => {
  const prefixes = lib.parsePrefixes("3356,0.0.0.0/0\n65000,10.0.0.0/8\n65001,10.1.0.0/24\n", "t.lst");
  const S = 1000000000n;
  const pkt = (src, dst, sport, i) => ({ ts: 1700000000n * S + BigInt(i) * S, data: P.eth(P.ETH_IPV4, P.ipv4(P.udp(sport, 53), { proto: 17, src, dst })) });
  const packets = [pkt("10.1.5.5", "10.1.0.9", 1000, 0), pkt("10.1.0.7", "10.1.0.9", 1001, 1)];
  const run = async (target) => {
    const out = [];
    const meter = new lib.Meter([{ maxflows: 100, hashsize: 256, inactiveTimeoutS: 15, activeTimeoutS: 1800, format: "json", ...target }], 1n,
      (b) => out.push(Buffer.from(b).toString()), prefixes);
    const { meterBatch } = await import("./helpers/meter.mjs");
    await meterBatch(packets, {}, { meterState: { meter, text: () => out.join("") } });
    return parseFlows(out.join("")).map((f) => `${f.src_addr ?? "-"} ${f.src_as} ${f.src_net} > ${f.dst_addr ?? "-"} ${f.dst_as} ${f.dst_net} ${f.packets}`).sort();
  };
  // full key: each address's own longest match (10.1.0.7 and 10.1.0.9 in the /24, 10.1.5.5 in the /8)
  assert.deepEqual(await run({}), [
    "10.1.0.7 65001 10.1.0.0/24 > 10.1.0.9 65001 10.1.0.0/24 1",
    "10.1.5.5 65000 10.0.0.0/8 > 10.1.0.9 65001 10.1.0.0/24 1",
  ]);
  // aggregated to /16: the /24 does not hold the whole aggregate 10.1.0.0/16; the /8 does
  assert.deepEqual(await run({ aggregation: ["10.0.0.0/8=16", "1000-1001=1000"] }), [
    "10.1.0.0 65000 10.0.0.0/8 > 10.1.0.0 65000 10.0.0.0/8 2",
  ]);
  // no addresses in the key: no AS, not the default route's
  assert.deepEqual(await run({ fields: ["protocolIdentifier", "octetDeltaCount", "packetDeltaCount", "bgpSourceAsNumber", "bgpDestinationAsNumber", "sourceIPv4PrefixLength", "destinationIPv4PrefixLength"] }), [
    "- 0 0.0.0.0/0 > - 0 0.0.0.0/0 2",
  ]);
});
