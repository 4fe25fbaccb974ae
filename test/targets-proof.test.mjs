// Issue 12's first proof: three targets over one shared capture from one --config file, into
// four nfcapd on loopback — NetFlow v5 of one subnet to A, IPFIX with a chosen field list of
// another subnet to B and C in round-robin, NetFlow v9 of one port to D. What nfdump reads
// back from each collector equals the tshark-made oracle restricted to that target's selector,
// the restriction computed here from the oracle's flows by this file's own predicates (each
// selector is written twice: once as flowprobe's text, once as a JavaScript test on the
// oracle's 5-tuple — not flowprobe's code); B and C together equal it summed by the field
// list's key (no source port: the list leaves it out, so flows differing only in it are one),
// and each alone decoded every record its datagrams held (no record by a template it lacked).
// Several captures: IPv4 and IPv6 (one file mixing link types), VLAN and MPLS tags, three
// stacked VLAN tags, PPPoE. And pmacct's nfacctd reads one round-robin collector's share as
// nfdump does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flowprobe, fixtures, canon, secondsToNs } from "./helpers/run.mjs";
import { startNfcapd, startNfacctd, nfdumpTimeMs } from "./helpers/collector.mjs";
import { addrValue } from "./helpers/aggregate.mjs";

// ---- the tests' own reading of the few selector words used below ----
/** Whether address text `a` is within CIDR `net` (same family). */
function inNet(a, net) {
  const [base, len] = net.split("/");
  const [fa, va] = addrValue(a), [fn, vn] = addrValue(base);
  if (fa !== fn) return false;
  const bits = fa === 4 ? 32n : 128n;
  const shift = bits - BigInt(len);
  return va >> shift === vn >> shift;
}
const v4 = (f) => !f.src.includes(":");
const net = (cidr) => (f) => inNet(f.src, cidr) || inNet(f.dst, cidr);
const srcNet = (cidr) => (f) => inNet(f.src, cidr);
const dstNet = (cidr) => (f) => inNet(f.dst, cidr);
// the oracle's ports are those of TCP, UDP, UDP-Lite and SCTP, 0 for the rest and for later
// fragments: what a selector's port means too (docs/selectors.md)
const port = (n) => (f) => f.sport === n || f.dport === n;
const dstPort = (n) => (f) => f.dport === n;
const or = (...ps) => (f) => ps.some((p) => p(f));
const and = (...ps) => (f) => ps.every((p) => p(f));

// The IPFIX target's list: no source port, so its key is source, destination, protocol and
// destination port (ICMP: type and code, which the oracle does not give — by address and
// protocol only, below); an IPv4 list that serves IPv6 too (the counterparts come by themselves).
const FIELDS = ["sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier", "destinationTransportPort",
  "octetDeltaCount", "packetDeltaCount", "flowStartMilliseconds", "flowEndMilliseconds"];

// Per capture: [selector text, the same as a predicate] for A (v5), B+C (IPFIX), D (v9).
// Each picks a real part of the capture — not nothing, not everything (asserted below), except
// A on zeek--pppoe.pcap: the capture is IPv6 only and NetFlow v5 carries IPv4 only (an IPv6
// selector on a v5 target is refused), so A rightly gets no flow there; its PPPoE framing is
// proven by B, C and D.
const RUNS = [
  { name: "zeek--ssh--ssh.pcap", // IPv4, 48 flows, TCP and UDP
    a: ["src net 192.168.1.0/24", srcNet("192.168.1.0/24")],
    bc: ["net 128.2.0.0/16 or net 131.159.0.0/16", or(net("128.2.0.0/16"), net("131.159.0.0/16"))],
    d: ["port 22", port(22)] },
  { name: "zeek--dhcp--dhcp_flood.pcap", // 500 flows: the round-robin shares span several datagrams each
    a: ["src net 128.2.5.128/25", srcNet("128.2.5.128/25")],
    bc: ["src net 128.2.7.0/24", srcNet("128.2.7.0/24")],
    d: ["dst port 67 and dst net 128.2.7.0/26", and(dstPort(67), dstNet("128.2.7.0/26"))] },
  { name: "derived--mixed-links.pcapng", // IPv4 and IPv6, Ethernet, raw IP and loopback framing in one file
    a: ["src net 10.0.2.0/24", srcNet("10.0.2.0/24")],
    bc: ["net 192.168.1.0/24 or ip6 or host 192.0.2.1", or(net("192.168.1.0/24"), (f) => !v4(f), net("192.0.2.1/32"))],
    d: ["port 53", port(53)] },
  { name: "zeek--mixed-vlan-mpls.pcap", // 802.1Q tags and MPLS labels
    a: ["src net 10.0.0.0/8", srcNet("10.0.0.0/8")],
    bc: ["net 141.42.0.0/16", net("141.42.0.0/16")],
    d: ["port 23", port(23)] },
  { name: "zeek--vlan-qinqinq.pcap", // three stacked VLAN tags
    a: ["src net 141.142.0.0/16", srcNet("141.142.0.0/16")],
    bc: ["src net 192.150.187.0/24", srcNet("192.150.187.0/24")],
    d: ["dst port 80", dstPort(80)] },
  { name: "zeek--pppoe.pcap", // IPv6 in PPPoE sessions
    a: ["ip", v4],
    bc: ["net fc00::/16", net("fc00::/16")],
    d: ["dst port 546", dstPort(546)] },
];

// ---- sums, keyed alike on both sides ----
const portless = (proto, src) => (src.includes(":") ? proto === 58 : proto === 1);
/** 5-tuple key (A, D); `noSport` drops the source port (B, C: the field list's key). ICMP by address and protocol. */
const keyOf = (src, dst, proto, sport, dport, noSport = false) =>
  portless(proto, src) ? `${canon(src)}|${canon(dst)}|${proto}`
    : noSport ? `${canon(src)}|${canon(dst)}|${proto}|${dport}` : `${canon(src)}|${canon(dst)}|${proto}|${sport}|${dport}`;

/** Adds one flow's counts and times (ms, BigInt) into map `m` under `k`. */
function add(m, k, packets, bytes, first, last) {
  const g = m.get(k) ?? { packets: 0n, bytes: 0n, first: null, last: null };
  g.packets += BigInt(packets);
  g.bytes += BigInt(bytes);
  if (first !== null && (g.first === null || first < g.first)) g.first = first;
  if (last !== null && (g.last === null || last > g.last)) g.last = last;
  m.set(k, g);
}
/** nfdump's flows (one collector or several) summed per key. */
function nfdumpSums(flows, noSport = false) {
  const m = new Map();
  for (const f of flows) {
    const k = keyOf(f.src4_addr ?? f.src6_addr, f.dst4_addr ?? f.dst6_addr, f.proto, f.src_port, f.dst_port, noSport);
    add(m, k, f.in_packets, f.in_bytes, nfdumpTimeMs(f.first), nfdumpTimeMs(f.last));
  }
  return m;
}
/** The oracle's flows that `keep` chooses, summed the same way (times truncated to ms, as the records carry them). */
function oracleSums(oracle, keep, noSport = false) {
  const m = new Map();
  for (const f of oracle.flows.filter(keep)) {
    add(m, keyOf(f.src, f.dst, f.proto, f.sport, f.dport, noSport), f.packets, f.bytes,
      f.first ? secondsToNs(f.first) / 1000000n : null, f.last ? secondsToNs(f.last) / 1000000n : null);
  }
  return m;
}
const show = (m) => Object.fromEntries([...m].sort().map(([k, g]) => [k, `${g.packets} packets, ${g.bytes} bytes, ${g.first}-${g.last} ms`]));
const num = (s) => Number(s.replace(/,/g, ""));

/** The summary's per-target blocks: { name: { selected, collectors: [{ label, sent, notSent, records }] } }. */
function targetLines(stderr) {
  const out = {};
  let cur = null;
  for (const line of stderr.split("\n")) {
    const t = /^ {2}target (\S+) .*packets selected ([\d,]+);/.exec(line);
    if (t) out[t[1]] = cur = { selected: num(t[2]), collectors: [] };
    const c = /^ {4}collector (\S+): datagrams ([\d,]+) = sent ([\d,]+) \+ not sent ([\d,]+) .*its datagrams held ([\d,]+) flow records?/.exec(line);
    if (c && cur) cur.collectors.push({ label: c[1], datagrams: num(c[2]), sent: num(c[3]), notSent: num(c[4]), records: num(c[5]) });
  }
  return out;
}

/** The config file of one run: A gets v5, B and C IPFIX in turns (MTU 576: several datagrams
 * where the share is large), D v9. */
function configFor(file, run, [a, b, c, d]) {
  return {
    read: file, seed: 1, export_rate: 0,
    targets: [
      { name: "a-v5", protocol: 5, select: run.a[0], destinations: [`127.0.0.1:${a}`] },
      { name: "bc-ipfix", protocol: 10, select: run.bc[0], fields: FIELDS, mtu: 576, mode: "round-robin",
        destinations: [`127.0.0.1:${b}`, `127.0.0.1:${c}`] },
      { name: "d-v9", protocol: 9, select: run.d[0], destinations: [`127.0.0.1:${d}`] },
    ],
  };
}

/** Writes the config, runs flowprobe --config on it, returns its result and summary. */
function runConfig(config) {
  const dir = mkdtempSync(path.join(tmpdir(), "fp-prf-"));
  try {
    const cfg = path.join(dir, "flowprobe.json");
    writeFileSync(cfg, JSON.stringify(config, null, 2));
    const r = flowprobe(["--config", cfg]);
    assert.equal(r.status, 0, r.stderr);
    return { r, targets: targetLines(r.stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every check one collector's own decoding must pass. */
function decodedAlone(got, line, what) {
  assert.equal(line.notSent, 0, `${what}: every datagram sent`);
  assert.match(got.log, /Bad Packets: 0/, `${what}: ${got.log}`);
  assert.doesNotMatch(got.log, /template|skip|error:/i, `${what}: ${got.log}`);
  // alone, it decoded every record its datagrams held: none went by a template it lacked
  assert.equal(got.flows.length, line.records, `${what}: decoded ${got.flows.length} of its ${line.records} records\n${got.log}`);
}

for (const run of RUNS) {
  test(`three targets from one config file into four nfcapd: ${run.name}: each collector holds the oracle restricted to its selector`, async () => {
    const file = path.join(fixtures, "pcaps", run.name);
    const oracle = JSON.parse(readFileSync(`${file}.oracle.json`, "utf8"));
    const all = oracle.flows.length;
    const wantA = oracleSums(oracle, and(v4, run.a[1]));
    const wantBC = oracleSums(oracle, run.bc[1], true);
    const wantD = oracleSums(oracle, run.d[1]);
    // the selectors choose a part: B+C and D something and not everything; A the same where the capture has IPv4
    for (const [what, keep] of [["B+C", run.bc[1]], ["D", run.d[1]], ...(oracle.flows.some(v4) ? [["A", run.a[1]]] : [])]) {
      const n = oracle.flows.filter(keep).length;
      assert.ok(n > 0 && n < all, `${run.name}: ${what}'s selector takes ${n} of ${all} flows: a real part`);
    }

    const nfs = [];
    for (let i = 0; i < 4; i++) nfs.push(await startNfcapd());
    let r, targets;
    try {
      ({ r, targets } = runConfig(configFor(file, run, nfs.map((n) => n.port))));
    } catch (e) {
      for (const n of nfs) n.kill();
      throw e;
    }
    const got = [];
    for (const n of nfs) got.push(await n.stop());
    const [gotA, gotB, gotC, gotD] = got;
    const ta = targets["a-v5"], tbc = targets["bc-ipfix"], td = targets["d-v9"];
    assert.ok(ta && tbc && td, r.stderr);
    assert.equal(ta.collectors.length, 1);
    assert.equal(tbc.collectors.length, 2);
    assert.equal(td.collectors.length, 1);

    decodedAlone(gotA, ta.collectors[0], `${run.name}: A (v5)`);
    decodedAlone(gotB, tbc.collectors[0], `${run.name}: B (IPFIX, first turn)`);
    decodedAlone(gotC, tbc.collectors[1], `${run.name}: C (IPFIX, second turn)`);
    decodedAlone(gotD, td.collectors[0], `${run.name}: D (v9)`);
    // each collector's own sequence numbers: no gap in v5 (flows) or v9 (packets). (IPFIX's count
    // options records, which nfdump 1.7 does not: export-nfcapd.test.mjs, nfdumpSequenceErrors.)
    assert.match(gotA.log, /Sequence Errors: 0,/, gotA.log);
    assert.match(gotD.log, /Sequence Errors: 0,/, gotD.log);

    assert.deepEqual(show(nfdumpSums(gotA.flows)), show(wantA), `${run.name}: A = the oracle's IPv4 flows of "${run.a[0]}"\n${r.stderr}`);
    assert.deepEqual(show(nfdumpSums(gotD.flows)), show(wantD), `${run.name}: D = the oracle of "${run.d[0]}"\n${r.stderr}`);
    assert.deepEqual(show(nfdumpSums([...gotB.flows, ...gotC.flows], true)), show(wantBC),
      `${run.name}: B and C together = the oracle of "${run.bc[0]}" by the field list's key\n${r.stderr}`);
    // the list's template: no source port (nfdump reads 0; ICMP flows show their type and code)
    for (const f of [...gotB.flows, ...gotC.flows]) if (!portless(f.proto, f.src4_addr ?? f.src6_addr)) assert.equal(f.src_port, 0, JSON.stringify(f));
    // a share each where the target's flows fill several datagrams
    if (tbc.collectors[0].records + tbc.collectors[1].records > 30) {
      assert.ok(gotB.flows.length > 0 && gotC.flows.length > 0, `both collectors got a share: ${gotB.flows.length}, ${gotC.flows.length}`);
    }
    // the core's per-target counts agree: a target selected the packets of its oracle flows
    const packets = (m) => [...m.values()].reduce((s, g) => s + g.packets, 0n);
    assert.equal(BigInt(tbc.selected), packets(wantBC), r.stderr);
    assert.equal(BigInt(td.selected), packets(wantD), r.stderr);
    assert.equal(BigInt(ta.selected), BigInt(oracle.flows.filter(run.a[1]).reduce((s, f) => s + f.packets, 0)), r.stderr);
  });
}

test("pmacct's nfacctd reads one round-robin collector's share of the three-target config as nfdump does", async () => {
  const run = RUNS.find((x) => x.name === "zeek--dhcp--dhcp_flood.pcap");
  const file = path.join(fixtures, "pcaps", run.name);
  // the same run twice (a file's turns are the same every time): collector B once nfcapd, once nfacctd
  const first = [];
  for (let i = 0; i < 4; i++) first.push(await startNfcapd());
  runConfig(configFor(file, run, first.map((n) => n.port)));
  const nfdumpB = (await Promise.all(first.map((n) => n.stop())))[1];
  const pm = await startNfacctd();
  const others = [await startNfcapd(), await startNfcapd(), await startNfcapd()];
  const { targets } = runConfig(configFor(file, run, [others[0].port, pm.port, others[1].port, others[2].port]));
  const { lines, log } = await pm.stop();
  for (const n of others) await n.stop();
  assert.doesNotMatch(log, /malformed|incomplete|unable to read/i, log);
  const share = nfdumpSums(nfdumpB.flows, true);
  const [b, c] = targets["bc-ipfix"].collectors;
  assert.ok(b.records > 20 && c.records > 20 && nfdumpB.flows.length === b.records, `a share, neither nothing nor all: B ${b.records}, C ${c.records} records`);
  const pmacct = new Map();
  for (const l of lines) add(pmacct, keyOf(l.ip_src, l.ip_dst, Number(l.ip_proto), l.port_src, l.port_dst, true), l.packets, l.bytes, null, null);
  const counts = (m) => Object.fromEntries([...m].sort().map(([k, g]) => [k, `${g.packets} packets, ${g.bytes} bytes`]));
  assert.deepEqual(counts(pmacct), counts(share), `nfacctd said: ${log.slice(-800)}`);
});
